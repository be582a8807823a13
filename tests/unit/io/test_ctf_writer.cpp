// The .ctf writer on made-up volumes, and the hexagonal alignment option in a round trip.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <numbers>
#include <sstream>

#include "ebsd/core/error.hpp"
#include "ebsd/io/ctf.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "run_command.hpp"

namespace {

using ebsd::test::read_file;
using ebsd::test::TempDir;
constexpr double kDeg = std::numbers::pi / 180.0;

std::vector<std::vector<std::string>> data_fields(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::string line;
  std::vector<std::vector<std::string>> out;
  bool data = false;
  while (std::getline(f, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!data) {
      data = line.rfind("Phase\tX\t", 0) == 0;
      continue;
    }
    if (line.empty()) continue;
    std::vector<std::string> r;
    std::istringstream s(line);
    std::string tok;
    while (std::getline(s, tok, '\t')) r.push_back(tok);
    out.push_back(r);
  }
  return out;
}

TEST(CtfWriter, VolumeNotFromACtfFileUsesOxfordLayout) {
  TempDir dir;
  ebsd::Volume v({2, 1, 1}, {0.5, 0.5, 0.5});
  v.phases() = {ebsd::Phase{"Magnesium", ebsd::LaueGroup::HexagonalHigh, {3.2089, 3.2089, 5.2101, 90, 90, 120}}};
  v.set_orientation(0, ebsd::quat_from_euler({99.591 * kDeg, 20.385 * kDeg, 37.253 * kDeg}));
  v.valid()[0] = 1;
  v.phase_ids()[0] = 1;
  v.image_quality()[0] = 111.0f;
  v.valid()[1] = 0;  // not indexed: phase 0, Error 3
  ebsd::io::write_ctf(dir.path() / "out.ctf", v);
  const std::string text = read_file(dir.path() / "out.ctf");
  EXPECT_EQ(text.rfind("Channel Text File\r\n", 0), 0u);
  EXPECT_NE(text.find("XCells\t2\r\n"), std::string::npos);
  EXPECT_NE(text.find("XStep\t0.5\r\n"), std::string::npos);
  EXPECT_NE(text.find("Phases\t1\r\n3.2089;3.2089;5.2101\t90;90;120\tMagnesium\t9"), std::string::npos);
  EXPECT_NE(text.find("Phase\tX\tY\tBands\tError\tEuler1\tEuler2\tEuler3\tMAD\tBC\tBS\r\n"), std::string::npos);
  const auto rows = data_fields(dir.path() / "out.ctf");
  ASSERT_EQ(rows.size(), 2u);
  // Degrees, five digit characters, as Oxford prints them.
  EXPECT_EQ(rows[0], (std::vector<std::string>{"1", "0", "0", "0", "0", "99.591", "20.385", "37.253", "0", "111", "0"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"0", "0.5", "0", "0", "3", "0.0000", "0.0000", "0.0000", "0", "0", "0"}));
  const auto back = ebsd::io::read_ctf(dir.path() / "out.ctf").volume;
  EXPECT_EQ(back.phases(), v.phases());
  EXPECT_TRUE(back.is_valid(0));
  EXPECT_FALSE(back.is_valid(1));
  EXPECT_NEAR(std::fabs(back.orientation(0).dot(v.orientation(0))), 1.0, 1e-6);  // float32 quaternions
}

TEST(CtfWriter, HexagonalAlignmentOptionStillWritesTheFileAngles) {
  // Read with phi2 + 30 deg (TSL alignment): the writer turns hexagonal orientations back to
  // HKL's convention, so the file's own angles come back.
  TempDir dir;
  const std::string file = std::string(EBSD_SHARED_DIR) + "/data/real/maps_2d/ebsdlib_Test_US_1_Zircaloy4.ctf";
  ebsd::io::CtfReadOptions o;
  o.hexagonal_to_tsl_alignment = true;
  const auto r = ebsd::io::read_ctf(file, o);
  ebsd::io::write_ctf(dir.path() / "out.ctf", r.volume);
  EXPECT_EQ(data_fields(dir.path() / "out.ctf"), data_fields(file));
}

TEST(CtfWriter, ThreeDVolumeGivesOneFilePerSliceAndFailuresLeaveNoFile) {
  TempDir dir;
  ebsd::Volume v({2, 2, 2});
  v.phases() = {ebsd::Phase{}};
  const auto files = ebsd::io::write_ctf_slices(dir.path() / "s.ctf", v);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[1].filename(), "s_001.ctf");
  EXPECT_EQ(ebsd::io::read_ctf(files[1]).volume.dims(), (ebsd::Index3{2, 2, 1}));
  EXPECT_THROW(ebsd::io::write_ctf(dir.path() / "x.ctf", v, 2), ebsd::Error);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "x.ctf"));
}

}  // namespace

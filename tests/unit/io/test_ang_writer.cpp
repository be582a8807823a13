// The .ang writer on made-up volumes and on files whose angles a float32 quaternion cannot
// give back (Phi = 0, Phi > pi, phi1 = 2 pi, unindexed rows with arbitrary angles).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <numbers>
#include <sstream>

#include "ebsd/core/error.hpp"
#include "ebsd/io/ang.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "run_command.hpp"

namespace {

using ebsd::test::read_file;
using ebsd::test::TempDir;

// Data rows of an .ang text as numbers, in file order.
std::vector<std::vector<double>> data_rows(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::string line;
  std::vector<std::vector<double>> out;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream s(line);
    std::vector<double> r;
    std::string tok;
    while (s >> tok) r.push_back(std::strtod(tok.c_str(), nullptr));
    if (!r.empty()) out.push_back(r);
  }
  return out;
}

constexpr const char* kHeader =
    "# TEM_PIXperUM          1.000000\n"
    "# Phase 1\n"
    "# MaterialName  \tNickel\n"
    "# Symmetry              43\n"
    "# LatticeConstants      3.520 3.520 3.520  90.000  90.000  90.000\n"
    "# GRID: SqrGrid\n"
    "# XSTEP: 0.500000\n"
    "# YSTEP: 0.500000\n"
    "# NCOLS_ODD: 2\n"
    "# NCOLS_EVEN: 2\n"
    "# NROWS: 2\n"
    "#\n";

// Rows a float32 quaternion cannot give back: Phi = 0 (only phi1 + phi2 is defined), Phi above
// pi with phi1 at 2 pi (euler_from_quat returns the equivalent (phi1 + pi, 2 pi - Phi, ...)),
// and an unindexed row with angles that are not the 4 pi marker.
constexpr const char* kAwkwardRows =
    "  1.00000  0.00000  0.50000  0.00000  0.00000  50.0  0.900  1\n"
    "  6.28318  4.00000  0.20000  0.50000  0.00000  60.0  0.800  1\n"
    "  0.30000  0.70000  0.20000  0.00000  0.50000  70.0  0.700  1\n"
    "  1.00000  2.00000  3.00000  0.50000  0.50000  10.0 -1.000  1\n";

TEST(AngWriter, AwkwardAnglesComeBackDigitForDigit) {
  TempDir dir;
  std::ofstream(dir.path() / "in.ang") << kHeader << kAwkwardRows;
  const auto r = ebsd::io::read_ang(dir.path() / "in.ang");
  // The reader noticed that the quaternions alone would not do and kept the angles.
  EXPECT_TRUE(r.volume.has_channel("source_euler1"));
  ebsd::io::write_ang(dir.path() / "out.ang", r.volume);
  const auto in = data_rows(dir.path() / "in.ang");
  const auto out = data_rows(dir.path() / "out.ang");
  ASSERT_EQ(out.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(out[i], in[i]) << "row " << i;
}

TEST(AngWriter, KeptAnglesAreNotWrittenOnceTheOrientationChanged) {
  TempDir dir;
  std::ofstream(dir.path() / "in.ang") << kHeader << kAwkwardRows;
  auto v = ebsd::io::read_ang(dir.path() / "in.ang").volume;
  // A processing step turns the first voxel (Phi = 0) to Euler (0.1, 0.2, 0.3).
  v.set_orientation(0, ebsd::quat_from_euler({0.1, 0.2, 0.3}));
  ebsd::io::write_ang(dir.path() / "out.ang", v);
  const auto out = data_rows(dir.path() / "out.ang");
  EXPECT_NEAR(out[0][0], 0.1, 1e-5);
  EXPECT_NEAR(out[0][1], 0.2, 1e-5);
  EXPECT_NEAR(out[0][2], 0.3, 1e-5);
  EXPECT_EQ(out[1][0], 6.28318);  // untouched voxels keep their text
}

TEST(AngWriter, VolumeNotFromAnAngFileUsesTslLayout) {
  TempDir dir;
  ebsd::Volume v({2, 1, 1}, {0.25, 0.25, 0.25}, {1.0, 2.0, 0.0});
  v.phases() = {ebsd::Phase{"Iron", ebsd::LaueGroup::CubicHigh, {2.87, 2.87, 2.87, 90, 90, 90}}};
  v.set_orientation(0, ebsd::Quat::identity());
  v.valid()[0] = 1;
  v.phase_ids()[0] = 1;
  v.confidence()[0] = 0.543f;
  v.image_quality()[0] = 213.8f;
  v.valid()[1] = 0;  // written as TSL writes unindexed points
  v.confidence()[1] = -1.0f;
  ebsd::io::write_ang(dir.path() / "out.ang", v);
  const std::string text = read_file(dir.path() / "out.ang");
  EXPECT_NE(text.find("# Symmetry              43"), std::string::npos);
  EXPECT_NE(text.find("# LatticeConstants      2.870 2.870 2.870 90.000 90.000 90.000"), std::string::npos);
  EXPECT_NE(text.find("# GRID: SqrGrid"), std::string::npos);
  EXPECT_NE(text.find("# XSTEP: 0.250000"), std::string::npos);
  EXPECT_NE(text.find("# NCOLS_ODD: 2"), std::string::npos);
  EXPECT_NE(text.find("# NROWS: 1"), std::string::npos);
  const auto rows = data_rows(dir.path() / "out.ang");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<double>{0, 0, 0, 1.0, 2.0, 213.8, 0.543, 1}));
  EXPECT_EQ(rows[1], (std::vector<double>{12.56637, 12.56637, 12.56637, 1.25, 2.0, 0, -1, 0}));
  // And it reads back as the same volume content.
  const auto back = ebsd::io::read_ang(dir.path() / "out.ang").volume;
  EXPECT_EQ(back.dims(), v.dims());
  EXPECT_EQ(back.phases(), v.phases());
  EXPECT_TRUE(back.is_valid(0));
  EXPECT_FALSE(back.is_valid(1));
  EXPECT_FLOAT_EQ(back.confidence()[0], 0.543f);
  EXPECT_FLOAT_EQ(back.image_quality()[0], 213.8f);
}

TEST(AngWriter, AnglesThatRoundUpTo2PiAreWrittenNear0AndReadBackUnchanged) {
  TempDir dir;
  ebsd::Volume v({1, 1, 1});
  v.phases() = {ebsd::Phase{}};
  v.valid()[0] = 1;
  v.phase_ids()[0] = 1;
  // phi1 = 2 pi - 1e-7 = 6.2831852 would print as "6.28319", above 2 pi; it is the same
  // orientation as phi1 = -1e-7, printed "0.00000".
  v.set_orientation(0, ebsd::quat_from_euler({2 * std::numbers::pi - 1e-7, 1.0, 0.5}));
  ebsd::io::write_ang(dir.path() / "a.ang", v);
  const auto rows = data_rows(dir.path() / "a.ang");
  EXPECT_EQ(rows[0][0], 0.0);
  EXPECT_EQ(rows[0][1], 1.0);
  EXPECT_EQ(rows[0][2], 0.5);
  // Reading that file needs no kept angles, and writing it again gives the same text.
  const auto r = ebsd::io::read_ang(dir.path() / "a.ang");
  EXPECT_FALSE(r.volume.has_channel("source_euler1"));
  ebsd::io::write_ang(dir.path() / "b.ang", r.volume);
  EXPECT_EQ(data_rows(dir.path() / "b.ang"), rows);
}

TEST(AngWriter, ThreeDVolumeGivesOneFilePerSlice) {
  TempDir dir;
  ebsd::Volume v({3, 2, 3}, {1.0, 1.0, 2.0});
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    v.valid()[static_cast<std::size_t>(i)] = 1;
    v.phase_ids()[static_cast<std::size_t>(i)] = 1;
    v.confidence()[static_cast<std::size_t>(i)] = static_cast<float>(v.coords(i)[2]) / 10.0f;  // the slice number, to tell slices apart
  }
  v.phases() = {ebsd::Phase{}};
  const auto files = ebsd::io::write_ang_slices(dir.path() / "scan.ang", v);
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].filename(), "scan_000.ang");
  EXPECT_EQ(files[2].filename(), "scan_002.ang");
  for (int z = 0; z < 3; ++z) {
    const auto s = ebsd::io::read_ang(files[static_cast<std::size_t>(z)]).volume;
    EXPECT_EQ(s.dims(), (ebsd::Index3{3, 2, 1}));
    EXPECT_FLOAT_EQ(s.confidence()[4], static_cast<float>(z) / 10.0f);
  }
}

TEST(AngWriter, FailuresLeaveNoFile) {
  TempDir dir;
  ebsd::Volume v({2, 2, 1});
  EXPECT_THROW(ebsd::io::write_ang(dir.path() / "a.ang", v, 1), ebsd::Error);
  EXPECT_THROW(ebsd::io::write_ang(dir.path() / "no" / "such" / "dir.ang", v), ebsd::Error);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

}  // namespace

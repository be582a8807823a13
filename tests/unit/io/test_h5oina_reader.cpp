// The Oxford .h5oina reader on files written here as AZtec writes them (oinanoanalysis/h5oina
// H5OINAFile.md: UTF-8 variable-length strings, header values of shape (1, 1), Euler (n, 3) in
// radians, Phase and Band Contrast uint8, MAD in radians, NaN outside the acquisition area).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <numbers>

#include "ebsd/core/error.hpp"
#include "ebsd/io/h5oina.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "h5_vendor_file_writer.hpp"
#include "run_command.hpp"

namespace {

namespace fs = std::filesystem;
namespace w = ebsd::test::h5w;
constexpr double kDeg = std::numbers::pi / 180.0;

double misfit(const ebsd::Quat& a, const ebsd::Quat& b) { return 1.0 - std::fabs(a.dot(b)); }

// 3 x 2 map. Phase 1 nickel (Laue 11, lattice angles in radians as the specification says),
// phase 2 titanium (Laue 9, lattice angles in degrees as some versions wrote them).
// Point 2: not indexed (phase 0, Error 2); point 5: outside the acquisition area (NaN).
const std::vector<float> kEuler = {0.1f, 0.2f, 0.3f, 1.0f, 0.5f, 2.0f, 0.0f, 0.0f, 0.0f,
                                   3.0f, 1.5f, 0.25f, 6.0f, 0.1f, 5.5f, NAN, NAN, NAN};

void write_root(hid_t f, const std::string& version = "5.0") {
  w::variable_string(f, "Format Version", version, {1});
  w::variable_string(f, "Manufacturer", "Oxford Instruments", {1});
  w::variable_string(f, "Software Version", "6.0.7006.1000", {1});
}

void write_map(hid_t f, const std::string& slice = "1", std::int32_t xcells = 3) {
  const std::string h = slice + "/EBSD/Header/", d = slice + "/EBSD/Data/";
  w::scalar_i32(f, h + "X Cells", xcells, {1, 1});
  w::scalar_i32(f, h + "Y Cells", 2, {1, 1});
  w::scalar_f32(f, h + "X Step", 0.4f, {1, 1});
  w::scalar_f32(f, h + "Y Step", 0.4f, {1, 1});
  w::variable_string(f, h + "Project Label", "Project 1", {1});
  w::variable_string(f, h + "Phases/1/Phase Name", "Nickel", {1});
  w::variable_string(f, h + "Phases/1/Reference", "Wyckoff", {1});
  w::scalar_i32(f, h + "Phases/1/Laue Group", 11, {1, 1});
  w::scalar_i32(f, h + "Phases/1/Space Group", 225, {1, 1});
  w::dataset(f, h + "Phases/1/Lattice Dimensions", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, std::vector<float>{3.52f, 3.52f, 3.52f}, {1, 3});
  const auto right = static_cast<float>(std::numbers::pi / 2.0);
  w::dataset(f, h + "Phases/1/Lattice Angles", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, std::vector<float>{right, right, right}, {1, 3});
  w::variable_string(f, h + "Phases/2/Phase Name", "Titanium", {1});
  w::scalar_i32(f, h + "Phases/2/Laue Group", 9, {1, 1});
  w::dataset(f, h + "Phases/2/Lattice Dimensions", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, std::vector<float>{2.95f, 2.95f, 4.68f}, {1, 3});
  w::dataset(f, h + "Phases/2/Lattice Angles", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, std::vector<float>{90, 90, 120}, {1, 3});
  w::dataset(f, d + "Euler", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, kEuler, {6, 3});
  w::uint8s(f, d + "Phase", {1, 1, 0, 2, 1, 0});
  w::uint8s(f, d + "Error", {1, 7, 2, 1, 1, 0});
  w::uint8s(f, d + "Bands", {9, 8, 0, 10, 7, 0});
  w::uint8s(f, d + "Band Contrast", {150, 140, 30, 160, 120, 0});
  w::uint8s(f, d + "Band Slope", {100, 90, 10, 110, 80, 0});
  const float mad = static_cast<float>(0.5 * kDeg);
  w::floats(f, d + "Mean Angular Deviation", {mad, mad, 0.0f, mad, mad, NAN});
  w::floats(f, d + "X", {5.0f, 5.4f, 5.8f, 5.0f, 5.4f, NAN});
  w::floats(f, d + "Y", {7.0f, 7.0f, 7.0f, 7.4f, 7.4f, NAN});
}

fs::path map_file(const ebsd::test::TempDir& t) {
  const fs::path p = t / "map.h5oina";
  w::File f(p);
  write_root(f.id());
  write_map(f.id());
  return p;
}

TEST(H5oinaReader, GridPhasesUnitsAndPoints) {
  ebsd::test::TempDir t;
  const auto r = ebsd::io::read_h5oina(map_file(t));
  const auto& v = r.volume;
  EXPECT_EQ(v.dims(), (ebsd::Index3{3, 2, 1}));
  EXPECT_NEAR(v.spacing()[0], 0.4, 1e-7);
  EXPECT_NEAR(v.origin()[0], 5.0, 1e-6);
  EXPECT_NEAR(v.origin()[1], 7.0, 1e-6);
  EXPECT_EQ(r.report.format, "h5oina");
  EXPECT_EQ(r.report.angle_unit_in_file, "rad");
  EXPECT_DOUBLE_EQ(r.report.recommended_sample_rotation.angle_deg, 180.0);
  EXPECT_DOUBLE_EQ(r.report.recommended_crystal_rotation.angle_deg, 0.0);
  ASSERT_EQ(v.phases().size(), 2u);
  EXPECT_EQ(v.phases()[0].name, "Nickel");
  EXPECT_EQ(v.phases()[0].laue, ebsd::LaueGroup::CubicHigh);
  EXPECT_NEAR(v.phases()[0].lattice[3], 90.0, 1e-4);  // radians in the file, degrees here
  EXPECT_EQ(v.phases()[1].laue, ebsd::LaueGroup::HexagonalHigh);
  EXPECT_NEAR(v.phases()[1].lattice[5], 120.0, 1e-9);  // degrees in the file, kept
  EXPECT_EQ(r.report.header["lattice_angle_unit_in_file"], "mixed");
  // Point 3 = (0, 1): phase 2, Euler (3.0, 1.5, 0.25) rad.
  const auto i = static_cast<std::size_t>(v.index(0, 1, 0));
  EXPECT_LT(misfit(v.orientation(static_cast<std::int64_t>(i)), ebsd::quat_from_euler({3.0, 1.5, 0.25})), 1e-6);
  EXPECT_EQ(v.phase_ids()[i], 2);
  EXPECT_FLOAT_EQ(v.confidence()[i], 1.0f);
  EXPECT_FLOAT_EQ(v.image_quality()[i], 160.0f);
  EXPECT_NEAR(v.channel("mad").values[i], 0.5, 1e-5);
  EXPECT_EQ(v.channel("mad").unit, "deg");
  EXPECT_FLOAT_EQ(v.channel("band_slope").values[i], 110.0f);
  EXPECT_FLOAT_EQ(v.channel("bands").values[i], 10.0f);
  // Point 1 was replaced by clean-up: indexed. Point 2: not indexed. Point 5: outside the area.
  EXPECT_TRUE(v.is_valid(1));
  EXPECT_FALSE(v.is_valid(2));
  EXPECT_FLOAT_EQ(v.confidence()[2], 0.0f);
  EXPECT_FALSE(v.is_valid(5));
  EXPECT_EQ(v.phase_ids()[5], 0);
  std::int64_t valid = 0;
  for (auto b : v.valid()) valid += b;
  EXPECT_EQ(valid, 4);
  bool outside_told = false, hex_told = false;
  for (const auto& text : r.report.warnings) {
    outside_told |= text.find("outside the acquisition area") != std::string::npos;
    hex_told |= text.find("no 30 deg correction") != std::string::npos;
  }
  EXPECT_TRUE(outside_told);
  EXPECT_TRUE(hex_told);
}

TEST(H5oinaReader, HexagonalAlignmentOnlyTouchesHexagonalPhases) {
  ebsd::test::TempDir t;
  ebsd::io::H5oinaReadOptions o;
  o.hexagonal_to_tsl_alignment = true;
  const auto& v = ebsd::io::read_h5oina(map_file(t), o).volume;
  EXPECT_LT(misfit(v.orientation(3), ebsd::quat_from_euler({3.0, 1.5, 0.25 + 30.0 * kDeg})), 1e-6);
  EXPECT_LT(misfit(v.orientation(0), ebsd::quat_from_euler({0.1, 0.2, 0.3})), 1e-6);
}

TEST(H5oinaReader, NewerFormatVersionReadsWithAWarningAndSliceOptionWorks) {
  ebsd::test::TempDir t;
  const fs::path p = t / "v7.h5oina";
  {
    w::File f(p);
    write_root(f.id(), "7.0");
    write_map(f.id(), "1");
    write_map(f.id(), "2");
  }
  const auto r = ebsd::io::read_h5oina(p);
  bool version_told = false;
  for (const auto& text : r.report.warnings) version_told |= text.find("7.0") != std::string::npos;
  EXPECT_TRUE(version_told);
  EXPECT_EQ(r.report.header["slice"], "1");
  ebsd::io::H5oinaReadOptions o;
  o.slice = "2";
  EXPECT_EQ(ebsd::io::read_h5oina(p, o).report.header["slice"], "2");
}

ebsd::Error read_error(const fs::path& p) {
  try {
    ebsd::io::read_h5oina(p);
  } catch (const ebsd::Error& e) {
    EXPECT_EQ(e.file(), p.string());
    return e;
  }
  ADD_FAILURE() << "no error for " << p;
  return ebsd::Error("");
}

ebsd::Error damaged(const ebsd::test::TempDir& t, const std::string& name, const std::function<void(hid_t)>& damage) {
  const fs::path p = t / (name + ".h5oina");
  {
    w::File f(p);
    write_root(f.id());
    write_map(f.id());
    damage(f.id());
  }
  return read_error(p);
}

TEST(H5oinaReader, AbsurdCellCountsFailWithoutAllocating) {
  ebsd::test::TempDir t;
  const fs::path p = t / "huge.h5oina";
  {
    w::File f(p);
    write_root(f.id());
    write_map(f.id(), "1", 1000000000);
  }
  const auto e = read_error(p);
  EXPECT_EQ(e.place(), "/1/EBSD/Data/Euler");
  EXPECT_NE(e.problem().find("2000000000"), std::string::npos);
  // The header and the dataset's shape both claim 10^9 points but the file stores none of them.
  const auto hollow = damaged(t, "hollow", [](hid_t f) {
    w::remove(f, "1/EBSD/Header/X Cells");
    w::scalar_i32(f, "1/EBSD/Header/X Cells", 500000000, {1, 1});
    w::remove(f, "1/EBSD/Data/Euler");
    w::unwritten_floats(f, "1/EBSD/Data/Euler", {1000000000, 3});
  });
  EXPECT_EQ(hollow.place(), "/1/EBSD/Data/Euler");
  EXPECT_NE(hollow.problem().find("stores only"), std::string::npos);
}

TEST(H5oinaReader, DamagedFilesNameTheDataset) {
  ebsd::test::TempDir t;
  EXPECT_EQ(damaged(t, "nophase", [](hid_t f) { w::remove(f, "1/EBSD/Data/Phase"); }).place(), "/1/EBSD/Data/Phase");
  EXPECT_EQ(damaged(t, "shape", [](hid_t f) {
              w::remove(f, "1/EBSD/Data/Euler");
              w::dataset(f, "1/EBSD/Data/Euler", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, std::vector<float>(18, 0.5f), {9, 2});
            }).place(),
            "/1/EBSD/Data/Euler");
  const auto nan = damaged(t, "nan", [](hid_t f) {
    auto e = kEuler;
    e[4] = NAN;  // point 1, indexed
    w::remove(f, "1/EBSD/Data/Euler");
    w::dataset(f, "1/EBSD/Data/Euler", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, e, {6, 3});
  });
  EXPECT_EQ(nan.place(), "/1/EBSD/Data/Euler");
  EXPECT_NE(nan.problem().find("point 1"), std::string::npos);
  EXPECT_EQ(damaged(t, "laue", [](hid_t f) {
              w::remove(f, "1/EBSD/Header/Phases/2/Laue Group");
              w::scalar_i32(f, "1/EBSD/Header/Phases/2/Laue Group", 12, {1, 1});
            }).place(),
            "/1/EBSD/Header/Phases/2/Laue Group");
  EXPECT_EQ(damaged(t, "phaseid", [](hid_t f) {
              w::remove(f, "1/EBSD/Data/Phase");
              w::uint8s(f, "1/EBSD/Data/Phase", {1, 1, 0, 3, 1, 0});
            }).place(),
            "/1/EBSD/Data/Phase");
  EXPECT_EQ(damaged(t, "version", [](hid_t f) {
              w::remove(f, "Format Version");
              w::variable_string(f, "Format Version", "five", {1});
            }).place(),
            "/Format Version");
  EXPECT_EQ(damaged(t, "degrees", [](hid_t f) {
              auto e = kEuler;
              e[3] = 100.0f;  // point 1 in degrees
              w::remove(f, "1/EBSD/Data/Euler");
              w::dataset(f, "1/EBSD/Data/Euler", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, e, {6, 3});
            }).place(),
            "/1/EBSD/Data/Euler");
}

TEST(H5oinaReader, SniffsByContent) {
  ebsd::test::TempDir t;
  EXPECT_TRUE(ebsd::io::looks_like_h5oina(map_file(t)));
  const fs::path edax = t / "edax.h5";
  {
    w::File f(edax);
    w::fixed_string(f.id(), " Manufacturer", "EDAX", {1});
    w::group(f.id(), "Scan 1/EBSD/Data");
  }
  EXPECT_FALSE(ebsd::io::looks_like_h5oina(edax));
  std::ofstream(t / "x.h5oina") << "Channel Text File";
  EXPECT_FALSE(ebsd::io::looks_like_h5oina(t / "x.h5oina"));
}

}  // namespace

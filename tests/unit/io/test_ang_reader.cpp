// The .ang reader against real files (../shared/data/real) and against broken ones.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "ebsd/core/error.hpp"
#include "ebsd/io/ang.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "run_command.hpp"

namespace {

const std::string kReal = std::string(EBSD_SHARED_DIR) + "/data/real/";

// Index of the voxel at sample position (x, y) in a 2D volume.
std::int64_t voxel_at(const ebsd::Volume& v, double x, double y) {
  const auto ix = std::llround((x - v.origin()[0]) / v.spacing()[0]);
  const auto iy = std::llround((y - v.origin()[1]) / v.spacing()[1]);
  return v.index(ix, iy, 0);
}

void expect_same_rotation(const ebsd::Quat& a, const ebsd::Quat& b, double tol) {
  EXPECT_NEAR(std::fabs(a.dot(b)), 1.0, tol) << a.w << " " << a.x << " " << a.y << " " << a.z;
}

TEST(AngReader, SmallIn100OutOfOrderRowsArePlacedByCoordinates) {
  const auto r = ebsd::io::read_ang(kReal + "small_in100/Small_IN100_slice_Out_Of_Order.ang");
  const auto& v = r.volume;
  EXPECT_EQ(v.dims(), (ebsd::Index3{189, 201, 1}));
  EXPECT_DOUBLE_EQ(v.spacing()[0], 0.25);
  EXPECT_DOUBLE_EQ(v.spacing()[1], 0.25);
  ASSERT_EQ(v.phases().size(), 1u);
  EXPECT_EQ(v.phases()[0].name, "Nickel");
  EXPECT_EQ(v.phases()[0].laue, ebsd::LaueGroup::CubicHigh);
  EXPECT_DOUBLE_EQ(v.phases()[0].lattice[0], 3.52);
  EXPECT_EQ(r.report.angle_unit_in_file, "rad");
  EXPECT_EQ(r.report.grid, "square");
  // Counted with awk on the file text: 31063 rows have CI >= 0 and Euler angles below 4 pi.
  std::int64_t valid = 0;
  for (auto b : v.valid()) valid += b;
  EXPECT_EQ(valid, 31063);
  // The row " 2.78742 1.42648 0.98712 10.00000 20.00000 213.8 0.543 0 2032 -1.015" of the file.
  const auto i = voxel_at(v, 10.0, 20.0);
  ASSERT_TRUE(v.is_valid(i));
  expect_same_rotation(v.orientation(i), ebsd::quat_from_euler({2.78742, 1.42648, 0.98712}), 1e-6);
  EXPECT_FLOAT_EQ(v.image_quality()[static_cast<std::size_t>(i)], 213.8f);
  EXPECT_FLOAT_EQ(v.confidence()[static_cast<std::size_t>(i)], 0.543f);
  EXPECT_EQ(v.phase_ids()[static_cast<std::size_t>(i)], 1);  // legacy phase 0 means phase 1
  EXPECT_FLOAT_EQ(v.channel("sem_signal").values[static_cast<std::size_t>(i)], 2032.0f);
  EXPECT_FLOAT_EQ(v.channel("fit").values[static_cast<std::size_t>(i)], -1.015f);
  // An unindexed row (Euler 4 pi, CI -1) is invalid with phase 0.
  const auto u = voxel_at(v, 15.25, 1.5);
  EXPECT_FALSE(v.is_valid(u));
  EXPECT_EQ(v.phase_ids()[static_cast<std::size_t>(u)], 0);
}

TEST(AngReader, EmsoftEightColumnTwoPhaseFile) {
  const auto r = ebsd::io::read_ang(kReal + "maps_2d/orix_sdss_ferrite_austenite.ang");
  const auto& v = r.volume;
  EXPECT_EQ(v.dims(), (ebsd::Index3{117, 100, 1}));
  EXPECT_DOUBLE_EQ(v.spacing()[0], 1.5);
  ASSERT_EQ(v.phases().size(), 2u);
  EXPECT_EQ(v.phases()[0].name, "austenite/austenite");
  EXPECT_EQ(v.phases()[1].name, "ferrite/ferrite");
  EXPECT_DOUBLE_EQ(v.phases()[1].lattice[0], 2.867);
  EXPECT_FALSE(v.has_channel("sem_signal"));
  // Phase counts by awk on the text: 5657 austenite (1), 6043 ferrite (2).
  std::int64_t n1 = 0, n2 = 0;
  for (auto p : v.phase_ids()) (p == 1 ? n1 : n2) += (p == 1 || p == 2);
  EXPECT_EQ(n1, 5657);
  EXPECT_EQ(n2, 6043);
  // Row "2.84702 0.36413 3.45894 30.00000 45.00000 29.2 0.825 1".
  const auto i = voxel_at(v, 30.0, 45.0);
  expect_same_rotation(v.orientation(i), ebsd::quat_from_euler({2.84702, 0.36413, 3.45894}), 1e-6);
  EXPECT_FLOAT_EQ(v.confidence()[static_cast<std::size_t>(i)], 0.825f);
  EXPECT_EQ(v.phase_ids()[static_cast<std::size_t>(i)], 1);
}

// A small valid file to break in different ways.
std::string small_ang(int rows, int cols, const std::string& extra_header = "") {
  std::string s =
      "# TEM_PIXperUM 1.0\n# Phase 1\n# MaterialName Iron\n# Symmetry 43\n# LatticeConstants 2.87 2.87 2.87 90 90 90\n"
      "# GRID: SqrGrid\n# XSTEP: 0.5\n# YSTEP: 0.5\n# NCOLS_ODD: " +
      std::to_string(cols) + "\n# NCOLS_EVEN: " + std::to_string(cols) + "\n# NROWS: " + std::to_string(rows) + "\n" + extra_header;
  for (int y = 0; y < rows; ++y)
    for (int x = 0; x < cols; ++x)
      s += "0.1 0.2 0.3 " + std::to_string(x * 0.5) + " " + std::to_string(y * 0.5) + " 100.0 0.9 1 500 0.5\n";
  return s;
}

std::string read_error(const std::filesystem::path& p) {
  try {
    ebsd::io::read_ang(p);
  } catch (const ebsd::Error& e) {
    return e.what();
  }
  return "";
}

TEST(AngReader, BadInputGivesAnErrorNamingFileAndLine) {
  ebsd::test::TempDir t;
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(t / name, std::ios::binary) << text;
    return t / name;
  };
  // Truncated in the middle of a row.
  auto text = small_ang(4, 5);
  auto p = write("truncated.ang", text.substr(0, text.size() - 20));
  auto e = read_error(p);
  EXPECT_NE(e.find(p.string()), std::string::npos) << e;
  EXPECT_NE(e.find("line 31"), std::string::npos) << e;
  EXPECT_NE(e.find("columns"), std::string::npos) << e;
  // Non-numeric field.
  text = small_ang(2, 2);
  text.replace(text.rfind("100.0"), 5, "abcde");
  e = read_error(write("text.ang", text));
  EXPECT_NE(e.find("expected a number in column 6"), std::string::npos) << e;
  // NaN angle.
  text = small_ang(2, 2);
  text.replace(text.rfind("0.1 0.2"), 3, "nan");
  e = read_error(write("nan.ang", text));
  EXPECT_NE(e.find("not a finite number"), std::string::npos) << e;
  // Degrees where radians belong.
  text = small_ang(2, 2);
  text.replace(text.rfind("0.1 0.2 0.3"), 11, "45. 90. 30.");
  e = read_error(write("degrees.ang", text));
  EXPECT_NE(e.find("looks like degrees"), std::string::npos) << e;
  // Header only.
  e = read_error(write("empty.ang", small_ang(0, 0)));
  EXPECT_NE(e.find("no data rows"), std::string::npos) << e;
  // Too few columns.
  e = read_error(write("cols.ang", "# GRID: SqrGrid\n# XSTEP: 1\n1 2 3 4 5\n"));
  EXPECT_NE(e.find("at least 8 columns"), std::string::npos) << e;
  // Coordinates spanning an absurd grid for the points given.
  e = read_error(write("absurd.ang", "# XSTEP: 1\n# YSTEP: 1\n0 0 0 0 0 1 1 1\n0 0 0 1 0 1 1 1\n0 0 0 2 0 1 1 1\n0 0 0 1e6 0 1 1 1\n"));
  EXPECT_NE(e.find("cells for only 4 points"), std::string::npos) << "[" << e << "]";
  // Unknown symmetry code.
  text = small_ang(2, 2);
  text.replace(text.find("Symmetry 43"), 11, "Symmetry 77");
  e = read_error(write("sym.ang", text));
  EXPECT_NE(e.find("line 4"), std::string::npos) << e;
  EXPECT_FALSE(read_error(t / "does-not-exist.ang").empty());
}

TEST(AngReader, HeaderThatClaimsAHugeGridIsOverruledByCoordinates) {
  ebsd::test::TempDir t;
  auto text = small_ang(3, 4);
  text.replace(text.find("# NROWS: 3"), 10, "# NROWS: 1000000000000");
  std::ofstream(t / "claims.ang") << text;
  const auto r = ebsd::io::read_ang(t / "claims.ang");
  EXPECT_EQ(r.volume.dims(), (ebsd::Index3{4, 3, 1}));
  ASSERT_FALSE(r.report.warnings.empty());
  EXPECT_NE(r.report.warnings.back().find("NROWS"), std::string::npos);
}

TEST(AngReader, SniffsContent) {
  EXPECT_TRUE(ebsd::io::looks_like_ang(kReal + "maps_2d/orix_sdss_ferrite_austenite.ang"));
  EXPECT_FALSE(ebsd::io::looks_like_ang(kReal + "maps_2d/mtex_twins_Mg.ctf"));
}

}  // namespace

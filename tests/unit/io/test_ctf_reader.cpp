// The .ctf reader against the real Oxford files and broken variants.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <numbers>

#include "ebsd/core/error.hpp"
#include "ebsd/io/ctf.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "run_command.hpp"

namespace {

const std::string kReal = std::string(EBSD_SHARED_DIR) + "/data/real/maps_2d/";
constexpr double kDeg = std::numbers::pi / 180.0;

std::int64_t voxel_at(const ebsd::Volume& v, double x, double y) {
  return v.index(std::llround((x - v.origin()[0]) / v.spacing()[0]), std::llround((y - v.origin()[1]) / v.spacing()[1]), 0);
}

TEST(CtfReader, MagnesiumTwinsMap) {
  const auto r = ebsd::io::read_ctf(kReal + "mtex_twins_Mg.ctf");
  const auto& v = r.volume;
  EXPECT_EQ(v.dims(), (ebsd::Index3{167, 137, 1}));
  EXPECT_DOUBLE_EQ(v.spacing()[0], 0.3);
  ASSERT_EQ(v.phases().size(), 1u);
  EXPECT_EQ(v.phases()[0].name, "Magnesium");
  EXPECT_EQ(v.phases()[0].laue, ebsd::LaueGroup::HexagonalHigh);
  EXPECT_DOUBLE_EQ(v.phases()[0].lattice[2], 5.2101);
  EXPECT_DOUBLE_EQ(v.phases()[0].lattice[5], 120.0);
  EXPECT_EQ(r.report.angle_unit_in_file, "deg");
  // awk on the text: 22107 rows with Phase > 0 and Error == 0.
  std::int64_t valid = 0;
  for (auto b : v.valid()) valid += b;
  EXPECT_EQ(valid, 22107);
  // Row "1 3.0000 0.3000 10 0 175.23 99.567 15.262 0.3000 186 254".
  const auto i = static_cast<std::size_t>(voxel_at(v, 3.0, 0.3));
  const auto q = ebsd::quat_from_euler({175.23 * kDeg, 99.567 * kDeg, 15.262 * kDeg});
  EXPECT_NEAR(std::fabs(v.orientation(static_cast<std::int64_t>(i)).dot(q)), 1.0, 1e-6);
  EXPECT_FLOAT_EQ(v.image_quality()[i], 186.0f);
  EXPECT_FLOAT_EQ(v.channel("mad").values[i], 0.3f);
  EXPECT_FLOAT_EQ(v.channel("bs").values[i], 254.0f);
  EXPECT_FLOAT_EQ(v.channel("bands").values[i], 10.0f);
}

TEST(CtfReader, DecimalCommasReadTheSameAsDecimalPoints) {
  const auto us = ebsd::io::read_ctf(kReal + "ebsdlib_Test_US_1_Zircaloy4.ctf");
  const auto eu = ebsd::io::read_ctf(kReal + "ebsdlib_Test_European_1_Zircaloy4.ctf");
  EXPECT_EQ(us.volume.dims(), (ebsd::Index3{40, 5, 1}));
  EXPECT_DOUBLE_EQ(eu.volume.spacing()[0], 0.5);
  EXPECT_DOUBLE_EQ(eu.volume.phases()[0].lattice[0], 3.231);
  EXPECT_EQ(us.volume.quaternion_data().size(), eu.volume.quaternion_data().size());
  EXPECT_TRUE(std::equal(us.volume.quaternion_data().begin(), us.volume.quaternion_data().end(), eu.volume.quaternion_data().begin()));
  EXPECT_TRUE(std::equal(us.volume.valid().begin(), us.volume.valid().end(), eu.volume.valid().begin()));
  std::int64_t valid = 0;
  for (auto b : us.volume.valid()) valid += b;
  EXPECT_EQ(valid, 137);  // awk: Phase > 0 and Error == 0
  // "1 1.0000 0.0000 8 0 103.94 40.858 29.228 0.6000 124 0"
  const auto q = ebsd::quat_from_euler({103.94 * kDeg, 40.858 * kDeg, 29.228 * kDeg});
  EXPECT_NEAR(std::fabs(eu.volume.orientation(voxel_at(eu.volume, 1.0, 0.0)).dot(q)), 1.0, 1e-6);
}

TEST(CtfReader, HexagonalAlignmentIsExplicit) {
  ebsd::io::CtfReadOptions o;
  o.hexagonal_to_tsl_alignment = true;
  const auto a = ebsd::io::read_ctf(kReal + "ebsdlib_Test_US_1_Zircaloy4.ctf", o);
  const auto q = ebsd::quat_from_euler({103.94 * kDeg, 40.858 * kDeg, (29.228 + 30.0) * kDeg});
  EXPECT_NEAR(std::fabs(a.volume.orientation(voxel_at(a.volume, 1.0, 0.0)).dot(q)), 1.0, 1e-6);
  const auto b = ebsd::io::read_ctf(kReal + "ebsdlib_Test_US_1_Zircaloy4.ctf");
  ASSERT_FALSE(b.report.warnings.empty());
  EXPECT_NE(b.report.warnings.back().find("no 30 deg correction"), std::string::npos);
}

TEST(CtfReader, BadInput) {
  ebsd::test::TempDir t;
  const std::string good = ebsd::test::read_file(kReal + "ebsdlib_Test_US_1_Zircaloy4.ctf");
  auto error_of = [&](const std::string& name, const std::string& text) {
    std::ofstream(t / name, std::ios::binary) << text;
    try {
      ebsd::io::read_ctf(t / name);
    } catch (const ebsd::Error& e) {
      EXPECT_NE(std::string(e.what()).find((t / name).string()), std::string::npos) << e.what();
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error_of("trunc.ctf", good.substr(0, good.size() - 30)).find("truncated"), std::string::npos);
  EXPECT_NE(error_of("head.ctf", good.substr(0, good.find("Phase\tX"))).find("column-name line"), std::string::npos);
  // Found by fuzz_ctf: a file that ends on the column-name line, without a newline, once made
  // the data scan start one byte past the buffer.
  const auto names_end = good.find('\n', good.find("Phase\tX"));
  EXPECT_NE(error_of("names-only.ctf", good.substr(0, names_end)).find("no data rows"), std::string::npos);
  EXPECT_NE(error_of("wrong.ctf", "Channel Texture File\n").find("Channel Text File"), std::string::npos);
  std::string laue = good;
  laue.replace(laue.find("Zirc-alloy4\t9"), 13, "Zirc-alloy4\t42");
  EXPECT_NE(error_of("laue.ctf", laue).find("line 14"), std::string::npos);
  std::string nan = good;
  nan.replace(nan.find("103.94"), 6, "nan   ");
  EXPECT_NE(error_of("nan.ctf", nan).find("not a finite number"), std::string::npos);
  std::string phase = good;
  phase.replace(phase.find("\n1\t1.0000"), 2, "\n7");
  EXPECT_NE(error_of("phase.ctf", phase).find("phase 7"), std::string::npos);
}

}  // namespace

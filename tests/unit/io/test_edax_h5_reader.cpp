// The EDAX OIM .h5 reader on files written here as OIM Analysis writes them (root " Manufacturer"
// and " Version" with a leading blank, header values as one-element arrays, fixed-length
// character arrays, Phase as int8), several scans, a hexagonal scan, and damaged files.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <numbers>

#include "ebsd/core/error.hpp"
#include "ebsd/io/edax_h5.hpp"
#include "ebsd/io/volume_file.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "h5_vendor_file_writer.hpp"
#include "run_command.hpp"

namespace {

namespace fs = std::filesystem;
namespace w = ebsd::test::h5w;
constexpr float kFourPi = static_cast<float>(4.0 * std::numbers::pi);

double misfit(const ebsd::Quat& a, const ebsd::Quat& b) { return 1.0 - std::fabs(a.dot(b)); }

float phi1_of(int scan, int i) { return 0.5f + 0.1f * static_cast<float>(i) + static_cast<float>(scan); }

// A 3 x 2 square scan: point 3 unindexed (CI -1, Euler 4 pi), Phase 0 everywhere (one phase).
void write_square_scan(hid_t f, const std::string& scan, int number, std::int32_t ncols = 3, std::int32_t nrows = 2) {
  const std::string h = scan + "/EBSD/Header/", d = scan + "/EBSD/Data/";
  w::fixed_string(f, h + "Grid Type", "SqrGrid", {1});
  w::scalar_f64(f, h + "Step X", 1.5, {1});
  w::scalar_f64(f, h + "Step Y", 2.0, {1});
  w::scalar_i32(f, h + "nColumns", ncols, {1});
  w::scalar_i32(f, h + "nRows", nrows, {1});
  w::scalar_f32(f, h + "Pattern Center Calibration/x-star", 0.5f, {1});
  w::fixed_string(f, h + "Phase/1/MaterialName", "Iron (Alpha)", {1});
  w::fixed_string(f, h + "Phase/1/Formula", "Fe", {1});
  w::scalar_i32(f, h + "Phase/1/Symmetry", 43, {1});
  for (const char* c : {"a", "b", "c"}) w::scalar_f32(f, h + "Phase/1/Lattice Constant " + c, 2.87f, {1});
  for (const char* c : {"alpha", "beta", "gamma"}) w::scalar_f32(f, h + "Phase/1/Lattice Constant " + c, 90.0f, {1});
  std::vector<float> phi1, Phi, phi2, x, y, iq, ci, fit;
  std::vector<std::int8_t> phase;
  std::vector<std::int32_t> sem;
  for (int i = 0; i < 6; ++i) {
    const bool bad = i == 3;
    phi1.push_back(bad ? kFourPi : phi1_of(number, i));
    Phi.push_back(bad ? kFourPi : 0.4f);
    phi2.push_back(bad ? kFourPi : 1.2f);
    x.push_back(10.0f + 1.5f * static_cast<float>(i % 3));
    y.push_back(20.0f + 2.0f * static_cast<float>(i / 3));
    iq.push_back(1000.0f + static_cast<float>(i));
    ci.push_back(bad ? -1.0f : 0.25f * static_cast<float>(i % 4));
    fit.push_back(0.7f);
    phase.push_back(0);
    sem.push_back(40 + i);
  }
  w::floats(f, d + "Phi1", phi1);
  w::floats(f, d + "Phi", Phi);
  w::floats(f, d + "Phi2", phi2);
  w::floats(f, d + "X Position", x);
  w::floats(f, d + "Y Position", y);
  w::floats(f, d + "IQ", iq);
  w::floats(f, d + "CI", ci);
  w::floats(f, d + "Fit", fit);
  w::int8s(f, d + "Phase", phase);
  w::dataset(f, d + "SEM Signal", H5T_STD_I32LE, H5T_NATIVE_INT32, sem, {6});
}

fs::path two_scan_file(const ebsd::test::TempDir& t) {
  const fs::path p = t / "oim.h5";
  w::File f(p);
  w::fixed_string(f.id(), " Manufacturer", "EDAX", {1});
  w::fixed_string(f.id(), " Version", "OIM Analysis 8.6.0101 x64 [09-01-2022]", {1});
  write_square_scan(f.id(), "Scan 1", 1);
  write_square_scan(f.id(), "Scan 2", 2);
  return p;
}

TEST(EdaxH5Reader, FirstScanGridPhaseAndPoints) {
  ebsd::test::TempDir t;
  const auto r = ebsd::io::read_edax_h5(two_scan_file(t));
  const auto& v = r.volume;
  EXPECT_EQ(v.dims(), (ebsd::Index3{3, 2, 1}));
  EXPECT_DOUBLE_EQ(v.spacing()[0], 1.5);
  EXPECT_DOUBLE_EQ(v.spacing()[1], 2.0);
  EXPECT_DOUBLE_EQ(v.origin()[0], 10.0);
  EXPECT_DOUBLE_EQ(v.origin()[1], 20.0);
  ASSERT_EQ(v.phases().size(), 1u);
  EXPECT_EQ(v.phases()[0].name, "Iron (Alpha)");
  EXPECT_EQ(v.phases()[0].laue, ebsd::LaueGroup::CubicHigh);
  EXPECT_NEAR(v.phases()[0].lattice[0], 2.87, 1e-6);
  EXPECT_EQ(r.report.format, "edax-h5");
  EXPECT_EQ(r.report.angle_unit_in_file, "rad");
  EXPECT_EQ(r.report.grid, "square");
  EXPECT_DOUBLE_EQ(r.report.recommended_sample_rotation.angle_deg, 180.0);
  EXPECT_DOUBLE_EQ(r.report.recommended_crystal_rotation.angle_deg, 90.0);
  EXPECT_EQ(r.report.header["Version"], "OIM Analysis 8.6.0101 x64 [09-01-2022]");
  // Point 5 = (2, 1): phase 0 in a one-phase file is phase 1.
  const auto i = v.index(2, 1, 0);
  EXPECT_LT(misfit(v.orientation(i), ebsd::quat_from_euler({phi1_of(1, 5), 0.4, 1.2})), 1e-6);
  EXPECT_EQ(v.phase_ids()[static_cast<std::size_t>(i)], 1);
  EXPECT_FLOAT_EQ(v.confidence()[static_cast<std::size_t>(i)], 0.25f);
  EXPECT_FLOAT_EQ(v.image_quality()[static_cast<std::size_t>(i)], 1005.0f);
  EXPECT_FLOAT_EQ(v.channel("sem_signal").values[static_cast<std::size_t>(i)], 45.0f);
  EXPECT_FLOAT_EQ(v.channel("fit").values[static_cast<std::size_t>(i)], 0.7f);
  EXPECT_FALSE(v.is_valid(v.index(0, 1, 0)));  // point 3: CI -1
  std::int64_t valid = 0;
  for (auto b : v.valid()) valid += b;
  EXPECT_EQ(valid, 5);
  // The other scan is reported, not silently dropped.
  bool told = false;
  for (const auto& wtext : r.report.warnings) told |= wtext.find("'Scan 2'") != std::string::npos;
  EXPECT_TRUE(told);
}

TEST(EdaxH5Reader, ScanNameOptionPicksAnotherScan) {
  ebsd::test::TempDir t;
  const fs::path p = two_scan_file(t);
  EXPECT_EQ(ebsd::io::edax_h5_scan_names(p), (std::vector<std::string>{"Scan 1", "Scan 2"}));
  ebsd::io::EdaxH5ReadOptions o;
  o.scan_name = "Scan 2";
  const auto& v = ebsd::io::read_edax_h5(p, o).volume;
  EXPECT_LT(misfit(v.orientation(0), ebsd::quat_from_euler({phi1_of(2, 0), 0.4, 1.2})), 1e-6);
  o.scan_name = "Scan 9";
  try {
    ebsd::io::read_edax_h5(p, o);
    FAIL() << "no error for a missing scan";
  } catch (const ebsd::Error& e) {
    EXPECT_EQ(e.place(), "/Scan 9");
    EXPECT_NE(e.problem().find("'Scan 1', 'Scan 2'"), std::string::npos);
  }
}

// The scan choice reaches the reader through the format registry and `ebsd info --scan`, as a
// user picks one scan of a multi-scan OIM file.
TEST(EdaxH5Reader, ScanChoiceThroughTheRegistryAndTheCli) {
  ebsd::test::TempDir t;
  const fs::path p = two_scan_file(t);
  ebsd::io::ReadOptions o;
  o.scan = "Scan 2";
  const auto& v = ebsd::io::read_volume_with_report(p, o).volume;
  EXPECT_LT(misfit(v.orientation(0), ebsd::quat_from_euler({phi1_of(2, 0), 0.4, 1.2})), 1e-6);

  const std::string cli = std::string(EBSD_CLI) + " info '" + p.string() + "'";
  const auto picked = ebsd::test::run(cli + " --scan 'Scan 2' --json", t);
  ASSERT_EQ(picked.exit_code, 0) << picked.err;
  EXPECT_NE(picked.out.find("\"edax-h5\""), std::string::npos) << picked.out;
  const auto missing = ebsd::test::run(cli + " --scan 'Scan 9'", t);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("oim.h5"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("'Scan 1', 'Scan 2'"), std::string::npos) << missing.err;
}

// A hexagonal scan (OIM "HexGrid"): 3 points in even rows, 2 in odd rows shifted by half a step.
TEST(EdaxH5Reader, HexagonalScanIsResampledAndRecorded) {
  ebsd::test::TempDir t;
  const fs::path p = t / "hex.h5";
  const float dy = static_cast<float>(std::sqrt(3.0) / 2.0);
  {
    w::File f(p);
    w::variable_string(f.id(), "Manufacturer", "EDAX");
    const std::string h = "Scan 1/EBSD/Header/", d = "Scan 1/EBSD/Data/";
    w::variable_string(f.id(), h + "Grid Type", "HexGrid");
    w::scalar_f32(f.id(), h + "Step X", 1.0f);
    w::scalar_f32(f.id(), h + "Step Y", dy);
    w::scalar_u32(f.id(), h + "nColumns", 3);
    w::scalar_u32(f.id(), h + "nRows", 2);
    w::variable_string(f.id(), h + "Phase/1/MaterialName", "Magnesium");
    w::scalar_i32(f.id(), h + "Phase/1/Symmetry", 62);
    w::floats(f.id(), d + "Phi1", {0.1f, 0.2f, 0.3f, 0.4f, 0.5f});
    w::floats(f.id(), d + "Phi", {0.6f, 0.6f, 0.6f, 0.6f, 0.6f});
    w::floats(f.id(), d + "Phi2", {0.7f, 0.7f, 0.7f, 0.7f, 0.7f});
    w::floats(f.id(), d + "X Position", {0.0f, 1.0f, 2.0f, 0.5f, 1.5f});
    w::floats(f.id(), d + "Y Position", {0.0f, 0.0f, 0.0f, dy, dy});
    w::floats(f.id(), d + "CI", {0.9f, 0.9f, 0.9f, 0.9f, 0.9f});
    w::int32s(f.id(), d + "Phase", {1, 1, 1, 1, 1});
  }
  const auto r = ebsd::io::read_edax_h5(p);
  EXPECT_EQ(r.report.grid, "hexagonal");
  EXPECT_TRUE(r.report.converted_to_square);
  const auto& v = r.volume;
  EXPECT_EQ(v.dims(), (ebsd::Index3{3, 2, 1}));
  EXPECT_EQ(v.phases()[0].laue, ebsd::LaueGroup::HexagonalHigh);
  // Odd row: cell x = 1 takes the point at x = 1.5, the last cell the point to its left.
  EXPECT_LT(misfit(v.orientation(v.index(1, 1, 0)), ebsd::quat_from_euler({0.5, 0.6, 0.7})), 1e-6);
  EXPECT_LT(misfit(v.orientation(v.index(2, 1, 0)), ebsd::quat_from_euler({0.5, 0.6, 0.7})), 1e-6);
  ebsd::io::EdaxH5ReadOptions o;
  o.hex_to_square = false;
  EXPECT_THROW(ebsd::io::read_edax_h5(p, o), ebsd::Error);
}

ebsd::Error read_error(const fs::path& p) {
  try {
    ebsd::io::read_edax_h5(p);
  } catch (const ebsd::Error& e) {
    EXPECT_EQ(e.file(), p.string());
    return e;
  }
  ADD_FAILURE() << "no error for " << p;
  return ebsd::Error("");
}

TEST(EdaxH5Reader, AbsurdHeaderWithTinyDataFailsWithoutAllocating) {
  ebsd::test::TempDir t;
  const fs::path p = t / "huge.h5";
  {
    w::File f(p);
    w::fixed_string(f.id(), " Manufacturer", "EDAX", {1});
    write_square_scan(f.id(), "Scan 1", 1, 1000000000, 1);
  }
  const auto e = read_error(p);
  EXPECT_EQ(e.place(), "/Scan 1/EBSD/Data/Phi1");
  EXPECT_NE(e.problem().find("1000000000"), std::string::npos);
}

TEST(EdaxH5Reader, DamagedDataNamesTheDataset) {
  ebsd::test::TempDir t;
  auto damaged = [&](const std::string& name, const std::function<void(hid_t)>& damage) {
    const fs::path p = t / (name + ".h5");
    {
      w::File f(p);
      w::fixed_string(f.id(), " Manufacturer", "EDAX", {1});
      write_square_scan(f.id(), "Scan 1", 1);
      damage(f.id());
    }
    return read_error(p);
  };
  EXPECT_EQ(damaged("missing", [](hid_t f) { w::remove(f, "Scan 1/EBSD/Data/Phi"); }).place(), "/Scan 1/EBSD/Data/Phi");
  EXPECT_EQ(damaged("short", [](hid_t f) {
              w::remove(f, "Scan 1/EBSD/Data/CI");
              w::floats(f, "Scan 1/EBSD/Data/CI", {0.1f, 0.2f});
            }).place(),
            "/Scan 1/EBSD/Data/CI");
  EXPECT_EQ(damaged("nan", [](hid_t f) {
              w::remove(f, "Scan 1/EBSD/Data/Phi2");
              w::floats(f, "Scan 1/EBSD/Data/Phi2", {0.1f, std::nanf(""), 0.1f, 0.1f, 0.1f, 0.1f});
            }).place(),
            "/Scan 1/EBSD/Data/Phi2");
  const auto degrees = damaged("degrees", [](hid_t f) {
    w::remove(f, "Scan 1/EBSD/Data/Phi1");
    w::floats(f, "Scan 1/EBSD/Data/Phi1", {10.0f, 20.0f, 30.0f, 40.0f, 50.0f, 60.0f});
  });
  EXPECT_EQ(degrees.place(), "/Scan 1/EBSD/Data/Phi1");
  EXPECT_NE(degrees.problem().find("radians"), std::string::npos);
  EXPECT_EQ(damaged("phase", [](hid_t f) {
              w::remove(f, "Scan 1/EBSD/Data/Phase");
              w::int8s(f, "Scan 1/EBSD/Data/Phase", {1, 1, 1, 1, 1, 7});
            }).place(),
            "/Scan 1/EBSD/Data/Phase");
  EXPECT_EQ(damaged("symmetry", [](hid_t f) {
              w::remove(f, "Scan 1/EBSD/Header/Phase/1/Symmetry");
              w::scalar_i32(f, "Scan 1/EBSD/Header/Phase/1/Symmetry", 99, {1});
            }).place(),
            "/Scan 1/EBSD/Header/Phase/1/Symmetry");
  EXPECT_EQ(damaged("stringcount", [](hid_t f) {
              w::remove(f, "Scan 1/EBSD/Header/nColumns");
              w::fixed_string(f, "Scan 1/EBSD/Header/nColumns", "3");
            }).place(),
            "/Scan 1/EBSD/Header/nColumns");
}

TEST(EdaxH5Reader, SniffsByContent) {
  ebsd::test::TempDir t;
  EXPECT_TRUE(ebsd::io::looks_like_edax_h5(two_scan_file(t)));
  const fs::path bruker = t / "bruker.h5";
  {
    w::File f(bruker);
    w::fixed_string(f.id(), "Manufacturer", "Bruker Nano");
    w::fixed_string(f.id(), "Scan 0/EBSD/Header/Grid Type", "isometric");
  }
  EXPECT_FALSE(ebsd::io::looks_like_edax_h5(bruker));
  const fs::path anonymous = t / "anon.h5";
  {
    w::File f(anonymous);
    write_square_scan(f.id(), "Scan 1", 1);
  }
  EXPECT_TRUE(ebsd::io::looks_like_edax_h5(anonymous));
  std::ofstream(t / "x.h5") << "# text";
  EXPECT_FALSE(ebsd::io::looks_like_edax_h5(t / "x.h5"));
}

}  // namespace

// 3D stacks from 2D slice files: natural order, one grid for all slices, errors that name the
// offending file, reader warnings kept, provenance merged into one record.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "ebsd/core/error.hpp"
#include "ebsd/io/slice_stack.hpp"
#include "ebsd/io/volume_file.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "run_command.hpp"

namespace {

namespace fs = std::filesystem;
using ebsd::io::SliceStackOptions;

const std::string kReal = std::string(EBSD_SHARED_DIR) + "/data/real/";

struct AngSlice {
  int cols = 4, rows = 3;
  double step = 0.5;
  int symmetry = 43;
  double ci = 0.9;
  double phi1 = 0.1;
  int header_rows = -1;  // NROWS written in the header; -1: the true count
};

// A small TSL .ang map (10 columns) whose every point has the same orientation and CI.
fs::path write_ang(const fs::path& p, const AngSlice& s) {
  std::ofstream f(p, std::ios::binary);
  f << "# TEM_PIXperUM 1.0\n# Phase 1\n# MaterialName Iron\n# Symmetry " << s.symmetry
    << "\n# LatticeConstants 2.87 2.87 2.87 90 90 90\n# GRID: SqrGrid\n# XSTEP: " << s.step << "\n# YSTEP: " << s.step
    << "\n# NCOLS_ODD: " << s.cols << "\n# NCOLS_EVEN: " << s.cols << "\n# NROWS: " << (s.header_rows < 0 ? s.rows : s.header_rows)
    << "\n";
  for (int y = 0; y < s.rows; ++y)
    for (int x = 0; x < s.cols; ++x)
      f << s.phi1 << " 0.2 0.3 " << x * s.step << " " << y * s.step << " 100.0 " << s.ci << " 1 500 0.5\n";
  return p;
}

std::string error_of(const std::vector<fs::path>& files, double z_step = 0.2) {
  try {
    ebsd::io::read_slice_stack(files, SliceStackOptions{z_step});
  } catch (const ebsd::Error& e) {
    return e.what();
  }
  return "";
}

TEST(NaturalOrder, DigitRunsCompareByValue) {
  using ebsd::io::natural_less;
  EXPECT_TRUE(natural_less("S2.ang", "S10.ang"));
  EXPECT_FALSE(natural_less("S10.ang", "S2.ang"));
  EXPECT_TRUE(natural_less("S9", "S10"));
  EXPECT_TRUE(natural_less("S10", "S100"));
  EXPECT_TRUE(natural_less("x1y2", "x1y10"));
  EXPECT_TRUE(natural_less("a5", "b1"));
  EXPECT_TRUE(natural_less("S", "S1"));
  // Equal values: plain text order decides, so the order stays total.
  EXPECT_TRUE(natural_less("S007", "S7"));
  EXPECT_FALSE(natural_less("S7", "S007"));
  EXPECT_FALSE(natural_less("S7", "S7"));
  // Runs longer than any integer type.
  EXPECT_TRUE(natural_less("s99999999999999999999999", "s100000000000000000000000"));

  std::vector<fs::path> p{"d/S10.ang", "d/S1.ang", "d/S2.ang", "d/S100.ang", "d/S20.ang"};
  ebsd::io::sort_naturally(p);
  EXPECT_EQ(p, (std::vector<fs::path>{"d/S1.ang", "d/S2.ang", "d/S10.ang", "d/S20.ang", "d/S100.ang"}));
  // File names decide before folders; folders only between equal names.
  std::vector<fs::path> q{"b/S1.ang", "a/S2.ang", "slice10/map.ang", "slice2/map.ang"};
  ebsd::io::sort_naturally(q);
  EXPECT_EQ(q, (std::vector<fs::path>{"b/S1.ang", "a/S2.ang", "slice2/map.ang", "slice10/map.ang"}));
}

TEST(NaturalOrder, GlobPatternsExpandInNaturalOrder) {
  ebsd::test::TempDir t;
  for (const char* n : {"S10.ang", "S2.ang", "S1.ang", "other.txt"}) write_ang(t / n, {});
  fs::create_directories(t / "S3.ang.d");  // a folder is not a slice
  const auto files = ebsd::io::expand_glob((t / "S*.ang").string());
  EXPECT_EQ(files, (std::vector<fs::path>{t / "S1.ang", t / "S2.ang", t / "S10.ang"}));
  EXPECT_TRUE(ebsd::io::has_glob_wildcards("S*.ang"));
  EXPECT_TRUE(ebsd::io::has_glob_wildcards("S?.ang"));
  EXPECT_FALSE(ebsd::io::has_glob_wildcards("S1.ang"));
  try {
    ebsd::io::expand_glob((t / "X*.ang").string());
    ADD_FAILURE() << "no error";
  } catch (const ebsd::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no file matches"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("X*.ang"), std::string::npos) << e.what();
  }
  // Inputs as a shell passes them (sorted as text) come back in natural order; a quoted
  // pattern is expanded; keep_order leaves the given order.
  const std::vector<std::string> shell{(t / "S1.ang").string(), (t / "S10.ang").string(), (t / "S2.ang").string()};
  EXPECT_EQ(ebsd::io::expand_inputs(shell), files);
  EXPECT_EQ(ebsd::io::expand_inputs({(t / "S*.ang").string()}), files);
  EXPECT_EQ(ebsd::io::expand_inputs(shell, true), (std::vector<fs::path>{t / "S1.ang", t / "S10.ang", t / "S2.ang"}));
}

TEST(SliceStack, SlicesAreStackedInTheGivenOrderWithTheZStep) {
  ebsd::test::TempDir t;
  std::vector<fs::path> files;
  for (int k = 0; k < 3; ++k) {
    AngSlice s;
    s.ci = 0.5 + 0.1 * k;
    s.phi1 = 0.1 + k;
    files.push_back(write_ang(t / ("S" + std::to_string(k + 1) + ".ang"), s));
  }
  const auto r = ebsd::io::read_slice_stack(files, SliceStackOptions{0.12});
  const auto& v = r.volume;
  EXPECT_EQ(v.dims(), (ebsd::Index3{4, 3, 3}));
  EXPECT_DOUBLE_EQ(v.spacing()[0], 0.5);
  EXPECT_DOUBLE_EQ(v.spacing()[1], 0.5);
  EXPECT_DOUBLE_EQ(v.spacing()[2], 0.12);
  EXPECT_EQ(v.length_unit(), "um");
  ASSERT_EQ(v.phases().size(), 1u);
  EXPECT_EQ(v.phases()[0].laue, ebsd::LaueGroup::CubicHigh);
  for (int z = 0; z < 3; ++z) {
    const auto i = v.index(2, 1, z);
    EXPECT_FLOAT_EQ(v.confidence()[static_cast<std::size_t>(i)], static_cast<float>(0.5 + 0.1 * z)) << z;
    EXPECT_TRUE(v.is_valid(i));
    EXPECT_NEAR(std::fabs(v.orientation(i).dot(ebsd::quat_from_euler({0.1 + z, 0.2, 0.3}))), 1.0, 1e-6) << z;
  }
  // The .ang extra columns became channels covering every slice.
  ASSERT_TRUE(v.has_channel("sem_signal"));
  EXPECT_FLOAT_EQ(v.channel("sem_signal").values[static_cast<std::size_t>(v.index(3, 2, 2))], 500.0f);
  EXPECT_EQ(v.channel("fit").unit, "deg");
  // One provenance record lists the files in z order.
  ASSERT_EQ(v.provenance().size(), 1u);
  const auto& p = v.provenance()[0];
  EXPECT_EQ(p.step, "stack-slices");
  ASSERT_EQ(p.parameters["files"].size(), 3u);
  EXPECT_EQ(p.parameters["files"][2]["file"], files[2].string());
  EXPECT_EQ(p.parameters["files"][2]["format"], "ang");
  EXPECT_EQ(p.parameters["files"][0]["steps"][0], "read-ang");
  EXPECT_DOUBLE_EQ(p.parameters["z_step"].get<double>(), 0.12);
  EXPECT_EQ(p.parameters["first_slice_import"]["angle_unit_in_file"], "rad");
  EXPECT_EQ(r.files, files);
  EXPECT_EQ(r.reports.size(), 3u);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(SliceStack, EachSlicesReaderWarningsAreKept) {
  ebsd::test::TempDir t;
  AngSlice bad;
  bad.header_rows = 7;  // the coordinates span 3 rows: the reader warns and uses them
  const std::vector<fs::path> files{write_ang(t / "a1.ang", {}), write_ang(t / "a2.ang", bad)};
  const auto r = ebsd::io::read_slice_stack(files, SliceStackOptions{1.0});
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].rfind("a2.ang: ", 0), 0u) << r.warnings[0];
  EXPECT_NE(r.warnings[0].find("NROWS 7"), std::string::npos) << r.warnings[0];
  const auto& rec = r.volume.provenance().back().parameters;
  EXPECT_TRUE(rec["files"][0]["warnings"].empty());
  EXPECT_EQ(rec["files"][1]["warnings"][0], r.warnings[0]);
}

TEST(SliceStack, SlicesOfAnotherGridAreRejectedNamingTheFile) {
  ebsd::test::TempDir t;
  const auto good = write_ang(t / "S1.ang", {});
  AngSlice wide;
  wide.cols = 5;
  const auto e1 = error_of({good, write_ang(t / "S2.ang", wide)});
  EXPECT_NE(e1.find((t / "S2.ang").string()), std::string::npos) << e1;
  EXPECT_NE(e1.find("5 x 3"), std::string::npos) << e1;
  EXPECT_NE(e1.find("4 x 3"), std::string::npos) << e1;
  AngSlice coarse;
  coarse.step = 0.6;
  const auto e2 = error_of({good, write_ang(t / "S3.ang", coarse)});
  EXPECT_NE(e2.find((t / "S3.ang").string()), std::string::npos) << e2;
  EXPECT_NE(e2.find("x step"), std::string::npos) << e2;
  AngSlice hexagonal;
  hexagonal.symmetry = 62;
  const auto e3 = error_of({good, write_ang(t / "S4.ang", hexagonal)});
  EXPECT_NE(e3.find((t / "S4.ang").string()), std::string::npos) << e3;
  EXPECT_NE(e3.find("6/mmm"), std::string::npos) << e3;
  // A step within the relative tolerance (1e-3) is the same grid.
  AngSlice close;
  close.step = 0.50001;
  EXPECT_EQ(error_of({good, write_ang(t / "S5.ang", close)}), "");
}

TEST(SliceStack, AVolumeFileIsNotASlice) {
  ebsd::test::TempDir t;
  ebsd::Volume v({4, 3, 2}, {0.5, 0.5, 0.5});
  ebsd::io::write_volume(t / "vol.ebsd.h5", v);
  const auto e = error_of({write_ang(t / "S1.ang", {}), t / "vol.ebsd.h5"});
  EXPECT_NE(e.find("vol.ebsd.h5"), std::string::npos) << e;
  EXPECT_NE(e.find("holds 2 slices"), std::string::npos) << e;
}

TEST(SliceStack, BadOptionsAndMissingFilesAreErrors) {
  ebsd::test::TempDir t;
  const auto a = write_ang(t / "S1.ang", {});
  EXPECT_NE(error_of({a}, 0.0).find("z step"), std::string::npos);
  EXPECT_NE(error_of({a}, -1.0).find("z step"), std::string::npos);
  EXPECT_NE(error_of({a}, std::nan("")).find("z step"), std::string::npos);
  EXPECT_NE(error_of({}).find("no slice files"), std::string::npos);
  const auto e = error_of({a, t / "S2.ang"});
  EXPECT_NE(e.find("S2.ang"), std::string::npos) << e;
  EXPECT_NE(e.find("no such file"), std::string::npos) << e;
}

TEST(SliceStack, CancellationStopsReading) {
  ebsd::test::TempDir t;
  const std::vector<fs::path> files{write_ang(t / "S1.ang", {}), write_ang(t / "S2.ang", {})};
  ebsd::CancelToken token;
  token.cancel();
  ebsd::Progress p({}, &token);
  EXPECT_THROW(ebsd::io::read_slice_stack(files, SliceStackOptions{1.0}, p), ebsd::Cancelled);
}

TEST(SliceStack, RealSmallIn100SliceStacksWithItself) {
  const fs::path in100 = kReal + "small_in100/Small_IN100_slice_Out_Of_Order.ang";
  const auto r = ebsd::io::read_slice_stack({in100, in100}, SliceStackOptions{0.25});
  EXPECT_EQ(r.volume.dims(), (ebsd::Index3{189, 201, 2}));
  EXPECT_DOUBLE_EQ(r.volume.spacing()[2], 0.25);
  std::int64_t valid = 0;
  for (auto b : r.volume.valid()) valid += b;
  EXPECT_EQ(valid, 2 * 31063);  // the file's indexed points (counted with awk), once per slice
  // A two-phase map of another grid cannot join it.
  const auto e = error_of({in100, kReal + "maps_2d/orix_sdss_ferrite_austenite.ang"});
  EXPECT_NE(e.find("orix_sdss_ferrite_austenite.ang"), std::string::npos) << e;
  EXPECT_NE(e.find("117 x 100"), std::string::npos) << e;
}

}  // namespace

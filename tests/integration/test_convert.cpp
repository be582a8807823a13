// `ebsd convert` as a user runs it: one file, a stack from a list or a quoted glob in natural
// order, side images as channels, and one-line errors with the right exit codes.
#include <gtest/gtest.h>
#include <tiffio.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>

#include <nlohmann/json.hpp>

#include "ebsd/io/volume_file.hpp"
#include "run_command.hpp"

namespace {

namespace fs = std::filesystem;
using ebsd::test::run;
using ebsd::test::TempDir;
const std::string kEbsd = EBSD_CLI;
const std::string kReal = std::string(EBSD_SHARED_DIR) + "/data/real/";

// A 4 x 3 .ang map, step 0.5 um, whose points all have confidence index `ci`.
fs::path write_ang(const fs::path& p, double ci, int cols = 4, int header_rows = 3) {
  std::ofstream f(p, std::ios::binary);
  f << "# Phase 1\n# MaterialName Iron\n# Symmetry 43\n# LatticeConstants 2.87 2.87 2.87 90 90 90\n# GRID: SqrGrid\n"
       "# XSTEP: 0.5\n# YSTEP: 0.5\n# NCOLS_ODD: "
    << cols << "\n# NCOLS_EVEN: " << cols << "\n# NROWS: " << header_rows << "\n";
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < cols; ++x) f << "0.1 0.2 0.3 " << x * 0.5 << " " << y * 0.5 << " 100.0 " << ci << " 1 500 0.5\n";
  return p;
}

// Slices S1, S2 and S10 with CI 0.1, 0.2 and 1.0: their CI tells their z order.
void write_slices(const TempDir& t) {
  write_ang(t / "S1.ang", 0.1);
  write_ang(t / "S2.ang", 0.2);
  write_ang(t / "S10.ang", 1.0);
}

std::vector<float> ci_by_slice(const fs::path& file) {
  const auto v = ebsd::io::read_volume(file);
  std::vector<float> out;
  for (std::int64_t z = 0; z < v.nz(); ++z) out.push_back(v.confidence()[static_cast<std::size_t>(v.index(1, 1, z))]);
  return out;
}

// One 16-bit greyscale page per entry, 4 x 3 pixels, strips.
void write_tiff(const fs::path& p, const std::vector<std::function<unsigned(int, int)>>& pages) {
  TIFF* t = TIFFOpen(p.c_str(), "w");
  ASSERT_NE(t, nullptr);
  for (const auto& value : pages) {
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, 4u);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, 3u);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 16);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    for (int y = 0; y < 3; ++y) {
      std::uint16_t line[4];
      for (int x = 0; x < 4; ++x) line[x] = static_cast<std::uint16_t>(value(x, y));
      ASSERT_EQ(TIFFWriteScanline(t, line, y, 0), 1);
    }
    ASSERT_EQ(TIFFWriteDirectory(t), 1);
  }
  TIFFClose(t);
}

TEST(Convert, QuotedGlobStacksInNaturalOrder) {
  TempDir t;
  write_slices(t);
  const auto out = t / "stack.ebsd.h5";
  auto r = run(kEbsd + " convert '" + (t / "S*.ang").string() + "' --z-step 0.12 -o " + out.string() + " --json", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["dims"], nlohmann::json::parse("[4, 3, 3]"));
  EXPECT_DOUBLE_EQ(j["spacing"][2].get<double>(), 0.12);
  EXPECT_TRUE(j["stacked"].get<bool>());
  ASSERT_EQ(j["inputs"].size(), 3u);
  EXPECT_EQ(j["inputs"][2], (t / "S10.ang").string());
  EXPECT_EQ(ci_by_slice(out), (std::vector<float>{0.1f, 0.2f, 1.0f}));
  const auto v = ebsd::io::read_volume(out);
  ASSERT_EQ(v.provenance().size(), 2u);
  EXPECT_EQ(v.provenance()[0].step, "stack-slices");
  EXPECT_EQ(v.provenance()[1].step, "read");  // the step that ran, with its parameters
}

TEST(Convert, ShellOrderedListIsStackedNaturallyUnlessKeepOrder) {
  TempDir t;
  write_slices(t);
  const auto out = t / "stack.ebsd.h5";
  // The order a shell's S*.ang gives: S1, S10, S2.
  const std::string list = (t / "S1.ang").string() + " " + (t / "S10.ang").string() + " " + (t / "S2.ang").string();
  auto r = run(kEbsd + " convert " + list + " --z-step 1 -o " + out.string(), t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("stacked 3 slices, S1.ang to S10.ang"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("4 x 3 x 3 voxels, step 0.5 x 0.5 x 1 um"), std::string::npos) << r.out;
  EXPECT_EQ(ci_by_slice(out), (std::vector<float>{0.1f, 0.2f, 1.0f}));
  r = run(kEbsd + " convert " + list + " --z-step 1 --keep-order -o " + out.string(), t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ci_by_slice(out), (std::vector<float>{0.1f, 1.0f, 0.2f}));
}

TEST(Convert, OneFileIsConvertedAndItsWarningsPrinted) {
  TempDir t;
  write_ang(t / "map.ang", 0.7, 4, 9);  // header says 9 rows, the coordinates 3
  const auto out = t / "map.ebsd.h5";
  auto r = run(kEbsd + " convert " + (t / "map.ang").string() + " -o " + out.string(), t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("warning: header NROWS 9"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("wrote " + out.string()), std::string::npos) << r.out;
  const auto v = ebsd::io::read_volume(out);
  EXPECT_EQ(v.dims(), (ebsd::Index3{4, 3, 1}));
  EXPECT_FLOAT_EQ(v.confidence()[5], 0.7f);
}

TEST(Convert, RealSlicesOfDifferentGridsFailNamingTheFile) {
  TempDir t;
  const auto out = t / "bad.ebsd.h5";
  auto r = run(kEbsd + " convert " + kReal + "small_in100/Small_IN100_slice_Out_Of_Order.ang " + kReal +
                   "maps_2d/orix_sdss_ferrite_austenite.ang --z-step 1 -o " + out.string(),
               t);
  EXPECT_EQ(r.exit_code, 1);
  const auto line = r.err.substr(r.err.find("ebsd: error:"));
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << line;
  EXPECT_NE(line.find("slice grid"), std::string::npos) << line;
  EXPECT_NE(line.find("orix_sdss_ferrite_austenite.ang"), std::string::npos) << line;
  EXPECT_FALSE(fs::exists(out));
}

TEST(Convert, UsageErrors) {
  TempDir t;
  write_slices(t);
  const auto out = (t / "o.ebsd.h5").string();
  // Several inputs without a slice spacing.
  auto r = run(kEbsd + " convert '" + (t / "S*.ang").string() + "' -o " + out, t);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--z-step"), std::string::npos) << r.err;
  // A pattern that matches nothing.
  r = run(kEbsd + " convert '" + (t / "X*.ang").string() + "' --z-step 1 -o " + out, t);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no file matches"), std::string::npos) << r.err;
  // A side image without a name, and an affine of five numbers.
  r = run(kEbsd + " convert " + (t / "S1.ang").string() + " --side bse.tif -o " + out, t);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("NAME=FILE"), std::string::npos) << r.err;
  r = run(kEbsd + " convert " + (t / "S1.ang").string() + " --side bse=b.tif --side-affine 1,0,0,0,1 -o " + out, t);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("six numbers"), std::string::npos) << r.err;
  // An output format nobody writes: refused before reading anything.
  r = run(kEbsd + " convert " + (t / "S1.ang").string() + " -o " + (t / "o.xyz").string(), t);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot tell the output format"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST(Convert, SideImagesBecomeChannelsOfTheStack) {
  TempDir t;
  write_ang(t / "S1.ang", 0.1);
  write_ang(t / "S2.ang", 0.2);
  write_tiff(t / "bse.tif", {[](int c, int r) { return 100u * r + c; }, [](int c, int r) { return 5000u + 100u * r + c; }});
  const auto out = t / "stack.ebsd.h5";
  // Default transform: one pixel per voxel.
  auto r = run(kEbsd + " convert '" + (t / "S*.ang").string() + "' --z-step 0.5 --side bse=" + (t / "bse.tif").string() +
                   " -o " + out.string() + " --json",
               t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["side_images"].size(), 1u);
  EXPECT_EQ(j["side_images"][0]["pages"], 2);
  EXPECT_EQ(j["side_images"][0]["bits"], 16);
  auto v = ebsd::io::read_volume(out);
  ASSERT_TRUE(v.has_channel("bse"));
  EXPECT_EQ(v.channel("bse").values[static_cast<std::size_t>(v.index(3, 2, 0))], 203.0f);
  EXPECT_EQ(v.channel("bse").values[static_cast<std::size_t>(v.index(1, 0, 1))], 5001.0f);
  EXPECT_EQ(v.provenance().back().step, "side-image");
  // Shifted by one pixel to the right (u = 2 x + 1, v = 2 y): the last column falls outside.
  r = run(kEbsd + " convert '" + (t / "S*.ang").string() + "' --z-step 0.5 --side bse=" + (t / "bse.tif").string() +
              " --side-affine 2,0,1,0,2,0 -o " + out.string(),
          t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("warning: side image 'bse': 6 voxels"), std::string::npos) << r.out;
  v = ebsd::io::read_volume(out);
  EXPECT_EQ(v.channel("bse").values[static_cast<std::size_t>(v.index(0, 1, 1))], 5101.0f);
  EXPECT_TRUE(std::isnan(v.channel("bse").values[static_cast<std::size_t>(v.index(3, 1, 1))]));
  // One page for two slices.
  write_tiff(t / "one.tif", {[](int, int) { return 1u; }});
  r = run(kEbsd + " convert '" + (t / "S*.ang").string() + "' --z-step 0.5 --side bse=" + (t / "one.tif").string() + " -o " +
              (t / "x.ebsd.h5").string(),
          t);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("one.tif"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 image page(s)"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(t / "x.ebsd.h5"));
}

}  // namespace

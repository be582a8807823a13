// Side-modality images as channels: 8/16-bit PNG and multi-page TIFF written here with libpng
// and libtiff directly, read back, placed on the EBSD grid by an affine transform.
#include <gtest/gtest.h>
#include <png.h>
#include <tiffio.h>

#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>

#include "ebsd/core/error.hpp"
#include "ebsd/io/side_image.hpp"
#include "run_command.hpp"

namespace {

namespace fs = std::filesystem;
using ebsd::io::AffineTransform;
using ebsd::io::SideImageOptions;
using Pixel = std::function<unsigned(int column, int row)>;

// Writes a greyscale (channels = 1) or RGB (channels = 3, all channels equal unless `colour`)
// PNG of the given depth; 16-bit samples go big-endian as the PNG spec says.
void write_png(const fs::path& p, int w, int h, int bits, const Pixel& value, int channels = 1, bool colour = false) {
  std::FILE* f = std::fopen(p.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    std::fclose(f);
    FAIL() << "libpng failed";
  }
  png_init_io(png, f);
  png_set_IHDR(png, info, w, h, bits, channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  const int bytes = bits / 8;
  std::vector<png_byte> row(static_cast<std::size_t>(w * channels * bytes));
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < channels; ++c) {
        const unsigned v = value(x, y) + (colour && c == 1 ? 1 : 0);
        png_byte* s = &row[static_cast<std::size_t>((x * channels + c) * bytes)];
        if (bytes == 2) {
          s[0] = static_cast<png_byte>(v >> 8);
          s[1] = static_cast<png_byte>(v & 0xff);
        } else {
          s[0] = static_cast<png_byte>(v);
        }
      }
    png_write_row(png, row.data());
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  std::fclose(f);
}

// Writes one greyscale page per entry of `pages`, in strips, or in 16 x 16 tiles.
void write_tiff(const fs::path& p, int w, int h, int bits, const std::vector<Pixel>& pages, bool tiled = false) {
  TIFF* t = TIFFOpen(p.c_str(), "w");
  ASSERT_NE(t, nullptr);
  for (const auto& value : pages) {
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, static_cast<std::uint32_t>(w));
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, static_cast<std::uint32_t>(h));
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, static_cast<std::uint16_t>(bits));
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, static_cast<std::uint16_t>(1));
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
    TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
    auto sample = [&](std::vector<unsigned char>& buf, std::size_t k, unsigned v) {
      if (bits == 8) {
        buf[k] = static_cast<unsigned char>(v);
      } else {
        const auto s = static_cast<std::uint16_t>(v);
        std::memcpy(&buf[2 * k], &s, 2);  // libtiff takes host byte order
      }
    };
    if (tiled) {
      TIFFSetField(t, TIFFTAG_TILEWIDTH, 16u);
      TIFFSetField(t, TIFFTAG_TILELENGTH, 16u);
      std::vector<unsigned char> tile(static_cast<std::size_t>(16 * 16 * bits / 8));
      for (int ty = 0; ty < h; ty += 16)
        for (int tx = 0; tx < w; tx += 16) {
          std::fill(tile.begin(), tile.end(), 0);
          for (int y = ty; y < std::min(h, ty + 16); ++y)
            for (int x = tx; x < std::min(w, tx + 16); ++x)
              sample(tile, static_cast<std::size_t>((y - ty) * 16 + (x - tx)), value(x, y));
          ASSERT_GE(TIFFWriteTile(t, tile.data(), tx, ty, 0, 0), 0);
        }
    } else {
      TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 2u);
      std::vector<unsigned char> line(static_cast<std::size_t>(w * bits / 8));
      for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) sample(line, static_cast<std::size_t>(x), value(x, y));
        ASSERT_EQ(TIFFWriteScanline(t, line.data(), y, 0), 1);
      }
    }
    ASSERT_EQ(TIFFWriteDirectory(t), 1);
  }
  TIFFClose(t);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ebsd::Error& e) {
    return e.what();
  }
  return "";
}

// A volume of nx x ny x nz voxels, spacing 0.5 um in plane, origin (1, 2).
ebsd::Volume grid(std::int64_t nx, std::int64_t ny, std::int64_t nz) { return ebsd::Volume({nx, ny, nz}, {0.5, 0.5, 1.0}, {1.0, 2.0, 0.0}); }

TEST(SideImage, SixteenBitPngKeepsItsValues) {
  ebsd::test::TempDir t;
  write_png(t / "bse16.png", 5, 3, 16, [](int c, int r) { return 40000u + 1000u * r + 7u * c; });
  const auto img = ebsd::io::read_grey_png(t / "bse16.png");
  EXPECT_EQ(img.width, 5);
  EXPECT_EQ(img.height, 3);
  EXPECT_EQ(img.bits, 16);
  EXPECT_EQ(img.at(0, 0), 40000.0f);
  EXPECT_EQ(img.at(4, 2), 42028.0f);
  EXPECT_EQ(img.at(3, 1), 41021.0f);
  EXPECT_EQ(ebsd::io::side_image_format(t / "bse16.png"), "png");
}

TEST(SideImage, EightBitGreyAndGreyRgbPngAreAcceptedColourIsNot) {
  ebsd::test::TempDir t;
  write_png(t / "g8.png", 4, 2, 8, [](int c, int r) { return 10u * c + 100u * r; });
  auto img = ebsd::io::read_grey_png(t / "g8.png");
  EXPECT_EQ(img.bits, 8);
  EXPECT_EQ(img.at(3, 1), 130.0f);
  write_png(t / "rgb.png", 4, 2, 8, [](int c, int r) { return 10u * c + 100u * r; }, 3);
  img = ebsd::io::read_grey_png(t / "rgb.png");
  EXPECT_EQ(img.at(2, 1), 120.0f);
  write_png(t / "colour.png", 4, 2, 8, [](int c, int r) { return 10u * c + 100u * r; }, 3, true);
  const auto e = error_of([&] { ebsd::io::read_grey_png(t / "colour.png"); });
  EXPECT_NE(e.find("colour.png"), std::string::npos) << e;
  EXPECT_NE(e.find("greyscale"), std::string::npos) << e;
  // A truncated PNG is an error naming the file, not a crash.
  const std::string bytes = ebsd::test::read_file(t / "g8.png");
  std::ofstream(t / "cut.png", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  EXPECT_NE(error_of([&] { ebsd::io::read_grey_png(t / "cut.png"); }).find("cut.png"), std::string::npos);
}

TEST(SideImage, MultiPageTiffInStripsAndTiles) {
  ebsd::test::TempDir t;
  const std::vector<Pixel> pages{[](int c, int r) { return 1000u + 3u * c + 50u * r; }, [](int c, int r) { return 60000u - c - r; }};
  write_tiff(t / "stack.tif", 6, 5, 16, pages);
  EXPECT_EQ(ebsd::io::side_image_format(t / "stack.tif"), "tiff");
  EXPECT_EQ(ebsd::io::tiff_page_count(t / "stack.tif"), 2);
  std::vector<ebsd::io::GreyImage> got;
  ebsd::io::read_grey_tiff_pages(t / "stack.tif", [&](std::int64_t page, const ebsd::io::GreyImage& img) {
    EXPECT_EQ(page, static_cast<std::int64_t>(got.size()));
    got.push_back(img);
  });
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].bits, 16);
  EXPECT_EQ(got[0].at(5, 4), 1215.0f);
  EXPECT_EQ(got[1].at(2, 3), 59995.0f);
  // 8-bit tiles that overhang the image edge (20 x 18 in 16 x 16 tiles).
  write_tiff(t / "tiled.tif", 20, 18, 8, {[](int c, int r) { return static_cast<unsigned>((c + 7 * r) % 256); }}, true);
  got.clear();
  ebsd::io::read_grey_tiff_pages(t / "tiled.tif", [&](std::int64_t, const ebsd::io::GreyImage& img) { got.push_back(img); });
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].bits, 8);
  EXPECT_EQ(got[0].at(19, 17), static_cast<float>((19 + 7 * 17) % 256));
  EXPECT_EQ(got[0].at(17, 2), 31.0f);
}

TEST(SideImage, BilinearSamplingAndTheImageFootprint) {
  ebsd::io::GreyImage img;
  img.width = 2;
  img.height = 2;
  img.pixels = {0.0f, 10.0f, 100.0f, 110.0f};
  EXPECT_FLOAT_EQ(ebsd::io::sample_bilinear(img, 0.0, 0.0), 0.0f);
  EXPECT_FLOAT_EQ(ebsd::io::sample_bilinear(img, 1.0, 1.0), 110.0f);
  EXPECT_FLOAT_EQ(ebsd::io::sample_bilinear(img, 0.5, 0.0), 5.0f);
  EXPECT_FLOAT_EQ(ebsd::io::sample_bilinear(img, 0.25, 0.5), 52.5f);  // 0.5 * (2.5) + 0.5 * (102.5)
  // Inside the edge pixels' half-pixel border: the edge value.
  EXPECT_FLOAT_EQ(ebsd::io::sample_bilinear(img, -0.5, 0.0), 0.0f);
  EXPECT_FLOAT_EQ(ebsd::io::sample_bilinear(img, 1.5, 1.5), 110.0f);
  // Beyond it: NaN.
  EXPECT_TRUE(std::isnan(ebsd::io::sample_bilinear(img, -0.51, 0.0)));
  EXPECT_TRUE(std::isnan(ebsd::io::sample_bilinear(img, 0.0, 1.51)));
  EXPECT_TRUE(std::isnan(ebsd::io::sample_bilinear(img, std::nan(""), 0.0)));
}

TEST(SideImage, WithoutATransformOnePixelIsOneVoxel) {
  ebsd::test::TempDir t;
  write_png(t / "bse.png", 4, 3, 16, [](int c, int r) { return 30000u + 100u * r + c; });
  ebsd::Volume v = grid(4, 3, 1);
  const auto r = ebsd::io::add_side_image_channel(v, {t / "bse.png"}, {"bse", std::nullopt, "BSE detector"});
  EXPECT_EQ(r.pages, 1);
  EXPECT_EQ(r.bits, 16);
  EXPECT_EQ(r.outside_voxels, 0);
  EXPECT_TRUE(r.warnings.empty());
  const auto& c = v.channel("bse");
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < 4; ++i) EXPECT_EQ(c.values[static_cast<std::size_t>(v.index(i, j, 0))], 30000.0f + 100.0f * j + i);
  EXPECT_NE(c.description.find("16-bit"), std::string::npos);
  EXPECT_NE(c.description.find("BSE detector"), std::string::npos);
  ASSERT_FALSE(v.provenance().empty());
  const auto& p = v.provenance().back();
  EXPECT_EQ(p.step, "side-image");
  EXPECT_EQ(p.parameters["channel"], "bse");
  // pixel_per_voxel for spacing 0.5 and origin (1, 2): u = 2 x - 2, v = 2 y - 4.
  EXPECT_EQ(p.parameters["affine"], nlohmann::json::parse("[2.0, 0.0, -2.0, 0.0, 2.0, -4.0]"));
}

TEST(SideImage, AffineTransformPlacesATiffStackOnTheGrid) {
  ebsd::test::TempDir t;
  // Grey level linear in column and row, so bilinear sampling is exact: g = 10 u + 100 v + 1000 page.
  write_tiff(t / "pl.tif", 12, 9, 16,
             {[](int c, int r) { return 10u * c + 100u * r; }, [](int c, int r) { return 1000u + 10u * c + 100u * r; }});
  ebsd::Volume v = grid(3, 2, 2);
  // Two pixels per 0.5 um voxel, half a pixel in: u = 4 (x - 1) + 0.5, v = 4 (y - 2) + 0.75.
  AffineTransform a{{4.0, 0.0, -3.5, 0.0, 4.0, -7.25}};
  ebsd::io::add_side_image_channel(v, {t / "pl.tif"}, {"pl", a, ""});
  for (int k = 0; k < 2; ++k)
    for (int j = 0; j < 2; ++j)
      for (int i = 0; i < 3; ++i) {
        const double u = 2.0 * i + 0.5, w = 2.0 * j + 0.75;
        EXPECT_FLOAT_EQ(v.channel("pl").values[static_cast<std::size_t>(v.index(i, j, k))], static_cast<float>(10 * u + 100 * w + 1000 * k))
            << i << " " << j << " " << k;
      }
  // A transposing transform (the image's columns run along sample y): u = 2 (y - 2), v = 2 (x - 1).
  AffineTransform swap{{0.0, 2.0, -4.0, 2.0, 0.0, -2.0}};
  ebsd::io::add_side_image_channel(v, {t / "pl.tif"}, {"pl_t", swap, ""});
  EXPECT_FLOAT_EQ(v.channel("pl_t").values[static_cast<std::size_t>(v.index(2, 1, 1))], 1000.0f + 10.0f * 1 + 100.0f * 2);
}

TEST(SideImage, VoxelsOutsideTheImageAreNaN) {
  ebsd::test::TempDir t;
  write_png(t / "se.png", 4, 2, 8, [](int c, int) { return 20u * c; });
  ebsd::Volume v = grid(3, 2, 1);
  // u = 2 (x - 1) + 2: voxel columns 0, 1, 2 land on pixel columns 2, 3, 4, and 4 > 3.5.
  const auto r = ebsd::io::add_side_image_channel(v, {t / "se.png"}, {"se", AffineTransform{{2.0, 0.0, 0.0, 0.0, 2.0, -4.0}}, ""});
  EXPECT_EQ(r.outside_voxels, 2);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("2 voxels"), std::string::npos) << r.warnings[0];
  const auto& c = v.channel("se").values;
  EXPECT_EQ(c[static_cast<std::size_t>(v.index(0, 1, 0))], 40.0f);
  EXPECT_EQ(c[static_cast<std::size_t>(v.index(1, 0, 0))], 60.0f);
  EXPECT_TRUE(std::isnan(c[static_cast<std::size_t>(v.index(2, 0, 0))]));
  EXPECT_TRUE(std::isnan(c[static_cast<std::size_t>(v.index(2, 1, 0))]));
}

TEST(SideImage, MismatchesAreErrorsNamingTheFile) {
  ebsd::test::TempDir t;
  write_tiff(t / "two.tif", 4, 3, 8, {[](int, int) { return 1u; }, [](int, int) { return 2u; }});
  write_png(t / "s1.png", 4, 3, 8, [](int, int) { return 1u; });
  write_png(t / "s2.png", 5, 3, 8, [](int, int) { return 1u; });
  write_png(t / "s3.png", 4, 3, 16, [](int, int) { return 1u; });
  std::ofstream(t / "notes.txt") << "not an image";

  ebsd::Volume v3 = grid(4, 3, 3);
  auto e = error_of([&] { ebsd::io::add_side_image_channel(v3, {t / "two.tif"}, {"bse", std::nullopt, ""}); });
  EXPECT_NE(e.find("two.tif"), std::string::npos) << e;
  EXPECT_NE(e.find("2 image page(s)"), std::string::npos) << e;
  EXPECT_NE(e.find("3 slice(s)"), std::string::npos) << e;
  EXPECT_FALSE(v3.has_channel("bse"));

  ebsd::Volume v2 = grid(4, 3, 2);
  e = error_of([&] { ebsd::io::add_side_image_channel(v2, {t / "s1.png", t / "s2.png"}, {"bse", std::nullopt, ""}); });
  EXPECT_NE(e.find("s2.png"), std::string::npos) << e;
  EXPECT_NE(e.find("5 x 3"), std::string::npos) << e;
  e = error_of([&] { ebsd::io::add_side_image_channel(v2, {t / "s1.png", t / "s3.png"}, {"bse", std::nullopt, ""}); });
  EXPECT_NE(e.find("s3.png"), std::string::npos) << e;
  EXPECT_NE(e.find("16 bits"), std::string::npos) << e;
  e = error_of([&] { ebsd::io::add_side_image_channel(v2, {t / "s1.png", t / "notes.txt"}, {"bse", std::nullopt, ""}); });
  EXPECT_NE(e.find("notes.txt"), std::string::npos) << e;
  EXPECT_NE(e.find("not a PNG or TIFF"), std::string::npos) << e;

  ebsd::Volume v1 = grid(4, 3, 1);
  e = error_of([&] { ebsd::io::add_side_image_channel(v1, {t / "s1.png"}, {"bse", AffineTransform{{1, 2, 0, 2, 4, 0}}, ""}); });
  EXPECT_NE(e.find("singular"), std::string::npos) << e;
  e = error_of([&] { ebsd::io::add_side_image_channel(v1, {t / "s1.png"}, {"bse", AffineTransform{{1, 0, 100, 0, 1, 0}}, ""}); });
  EXPECT_NE(e.find("places no voxel"), std::string::npos) << e;
  ebsd::io::add_side_image_channel(v1, {t / "s1.png"}, {"bse", std::nullopt, ""});
  e = error_of([&] { ebsd::io::add_side_image_channel(v1, {t / "s1.png"}, {"bse", std::nullopt, ""}); });
  EXPECT_NE(e.find("already has a channel 'bse'"), std::string::npos) << e;
}

TEST(SideImage, CancellationStopsPlacement) {
  ebsd::test::TempDir t;
  write_png(t / "a.png", 4, 3, 8, [](int, int) { return 1u; });
  ebsd::Volume v = grid(4, 3, 1);
  ebsd::CancelToken token;
  token.cancel();
  ebsd::Progress p({}, &token);
  EXPECT_THROW(ebsd::io::add_side_image_channel(v, {t / "a.png"}, {"a", std::nullopt, ""}, p), ebsd::Cancelled);
  EXPECT_FALSE(v.has_channel("a"));
}

}  // namespace

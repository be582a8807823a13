#include "ebsd/io/png.hpp"

#include <png.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "ebsd/core/error.hpp"
#include "ebsd/io/atomic_file.hpp"

namespace ebsd::io {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// libpng reports errors through longjmp by default; we route them to an exception-free flag
// via png_set_error_fn + setjmp kept local to one function, then throw outside.
void write_png_file(const std::filesystem::path& path, const RgbImage& img) {
  FilePtr f(std::fopen(path.c_str(), "wb"));
  if (!f) throw Error("cannot open for writing", path.string());
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (!png) throw Error("libpng could not start", path.string());
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    throw Error("libpng failed while writing", path.string());
  }
  png_init_io(png, f.get());
  png_set_IHDR(png, info, static_cast<png_uint_32>(img.width), static_cast<png_uint_32>(img.height), 8,
               PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < img.height; ++y) png_write_row(png, const_cast<png_bytep>(img.at(0, y)));
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  if (std::fflush(f.get()) != 0) throw Error("write failed (disk full?)", path.string());
}

}  // namespace

void write_png(const std::filesystem::path& path, const RgbImage& image) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * 3)
    throw Error("image is empty or inconsistent", path.string());
  write_atomically(path, [&](const std::filesystem::path& tmp) { write_png_file(tmp, image); });
}

RgbImage read_png(const std::filesystem::path& path) {
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) throw Error("cannot open for reading", path.string());
  unsigned char sig[8];
  if (std::fread(sig, 1, 8, f.get()) != 8 || png_sig_cmp(sig, 0, 8) != 0)
    throw Error("not a PNG file (bad signature)", path.string());
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (!png) throw Error("libpng could not start", path.string());
  png_infop info = png_create_info_struct(png);
  RgbImage img;
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw Error("corrupt or truncated PNG", path.string());
  }
  png_init_io(png, f.get());
  png_set_sig_bytes(png, 8);
  png_read_info(png, info);
  const png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
  if (w == 0 || h == 0 || w > 65536 || h > 65536) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw Error("PNG size " + std::to_string(w) + "x" + std::to_string(h) + " is out of range", path.string());
  }
  png_set_strip_16(png);
  png_set_strip_alpha(png);
  png_set_palette_to_rgb(png);
  png_set_expand_gray_1_2_4_to_8(png);
  png_set_gray_to_rgb(png);
  png_read_update_info(png, info);
  img = RgbImage(static_cast<int>(w), static_cast<int>(h));
  for (png_uint_32 y = 0; y < h; ++y) png_read_row(png, img.at(0, static_cast<int>(y)), nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return img;
}

}  // namespace ebsd::io

// Greyscale PNG (8 and 16 bit) for side-modality channels, through libpng directly: png.cpp
// reads 8-bit RGB for display and strips 16-bit data, which would throw away the dynamic range
// that 16-bit BSE detectors deliver.
#include <png.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "ebsd/core/error.hpp"
#include "ebsd/io/side_image.hpp"

namespace ebsd::io {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};

// libpng reports errors by longjmp. Only plain data live in the frames that call setjmp
// (png_begin, png_rows), so the jump skips no C++ destructor; the message is kept here and
// turned into an exception by the caller.
struct PngRead {
  png_structp png = nullptr;
  png_infop info = nullptr;
  char message[256] = "corrupt or truncated PNG";
  png_uint_32 width = 0, height = 0;
  int bit_depth = 0, channels = 0;
  std::size_t row_bytes = 0;
  ~PngRead() { png_destroy_read_struct(&png, info ? &info : nullptr, nullptr); }
};

void on_png_error(png_structp png, png_const_charp msg) {
  auto* r = static_cast<PngRead*>(png_get_error_ptr(png));
  std::snprintf(r->message, sizeof r->message, "%s", msg);
  png_longjmp(png, 1);
}
void on_png_warning(png_structp, png_const_charp) {}  // not an error; keep stderr clean

bool png_begin(PngRead& r, std::FILE* f) {
  if (setjmp(png_jmpbuf(r.png))) return false;
  png_init_io(r.png, f);
  png_set_sig_bytes(r.png, 8);
  // Bound what a forged header can make libpng allocate (ancillary chunks included).
  png_set_user_limits(r.png, static_cast<png_uint_32>(kMaxImageSide), static_cast<png_uint_32>(kMaxImageSide));
  png_read_info(r.png, r.info);
  r.width = png_get_image_width(r.png, r.info);
  r.height = png_get_image_height(r.png, r.info);
  if (static_cast<std::int64_t>(r.width) * r.height > kMaxImagePixels) return true;  // checked by the caller
  png_set_palette_to_rgb(r.png);
  png_set_expand_gray_1_2_4_to_8(r.png);
  png_set_strip_alpha(r.png);
  png_set_interlace_handling(r.png);
  png_read_update_info(r.png, r.info);
  r.bit_depth = png_get_bit_depth(r.png, r.info);
  r.channels = png_get_channels(r.png, r.info);
  r.row_bytes = png_get_rowbytes(r.png, r.info);
  return true;
}

bool png_rows(PngRead& r, png_bytep* rows) {
  if (setjmp(png_jmpbuf(r.png))) return false;
  png_read_image(r.png, rows);
  png_read_end(r.png, nullptr);
  return true;
}

}  // namespace

GreyImage read_grey_png(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) throw Error("cannot open for reading", name);
  unsigned char sig[8];
  if (std::fread(sig, 1, 8, f.get()) != 8 || png_sig_cmp(sig, 0, 8) != 0) throw Error("not a PNG file (bad signature)", name);

  PngRead r;
  r.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r, on_png_error, on_png_warning);
  if (!r.png) throw Error("libpng could not start", name);
  r.info = png_create_info_struct(r.png);
  if (!r.info) throw Error("libpng could not start", name);
  if (!png_begin(r, f.get())) throw Error(std::string("unreadable PNG: ") + r.message, name);
  if (r.width == 0 || r.height == 0 || static_cast<std::int64_t>(r.width) * r.height > kMaxImagePixels)
    throw Error("PNG size " + std::to_string(r.width) + " x " + std::to_string(r.height) + " is out of range", name);
  if ((r.bit_depth != 8 && r.bit_depth != 16) || (r.channels != 1 && r.channels != 3))
    throw Error("unsupported PNG layout (" + std::to_string(r.channels) + " channels of " + std::to_string(r.bit_depth) + " bits)", name);

  std::vector<png_byte> data(r.row_bytes * r.height);
  std::vector<png_bytep> rows(r.height);
  for (png_uint_32 y = 0; y < r.height; ++y) rows[y] = data.data() + y * r.row_bytes;
  if (!png_rows(r, rows.data())) throw Error(std::string("unreadable PNG: ") + r.message, name);

  GreyImage img;
  img.width = r.width;
  img.height = r.height;
  img.bits = r.bit_depth;
  img.pixels.resize(static_cast<std::size_t>(img.width * img.height));
  const std::size_t bytes = r.bit_depth / 8;
  for (std::int64_t y = 0; y < img.height; ++y) {
    const png_byte* row = rows[static_cast<std::size_t>(y)];
    for (std::int64_t x = 0; x < img.width; ++x) {
      unsigned sample[3] = {0, 0, 0};
      for (int c = 0; c < r.channels; ++c) {
        const png_byte* s = row + (static_cast<std::size_t>(x) * r.channels + c) * bytes;
        sample[c] = bytes == 2 ? (unsigned{s[0]} << 8 | s[1]) : s[0];  // PNG stores 16-bit big-endian
      }
      if (r.channels == 3 && (sample[0] != sample[1] || sample[1] != sample[2]))
        throw Error("is a colour image (pixel " + std::to_string(x) + ", " + std::to_string(y) +
                        " is not grey); expected a greyscale image",
                    name);
      img.pixels[static_cast<std::size_t>(y * img.width + x)] = static_cast<float>(sample[0]);
    }
  }
  return img;
}

}  // namespace ebsd::io

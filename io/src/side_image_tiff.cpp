// Greyscale TIFF pages (8 and 16 bit, single images and multi-page stacks) for side-modality
// channels, through libtiff. libtiff's messages are captured per file (TIFFOpenExt handlers)
// instead of going to stderr, so the user sees one error line naming the file and page.
#include <tiffio.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "ebsd/core/error.hpp"
#include "ebsd/io/side_image.hpp"

namespace ebsd::io {
namespace {

struct TiffMessages {
  std::string last_error;
};

int on_tiff_error(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
  char buf[512];
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  auto* m = static_cast<TiffMessages*>(user);
  m->last_error = (module && *module ? std::string(module) + ": " : std::string()) + buf;
  return 1;  // handled: libtiff prints nothing
}
int on_tiff_warning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

struct TiffCloser {
  void operator()(TIFF* t) const {
    if (t) TIFFClose(t);
  }
};
using TiffPtr = std::unique_ptr<TIFF, TiffCloser>;

TiffPtr open_tiff(const std::filesystem::path& path, TiffMessages& messages) {
  TIFFOpenOptions* opts = TIFFOpenOptionsAlloc();
  if (!opts) throw Error("libtiff could not start", path.string());
  TIFFOpenOptionsSetErrorHandlerExtR(opts, on_tiff_error, &messages);
  TIFFOpenOptionsSetWarningHandlerExtR(opts, on_tiff_warning, &messages);
  // A forged header must not make libtiff allocate more than a large page would need.
  TIFFOpenOptionsSetMaxSingleMemAlloc(opts, static_cast<tmsize_t>(kMaxImagePixels) * 2);
  TiffPtr t(TIFFOpenExt(path.c_str(), "r", opts));
  TIFFOpenOptionsFree(opts);
  if (!t) throw Error("unreadable TIFF" + (messages.last_error.empty() ? std::string() : ": " + messages.last_error), path.string());
  return t;
}

// Reads the current directory of `t` as a greyscale page.
GreyImage read_page(TIFF* t, const std::string& name, const std::string& place, TiffMessages& messages) {
  std::uint32_t w = 0, h = 0;
  std::uint16_t bits = 1, spp = 1, format = SAMPLEFORMAT_UINT, photometric = PHOTOMETRIC_MINISBLACK, planar = PLANARCONFIG_CONTIG;
  TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
  TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h);
  TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLEFORMAT, &format);
  TIFFGetFieldDefaulted(t, TIFFTAG_PLANARCONFIG, &planar);
  if (!TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &photometric)) photometric = PHOTOMETRIC_MINISBLACK;
  if (w == 0 || h == 0 || w > kMaxImageSide || h > kMaxImageSide || static_cast<std::int64_t>(w) * h > kMaxImagePixels)
    throw Error("TIFF size " + std::to_string(w) + " x " + std::to_string(h) + " is out of range", name, place);
  if (spp != 1 || photometric != PHOTOMETRIC_MINISBLACK)
    throw Error("expected a greyscale TIFF (1 sample per pixel, min-is-black), found " + std::to_string(spp) +
                    " samples per pixel, photometric " + std::to_string(photometric),
                name, place);
  if ((bits != 8 && bits != 16) || format != SAMPLEFORMAT_UINT)
    throw Error("expected 8- or 16-bit unsigned samples, found " + std::to_string(bits) + "-bit, sample format " + std::to_string(format),
                name, place);

  GreyImage img;
  img.width = w;
  img.height = h;
  img.bits = bits;
  img.pixels.resize(static_cast<std::size_t>(img.width * img.height));
  // libtiff returns 16-bit samples in host byte order.
  auto sample = [&](const unsigned char* buf, std::size_t k) -> float {
    if (bits == 8) return buf[k];
    std::uint16_t s;
    std::memcpy(&s, buf + 2 * k, 2);
    return s;
  };
  auto fail = [&](const std::string& what) {
    return Error(what + (messages.last_error.empty() ? std::string() : ": " + messages.last_error), name, place);
  };

  if (TIFFIsTiled(t)) {
    std::uint32_t tw = 0, th = 0;
    TIFFGetField(t, TIFFTAG_TILEWIDTH, &tw);
    TIFFGetField(t, TIFFTAG_TILELENGTH, &th);
    const tmsize_t tile_bytes = TIFFTileSize(t);
    if (tw == 0 || th == 0 || tile_bytes <= 0 || static_cast<std::uint64_t>(tile_bytes) < std::uint64_t{tw} * th * (bits / 8))
      throw fail("bad tile layout");
    std::vector<unsigned char> tile(static_cast<std::size_t>(tile_bytes));
    for (std::uint32_t ty = 0; ty < h; ty += th)
      for (std::uint32_t tx = 0; tx < w; tx += tw) {
        if (TIFFReadTile(t, tile.data(), tx, ty, 0, 0) < 0) throw fail("unreadable tile at " + std::to_string(tx) + ", " + std::to_string(ty));
        for (std::uint32_t y = ty; y < std::min(h, ty + th); ++y)
          for (std::uint32_t x = tx; x < std::min(w, tx + tw); ++x)
            img.pixels[static_cast<std::size_t>(y) * w + x] = sample(tile.data(), static_cast<std::size_t>(y - ty) * tw + (x - tx));
      }
  } else {
    const tmsize_t line_bytes = TIFFScanlineSize(t);
    if (line_bytes <= 0 || static_cast<std::uint64_t>(line_bytes) < std::uint64_t{w} * (bits / 8)) throw fail("bad strip layout");
    std::vector<unsigned char> line(static_cast<std::size_t>(line_bytes));
    for (std::uint32_t y = 0; y < h; ++y) {
      if (TIFFReadScanline(t, line.data(), y, 0) < 0) throw fail("unreadable row " + std::to_string(y));
      for (std::uint32_t x = 0; x < w; ++x) img.pixels[static_cast<std::size_t>(y) * w + x] = sample(line.data(), x);
    }
  }
  return img;
}

}  // namespace

std::int64_t tiff_page_count(const std::filesystem::path& path) {
  TiffMessages m;
  TiffPtr t = open_tiff(path, m);
  return static_cast<std::int64_t>(TIFFNumberOfDirectories(t.get()));
}

void read_grey_tiff_pages(const std::filesystem::path& path, const std::function<void(std::int64_t, const GreyImage&)>& visit) {
  TiffMessages m;
  TiffPtr t = open_tiff(path, m);
  for (std::int64_t page = 0;; ++page) {
    const GreyImage img = read_page(t.get(), path.string(), "page " + std::to_string(page + 1), m);
    visit(page, img);
    // 0 means either the end of the chain or a broken directory; only the handler can tell.
    m.last_error.clear();
    if (TIFFReadDirectory(t.get()) != 1) {
      if (!m.last_error.empty())
        throw Error("unreadable TIFF directory: " + m.last_error, path.string(), "page " + std::to_string(page + 2));
      break;
    }
  }
}

}  // namespace ebsd::io

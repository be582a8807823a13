#include "pgm_reader.hpp"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

namespace ebsd_sem {
namespace {

using File = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what); }

bool is_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// Skips whitespace and '#' comments (to the end of the line) before a header number.
void skip_blanks(std::FILE* f) {
  for (int c = std::getc(f); c != EOF; c = std::getc(f)) {
    if (c == '#') {
      while (c != EOF && c != '\n' && c != '\r') c = std::getc(f);
      continue;
    }
    if (!is_space(c)) {
      std::ungetc(c, f);
      return;
    }
  }
}

std::int64_t header_number(std::FILE* f, const char* what) {
  skip_blanks(f);
  int c = std::getc(f);
  if (c == EOF) fail(std::string("truncated PGM header: the file ends before the ") + what);
  if (!std::isdigit(c)) fail(std::string("bad PGM header: expected the ") + what + " as a decimal number, found '" +
                             static_cast<char>(c) + "'");
  std::int64_t value = 0;
  for (; c != EOF && std::isdigit(c); c = std::getc(f)) {
    value = value * 10 + (c - '0');
    // Stop long before overflow: anything this large is rejected by the size checks anyway.
    if (value > 1'000'000'000) fail(std::string("bad PGM header: the ") + what + " is absurdly large");
  }
  if (c != EOF) std::ungetc(c, f);
  return value;
}

// Returns false at a clean end of file (only whitespace left) before a further image.
bool next_magic(std::FILE* f, bool first) {
  int c = std::getc(f);
  if (!first)
    while (c != EOF && is_space(c)) c = std::getc(f);
  if (c == EOF) {
    if (first) fail("the file is empty");
    return false;
  }
  const int d = std::getc(f);
  if (c == 'P' && d == '5') return true;
  if (c == 'P' && d == '2') fail("an ASCII PGM ('P2') is not supported: save the image as binary PGM ('P5')");
  std::string found;
  for (const int x : {c, d})
    if (x != EOF) found += std::isprint(x) ? std::string(1, static_cast<char>(x)) : "\\x" + std::to_string(x);
  fail(std::string(first ? "not a binary PGM file" : "unexpected data after the last PGM image") +
       ": expected the magic 'P5', found '" + found + "'");
}

void read_raster(std::FILE* f, std::int64_t width, std::int64_t height, int maxval, float* out) {
  const std::size_t bytes_per_sample = maxval < 256 ? 1 : 2;
  const std::size_t row_bytes = static_cast<std::size_t>(width) * bytes_per_sample;
  std::vector<unsigned char> row(row_bytes);
  for (std::int64_t r = 0; r < height; ++r) {
    const std::size_t got = std::fread(row.data(), 1, row_bytes, f);
    if (got != row_bytes) {
      const std::int64_t total = width * height * static_cast<std::int64_t>(bytes_per_sample);
      const std::int64_t have = r * static_cast<std::int64_t>(row_bytes) + static_cast<std::int64_t>(got);
      fail("truncated PGM: the header announces " + std::to_string(width) + " x " + std::to_string(height) +
           " pixels (" + std::to_string(total) + " bytes of pixel data) but only " + std::to_string(have) +
           " bytes follow");
    }
    float* dst = out + r * width;
    for (std::int64_t c = 0; c < width; ++c) {
      const std::size_t k = static_cast<std::size_t>(c) * bytes_per_sample;
      const int v = bytes_per_sample == 1 ? row[k] : (row[k] << 8) | row[k + 1];
      if (v > maxval)
        fail("a sample (" + std::to_string(v) + " at row " + std::to_string(r) + ", column " + std::to_string(c) +
             ") exceeds the header's maxval " + std::to_string(maxval));
      dst[c] = static_cast<float>(v);
    }
  }
}

}  // namespace

int read_pgm(const std::string& path, const NewImageFn& new_image) {
  File f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) fail(std::string("cannot open the file: ") + std::strerror(errno));
  int images = 0;
  while (next_magic(f.get(), images == 0)) {
    const std::int64_t width = header_number(f.get(), "width");
    const std::int64_t height = header_number(f.get(), "height");
    const std::int64_t maxval = header_number(f.get(), "maxval");
    // Exactly one whitespace byte separates the header from the raster (whose first byte may
    // itself look like whitespace).
    const int sep = std::getc(f.get());
    if (sep == EOF) fail("truncated PGM: the file ends after the header");
    if (!is_space(sep)) fail("bad PGM header: expected whitespace after the maxval");
    if (width < 1 || height < 1 || width > kMaxSide || height > kMaxSide || width * height > kMaxPixels)
      fail("absurd PGM size " + std::to_string(width) + " x " + std::to_string(height) + " (accepted: 1 to " +
           std::to_string(kMaxSide) + " per side, at most " + std::to_string(kMaxPixels) + " pixels)");
    if (maxval < 1 || maxval > 65535) fail("bad PGM maxval " + std::to_string(maxval) + " (expected 1 to 65535)");
    const int bits = maxval < 256 ? 8 : 16;
    float* out = new_image(width, height, bits);
    if (!out) fail("no room for the image");
    read_raster(f.get(), width, height, static_cast<int>(maxval), out);
    ++images;
  }
  return images;
}

}  // namespace ebsd_sem

#pragma once
// Binary netpbm PGM ("P5"), as ImageJ/FIJI, GIMP and netpbm write it: the magic "P5", then
// width, height and maxval in ASCII decimal separated by whitespace ('#' comments allowed
// before the maxval), one whitespace byte, then height rows of width samples, one byte each
// when maxval < 256, else two bytes, most significant first. A file may hold several images
// back to back (netpbm's multi-image PGM), which become consecutive slices.
// Reference: https://netpbm.sourceforge.net/doc/pgm.html
#include <cstdint>
#include <functional>
#include <string>

namespace ebsd_sem {

// Largest side and pixel count accepted: more is a corrupt header, not a micrograph (the same
// limits the host applies to images).
inline constexpr std::int64_t kMaxSide = 65536;
inline constexpr std::int64_t kMaxPixels = std::int64_t{1} << 28;

// Receives each image's size and depth (8 or 16 bits) and returns where its width * height
// grey levels go (row-major from the top row, values as stored, not rescaled).
using NewImageFn = std::function<float*(std::int64_t width, std::int64_t height, int bits)>;

// Reads every image of the file; returns how many. Throws std::runtime_error saying what is
// wrong (missing file, wrong magic, bad header, absurd size, truncated data, a sample above
// maxval); the host adds the file name.
int read_pgm(const std::string& path, const NewImageFn& new_image);

}  // namespace ebsd_sem

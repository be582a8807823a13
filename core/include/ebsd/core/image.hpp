#pragma once
// A plain 8-bit RGB raster, row-major, top row first: what core produces (IPF maps, colour
// keys) and io writes (PNG). No dependency on an imaging library here.
#include <cstdint>
#include <vector>

namespace ebsd {

struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;  // width * height * 3

  RgbImage() = default;
  RgbImage(int w, int h, std::uint8_t fill = 0)
      : width(w), height(h), pixels(static_cast<std::size_t>(w) * h * 3, fill) {}

  std::uint8_t* at(int x, int y) { return pixels.data() + (static_cast<std::size_t>(y) * width + x) * 3; }
  const std::uint8_t* at(int x, int y) const {
    return pixels.data() + (static_cast<std::size_t>(y) * width + x) * 3;
  }
};

}  // namespace ebsd

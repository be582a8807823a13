#pragma once
// The 64-byte operand of ldtilecfg (palette 1): per tile its rows and bytes per row. Each AMX
// kernel fills one with its own tile shapes.
#include <cstdint>

namespace ebsd::quant::detail {

struct alignas(64) TileConfig {
  std::uint8_t palette = 1, start_row = 0;
  std::uint8_t reserved[14] = {};
  std::uint16_t colsb[16] = {};
  std::uint8_t rows[16] = {};
};

}  // namespace ebsd::quant::detail

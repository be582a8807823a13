#pragma once
// What both AMX kernels need: the ldtilecfg operand and 64-byte aligned per-thread scratch
// (ebsd::AlignedVector).
#include <cstdint>

#include "ebsd/core/aligned_vector.hpp"

namespace ebsd::quant::detail {

// The 64-byte operand of ldtilecfg (palette 1): per tile its rows and bytes per row. Each AMX
// kernel fills one with its own tile shapes.
struct alignas(64) TileConfig {
  std::uint8_t palette = 1, start_row = 0;
  std::uint8_t reserved[14] = {};
  std::uint16_t colsb[16] = {};
  std::uint8_t rows[16] = {};
};

using ebsd::AlignedVector;

}  // namespace ebsd::quant::detail

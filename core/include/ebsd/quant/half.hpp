#pragma once
// IEEE binary16 (f16) <-> f32, round to nearest even: the scale type of GGUF's quantized blocks.
#include <cstdint>

namespace ebsd::quant {

float half_to_float(std::uint16_t h);
std::uint16_t float_to_half(float f);

}  // namespace ebsd::quant

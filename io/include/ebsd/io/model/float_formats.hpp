#pragma once
// IEEE half (f16) and bfloat16 conversions, round to nearest even, for the converters.
#include <cstdint>

namespace ebsd::io::model {

float half_to_float(std::uint16_t h);
std::uint16_t float_to_half(float f);
float bf16_to_float(std::uint16_t b);
std::uint16_t float_to_bf16(float f);

}  // namespace ebsd::io::model

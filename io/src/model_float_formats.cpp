// f16 / bf16 <-> f32 (model/float_formats.hpp).
#include "ebsd/io/model/float_formats.hpp"

#include <cstring>

#include "ebsd/quant/half.hpp"

namespace ebsd::io::model {

// One f16 implementation for the project: core's, beside the quantized block formats that use it.
float half_to_float(std::uint16_t h) { return quant::half_to_float(h); }
std::uint16_t float_to_half(float f) { return quant::float_to_half(f); }

float bf16_to_float(std::uint16_t b) {
  const std::uint32_t bits = static_cast<std::uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

std::uint16_t float_to_bf16(float f) {
  std::uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((x >> 16) | 0x40);  // quiet NaN
  x += 0x7fff + ((x >> 16) & 1);
  return static_cast<std::uint16_t>(x >> 16);
}

}  // namespace ebsd::io::model

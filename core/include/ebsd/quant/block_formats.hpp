#pragma once
// GGUF's quantized block formats (LLM-CORE.md section 2.1), byte for byte as ggml lays them out,
// so files written here load in llama.cpp and its files load here. A row of n values is n /
// block_elements blocks stored one after another; blocks run along a weight's input axis.
//
//   Q8_0  32 values in 34 bytes: f16 d, 32 x int8 q;                      x = d q
//   Q4_0  32 values in 18 bytes: f16 d, 16 bytes of nibbles;              x = d (q - 8)
//         byte j: low nibble -> value j, high nibble -> value j + 16
//   Q4_K 256 values in 144 bytes: f16 d, f16 dmin, 12 bytes of 6-bit scales and mins for 8
//         sub-blocks of 32, 128 bytes of nibbles;                          x = d sc_j q - dmin m_j
//         each 64 values share 32 bytes: low nibbles -> sub-block 2i, high nibbles -> 2i + 1
//   Q6_K 256 values in 210 bytes: 128 bytes low 4 bits, 64 bytes high 2 bits, 16 int8 scales
//         (one per 16 values), f16 d;                                      x = d sc_s (q - 32)
//
// Quantization here is plain rounding to the nearest level (no importance weighting): it is for
// our converter and for writing test models, not a replacement for llama.cpp's quantizer.
#include <cstddef>
#include <cstdint>

namespace ebsd::quant {

enum class BlockFormat : std::uint8_t { Q8_0, Q4_0, Q4_K, Q6_K };

struct BlockTraits {
  const char* name;         // "Q8_0", ...
  int block_elements;       // 32 or 256
  int block_bytes;          // 34, 18, 144, 210
};

const BlockTraits& block_traits(BlockFormat format);

// Bytes of a row of `elements` values; throws ebsd::Error when `elements` is not a whole
// number of blocks.
std::size_t row_bytes(BlockFormat format, std::int64_t elements);

// `elements` must be a whole number of blocks (checked, ebsd::Error otherwise).
void dequantize_row(BlockFormat format, const std::uint8_t* blocks, float* out, std::int64_t elements);
void quantize_row(BlockFormat format, const float* values, std::uint8_t* blocks, std::int64_t elements);

// The index of the first of `count` blocks whose f16 scale (d, and dmin for Q4_K) is NaN or
// infinite, or -1 when all are finite. Such a block would poison every dot product with it.
std::int64_t first_nonfinite_block(BlockFormat format, const std::uint8_t* blocks, std::int64_t count);

}  // namespace ebsd::quant

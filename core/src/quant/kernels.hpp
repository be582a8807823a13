#pragma once
// The per-instruction-set kernels behind quant_matmul (quant/quant_matmul.hpp). Each computes
// rows [r0, r1) for every token; the arguments are already checked.
#include "ebsd/quant/quant_matmul.hpp"

namespace ebsd::quant::detail {

void matmul_portable(const QuantMatrix& w, const ActivationBlocks& x, float* y, std::int64_t ldy, std::int64_t r0,
                     std::int64_t r1);
void matmul_avx2(const QuantMatrix& w, const ActivationBlocks& x, float* y, std::int64_t ldy, std::int64_t r0,
                 std::int64_t r1);
void matmul_avx512(const QuantMatrix& w, const ActivationBlocks& x, float* y, std::int64_t ldy, std::int64_t r0,
                   std::int64_t r1);
// Rows [r0, r1) in whole groups of 16 ((r1 - r0) % 16 == 0), activations with tiles.
void matmul_amx(const QuantMatrix& w, const ActivationBlocks& x, float* y, std::int64_t ldy, std::int64_t r0,
                std::int64_t r1);
// Asks Linux for the AMX tile state (once per process); false when refused or absent.
bool amx_usable();

// Quantizes one token's row of nb blocks into the layout of ActivationBlocks (quants q, scales
// d, sums s). Returns the first block with a value that is not finite, or -1.
std::int64_t quantize_row_portable(BlockFormat format, const float* row, std::int64_t nb, std::uint8_t* q, float* d, float* s);
std::int64_t quantize_row_avx512(BlockFormat format, const float* row, std::int64_t nb, std::uint8_t* q, float* d, float* s);

// Rows are processed in chunks of this many so a chunk of weights stays in cache while every
// tile of tokens passes over it.
inline constexpr std::int64_t kRowChunk = 32;

}  // namespace ebsd::quant::detail

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
// `plain`, when not null, gets the levels as int8 in column order too (ActivationBlocks::plain).
std::int64_t quantize_row_portable(BlockFormat format, const float* row, std::int64_t nb, std::uint8_t* q, float* d, float* s,
                                   std::int8_t* plain);
std::int64_t quantize_row_avx512(BlockFormat format, const float* row, std::int64_t nb, std::uint8_t* q, float* d, float* s,
                                 std::int8_t* plain);

// The interleaved kernels (QuantMatrix::interleaved): whole groups of 16 rows, r0 and r1
// multiples of 16; activations with plain levels. The AMX one takes any token count.
void matmul_avx512_interleaved(const QuantMatrix& w, const ActivationBlocks& x, float* y, std::int64_t ldy, std::int64_t r0,
                               std::int64_t r1);
void matmul_amx_interleaved(const QuantMatrix& w, const ActivationBlocks& x, float* y, std::int64_t ldy, std::int64_t r0,
                            std::int64_t r1);
// The AMX bf16 prompt kernel (bf16_prompt_matmul.hpp): whole groups [g0, g1) of w's interleaved
// copy, x bf16 rows of w.cols values, padded_tokens (a multiple of 32) of them readable, results
// for the first `tokens`.
void matmul_amx_bf16(const QuantMatrix& w, const std::uint16_t* x, std::int64_t tokens, std::int64_t padded_tokens, float* y,
                     std::int64_t ldy, std::int64_t g0, std::int64_t g1);
// out[i] = x[i] rounded to bf16 (nearest even), AVX512-BF16; n a multiple of 32 (whole blocks).
void round_to_bf16_avx512(const float* x, std::int64_t n, std::uint16_t* out);
// Whether the CPU has AMX-BF16, AVX512-BF16 and VBMI (besides what Isa::Avx512Amx needs).
bool cpu_has_amx_bf16();

// Bytes of one group of 16 interleaved rows, and where its quants start (after the scales).
inline std::int64_t interleaved_scale_bytes(std::int64_t nb) { return (nb * 32 + 63) / 64 * 64; }
inline std::int64_t interleaved_block_bytes(BlockFormat f) { return f == BlockFormat::Q4_0 ? 256 : 512; }
inline std::int64_t interleaved_group_bytes(BlockFormat f, std::int64_t nb) {
  return interleaved_scale_bytes(nb) + nb * interleaved_block_bytes(f);
}

// Rows are processed in chunks of this many so a chunk of weights stays in cache while every
// tile of tokens passes over it.
inline constexpr std::int64_t kRowChunk = 32;

}  // namespace ebsd::quant::detail

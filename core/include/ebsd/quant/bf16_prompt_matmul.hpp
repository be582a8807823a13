#pragma once
// Prompt products in bf16 on AMX (Sapphire Rapids and later): for prompts of kBf16PromptMinTokens
// tokens or more, y[t][r] = sum_k bf16(W[r][k]) bf16(x[t][k]), products and sums in f32.
//
// Why a second kind of product beside quant_matmul's 8-bit one: with 8-bit activations every
// block of 32 values has its own pair of scales, so the tile unit's int32 result must be stored
// and rescaled by AVX-512 after every 32-value multiply, and that bounds the AMX int8 kernel near
// a third of the tile unit's rate. Here the weights of two groups of 16 rows are dequantized
// exactly (d * q in f32) and rounded once to bf16, then every tile of 32 tokens runs the whole
// row through tdpbf16ps with the results kept in the tiles: no per-block work is left.
//
// Accuracy against the exact product of the file's dequantized weights with the f32 inputs: bf16
// rounds each operand to 8 significant bits (relative 2^-9), finer than the 8-bit activation
// blocks (step max / 127 of each block of 32), so this path's logits are at least as close to the
// dequantized model's as the 8-bit path's (tests/unit/quant/test_bf16_prompt_matmul.cpp measures
// both). It is not bit-identical with the 8-bit path that decode uses, so a prompt's last logits
// differ from a token-by-token run of the same prompt by that rounding (LLM tests bound it).
//
// EBSD_QUANT_PROMPT=int8 in the environment turns it off (comparisons); EBSD_QUANT_ISA below
// "amx" does too.
#include <cstdint>
#include <memory>

#include "ebsd/quant/quant_matmul.hpp"

namespace ebsd::quant {

inline constexpr std::int64_t kBf16PromptMinTokens = 32;

// AMX-BF16, AVX512-BF16 and VBMI on the CPU, Linux's tile permission, and not turned off.
bool bf16_prompt_supported();

// Activations x [tokens, cols] rounded to bf16 (nearest even), rows of cols values, tokens padded
// with zero rows to a multiple of 32 (two AMX tiles of 16).
class Bf16Activations {
public:
  // cols must be a multiple of 32 (the weights' blocks); needs bf16_prompt_supported().
  void prepare(std::int64_t tokens, std::int64_t cols);
  // Fills tokens [t0, t1) from row t of x at x + t * ldx (disjoint ranges may run concurrently).
  void convert_tokens(const float* x, std::int64_t ldx, std::int64_t t0, std::int64_t t1);

  std::int64_t tokens() const { return tokens_; }
  std::int64_t padded_tokens() const { return (tokens_ + 31) / 32 * 32; }
  std::int64_t cols() const { return cols_; }
  const std::uint16_t* row(std::int64_t t) const { return data_.get() + t * cols_; }
  float value(std::int64_t t, std::int64_t k) const;  // the bf16 value as a float

private:
  struct FreeDeleter {
    void operator()(void* p) const;
  };
  std::int64_t tokens_ = 0, cols_ = 0;
  std::size_t capacity_ = 0;
  std::unique_ptr<std::uint16_t[], FreeDeleter> data_;
};

// y[t * ldy + r] for r in [row_begin, row_end) and every token of x. Rows in whole groups of 16
// that w's interleaved copy holds are read from it; any others (a matrix's last partial group)
// from the file's layout. Calls on disjoint row ranges may run concurrently.
void bf16_prompt_matmul(const QuantMatrix& w, const Bf16Activations& x, float* y, std::int64_t ldy,
                        std::int64_t row_begin, std::int64_t row_end);

}  // namespace ebsd::quant

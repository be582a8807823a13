#pragma once
// Matrix products with GGUF Q8_0 / Q4_0 weights used as they are stored (never expanded to
// float): y[t][r] = sum_k W[r][k] x[t][k] for the rows [row_begin, row_end) of W and every
// token t of x. The activations are first quantized to 8-bit blocks of 32 (one float scale
// each), so the inner loop is an integer dot product of 32 weight levels with 32 activation
// levels, scaled once per block. One call serves decode (one token: matrix-vector) and prefill
// (a few to a few hundred tokens: weight blocks are decoded once per tile of four tokens).
//
// Kernels: AVX-512 VNNI (vpdpbusd), AVX2 (vpmaddubsw) and a portable one, picked at run time
// from what the CPU reports; EBSD_QUANT_ISA=portable|avx2|avx512 in the environment caps the
// choice (to measure or test the fallbacks; "avx512" means without AMX, "amx" is the default). Callers split the rows among threads: calls on
// disjoint row ranges may run concurrently.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "ebsd/quant/block_formats.hpp"

namespace ebsd::quant {

// Avx512Amx: AVX-512 VNNI plus AMX tile multiplies for prefill (8 tokens or more; fewer go to
// the AVX-512 kernel), available on Sapphire Rapids and later once Linux grants the process the
// tile state.
enum class Isa : std::uint8_t { Portable, Avx2, Avx512Vnni, Avx512Amx };

const char* isa_name(Isa isa);
bool isa_supported(Isa isa);  // by this CPU (and operating system)
Isa best_isa();               // the best supported one, capped by EBSD_QUANT_ISA

// A row-major [rows, cols] matrix of Q8_0 or Q4_0 blocks, e.g. a view into a mapped GGUF file.
// `interleaved`, when set, is a copy of its whole groups of 16 rows in the layout below (made
// once, at load, by interleave_rows); the AVX-512 and AMX kernels then read that instead.
struct QuantMatrix {
  BlockFormat format = BlockFormat::Q8_0;
  const std::uint8_t* data = nullptr;
  std::int64_t rows = 0, cols = 0;
  std::size_t row_stride = 0;  // bytes from one row to the next
  const std::uint8_t* interleaved = nullptr;  // 64-byte aligned, interleaved_bytes() long
};

// The interleaved layout: rows in groups of 16 (rows / 16 groups; a last partial group is not
// copied and stays with the file's layout). Per group, first the f16 scales of every block, 16
// per block (row order, 32 bytes a block, the section padded to 64 bytes), then per block the
// quants as 64-byte vectors whose 4-byte lane j belongs to row j:
//   - Q8_0: 8 vectors, vector v lane j = values 4v..4v+3 of row j, stored as w + 128 (unsigned),
//   - Q4_0: 4 vectors, vector v lane j = the file's bytes 4v..4v+3 of row j (low nibbles: values
//     4v..4v+3, high nibbles: values 16 + 4v..16 + 4v + 3).
// So one vpdpbusd of a vector with 4 broadcast activation bytes adds 4 products to each of 16
// rows (no horizontal sums, no scale gathers), and a Q8_0 block (8 vectors) is exactly AMX's
// weight tile for 16 rows x 32 values. Same size as the file's blocks.
std::size_t interleaved_bytes(BlockFormat format, std::int64_t rows, std::int64_t cols);
// Writes w's interleaved copy to out (64-byte aligned, interleaved_bytes() long); rows of groups
// [group_begin, group_end) only, so threads can share the work.
void interleave_rows(const QuantMatrix& w, std::uint8_t* out, std::int64_t group_begin, std::int64_t group_end);
// Whether the kernels `isa` selects read interleaved copies (AVX-512 VNNI and AMX do).
bool reads_interleaved(Isa isa = best_isa());

// Activations x [tokens, cols] quantized to 8-bit blocks of 32 (d = max |x| / 127 per block,
// q = round(x / d)), laid out for one weight format:
//   - quants: per token, pairs of blocks (64 bytes each). For Q4_0 weights a pair (A, B) is
//     stored A0..15, B0..15, A16..31, B16..31 as int8, the order in which the kernels unpack two
//     Q4_0 blocks' nibbles; for Q8_0 weights it is A0..31, B0..31 stored as q + 128 (unsigned,
//     the operand vpdpbusd wants). A missing last block of an odd count is stored as zeros.
//   - scales: d per block, padded with zeros to a multiple of 16 blocks.
//   - sums: o d sum(q) per block with o the weights' offset (8 for Q4_0 levels 0..15, 128 for
//     interleaved Q8_0 weights stored as w + 128): the term that offset adds, subtracted once.
//   - plain (AVX-512 and AMX only): per token the levels q as int8 in column order, rows of
//     plain_stride() bytes, tokens padded with zeros to a multiple of 16; the interleaved
//     kernels' operand (AMX reads 16 tokens x 32 values of it as one tile).
class ActivationBlocks {
public:
  // cols must be a multiple of 32; row t of x starts at x + t * ldx.
  void quantize(BlockFormat weight_format, const float* x, std::int64_t tokens, std::int64_t cols, std::int64_t ldx);
  // The same in two steps, so threads can share the work: prepare() sizes the buffers, then
  // quantize_tokens() fills tokens [t0, t1) (disjoint ranges may run concurrently).
  // With `isa` Avx512Amx and at least kTileMinTokens tokens it also keeps the activations in
  // AMX's tile layout, which the AMX kernel needs for the file's layout; `file_layout_tiles`
  // false leaves it out when every matrix it will meet has an interleaved copy of all its rows.
  void prepare(BlockFormat weight_format, std::int64_t tokens, std::int64_t cols, Isa isa = best_isa(),
               bool file_layout_tiles = true);
  void quantize_tokens(const float* x, std::int64_t ldx, std::int64_t t0, std::int64_t t1, Isa isa = best_isa());

  BlockFormat weight_format() const { return format_; }
  std::int64_t tokens() const { return tokens_; }
  std::int64_t cols() const { return cols_; }
  std::int64_t blocks() const { return cols_ / 32; }
  std::int64_t pairs() const { return (blocks() + 1) / 2; }
  std::int64_t padded_blocks() const { return padded_blocks_; }

  const std::uint8_t* quants(std::int64_t t) const { return quants_.get() + t * pairs() * 64; }
  const float* scales(std::int64_t t) const { return scales_.get() + t * padded_blocks_; }
  const float* sums(std::int64_t t) const { return sums_.get() + t * padded_blocks_; }
  bool has_plain() const { return plain_ != nullptr && plain_tokens_ > 0; }
  std::int64_t plain_stride() const { return (cols_ + 63) / 64 * 64; }
  const std::int8_t* plain(std::int64_t t) const { return plain_.get() + t * plain_stride(); }
  // AMX tile layout, per group of 16 tokens and block: 8 rows of 64 bytes, row j holding values
  // 4j..4j+3 of each of the 16 tokens (signed, in block order; missing tokens zero), then the 16
  // tokens' scales and sums.
  static constexpr std::int64_t kTileMinTokens = 8;
  bool has_tiles() const { return tiles_ != nullptr && tile_groups_ > 0; }
  std::int64_t tile_groups() const { return tile_groups_; }
  const std::uint8_t* tile(std::int64_t group, std::int64_t block) const { return tiles_.get() + (group * blocks() + block) * 512; }
  const float* tile_scales(std::int64_t group, std::int64_t block) const { return tile_scales_.get() + (group * blocks() + block) * 16; }
  const float* tile_sums(std::int64_t group, std::int64_t block) const { return tile_sums_.get() + (group * blocks() + block) * 16; }
  // d q of element k of token t: the value the kernels multiply with.
  float dequantized(std::int64_t t, std::int64_t k) const;

private:
  struct FreeDeleter {
    void operator()(void* p) const;
  };
  BlockFormat format_ = BlockFormat::Q8_0;
  std::int64_t tokens_ = 0, cols_ = 0, padded_blocks_ = 0;
  std::size_t quant_capacity_ = 0, scale_capacity_ = 0;  // reused between calls
  std::unique_ptr<std::uint8_t[], FreeDeleter> quants_;
  std::unique_ptr<float[], FreeDeleter> scales_, sums_;
  std::int64_t tile_groups_ = 0;
  std::size_t tile_capacity_ = 0;
  std::unique_ptr<std::uint8_t[], FreeDeleter> tiles_;
  std::unique_ptr<float[], FreeDeleter> tile_scales_, tile_sums_;
  std::int64_t plain_tokens_ = 0;
  std::size_t plain_capacity_ = 0;
  std::unique_ptr<std::int8_t[], FreeDeleter> plain_;
  void fill_tiles(std::int64_t t);
};

// y[t * ldy + r] = sum_k W[r][k] x[t][k] for r in [row_begin, row_end) and every token of x.
// x must have been quantized for w's format with w.cols columns (ebsd::Error otherwise).
void quant_matmul(const QuantMatrix& w, const ActivationBlocks& x, float* y, std::int64_t ldy, std::int64_t row_begin,
                  std::int64_t row_end, Isa isa = best_isa());

}  // namespace ebsd::quant

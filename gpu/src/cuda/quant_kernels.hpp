#pragma once
// Our CUDA kernels for GGUF Q8_0 / Q4_0 weights used as they are stored (LLM-CORE.md section
// 2.1: Q8_0 = f16 d + 32 int8, Q4_0 = f16 d + 16 bytes of nibbles, byte j low nibble -> value j,
// high nibble -> value j + 16). Plain C++ declarations: the .cu files include no LibTorch and
// the C++ side (nn_cuda_quantized_linear.cpp) passes raw device pointers and the stream, so the
// kernels compile with nvcc alone and are tested without LibTorch (tests/cuda).
//
// All pointers are device pointers; `stream` is a cudaStream_t (nullptr: the default stream).
// Every function checks the launch and throws std::runtime_error with CUDA's message on failure.
#include <cstdint>

namespace ebsd::gpu::cuda {

enum class QuantFormat : int { Q8_0 = 0, Q4_0 = 1 };
enum class FloatType : int { F32 = 0, F16 = 1, BF16 = 2 };

// One weight of a fused matrix-vector product: [rows, cols] blocks, row r at blocks + r *
// row_stride bytes (row_stride even: a whole number of blocks), output y [tokens, rows].
struct QuantGemvTarget {
  const std::uint8_t* blocks = nullptr;
  std::int64_t rows = 0;
  std::int64_t row_stride = 0;
  void* y = nullptr;
  const void* bias = nullptr;  // [rows] of the float type, or nullptr
};
constexpr int kMaxGemvTargets = 3;  // q/k/v in one launch

// For every target m, token t and row r: y_m[t * rows_m + r] = sum_k W_m[r][k] x[t * cols + k]
// (+ bias_m[r]), accumulated in f32 from the exact block values. x and y have type `type`; cols
// is a multiple of 32, x 16-byte aligned. Meant for decode and short prompts: each token reads
// the weights once more (from L2 when they fit), so long prompts should use dequantize_matrix
// and a dense GEMM instead.
void quant_gemv(QuantFormat format, FloatType type, const QuantGemvTarget* targets, int count, const void* x,
                std::int64_t cols, std::int64_t tokens, void* stream);

// out [rows, cols] (type out_type, row-major, 16-byte aligned) = the exact values of the blocks.
// With `ids` (int64 [rows], each in [0, rows of the weight), which the caller has checked),
// output row i is weight row ids[i]: the embedding lookup.
void dequantize_matrix(QuantFormat format, FloatType out_type, const std::uint8_t* blocks, std::int64_t row_stride,
                       std::int64_t rows, std::int64_t cols, const std::int64_t* ids, void* out, void* stream);

}  // namespace ebsd::gpu::cuda

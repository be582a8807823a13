// Q8_0 / Q4_0 kernels (cuda/quant_kernels.hpp). Plain CUDA C++: no LibTorch here.
//
// Matrix-vector product: one warp per output row (and token). A block of 32 weights is read by
// 4 neighbouring lanes, each taking a quarter (8 int8 of a Q8_0 block, or 4 bytes = 8 nibbles of
// a Q4_0 block), so one pass of the warp reads 8 consecutive blocks (272 / 144 contiguous
// bytes) and every lane a 16-byte piece of the activations. Blocks are only 2-byte aligned (34
// and 18 bytes), hence the 16-bit loads of the quants. The sum is f32: exact products of the
// block values with the activations, scaled once per block, then a warp shuffle reduction.
#include "cuda/quant_kernels.hpp"
#include "cuda/quant_blocks.cuh"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace ebsd::gpu::cuda {
namespace {

constexpr int kWarpsPerBlock = 4;

struct Targets {
  QuantGemvTarget t[kMaxGemvTargets];
};

template <QuantFormat F, class T>
__global__ void __launch_bounds__(kWarpsPerBlock * 32)
    gemv_kernel(Targets targets, int count, const T* __restrict__ x, std::int64_t cols) {
  const int lane = threadIdx.x & 31, part = lane & 3;
  std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * kWarpsPerBlock + (threadIdx.x >> 5);
  // Which weight this row belongs to (unrolled with constant indices: a dynamic index into the
  // kernel parameter would copy it to local memory).
  QuantGemvTarget tg = targets.t[0];
#pragma unroll
  for (int i = 1; i < kMaxGemvTargets; ++i)
    if (i < count && row >= tg.rows) {
      row -= tg.rows;
      tg = targets.t[i];
    }
  if (row >= tg.rows) return;  // whole warps leave together; nothing below synchronises the block
  const std::uint8_t* w = tg.blocks + row * tg.row_stride;
  const T* xt = x + static_cast<std::int64_t>(blockIdx.y) * cols;
  const std::int64_t blocks = cols / 32;
  float acc = 0.f;
  for (std::int64_t b = lane >> 2; b < blocks; b += 8) {
    const std::uint8_t* block = w + b * Format<F>::kBytes;
    float q[8], v[8];
    block_quarter<F>(block, part, q);
    Io<T>::load4(xt + b * 32 + first_run<F>(part), v);
    Io<T>::load4(xt + b * 32 + second_run<F>(part), v + 4);
    float s = 0.f;
#pragma unroll
    for (int i = 0; i < 8; ++i) s = fmaf(q[i], v[i], s);
    acc = fmaf(block_scale(block), s, acc);
  }
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, o);
  if (lane == 0) {
    if (tg.bias) acc += Io<T>::to_float(static_cast<const T*>(tg.bias)[row]);
    static_cast<T*>(tg.y)[static_cast<std::int64_t>(blockIdx.y) * tg.rows + row] = Io<T>::from_float(acc);
  }
}

// One thread per quarter block: 8 values in two runs of 4.
template <QuantFormat F, class T>
__global__ void dequantize_kernel(const std::uint8_t* __restrict__ blocks, std::int64_t row_stride, std::int64_t rows,
                                  std::int64_t cols, const std::int64_t* __restrict__ ids, T* __restrict__ out) {
  const std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const std::int64_t per_row = cols / 8;
  if (i >= rows * per_row) return;
  const std::int64_t r = i / per_row, quarter = i % per_row, b = quarter / 4;
  const int part = static_cast<int>(quarter % 4);
  const std::int64_t src = ids ? ids[r] : r;
  const std::uint8_t* block = blocks + src * row_stride + b * Format<F>::kBytes;
  const float d = block_scale(block);
  float q[8];
  block_quarter<F>(block, part, q);
#pragma unroll
  for (int k = 0; k < 8; ++k) q[k] *= d;
  T* o = out + r * cols + b * 32;
  Io<T>::store4(o + first_run<F>(part), q);
  Io<T>::store4(o + second_run<F>(part), q + 4);
}

void check_launch(const char* what) {
  const cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(e));
}

template <QuantFormat F, class T>
void launch_gemv(const QuantGemvTarget* targets, int count, const void* x, std::int64_t cols, std::int64_t tokens,
                 cudaStream_t stream) {
  Targets t{};
  std::int64_t rows = 0;
  for (int i = 0; i < count; ++i) {
    t.t[i] = targets[i];
    rows += targets[i].rows;
  }
  const dim3 grid(static_cast<unsigned>((rows + kWarpsPerBlock - 1) / kWarpsPerBlock), static_cast<unsigned>(tokens));
  gemv_kernel<F, T><<<grid, kWarpsPerBlock * 32, 0, stream>>>(t, count, static_cast<const T*>(x), cols);
  check_launch("quantized matrix-vector kernel");
}

template <QuantFormat F, class T>
void launch_dequantize(const std::uint8_t* blocks, std::int64_t row_stride, std::int64_t rows, std::int64_t cols,
                       const std::int64_t* ids, void* out, cudaStream_t stream) {
  const std::int64_t threads = rows * (cols / 8);
  const int per_block = 256;
  dequantize_kernel<F, T><<<static_cast<unsigned>((threads + per_block - 1) / per_block), per_block, 0, stream>>>(
      blocks, row_stride, rows, cols, ids, static_cast<T*>(out));
  check_launch("dequantize kernel");
}

// The runtime format and float type -> the template instance. A functor (not a template
// lambda: the .cu files are C++17) whose call<F, T>() does the work.
template <class Fn>
void dispatch(QuantFormat format, FloatType type, const Fn& fn) {
  const auto by_type = [&](auto format_tag) {
    constexpr QuantFormat F = decltype(format_tag)::value;
    switch (type) {
      case FloatType::F32: fn.template call<F, float>(); return;
      case FloatType::F16: fn.template call<F, __half>(); return;
      case FloatType::BF16: fn.template call<F, __nv_bfloat16>(); return;
    }
    throw std::runtime_error("unknown float type");
  };
  switch (format) {
    case QuantFormat::Q8_0: by_type(std::integral_constant<QuantFormat, QuantFormat::Q8_0>{}); return;
    case QuantFormat::Q4_0: by_type(std::integral_constant<QuantFormat, QuantFormat::Q4_0>{}); return;
  }
  throw std::runtime_error("unknown quantized format");
}

struct GemvCall {
  const QuantGemvTarget* targets;
  int count;
  const void* x;
  std::int64_t cols, tokens;
  cudaStream_t stream;
  template <QuantFormat F, class T>
  void call() const { launch_gemv<F, T>(targets, count, x, cols, tokens, stream); }
};

struct DequantizeCall {
  const std::uint8_t* blocks;
  std::int64_t row_stride, rows, cols;
  const std::int64_t* ids;
  void* out;
  cudaStream_t stream;
  template <QuantFormat F, class T>
  void call() const { launch_dequantize<F, T>(blocks, row_stride, rows, cols, ids, out, stream); }
};

}  // namespace

void quant_gemv(QuantFormat format, FloatType type, const QuantGemvTarget* targets, int count, const void* x,
                std::int64_t cols, std::int64_t tokens, void* stream) {
  if (count < 1 || count > kMaxGemvTargets) throw std::runtime_error("quant_gemv: 1 to 3 weights per launch");
  if (cols <= 0 || cols % 32 != 0) throw std::runtime_error("quant_gemv: columns must be a positive multiple of 32");
  if (tokens < 1 || tokens > 65535) throw std::runtime_error("quant_gemv: 1 to 65535 tokens per launch");
  if (reinterpret_cast<std::uintptr_t>(x) % 16 != 0) throw std::runtime_error("quant_gemv: x must be 16-byte aligned");
  for (int i = 0; i < count; ++i)
    if (targets[i].rows < 1 || targets[i].row_stride % 2 != 0)
      throw std::runtime_error("quant_gemv: a weight has no rows or an odd row stride");
  dispatch(format, type, GemvCall{targets, count, x, cols, tokens, static_cast<cudaStream_t>(stream)});
}

void dequantize_matrix(QuantFormat format, FloatType out_type, const std::uint8_t* blocks, std::int64_t row_stride,
                       std::int64_t rows, std::int64_t cols, const std::int64_t* ids, void* out, void* stream) {
  if (cols <= 0 || cols % 32 != 0) throw std::runtime_error("dequantize_matrix: columns must be a positive multiple of 32");
  if (rows < 1) return;
  if (reinterpret_cast<std::uintptr_t>(out) % 16 != 0) throw std::runtime_error("dequantize_matrix: out must be 16-byte aligned");
  dispatch(format, out_type, DequantizeCall{blocks, row_stride, rows, cols, ids, out, static_cast<cudaStream_t>(stream)});
}

}  // namespace ebsd::gpu::cuda

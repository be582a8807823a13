// Fused RMSNorm (cuda/norm_kernels.hpp): one thread block per row; each thread squares and sums
// its strided share of the row in f32, a warp-shuffle and shared-memory reduction gives the
// row's sum, then each thread writes its share.
#include "cuda/norm_kernels.hpp"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace ebsd::gpu::cuda {
namespace {

constexpr int kThreads = 256;

__device__ __forceinline__ float to_float(float v) { return v; }
__device__ __forceinline__ float to_float(__half v) { return __half2float(v); }
__device__ __forceinline__ float to_float(__nv_bfloat16 v) { return __bfloat162float(v); }
template <class T>
__device__ __forceinline__ T from_float(float v);
template <>
__device__ __forceinline__ float from_float<float>(float v) { return v; }
template <>
__device__ __forceinline__ __half from_float<__half>(float v) { return __float2half_rn(v); }
template <>
__device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }

template <class T>
__global__ void __launch_bounds__(kThreads)
    rms_norm_kernel(const T* __restrict__ x, const float* __restrict__ weight, T* __restrict__ y, std::int64_t cols, float eps) {
  const T* xr = x + static_cast<std::int64_t>(blockIdx.x) * cols;
  T* yr = y + static_cast<std::int64_t>(blockIdx.x) * cols;
  float sum = 0.f;
  for (std::int64_t i = threadIdx.x; i < cols; i += kThreads) {
    const float v = to_float(xr[i]);
    sum = fmaf(v, v, sum);
  }
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
  __shared__ float partial[kThreads / 32];
  __shared__ float scale;
  if ((threadIdx.x & 31) == 0) partial[threadIdx.x >> 5] = sum;
  __syncthreads();
  if (threadIdx.x == 0) {
    float total = 0.f;
#pragma unroll
    for (int w = 0; w < kThreads / 32; ++w) total += partial[w];
    scale = rsqrtf(total / static_cast<float>(cols) + eps);
  }
  __syncthreads();
  const float r = scale;
  for (std::int64_t i = threadIdx.x; i < cols; i += kThreads) yr[i] = from_float<T>((to_float(xr[i]) * r) * weight[i]);
}

template <class T>
void launch(const void* x, const float* weight, void* y, std::int64_t rows, std::int64_t cols, float eps, cudaStream_t stream) {
  rms_norm_kernel<T><<<static_cast<unsigned>(rows), kThreads, 0, stream>>>(static_cast<const T*>(x), weight, static_cast<T*>(y),
                                                                          cols, eps);
  const cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) throw std::runtime_error(std::string("RMSNorm kernel: ") + cudaGetErrorString(e));
}

}  // namespace

void rms_norm(FloatType type, const void* x, const float* weight, void* y, std::int64_t rows, std::int64_t cols, float eps,
              void* stream) {
  if (cols < 1) throw std::runtime_error("rms_norm: rows need at least one value");
  if (rows < 1) return;
  if (rows > 2147483647) throw std::runtime_error("rms_norm: too many rows for one launch");
  const auto s = static_cast<cudaStream_t>(stream);
  switch (type) {
    case FloatType::F32: launch<float>(x, weight, y, rows, cols, eps, s); return;
    case FloatType::F16: launch<__half>(x, weight, y, rows, cols, eps, s); return;
    case FloatType::BF16: launch<__nv_bfloat16>(x, weight, y, rows, cols, eps, s); return;
  }
  throw std::runtime_error("rms_norm: unknown float type");
}

}  // namespace ebsd::gpu::cuda

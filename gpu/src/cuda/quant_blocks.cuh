#pragma once
// Device helpers shared by our CUDA kernels (quant_kernels.cu, decode_kernels.cu): GGUF Q8_0 /
// Q4_0 block decoding and 4-value loads / stores of f32, f16 and bf16. Device code only, no
// LibTorch; included by .cu files. Internal linkage (an unnamed namespace): each .cu file gets
// its own inline copies.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/quant_kernels.hpp"

namespace ebsd::gpu::cuda {
namespace {

template <QuantFormat F>
struct Format;
template <>
struct Format<QuantFormat::Q8_0> {
  static constexpr int kBytes = 34;
};
template <>
struct Format<QuantFormat::Q4_0> {
  static constexpr int kBytes = 18;
};

// Loads and stores of 4 or 8 consecutive values (16- or 8-byte aligned by the callers' layout).
template <class T>
struct Io;
template <>
struct Io<float> {
  static __device__ __forceinline__ void load4(const float* p, float* v) {
    const float4 a = *reinterpret_cast<const float4*>(p);
    v[0] = a.x, v[1] = a.y, v[2] = a.z, v[3] = a.w;
  }
  static __device__ __forceinline__ void store4(float* p, const float* v) {
    *reinterpret_cast<float4*>(p) = make_float4(v[0], v[1], v[2], v[3]);
  }
  static __device__ __forceinline__ float to_float(float v) { return v; }
  static __device__ __forceinline__ float from_float(float v) { return v; }
};
template <>
struct Io<__half> {
  static __device__ __forceinline__ void load4(const __half* p, float* v) {
    const uint2 u = *reinterpret_cast<const uint2*>(p);
    const float2 a = __half22float2(*reinterpret_cast<const __half2*>(&u.x));
    const float2 b = __half22float2(*reinterpret_cast<const __half2*>(&u.y));
    v[0] = a.x, v[1] = a.y, v[2] = b.x, v[3] = b.y;
  }
  static __device__ __forceinline__ void store4(__half* p, const float* v) {
    const __half2 a = __floats2half2_rn(v[0], v[1]), b = __floats2half2_rn(v[2], v[3]);
    uint2 u;
    u.x = *reinterpret_cast<const unsigned*>(&a);
    u.y = *reinterpret_cast<const unsigned*>(&b);
    *reinterpret_cast<uint2*>(p) = u;
  }
  static __device__ __forceinline__ float to_float(__half v) { return __half2float(v); }
  static __device__ __forceinline__ __half from_float(float v) { return __float2half_rn(v); }
};
template <>
struct Io<__nv_bfloat16> {
  static __device__ __forceinline__ void load4(const __nv_bfloat16* p, float* v) {
    const uint2 u = *reinterpret_cast<const uint2*>(p);
    const float2 a = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(&u.x));
    const float2 b = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(&u.y));
    v[0] = a.x, v[1] = a.y, v[2] = b.x, v[3] = b.y;
  }
  static __device__ __forceinline__ void store4(__nv_bfloat16* p, const float* v) {
    const __nv_bfloat162 a = __floats2bfloat162_rn(v[0], v[1]), b = __floats2bfloat162_rn(v[2], v[3]);
    uint2 u;
    u.x = *reinterpret_cast<const unsigned*>(&a);
    u.y = *reinterpret_cast<const unsigned*>(&b);
    *reinterpret_cast<uint2*>(p) = u;
  }
  static __device__ __forceinline__ float to_float(__nv_bfloat16 v) { return __bfloat162float(v); }
  static __device__ __forceinline__ __nv_bfloat16 from_float(float v) { return __float2bfloat16_rn(v); }
};

__device__ __forceinline__ float block_scale(const std::uint8_t* block) {
  return __half2float(__ushort_as_half(*reinterpret_cast<const unsigned short*>(block)));
}

// Quarter `part` (0..3) of a block as 8 values in the element order given by offsets():
// Q8_0: elements 8 part .. 8 part + 7; Q4_0: 4 part .. 4 part + 3, then 16 + 4 part .. + 3.
template <QuantFormat F>
__device__ __forceinline__ void block_quarter(const std::uint8_t* block, int part, float* q);
template <>
__device__ __forceinline__ void block_quarter<QuantFormat::Q8_0>(const std::uint8_t* block, int part, float* q) {
  const auto* s = reinterpret_cast<const unsigned short*>(block + 2 + 8 * part);
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const unsigned short u = s[i];
    q[2 * i] = static_cast<float>(static_cast<signed char>(u & 0xff));
    q[2 * i + 1] = static_cast<float>(static_cast<signed char>(u >> 8));
  }
}
template <>
__device__ __forceinline__ void block_quarter<QuantFormat::Q4_0>(const std::uint8_t* block, int part, float* q) {
  const auto* s = reinterpret_cast<const unsigned short*>(block + 2 + 4 * part);
#pragma unroll
  for (int i = 0; i < 2; ++i) {
    const unsigned short u = s[i];
    q[2 * i] = static_cast<float>(static_cast<int>(u & 0xf) - 8);
    q[2 * i + 1] = static_cast<float>(static_cast<int>((u >> 8) & 0xf) - 8);
    q[4 + 2 * i] = static_cast<float>(static_cast<int>((u >> 4) & 0xf) - 8);
    q[4 + 2 * i + 1] = static_cast<float>(static_cast<int>(u >> 12) - 8);
  }
}
// Element offsets, within the block, of the two runs of 4 values of a quarter.
template <QuantFormat F>
__device__ __forceinline__ int first_run(int part) {
  return F == QuantFormat::Q8_0 ? 8 * part : 4 * part;
}
template <QuantFormat F>
__device__ __forceinline__ int second_run(int part) {
  return F == QuantFormat::Q8_0 ? 8 * part + 4 : 16 + 4 * part;
}

}  // namespace
}  // namespace ebsd::gpu::cuda

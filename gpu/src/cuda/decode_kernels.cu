// Kernels of the one-token decode step (cuda/decode_kernels.hpp). Plain CUDA C++: no LibTorch.
//
// Matrix-vector products: one warp per output row, as in quant_kernels.cu (4 lanes per Q8_0 /
// Q4_0 block, 8 blocks per pass of the warp; dense rows 8 values per lane and pass), f32 sums
// reduced with warp shuffles. Norms: one block of 256 threads over the row, the same reduction
// order as norm_kernels.cu, so a norm here rounds exactly like the fused RMSNorm of the tensor
// path. Attention: flash-decoding, a block per (query head, key block) with an online softmax
// per warp, then a small kernel combining the key blocks' partial results; and the decode
// step's attention_one_pass, every key's loads independent, one block per head for short contexts.
#include "cuda/decode_kernels.hpp"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "cuda/quant_blocks.cuh"

namespace ebsd::gpu::cuda {
namespace {

constexpr int kDense = static_cast<int>(WeightFormat::Dense);
constexpr int kQ8 = static_cast<int>(WeightFormat::Q8_0);
constexpr int kRowsPerBlock = 4;  // warps per block of the matrix-vector kernels
constexpr int kNormThreads = 256;
constexpr int kAttentionWarps = 4;

template <class T>
__device__ __forceinline__ float to_f(T v) {
  return Io<T>::to_float(v);
}
template <class T>
__device__ __forceinline__ T from_f(float v) {
  return Io<T>::from_float(v);
}
// A value as the tensor path holds it after storing it in a tensor of type T.
template <class T>
__device__ __forceinline__ float rounded(float v) {
  return to_f<T>(from_f<T>(v));
}

// Sum over the block of kNormThreads threads, in the order of norm_kernels.cu (warp shuffles,
// then the warps' sums in warp order), returned to every thread.
__device__ __forceinline__ float block_sum(float v, float* partial) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  if ((threadIdx.x & 31) == 0) partial[threadIdx.x >> 5] = v;
  __syncthreads();
  float total = 0.f;
#pragma unroll
  for (int w = 0; w < kNormThreads / 32; ++w) total += partial[w];
  __syncthreads();  // partial is reused by the next reduction
  return total;
}

// Row `w` (cols values) times x, summed over the warp; every lane gets the sum.
template <int F, class T>
__device__ __forceinline__ float row_dot(const std::uint8_t* __restrict__ w, std::int64_t cols, const T* __restrict__ x, int lane,
                                         bool vec) {
  float acc = 0.f;
  if constexpr (F == kDense) {
    const T* wr = reinterpret_cast<const T*>(w);
    if (vec) {
#pragma unroll 4
      for (std::int64_t e = static_cast<std::int64_t>(lane) * 8; e < cols; e += 256) {
        float a[8], b[8];
        Io<T>::load4(wr + e, a);
        Io<T>::load4(wr + e + 4, a + 4);
        Io<T>::load4(x + e, b);
        Io<T>::load4(x + e + 4, b + 4);
#pragma unroll
        for (int i = 0; i < 8; ++i) acc = fmaf(a[i], b[i], acc);
      }
    } else {
      for (std::int64_t e = lane; e < cols; e += 32) acc = fmaf(to_f<T>(wr[e]), to_f<T>(x[e]), acc);
    }
  } else {
    constexpr QuantFormat Q = F == kQ8 ? QuantFormat::Q8_0 : QuantFormat::Q4_0;
    const int part = lane & 3;
    const std::int64_t blocks = cols / 32;
    // Unrolled so that several blocks' loads are in flight per lane (nvcc unrolls by 2 alone);
    // the sums keep their order.
#pragma unroll 4
    for (std::int64_t b = lane >> 2; b < blocks; b += 8) {
      const std::uint8_t* block = w + b * Format<Q>::kBytes;
      float q[8], v[8];
      block_quarter<Q>(block, part, q);
      Io<T>::load4(x + b * 32 + first_run<Q>(part), v);
      Io<T>::load4(x + b * 32 + second_run<Q>(part), v + 4);
      float s = 0.f;
#pragma unroll
      for (int i = 0; i < 8; ++i) s = fmaf(q[i], v[i], s);
      acc = fmaf(block_scale(block), s, acc);
    }
  }
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, o);
  return acc;
}

// Element i of an embedding row: the exact block value (as dequantize_matrix gives it) or the
// dense value.
template <int F, class T>
__device__ __forceinline__ float row_value(const std::uint8_t* row, std::int64_t i) {
  if constexpr (F == kDense) {
    return to_f<T>(reinterpret_cast<const T*>(row)[i]);
  } else {
    constexpr QuantFormat Q = F == kQ8 ? QuantFormat::Q8_0 : QuantFormat::Q4_0;
    const std::uint8_t* block = row + (i / 32) * Format<Q>::kBytes;
    const int j = static_cast<int>(i % 32);
    float q;
    if constexpr (F == kQ8) {
      q = static_cast<float>(static_cast<signed char>(block[2 + j]));
    } else {
      const unsigned b = block[2 + (j & 15)];
      q = static_cast<float>(static_cast<int>(j < 16 ? (b & 0xfu) : (b >> 4)) - 8);
    }
    return q * block_scale(block);
  }
}

// act(gate) * up with the tensor path's roundings: gate and up stored in T, act(gate) stored, the
// product stored. SiLU and the tanh GELU as LibTorch's CUDA kernels compute them (in f32).
template <class T>
__device__ __forceinline__ float gated(float g, float u, int activation) {
  const float gr = rounded<T>(g), ur = rounded<T>(u);
  float a;
  if (activation == static_cast<int>(GateActivation::Silu)) {
    a = gr / (1.0f + expf(-gr));
  } else {
    const float beta = 0.7978845608028654f;  // sqrt(2 / pi)
    const float kappa = 0.044715f;
    const float cube = gr * gr * gr;
    a = 0.5f * gr * (1.0f + tanhf(beta * (gr + kappa * cube)));
  }
  return rounded<T>(rounded<T>(a) * ur);
}

// ---- kernels ---------------------------------------------------------------------------------

template <int F, class T>
__global__ void __launch_bounds__(kNormThreads)
    embed_norm_kernel(const std::uint8_t* __restrict__ data, std::int64_t row_stride, std::int64_t rows,
                      const DecodeStepInput* __restrict__ input, float scale, const float* __restrict__ norm, float eps,
                      std::int64_t n, T* __restrict__ h, T* __restrict__ a) {
  __shared__ float partial[kNormThreads / 32];
  std::int64_t token = input->token;
  if (token < 0 || token >= rows) token = 0;  // the caller checks; never read outside the matrix
  const std::uint8_t* row = data + token * row_stride;
  const float s = rounded<T>(scale);
  float sum = 0.f;
  for (std::int64_t i = threadIdx.x; i < n; i += kNormThreads) {
    float v = rounded<T>(row_value<F, T>(row, i));
    if (scale != 0.f) v = rounded<T>(v * s);
    h[i] = from_f<T>(v);
    sum = fmaf(v, v, sum);
  }
  const float r = rsqrtf(block_sum(sum, partial) / static_cast<float>(n) + eps);
  for (std::int64_t i = threadIdx.x; i < n; i += kNormThreads) a[i] = from_f<T>((to_f<T>(h[i]) * r) * norm[i]);
}

// h += (post_norm ? RMSNorm(o) * post_norm : o), a = RMSNorm(h) * next_norm, by a block of
// kNormThreads threads. o is read through L2 (__ldcg): in the fused launches other blocks of the
// same kernel wrote it.
template <class T>
__device__ __forceinline__ void residual_norm_block(const T* o, const float* __restrict__ post_norm, T* __restrict__ h,
                                                    const float* __restrict__ next_norm, std::int64_t n, float eps,
                                                    T* __restrict__ a, float* partial) {
  float r_post = 0.f;
  if (post_norm) {  // the same for every thread: the reductions inside stay block-wide
    float sum = 0.f;
    for (std::int64_t i = threadIdx.x; i < n; i += kNormThreads) {
      const float v = to_f<T>(__ldcg(o + i));
      sum = fmaf(v, v, sum);
    }
    r_post = rsqrtf(block_sum(sum, partial) / static_cast<float>(n) + eps);
  }
  float sum = 0.f;
  for (std::int64_t i = threadIdx.x; i < n; i += kNormThreads) {
    float v = to_f<T>(__ldcg(o + i));
    if (post_norm) v = rounded<T>((v * r_post) * post_norm[i]);
    const float hv = rounded<T>(to_f<T>(h[i]) + v);
    h[i] = from_f<T>(hv);
    sum = fmaf(hv, hv, sum);
  }
  const float r = rsqrtf(block_sum(sum, partial) / static_cast<float>(n) + eps);
  for (std::int64_t i = threadIdx.x; i < n; i += kNormThreads) a[i] = from_f<T>((to_f<T>(h[i]) * r) * next_norm[i]);
}

template <class T>
__global__ void __launch_bounds__(kNormThreads)
    residual_norm_kernel(const T* __restrict__ o, const float* __restrict__ post_norm, T* __restrict__ h,
                         const float* __restrict__ next_norm, std::int64_t n, float eps, T* __restrict__ a) {
  __shared__ float partial[kNormThreads / 32];
  residual_norm_block<T>(o, post_norm, h, next_norm, n, eps, a, partial);
}

// Whether this block is the last of the launch's `total` blocks to get here (counted in
// *counter): each block's stores are fenced before it counts itself, so the last one sees them
// all; the last one puts the counter back to 0 for the next launch. Block-wide (barriers).
__device__ __forceinline__ bool last_block(unsigned* counter, unsigned total) {
  __shared__ bool last;
  __threadfence();
  __syncthreads();
  if (threadIdx.x == 0) {
    last = atomicAdd(counter, 1u) == total - 1;
    if (last) *counter = 0;  // nobody else counts any more in this launch
  }
  __syncthreads();
  if (last) __threadfence();
  return last;
}

struct GemvArgs {
  const std::uint8_t* data[kMaxDecodeTargets];
  std::int64_t rows[kMaxDecodeTargets];
  std::int64_t row_stride[kMaxDecodeTargets];
  const void* bias[kMaxDecodeTargets];
  void* y[kMaxDecodeTargets];
};

// The rows of up to kMaxDecodeTargets weights, one warp per row, kRowsPerBlock warps a block.
template <int F, class T>
__device__ __forceinline__ void gemv_rows(const GemvArgs& g, int count, const T* __restrict__ x, std::int64_t cols, int vec) {
  const int lane = threadIdx.x & 31;
  std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * kRowsPerBlock + (threadIdx.x >> 5);
  // Which weight the row belongs to (constant indices: a dynamic index into the kernel
  // parameter would copy it to local memory).
  const std::uint8_t* data = g.data[0];
  std::int64_t rows = g.rows[0], stride = g.row_stride[0];
  const void* bias = g.bias[0];
  void* y = g.y[0];
#pragma unroll
  for (int i = 1; i < kMaxDecodeTargets; ++i)
    if (i < count && row >= rows) {
      row -= rows;
      data = g.data[i];
      rows = g.rows[i];
      stride = g.row_stride[i];
      bias = g.bias[i];
      y = g.y[i];
    }
  if (row >= rows) return;  // whole warps leave together; nothing here synchronises the block
  float acc = row_dot<F, T>(data + row * stride, cols, x, lane, vec != 0);
  if (lane == 0) {
    if (bias) acc += to_f<T>(static_cast<const T*>(bias)[row]);
    static_cast<T*>(y)[row] = from_f<T>(acc);
  }
}

template <int F, class T>
__global__ void __launch_bounds__(kRowsPerBlock * 32)
    gemv_kernel(GemvArgs g, int count, const T* __restrict__ x, std::int64_t cols, int vec) {
  gemv_rows<F, T>(g, count, x, cols, vec);
}

struct RopeArgs {
  const DecodeStepInput* input;
  const float* inv_freq;
  int rotate_half, heads, kv_heads, head_dim;
  std::int64_t capacity;
  void* q;
  const void* k;
  const void* v;
  void* k_cache;
  void* v_cache;
};

// RoPE on q [heads, head_dim] in place and on k, then k and v stored at the position in the
// caches, by the threads of one block (any count: the items are independent). q, k, v are read
// through L2 (__ldcg): in the fused q/k/v launch other blocks wrote them.
template <class T>
__device__ __forceinline__ void rope_store_block(const RopeArgs& r) {
  const std::int64_t pos = r.input->position;
  const int head_dim = r.head_dim, half = head_dim / 2;
  const int nq = r.heads * half, nk = r.kv_heads * half, nv = r.kv_heads * head_dim;
  T* q = static_cast<T*>(r.q);
  const T* k = static_cast<const T*>(r.k);
  const T* v = static_cast<const T*>(r.v);
  T* k_cache = static_cast<T*>(r.k_cache);
  T* v_cache = static_cast<T*>(r.v_cache);
  for (int item = threadIdx.x; item < nq + nk + nv; item += blockDim.x) {
    if (item < nq + nk) {
      const bool is_q = item < nq;
      const int it = is_q ? item : item - nq;
      const int head = it / half, i = it % half;
      // The tensor path's tables: angle in f32, cos and sin stored in T; each product and the
      // sum stored in T.
      const float angle = static_cast<float>(pos) * r.inv_freq[i];
      const float c = rounded<T>(cosf(angle)), s = rounded<T>(sinf(angle));
      const int ia = r.rotate_half ? i : 2 * i, ib = r.rotate_half ? i + half : 2 * i + 1;
      const T* src = (is_q ? q : k) + static_cast<std::int64_t>(head) * head_dim;
      const float x1 = to_f<T>(__ldcg(src + ia)), x2 = to_f<T>(__ldcg(src + ib));
      const float ra = rounded<T>(rounded<T>(x1 * c) - rounded<T>(x2 * s));
      const float rb = rounded<T>(rounded<T>(x2 * c) + rounded<T>(x1 * s));
      T* dst = is_q ? q + static_cast<std::int64_t>(head) * head_dim : k_cache + (head * r.capacity + pos) * head_dim;
      dst[ia] = from_f<T>(ra);
      dst[ib] = from_f<T>(rb);
    } else {
      const int it = item - nq - nk;
      const int head = it / head_dim, e = it % head_dim;
      v_cache[(head * r.capacity + pos) * head_dim + e] = __ldcg(v + static_cast<std::int64_t>(head) * head_dim + e);
    }
  }
}

// q, k, v (+ biases) in one launch, then its last block runs RoPE + the KV store on them.
template <int F, class T>
__global__ void __launch_bounds__(kRowsPerBlock * 32)
    qkv_rope_kernel(GemvArgs g, const T* __restrict__ x, std::int64_t cols, int vec, RopeArgs r, unsigned* counter) {
  gemv_rows<F, T>(g, 3, x, cols, vec);
  if (!last_block(counter, gridDim.x)) return;
  rope_store_block<T>(r);
}

// o = W x (+ bias), rows == n, one warp per row, then the launch's last block runs the residual
// + norm over o (the same arithmetic as residual_norm_kernel): one launch instead of two.
template <int F, class T>
__global__ void __launch_bounds__(kNormThreads)
    gemv_residual_norm_kernel(const std::uint8_t* __restrict__ w, std::int64_t rows, std::int64_t stride, const void* bias,
                              std::int64_t cols, const T* __restrict__ x, int vec, T* o, const float* __restrict__ post_norm,
                              T* __restrict__ h, const float* __restrict__ next_norm, float eps, T* __restrict__ a,
                              unsigned* counter) {
  __shared__ float partial[kNormThreads / 32];
  const int lane = threadIdx.x & 31;
  const std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * (kNormThreads / 32) + (threadIdx.x >> 5);
  if (row < rows) {  // no early return: every thread reaches the block's barriers below
    float acc = row_dot<F, T>(w + row * stride, cols, x, lane, vec != 0);
    if (lane == 0) {
      if (bias) acc += to_f<T>(static_cast<const T*>(bias)[row]);
      o[row] = from_f<T>(acc);
    }
  }
  if (!last_block(counter, gridDim.x)) return;
  residual_norm_block<T>(o, post_norm, h, next_norm, rows, eps, a, partial);
}

template <int F, class T>
__global__ void __launch_bounds__(kRowsPerBlock * 32)
    gated_gemv_kernel(const std::uint8_t* __restrict__ gate, std::int64_t gate_stride, const void* gate_bias,
                      const std::uint8_t* __restrict__ up, std::int64_t up_stride, const void* up_bias, std::int64_t rows,
                      std::int64_t cols, const T* __restrict__ x, int vec, int activation, T* __restrict__ y) {
  const int lane = threadIdx.x & 31;
  const std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * kRowsPerBlock + (threadIdx.x >> 5);
  if (row >= rows) return;
  float g = row_dot<F, T>(gate + row * gate_stride, cols, x, lane, vec != 0);
  float u = row_dot<F, T>(up + row * up_stride, cols, x, lane, vec != 0);
  if (lane == 0) {
    if (gate_bias) g += to_f<T>(static_cast<const T*>(gate_bias)[row]);
    if (up_bias) u += to_f<T>(static_cast<const T*>(up_bias)[row]);
    y[row] = from_f<T>(gated<T>(g, u, activation));
  }
}

template <class T>
__global__ void gated_activation_kernel(const T* __restrict__ gate, const T* __restrict__ up, std::int64_t n, int activation,
                                        T* __restrict__ y) {
  const std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) y[i] = from_f<T>(gated<T>(to_f<T>(gate[i]), to_f<T>(up[i]), activation));
}

template <int F, class T>
__global__ void __launch_bounds__(kRowsPerBlock * 32)
    logits_kernel(const std::uint8_t* __restrict__ data, std::int64_t rows, std::int64_t stride, const void* bias,
                  std::int64_t cols, const T* __restrict__ x, int vec, float softcap, float* __restrict__ logits) {
  const int lane = threadIdx.x & 31;
  const std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * kRowsPerBlock + (threadIdx.x >> 5);
  if (row >= rows) return;
  float acc = row_dot<F, T>(data + row * stride, cols, x, lane, vec != 0);
  if (lane == 0) {
    if (bias) acc += to_f<T>(static_cast<const T*>(bias)[row]);
    float v = rounded<T>(acc);
    if (softcap > 0.f) v = tanhf(v / softcap) * softcap;
    logits[row] = v;
  }
}

template <class T>
__global__ void rope_store_kernel(RopeArgs r) {
  rope_store_block<T>(r);
}

// out[head] from the head's key blocks' partial results (max, sum, weighted values) in scratch,
// by the threads of one block; read through L2 (__ldcg): in the fused attention other blocks of
// the same launch wrote them.
template <class T>
__device__ __forceinline__ void combine_head(const AttentionShape& sh, const float* scratch, int head, T* __restrict__ out,
                                             int parts) {
  const int hd = sh.head_dim, stride = hd + 2;
  const float* base = scratch + static_cast<std::int64_t>(head) * sh.splits * stride;
  float top = -INFINITY;
  for (int s = 0; s < parts; ++s) top = fmaxf(top, __ldcg(base + s * stride));
  float sum = 0.f;
  for (int s = 0; s < parts; ++s) {
    const float ms = __ldcg(base + s * stride);
    if (ms != -INFINITY) sum += __ldcg(base + s * stride + 1) * expf(ms - top);
  }
  for (int d = threadIdx.x; d < hd; d += blockDim.x) {
    float a = 0.f;
    for (int s = 0; s < parts; ++s) {
      const float ms = __ldcg(base + s * stride);
      if (ms != -INFINITY) a += __ldcg(base + s * stride + 2 + d) * expf(ms - top);
    }
    out[static_cast<std::int64_t>(head) * hd + d] = from_f<T>(a / sum);
  }
}

// One block per (query head, key block): each warp runs an online softmax over every
// kAttentionWarps-th key of the block, lanes holding head dimensions lane, lane + 32, ...; the
// warps' results are merged and stored as (max, sum, weighted values [head_dim]).
template <class T, int PerLane>
__global__ void __launch_bounds__(kAttentionWarps * 32)
    attention_partial_kernel(AttentionShape sh, const DecodeStepInput* __restrict__ input, const T* __restrict__ q,
                             const T* __restrict__ k_cache, const T* __restrict__ v_cache, float* scratch,
                             unsigned* counters, T* out) {
  const int head = blockIdx.x, split = blockIdx.y;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int hd = sh.head_dim;
  const int kv = head / (sh.heads / sh.kv_heads);
  const std::int64_t pos = input->position;
  const std::int64_t first = sh.window > 0 && pos - sh.window + 1 > 0 ? pos - sh.window + 1 : 0;
  const std::int64_t count = pos + 1 - first;
  const std::int64_t chunk = (count + sh.splits - 1) / sh.splits;
  const std::int64_t begin = first + split * chunk;
  const std::int64_t end = begin + chunk < pos + 1 ? begin + chunk : pos + 1;
  float qv[PerLane], acc[PerLane];
#pragma unroll
  for (int i = 0; i < PerLane; ++i) {
    const int d = lane + 32 * i;
    qv[i] = d < hd ? to_f<T>(q[static_cast<std::int64_t>(head) * hd + d]) : 0.f;
    acc[i] = 0.f;
  }
  const T* kh = k_cache + static_cast<std::int64_t>(kv) * sh.capacity * hd;
  const T* vh = v_cache + static_cast<std::int64_t>(kv) * sh.capacity * hd;
  float m = -INFINITY, l = 0.f;
  for (std::int64_t j = begin + warp; j < end; j += kAttentionWarps) {
    const T* kr = kh + j * hd;
    float s = 0.f;
#pragma unroll
    for (int i = 0; i < PerLane; ++i) {
      const int d = lane + 32 * i;
      if (d < hd) s = fmaf(qv[i], to_f<T>(kr[d]), s);
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
    // The tensor path's scores: q.k stored in T, times the scale stored in T, then f32.
    s = rounded<T>(rounded<T>(s) * sh.scale);
    if (sh.softcap > 0.f) s = tanhf(s / sh.softcap) * sh.softcap;
    const float mn = fmaxf(m, s);
    const float corr = expf(m - mn);  // 0 for the first key (m = -inf)
    const float p = expf(s - mn);
    l = l * corr + p;
    const T* vr = vh + j * hd;
#pragma unroll
    for (int i = 0; i < PerLane; ++i) {
      const int d = lane + 32 * i;
      if (d < hd) acc[i] = fmaf(p, to_f<T>(vr[d]), acc[i] * corr);
    }
    m = mn;
  }
  __shared__ float sm[kAttentionWarps], sl[kAttentionWarps];
  __shared__ float sacc[kAttentionWarps][kMaxHeadDim];
  if (lane == 0) {
    sm[warp] = m;
    sl[warp] = l;
  }
#pragma unroll
  for (int i = 0; i < PerLane; ++i) {
    const int d = lane + 32 * i;
    if (d < hd) sacc[warp][d] = acc[i];
  }
  __syncthreads();
  float top = -INFINITY;
#pragma unroll
  for (int w = 0; w < kAttentionWarps; ++w) top = fmaxf(top, sm[w]);
  float* part = scratch + (static_cast<std::int64_t>(head) * sh.splits + split) * (hd + 2);
  if (top == -INFINITY) {  // no key in this block
    if (threadIdx.x == 0) {
      part[0] = -INFINITY;
      part[1] = 0.f;
    }
    for (int d = threadIdx.x; d < hd; d += kAttentionWarps * 32) part[2 + d] = 0.f;
  } else {
    float weight[kAttentionWarps], sum = 0.f;
#pragma unroll
    for (int w = 0; w < kAttentionWarps; ++w) {
      weight[w] = sm[w] == -INFINITY ? 0.f : expf(sm[w] - top);
      sum += sl[w] * weight[w];
    }
    if (threadIdx.x == 0) {
      part[0] = top;
      part[1] = sum;
    }
    for (int d = threadIdx.x; d < hd; d += kAttentionWarps * 32) {
      float a = 0.f;
#pragma unroll
      for (int w = 0; w < kAttentionWarps; ++w) a += sacc[w][d] * weight[w];
      part[2 + d] = a;
    }
  }
  // Fused: the head's last key block to finish combines the head's partial results.
  if (!counters || !last_block(counters + head, static_cast<unsigned>(sh.splits))) return;
  combine_head<T>(sh, scratch, head, out, sh.splits);
}

template <class T>
__global__ void attention_combine_kernel(AttentionShape sh, const float* __restrict__ scratch, T* __restrict__ out) {
  combine_head<T>(sh, scratch, blockIdx.x, out, sh.splits);
}

// ---- attention in one pass over the keys (attention_one_pass) ------------------------------

constexpr int kOnePassThreads = 512;
constexpr int kOnePassUnroll = 4;  // keys per thread with their loads in flight together

template <class T>
__device__ __forceinline__ float2 unpack_pair(unsigned u);
template <>
__device__ __forceinline__ float2 unpack_pair<__half>(unsigned u) {
  return __half22float2(*reinterpret_cast<const __half2*>(&u));
}
template <>
__device__ __forceinline__ float2 unpack_pair<__nv_bfloat16>(unsigned u) {
  return __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(&u));
}

// V consecutive values at p as floats: one 16-byte load (V = 16 / sizeof(T)) or one pair.
template <class T, int V>
__device__ __forceinline__ void load_values(const T* __restrict__ p, float* f) {
  if constexpr (std::is_same_v<T, float>) {
    static_assert(V == 4 || V == 2);
    if constexpr (V == 4) {
      const float4 a = *reinterpret_cast<const float4*>(p);
      f[0] = a.x, f[1] = a.y, f[2] = a.z, f[3] = a.w;
    } else {
      const float2 a = *reinterpret_cast<const float2*>(p);
      f[0] = a.x, f[1] = a.y;
    }
  } else {
    static_assert(V == 8 || V == 2);
    if constexpr (V == 8) {
      const uint4 u = *reinterpret_cast<const uint4*>(p);
      const unsigned w[4] = {u.x, u.y, u.z, u.w};
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        const float2 a = unpack_pair<T>(w[i]);
        f[2 * i] = a.x, f[2 * i + 1] = a.y;
      }
    } else {
      const float2 a = unpack_pair<T>(*reinterpret_cast<const unsigned*>(p));
      f[0] = a.x, f[1] = a.y;
    }
  }
}

// Maximum (Max) or sum of v over the block of kOnePassThreads threads, returned to every thread.
template <bool Max>
__device__ __forceinline__ float one_pass_reduce(float v, float* red) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    const float w = __shfl_xor_sync(0xffffffffu, v, o);
    v = Max ? fmaxf(v, w) : v + w;
  }
  if ((threadIdx.x & 31) == 0) red[threadIdx.x >> 5] = v;
  __syncthreads();
  float r = red[0];
#pragma unroll
  for (int w = 1; w < kOnePassThreads / 32; ++w) r = Max ? fmaxf(r, red[w]) : r + red[w];
  __syncthreads();  // red is reused by the next reduction
  return r;
}

// One block per (query head, key block of `chunk` = ceil(capacity / splits) keys, at most
// kAttentionBlockKeys). The flash-decoding kernel above walks a warp's keys one after the other,
// two dependent memory round trips a key; here every key's loads are independent: the scores
// first (a group of G lanes per key, V values per lane and load, kOnePassUnroll keys per thread
// in flight), into shared memory, the block's max and sum, then the weighted values (each
// thread one V-vector of dimensions over every slices-th key), summed over the slices in shared
// memory. A context within one key block (the usual short one) is finished by its one block: no
// scratch, no counter, no second launch; a longer one leaves each block's (max, sum, values) in
// scratch and the head's last block to finish combines them.
template <class T, int V>
__global__ void __launch_bounds__(kOnePassThreads)
    attention_one_pass_kernel(AttentionShape sh, const DecodeStepInput* __restrict__ input, const T* __restrict__ q,
                              const T* __restrict__ k_cache, const T* __restrict__ v_cache, float* scratch, unsigned* counters,
                              T* __restrict__ out) {
  constexpr int kThreads = kOnePassThreads, kU = kOnePassUnroll;
  __shared__ float qs[kMaxHeadDim];
  __shared__ float ps[kAttentionBlockKeys];  // scores, then their exponentials
  __shared__ float red[kThreads / 32];
  __shared__ float sacc[kThreads * V];  // [slices][head_dim]: slices * head_dim <= kThreads * V
  const int head = blockIdx.x, part = blockIdx.y;
  const int hd = sh.head_dim, nvec = hd / V;
  const int kv = head / (sh.heads / sh.kv_heads);
  const std::int64_t pos = input->position;
  const std::int64_t first = sh.window > 0 && pos - sh.window + 1 > 0 ? pos - sh.window + 1 : 0;
  const std::int64_t count = pos + 1 - first;
  const std::int64_t chunk = (sh.capacity + sh.splits - 1) / sh.splits;
  const std::int64_t begin = part * chunk;  // keys first + begin ...
  if (begin >= count) return;               // an empty key block (the same for the whole block)
  const int n = static_cast<int>(count - begin < chunk ? count - begin : chunk);
  const int parts = static_cast<int>((count + chunk - 1) / chunk);
  for (int d = threadIdx.x; d < hd; d += kThreads) qs[d] = to_f<T>(q[static_cast<std::int64_t>(head) * hd + d]);
  __syncthreads();
  const std::int64_t row0 = (static_cast<std::int64_t>(kv) * sh.capacity + first + begin) * hd;
  const T* kh = k_cache + row0;
  const T* vh = v_cache + row0;

  // Scores: G lanes per key (a power of two <= 32, so a group never spans two warps).
  int g = 1;
  while (g < nvec && g < 32) g <<= 1;
  const int sub = threadIdx.x & (g - 1), group = threadIdx.x / g, per_round = kThreads / g;
  for (int base = 0; base < n; base += per_round * kU) {  // the same trip count for every thread
    float s[kU];
#pragma unroll
    for (int u = 0; u < kU; ++u) s[u] = 0.f;
    for (int c = sub; c < nvec; c += g) {
      float kf[kU][V];
#pragma unroll
      for (int u = 0; u < kU; ++u) {
        const int j = base + group + u * per_round;
        if (j < n) {
          load_values<T, V>(kh + static_cast<std::int64_t>(j) * hd + c * V, kf[u]);
        } else {
#pragma unroll
          for (int e = 0; e < V; ++e) kf[u][e] = 0.f;
        }
      }
#pragma unroll
      for (int u = 0; u < kU; ++u)
#pragma unroll
        for (int e = 0; e < V; ++e) s[u] = fmaf(qs[c * V + e], kf[u][e], s[u]);
    }
#pragma unroll
    for (int u = 0; u < kU; ++u) {
      for (int o = g >> 1; o > 0; o >>= 1) s[u] += __shfl_xor_sync(0xffffffffu, s[u], o);
      const int j = base + group + u * per_round;
      if (sub == 0 && j < n) {
        // The tensor path's scores: q.k stored in T, times the scale stored in T, then f32.
        float x = rounded<T>(rounded<T>(s[u]) * sh.scale);
        if (sh.softcap > 0.f) x = tanhf(x / sh.softcap) * sh.softcap;
        ps[j] = x;
      }
    }
  }
  __syncthreads();
  float top = -INFINITY;
  for (int j = threadIdx.x; j < n; j += kThreads) top = fmaxf(top, ps[j]);
  top = one_pass_reduce<true>(top, red);
  float sum = 0.f;
  for (int j = threadIdx.x; j < n; j += kThreads) {
    const float p = expf(ps[j] - top);
    ps[j] = p;
    sum += p;
  }
  sum = one_pass_reduce<false>(sum, red);  // its barriers also publish ps

  // Weighted values: thread = (slice, V-vector c of the dimensions), keys slice, slice + slices, ...
  const int slices = kThreads / nvec, slice = threadIdx.x / nvec, c = threadIdx.x - slice * nvec;
  if (slice < slices) {
    float acc[V];
#pragma unroll
    for (int e = 0; e < V; ++e) acc[e] = 0.f;
    for (int base = slice; base < n; base += slices * kU) {
      float vf[kU][V];
#pragma unroll
      for (int u = 0; u < kU; ++u) {
        const int j = base + u * slices;
        if (j < n) {
          load_values<T, V>(vh + static_cast<std::int64_t>(j) * hd + c * V, vf[u]);
        } else {
#pragma unroll
          for (int e = 0; e < V; ++e) vf[u][e] = 0.f;
        }
      }
#pragma unroll
      for (int u = 0; u < kU; ++u) {
        const int j = base + u * slices;
        const float p = j < n ? ps[j] : 0.f;
#pragma unroll
        for (int e = 0; e < V; ++e) acc[e] = fmaf(p, vf[u][e], acc[e]);
      }
    }
#pragma unroll
    for (int e = 0; e < V; ++e) sacc[slice * hd + c * V + e] = acc[e];
  }
  __syncthreads();
  float* part_out = scratch + (static_cast<std::int64_t>(head) * sh.splits + part) * (hd + 2);
  for (int d = threadIdx.x; d < hd; d += kThreads) {
    float a = 0.f;
    for (int s2 = 0; s2 < slices; ++s2) a += sacc[s2 * hd + d];
    if (parts == 1)
      out[static_cast<std::int64_t>(head) * hd + d] = from_f<T>(a / sum);
    else
      part_out[2 + d] = a;
  }
  if (parts == 1) return;
  if (threadIdx.x == 0) {
    part_out[0] = top;
    part_out[1] = sum;
  }
  // The non-empty key blocks are parts 0 .. parts - 1; the last of them to finish combines.
  if (!last_block(counters + head, static_cast<unsigned>(parts))) return;
  combine_head<T>(sh, scratch, head, out, parts);
}

constexpr int kPickThreads = 1024;

__global__ void __launch_bounds__(kPickThreads)
    pick_greedy_kernel(float* __restrict__ logits, std::int64_t vocab, const std::int64_t* __restrict__ penalized, int count,
                       double penalty, std::int64_t* __restrict__ token) {
  // The penalty first (distinct ids: no two threads write one logit), visible to the block after
  // the barrier.
  for (int i = threadIdx.x; i < count; i += kPickThreads) {
    const std::int64_t id = penalized[i];
    if (id < 0 || id >= vocab) continue;
    const float x = logits[id];
    logits[id] = x > 0 ? static_cast<float>(static_cast<double>(x) / penalty) : static_cast<float>(static_cast<double>(x) * penalty);
  }
  __syncthreads();
  // Each thread the first largest of its indices (visited in increasing order), then the block's
  // largest, ties to the smaller index: the first maximum overall.
  float best = -INFINITY;
  std::int64_t at = vocab;  // none yet
  std::int64_t i = threadIdx.x;
  for (; i + 3 * kPickThreads < vocab; i += 4 * kPickThreads) {  // four loads in flight
    float v[4];
#pragma unroll
    for (int u = 0; u < 4; ++u) v[u] = logits[i + u * kPickThreads];
#pragma unroll
    for (int u = 0; u < 4; ++u)
      if (at == vocab || v[u] > best) {
        best = v[u];
        at = i + u * kPickThreads;
      }
  }
  for (; i < vocab; i += kPickThreads) {
    const float v = logits[i];
    if (at == vocab || v > best) {
      best = v;
      at = i;
    }
  }
  __shared__ float sv[kPickThreads / 32];
  __shared__ std::int64_t si[kPickThreads / 32];
  // Whether candidate (v, i) beats the current (best, at); index vocab: no candidate.
  const auto better = [vocab](float v, std::int64_t i, float b, std::int64_t bi) {
    return i < vocab && (bi >= vocab || v > b || (v == b && i < bi));
  };
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    const float ov = __shfl_xor_sync(0xffffffffu, best, o);
    const auto oi = static_cast<std::int64_t>(__shfl_xor_sync(0xffffffffu, static_cast<long long>(at), o));
    if (better(ov, oi, best, at)) {
      best = ov;
      at = oi;
    }
  }
  if ((threadIdx.x & 31) == 0) {
    sv[threadIdx.x >> 5] = best;
    si[threadIdx.x >> 5] = at;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    for (int w = 1; w < kPickThreads / 32; ++w)
      if (better(sv[w], si[w], best, at)) {
        best = sv[w];
        at = si[w];
      }
    *token = at < vocab ? at : 0;
  }
}

__global__ void spin_kernel(std::int64_t nanoseconds) {
  unsigned long long start, now;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(start));
  do {
    __nanosleep(1000);
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(now));
  } while (static_cast<std::int64_t>(now - start) < nanoseconds);
}

__global__ void set_input_kernel(DecodeStepInput* input, std::int64_t token, std::int64_t position) {
  input->token = token;
  input->position = position;
}

// ---- launchers -------------------------------------------------------------------------------

void check_launch(const char* what) {
  const cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(e));
}

template <class T>
struct TypeTag {
  using type = T;
};
template <int F>
using FormatTag = std::integral_constant<int, F>;

template <class Fn>
void by_type(FloatType t, const Fn& fn) {
  switch (t) {
    case FloatType::F32: fn(TypeTag<float>{}); return;
    case FloatType::F16: fn(TypeTag<__half>{}); return;
    case FloatType::BF16: fn(TypeTag<__nv_bfloat16>{}); return;
  }
  throw std::runtime_error("decode kernels: unknown float type");
}

template <class Fn>
void by_format(WeightFormat f, const Fn& fn) {
  switch (f) {
    case WeightFormat::Q8_0: fn(FormatTag<0>{}); return;
    case WeightFormat::Q4_0: fn(FormatTag<1>{}); return;
    case WeightFormat::Dense: fn(FormatTag<2>{}); return;
  }
  throw std::runtime_error("decode kernels: unknown weight format");
}

std::size_t element_size(FloatType t) { return t == FloatType::F32 ? 4 : 2; }

// Whether the dense rows (and x) allow the 8-values-per-lane loads.
bool dense_vector_loads(const DecodeMatrix& m, const void* x) {
  const auto aligned = [](const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; };
  return m.cols % 8 == 0 && m.row_stride % 16 == 0 && aligned(m.data) && aligned(x);
}

void check_matrix(const DecodeMatrix& m, FloatType type, const void* x, const char* what) {
  if (!m.data || m.rows < 1 || m.cols < 1) throw std::runtime_error(std::string(what) + ": empty weight");
  if (m.format == WeightFormat::Dense) {
    if (m.row_stride < m.cols * static_cast<std::int64_t>(element_size(type)))
      throw std::runtime_error(std::string(what) + ": dense rows overlap");
  } else {
    if (m.cols % 32 != 0 || m.row_stride % 2 != 0)
      throw std::runtime_error(std::string(what) + ": quantized weights need a multiple of 32 columns and an even row stride");
    if (reinterpret_cast<std::uintptr_t>(x) % 16 != 0) throw std::runtime_error(std::string(what) + ": x must be 16-byte aligned");
  }
}

unsigned row_blocks(std::int64_t rows) { return static_cast<unsigned>((rows + kRowsPerBlock - 1) / kRowsPerBlock); }

}  // namespace

void set_step_input(DecodeStepInput* input, std::int64_t token, std::int64_t position, void* stream) {
  set_input_kernel<<<1, 1, 0, static_cast<cudaStream_t>(stream)>>>(input, token, position);
  check_launch("step input kernel");
}

void embed_norm(FloatType type, const DecodeMatrix& embedding, const DecodeStepInput* input, float embedding_scale,
                const float* norm, float eps, void* h, void* a, void* stream) {
  if (embedding.rows < 1 || embedding.cols < 1) throw std::runtime_error("embed_norm: empty embedding");
  if (embedding.format != WeightFormat::Dense && embedding.cols % 32 != 0)
    throw std::runtime_error("embed_norm: quantized rows need a multiple of 32 values");
  const auto s = static_cast<cudaStream_t>(stream);
  by_format(embedding.format, [&](auto f) {
    constexpr int F = decltype(f)::value;
    by_type(type, [&](auto t) {
      using T = typename decltype(t)::type;
      embed_norm_kernel<F, T><<<1, kNormThreads, 0, s>>>(static_cast<const std::uint8_t*>(embedding.data), embedding.row_stride,
                                                         embedding.rows, input, embedding_scale, norm, eps, embedding.cols,
                                                         static_cast<T*>(h), static_cast<T*>(a));
    });
  });
  check_launch("embedding + RMSNorm kernel");
}

void residual_norm(FloatType type, const void* o, const float* post_norm, void* h, const float* next_norm, std::int64_t n,
                   float eps, void* a, void* stream) {
  if (n < 1) throw std::runtime_error("residual_norm: empty row");
  const auto s = static_cast<cudaStream_t>(stream);
  by_type(type, [&](auto t) {
    using T = typename decltype(t)::type;
    residual_norm_kernel<T><<<1, kNormThreads, 0, s>>>(static_cast<const T*>(o), post_norm, static_cast<T*>(h), next_norm, n, eps,
                                                       static_cast<T*>(a));
  });
  check_launch("residual + RMSNorm kernel");
}

void decode_gemv(FloatType type, const DecodeMatrix* ws, void* const* ys, int count, const void* x, void* stream) {
  if (count < 1 || count > kMaxDecodeTargets) throw std::runtime_error("decode_gemv: 1 to 3 weights per launch");
  GemvArgs g{};
  std::int64_t rows = 0;
  bool vec = true;
  for (int i = 0; i < count; ++i) {
    check_matrix(ws[i], type, x, "decode_gemv");
    if (ws[i].format != ws[0].format || ws[i].cols != ws[0].cols)
      throw std::runtime_error("decode_gemv: fused weights need one format and one input size");
    g.data[i] = static_cast<const std::uint8_t*>(ws[i].data);
    g.rows[i] = ws[i].rows;
    g.row_stride[i] = ws[i].row_stride;
    g.bias[i] = ws[i].bias;
    g.y[i] = ys[i];
    rows += ws[i].rows;
    vec = vec && dense_vector_loads(ws[i], x);
  }
  const auto s = static_cast<cudaStream_t>(stream);
  by_format(ws[0].format, [&](auto f) {
    constexpr int F = decltype(f)::value;
    by_type(type, [&](auto t) {
      using T = typename decltype(t)::type;
      gemv_kernel<F, T><<<row_blocks(rows), kRowsPerBlock * 32, 0, s>>>(g, count, static_cast<const T*>(x), ws[0].cols, vec ? 1 : 0);
    });
  });
  check_launch("decode matrix-vector kernel");
}

void decode_qkv_rope(FloatType type, const DecodeMatrix* qkv, void* q, void* k, void* v, const void* x,
                     const DecodeStepInput* input, const float* inv_freq, bool rotate_half, int heads, int kv_heads, int head_dim,
                     std::int64_t capacity, void* k_cache, void* v_cache, unsigned* counter, void* stream) {
  if (!counter) throw std::runtime_error("decode_qkv_rope: no counter");
  if (head_dim < 2 || head_dim % 2 != 0) throw std::runtime_error("decode_qkv_rope: head size must be even");
  if (heads < 1 || kv_heads < 1 || capacity < 1) throw std::runtime_error("decode_qkv_rope: empty shape");
  if (qkv[0].rows != static_cast<std::int64_t>(heads) * head_dim || qkv[1].rows != static_cast<std::int64_t>(kv_heads) * head_dim ||
      qkv[2].rows != qkv[1].rows)
    throw std::runtime_error("decode_qkv_rope: q / k / v rows do not match the heads");
  GemvArgs g{};
  void* ys[3] = {q, k, v};
  std::int64_t rows = 0;
  bool vec = true;
  for (int i = 0; i < 3; ++i) {
    check_matrix(qkv[i], type, x, "decode_qkv_rope");
    if (qkv[i].format != qkv[0].format || qkv[i].cols != qkv[0].cols)
      throw std::runtime_error("decode_qkv_rope: q, k, v need one format and one input size");
    g.data[i] = static_cast<const std::uint8_t*>(qkv[i].data);
    g.rows[i] = qkv[i].rows;
    g.row_stride[i] = qkv[i].row_stride;
    g.bias[i] = qkv[i].bias;
    g.y[i] = ys[i];
    rows += qkv[i].rows;
    vec = vec && dense_vector_loads(qkv[i], x);
  }
  const auto s = static_cast<cudaStream_t>(stream);
  const RopeArgs r{input, inv_freq, rotate_half ? 1 : 0, heads, kv_heads, head_dim, capacity, q, k, v, k_cache, v_cache};
  by_format(qkv[0].format, [&](auto f) {
    constexpr int F = decltype(f)::value;
    by_type(type, [&](auto t) {
      using T = typename decltype(t)::type;
      qkv_rope_kernel<F, T><<<row_blocks(rows), kRowsPerBlock * 32, 0, s>>>(g, static_cast<const T*>(x), qkv[0].cols, vec ? 1 : 0,
                                                                           r, counter);
    });
  });
  check_launch("decode q/k/v + RoPE + KV store kernel");
}

void decode_gemv_residual_norm(FloatType type, const DecodeMatrix& w, const void* x, void* o, const float* post_norm, void* h,
                               const float* next_norm, float eps, void* a, unsigned* counter, void* stream) {
  check_matrix(w, type, x, "decode_gemv_residual_norm");
  if (!counter) throw std::runtime_error("decode_gemv_residual_norm: no counter");
  const bool vec = dense_vector_loads(w, x);
  const auto s = static_cast<cudaStream_t>(stream);
  constexpr int rows_per_block = kNormThreads / 32;
  const auto blocks = static_cast<unsigned>((w.rows + rows_per_block - 1) / rows_per_block);
  by_format(w.format, [&](auto f) {
    constexpr int F = decltype(f)::value;
    by_type(type, [&](auto t) {
      using T = typename decltype(t)::type;
      gemv_residual_norm_kernel<F, T><<<blocks, kNormThreads, 0, s>>>(
          static_cast<const std::uint8_t*>(w.data), w.rows, w.row_stride, w.bias, w.cols, static_cast<const T*>(x), vec ? 1 : 0,
          static_cast<T*>(o), post_norm, static_cast<T*>(h), next_norm, eps, static_cast<T*>(a), counter);
    });
  });
  check_launch("decode matrix-vector + residual + RMSNorm kernel");
}

void decode_gated_gemv(FloatType type, const DecodeMatrix& gate, const DecodeMatrix& up, GateActivation activation,
                       const void* x, void* y, void* stream) {
  check_matrix(gate, type, x, "decode_gated_gemv");
  check_matrix(up, type, x, "decode_gated_gemv");
  if (gate.format != up.format || gate.rows != up.rows || gate.cols != up.cols)
    throw std::runtime_error("decode_gated_gemv: gate and up need one format and shape");
  const bool vec = dense_vector_loads(gate, x) && dense_vector_loads(up, x);
  const auto s = static_cast<cudaStream_t>(stream);
  by_format(gate.format, [&](auto f) {
    constexpr int F = decltype(f)::value;
    by_type(type, [&](auto t) {
      using T = typename decltype(t)::type;
      gated_gemv_kernel<F, T><<<row_blocks(gate.rows), kRowsPerBlock * 32, 0, s>>>(
          static_cast<const std::uint8_t*>(gate.data), gate.row_stride, gate.bias, static_cast<const std::uint8_t*>(up.data),
          up.row_stride, up.bias, gate.rows, gate.cols, static_cast<const T*>(x), vec ? 1 : 0, static_cast<int>(activation),
          static_cast<T*>(y));
    });
  });
  check_launch("decode gate/up kernel");
}

void decode_gated_activation(FloatType type, const void* gate, const void* up, std::int64_t n, GateActivation activation,
                             void* y, void* stream) {
  if (n < 1) return;
  const auto s = static_cast<cudaStream_t>(stream);
  by_type(type, [&](auto t) {
    using T = typename decltype(t)::type;
    gated_activation_kernel<T><<<static_cast<unsigned>((n + 255) / 256), 256, 0, s>>>(
        static_cast<const T*>(gate), static_cast<const T*>(up), n, static_cast<int>(activation), static_cast<T*>(y));
  });
  check_launch("gated activation kernel");
}

void decode_logits(FloatType type, const DecodeMatrix& head, const void* x, float softcap, float* logits, void* stream) {
  check_matrix(head, type, x, "decode_logits");
  const bool vec = dense_vector_loads(head, x);
  const auto s = static_cast<cudaStream_t>(stream);
  by_format(head.format, [&](auto f) {
    constexpr int F = decltype(f)::value;
    by_type(type, [&](auto t) {
      using T = typename decltype(t)::type;
      logits_kernel<F, T><<<row_blocks(head.rows), kRowsPerBlock * 32, 0, s>>>(
          static_cast<const std::uint8_t*>(head.data), head.rows, head.row_stride, head.bias, head.cols,
          static_cast<const T*>(x), vec ? 1 : 0, softcap, logits);
    });
  });
  check_launch("output head kernel");
}

void rope_store(FloatType type, const DecodeStepInput* input, const float* inv_freq, bool rotate_half, int heads, int kv_heads,
                int head_dim, std::int64_t capacity, void* q, const void* k, const void* v, void* k_cache, void* v_cache,
                void* stream) {
  if (head_dim < 2 || head_dim % 2 != 0) throw std::runtime_error("rope_store: head size must be even");
  if (heads < 1 || kv_heads < 1 || capacity < 1) throw std::runtime_error("rope_store: empty shape");
  const auto s = static_cast<cudaStream_t>(stream);
  by_type(type, [&](auto t) {
    using T = typename decltype(t)::type;
    rope_store_kernel<T><<<1, 256, 0, s>>>(RopeArgs{input, inv_freq, rotate_half ? 1 : 0, heads, kv_heads, head_dim, capacity, q,
                                                    k, v, k_cache, v_cache});
  });
  check_launch("RoPE + KV store kernel");
}

void pick_greedy(float* logits, std::int64_t vocab, const std::int64_t* penalized, int count, double penalty,
                 std::int64_t* token, void* stream) {
  if (vocab < 1) throw std::runtime_error("pick_greedy: no logits");
  if (count < 0 || (count > 0 && !penalized)) throw std::runtime_error("pick_greedy: bad penalized ids");
  if (!(penalty > 0)) throw std::runtime_error("pick_greedy: the penalty must be > 0");
  pick_greedy_kernel<<<1, kPickThreads, 0, static_cast<cudaStream_t>(stream)>>>(logits, vocab, penalized, count, penalty, token);
  check_launch("greedy pick kernel");
}

void spin_device(std::int64_t nanoseconds, void* stream) {
  spin_kernel<<<1, 1, 0, static_cast<cudaStream_t>(stream)>>>(nanoseconds);
  check_launch("spin kernel");
}

std::int64_t attention_scratch_floats(const AttentionShape& shape) {
  return static_cast<std::int64_t>(shape.heads) * shape.splits * (shape.head_dim + 2);
}

namespace {
void check_attention_shape(const AttentionShape& shape) {
  if (shape.heads < 1 || shape.kv_heads < 1 || shape.heads % shape.kv_heads != 0)
    throw std::runtime_error("attention: query heads must be a positive multiple of the KV heads");
  if (shape.head_dim < 2 || shape.head_dim > kMaxHeadDim)
    throw std::runtime_error("attention: head size must be 2 to " + std::to_string(kMaxHeadDim));
  if (shape.splits < 1 || shape.splits > 65535 || shape.capacity < 1)
    throw std::runtime_error("attention: 1 to 65535 key blocks and a non-empty cache");
}
}  // namespace

namespace {
void launch_attention(FloatType type, const AttentionShape& shape, const DecodeStepInput* input, const void* q,
                      const void* k_cache, const void* v_cache, float* scratch, unsigned* counters, void* out, void* stream) {
  check_attention_shape(shape);
  const auto s = static_cast<cudaStream_t>(stream);
  const dim3 grid(static_cast<unsigned>(shape.heads), static_cast<unsigned>(shape.splits));
  by_type(type, [&](auto t) {
    using T = typename decltype(t)::type;
    const auto* qt = static_cast<const T*>(q);
    const auto* kt = static_cast<const T*>(k_cache);
    const auto* vt = static_cast<const T*>(v_cache);
    auto* ot = static_cast<T*>(out);
    const int threads = kAttentionWarps * 32;
    if (shape.head_dim <= 32)
      attention_partial_kernel<T, 1><<<grid, threads, 0, s>>>(shape, input, qt, kt, vt, scratch, counters, ot);
    else if (shape.head_dim <= 64)
      attention_partial_kernel<T, 2><<<grid, threads, 0, s>>>(shape, input, qt, kt, vt, scratch, counters, ot);
    else if (shape.head_dim <= 128)
      attention_partial_kernel<T, 4><<<grid, threads, 0, s>>>(shape, input, qt, kt, vt, scratch, counters, ot);
    else
      attention_partial_kernel<T, 8><<<grid, threads, 0, s>>>(shape, input, qt, kt, vt, scratch, counters, ot);
  });
  check_launch(counters ? "attention kernel (fused combine)" : "attention kernel");
}
}  // namespace

void attention_partial(FloatType type, const AttentionShape& shape, const DecodeStepInput* input, const void* q,
                       const void* k_cache, const void* v_cache, float* scratch, void* stream) {
  launch_attention(type, shape, input, q, k_cache, v_cache, scratch, nullptr, nullptr, stream);
}

void attention_fused(FloatType type, const AttentionShape& shape, const DecodeStepInput* input, const void* q,
                     const void* k_cache, const void* v_cache, float* scratch, unsigned* counters, void* out, void* stream) {
  if (!counters) throw std::runtime_error("attention_fused: no counters");
  launch_attention(type, shape, input, q, k_cache, v_cache, scratch, counters, out, stream);
}

void attention_combine(FloatType type, const AttentionShape& shape, const float* scratch, void* out, void* stream) {
  check_attention_shape(shape);
  const auto s = static_cast<cudaStream_t>(stream);
  by_type(type, [&](auto t) {
    using T = typename decltype(t)::type;
    attention_combine_kernel<T><<<shape.heads, 128, 0, s>>>(shape, scratch, static_cast<T*>(out));
  });
  check_launch("attention combine kernel");
}

int attention_one_pass_splits(std::int64_t capacity) {
  return static_cast<int>(std::max<std::int64_t>(1, (capacity + kAttentionBlockKeys - 1) / kAttentionBlockKeys));
}

void attention_one_pass(FloatType type, const AttentionShape& shape, const DecodeStepInput* input, const void* q,
                        const void* k_cache, const void* v_cache, float* scratch, unsigned* counters, void* out, void* stream) {
  check_attention_shape(shape);
  if (shape.head_dim % 2 != 0) throw std::runtime_error("attention_one_pass: the head size must be even");
  if ((shape.capacity + shape.splits - 1) / shape.splits > kAttentionBlockKeys)
    throw std::runtime_error("attention_one_pass: more than " + std::to_string(kAttentionBlockKeys) +
                             " keys a block: splits must be at least attention_one_pass_splits(capacity)");
  if (shape.splits > 1 && (!scratch || !counters)) throw std::runtime_error("attention_one_pass: several key blocks need scratch and counters");
  const auto s = static_cast<cudaStream_t>(stream);
  const dim3 grid(static_cast<unsigned>(shape.heads), static_cast<unsigned>(shape.splits));
  const auto aligned = [&](std::uintptr_t bytes) {
    return reinterpret_cast<std::uintptr_t>(k_cache) % bytes == 0 && reinterpret_cast<std::uintptr_t>(v_cache) % bytes == 0;
  };
  by_type(type, [&](auto t) {
    using T = typename decltype(t)::type;
    constexpr int kWide = 16 / static_cast<int>(sizeof(T));
    const auto* qt = static_cast<const T*>(q);
    const auto* kt = static_cast<const T*>(k_cache);
    const auto* vt = static_cast<const T*>(v_cache);
    auto* ot = static_cast<T*>(out);
    if (shape.head_dim % kWide == 0 && aligned(16))  // rows of whole 16-byte vectors
      attention_one_pass_kernel<T, kWide><<<grid, kOnePassThreads, 0, s>>>(shape, input, qt, kt, vt, scratch, counters, ot);
    else if (aligned(2 * sizeof(T)))
      attention_one_pass_kernel<T, 2><<<grid, kOnePassThreads, 0, s>>>(shape, input, qt, kt, vt, scratch, counters, ot);
    else
      throw std::runtime_error("attention_one_pass: the KV caches are not aligned to pairs of values");
  });
  check_launch("attention kernel (one pass)");
}

void attention(FloatType type, const AttentionShape& shape, const DecodeStepInput* input, const void* q, const void* k_cache,
               const void* v_cache, float* scratch, void* out, void* stream) {
  attention_partial(type, shape, input, q, k_cache, v_cache, scratch, stream);
  attention_combine(type, shape, scratch, out, stream);
}

}  // namespace ebsd::gpu::cuda

#pragma once
// A fused RMSNorm for the LLM's decode step (one launch instead of LibTorch's eight: upcast,
// square, mean, add, rsqrt, two products, downcast; decode on the H100 is bound by such
// per-operation costs, docs/llm.md "CUDA"). Plain CUDA C++ like cuda/quant_kernels.hpp.
#include <cstdint>

#include "cuda/quant_kernels.hpp"  // FloatType

namespace ebsd::gpu::cuda {

// For each of `rows` rows of x [rows, cols] (type `type`, contiguous): y = x * rsqrt(mean(x^2) +
// eps) * weight, computed in f32 (weight is f32 [cols], Gemma's 1 + w already folded in) and
// rounded once to `type`: the arithmetic of nn::rms_norm. Device pointers; `stream` a
// cudaStream_t. Throws std::runtime_error on a failed launch.
void rms_norm(FloatType type, const void* x, const float* weight, void* y, std::int64_t rows, std::int64_t cols, float eps,
              void* stream);

}  // namespace ebsd::gpu::cuda

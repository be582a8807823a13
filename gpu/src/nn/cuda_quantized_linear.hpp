#pragma once
// LibTorch glue of our CUDA Q8_0 / Q4_0 kernels (cuda/quant_kernels.hpp): the CUDA side of
// nn/quantized_linear.hpp. A quant::QuantMatrix here points at device memory (the blocks copied
// to the GPU as they are in the file, kept alive by the caller).
//
// Decode and short prompts (at most kGemvMaxTokens tokens) run the matrix-vector kernel on the
// packed blocks; longer prompts dequantize the weights into a scratch matrix of the compute type
// and call cuBLAS through LibTorch (a dense GEMM is compute-bound there, and dequantizing costs
// one pass over the weights, small next to the GEMM).
#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "ebsd/quant/quant_matmul.hpp"

namespace ebsd::gpu::nn {

// Whether this build has the kernels (a CUDA LibTorch and nvcc); without them the functions
// below throw ebsd::Error.
bool cuda_quant_kernels_available();
// Available and not switched off by EBSD_CUDA_QUANT_KERNELS=0 in the environment (then the
// engine dequantizes Q8_0 / Q4_0 at load, as before the kernels: for comparisons).
bool cuda_quant_kernels_enabled();

// Above this many tokens a call takes the dequantize + GEMM path. EBSD_CUDA_GEMV_MAX_TOKENS in
// the environment overrides it (to measure the crossover).
std::int64_t cuda_gemv_max_tokens();

// Copies a Q8_0 / Q4_0 matrix's blocks (host memory, e.g. the mapped file) to the GPU: a uint8
// tensor owning them, and the matrix view of that memory.
std::pair<torch::Tensor, quant::QuantMatrix> cuda_upload(const quant::QuantMatrix& host);

// x [..., in] on the GPU (f32, f16 or bf16) -> one [..., rows_m] per weight, in x's type; the
// weights share the input size and format. Optional biases (undefined: none), added in-kernel.
std::vector<torch::Tensor> cuda_quantized_linears(const torch::Tensor& x, const std::vector<const quant::QuantMatrix*>& ws,
                                                  const std::vector<torch::Tensor>& biases = {});

// Rows `ids` (int64 [T] on the GPU, already checked to be in range) of w, dequantized: [T, in]
// of type `type`.
torch::Tensor cuda_quantized_rows(const quant::QuantMatrix& w, const torch::Tensor& ids, torch::ScalarType type);

}  // namespace ebsd::gpu::nn

#pragma once
// LibTorch glue of core's quantized CPU products (ebsd/quant/quant_matmul.hpp): a linear layer
// whose [out, in] weight is Q8_0 or Q4_0 blocks used in place (a view into the mapped model
// file), and embedding rows dequantized from such a matrix. The rows are split among LibTorch's
// intra-op threads (torch::set_num_threads), so `--threads` governs both.
#include <vector>

#include <torch/torch.h>

#include "ebsd/quant/quant_matmul.hpp"

namespace ebsd::gpu::nn {

// x [..., in] on the CPU (any float type) -> [..., out] in x's type.
torch::Tensor quantized_linear(const torch::Tensor& x, const quant::QuantMatrix& w);

// Several weights of one input size and format applied to the same x (q/k/v, gate/up): the
// activations are quantized once and all rows are shared among the threads in one pass.
std::vector<torch::Tensor> quantized_linears(const torch::Tensor& x, const std::vector<const quant::QuantMatrix*>& ws);

// The same on raw f32 buffers (the CPU token path, no tensors): x [tokens, in] contiguous, outs[m]
// [tokens, ws[m]->rows] written in full.
void quantized_linears_into(const float* x, std::int64_t tokens, const std::vector<const quant::QuantMatrix*>& ws,
                            const std::vector<float*>& outs);

// Rows `ids` (int64 [T]) of w, dequantized: f32 [T, in].
torch::Tensor quantized_rows(const quant::QuantMatrix& w, const torch::Tensor& ids);

}  // namespace ebsd::gpu::nn

#pragma once
// LibTorch glue of the fused CUDA RMSNorm (cuda/norm_kernels.hpp), used by nn::rms_norm for
// tensors on the GPU.
#include <torch/torch.h>

namespace ebsd::gpu::nn {

// The build has the kernel and EBSD_CUDA_FUSED_NORM=0 is not set (then nn::rms_norm runs its
// LibTorch operations on CUDA too: for comparisons).
bool cuda_fused_norm_enabled();

// x [..., d] on the GPU (f32, f16 or bf16), weight f32 [d] on the same GPU: nn::rms_norm's result
// in one launch. Throws ebsd::Error in a build without the kernel.
torch::Tensor cuda_rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps);

}  // namespace ebsd::gpu::nn

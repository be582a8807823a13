// The fused CUDA RMSNorm's glue (nn/cuda_rms_norm.hpp).
#include "nn/cuda_rms_norm.hpp"

#include <cstdlib>
#include <string>

#include "ebsd/core/error.hpp"
#include "nn/cuda_quantized_linear.hpp"

#ifdef EBSD_HAVE_CUDA_KERNELS
#include <c10/cuda/CUDAStream.h>

#include "cuda/norm_kernels.hpp"
#endif

namespace ebsd::gpu::nn {

bool cuda_fused_norm_enabled() {
  static const bool off = [] {
    const char* e = std::getenv("EBSD_CUDA_FUSED_NORM");
    return e && std::string(e) == "0";
  }();
  return cuda_quant_kernels_available() && !off;  // same build condition as the quantized kernels
}

#ifdef EBSD_HAVE_CUDA_KERNELS

torch::Tensor cuda_rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  TORCH_CHECK(x.is_cuda() && weight.is_cuda() && x.device() == weight.device(), "fused RMSNorm: tensors on one GPU");
  TORCH_CHECK(weight.scalar_type() == torch::kFloat && weight.dim() == 1 && weight.size(0) == x.size(-1),
              "fused RMSNorm: weight must be f32 [", x.size(-1), "]");
  cuda::FloatType type;
  switch (x.scalar_type()) {
    case torch::kFloat: type = cuda::FloatType::F32; break;
    case torch::kHalf: type = cuda::FloatType::F16; break;
    case torch::kBFloat16: type = cuda::FloatType::BF16; break;
    default: throw Error(std::string("the fused RMSNorm takes f32, f16 or bf16, not ") + c10::toString(x.scalar_type()));
  }
  const auto xc = x.contiguous();
  const auto w = weight.contiguous();
  auto y = torch::empty_like(xc);
  const auto cols = xc.size(-1);
  cuda::rms_norm(type, xc.data_ptr(), w.data_ptr<float>(), y.data_ptr(), cols == 0 ? 0 : xc.numel() / cols, cols,
                 static_cast<float>(eps), c10::cuda::getCurrentCUDAStream().stream());
  return y;
}

#else

torch::Tensor cuda_rms_norm(const torch::Tensor&, const torch::Tensor&, double) {
  throw Error("this build has no fused CUDA RMSNorm (needs nvcc and a CUDA LibTorch)");
}

#endif

}  // namespace ebsd::gpu::nn

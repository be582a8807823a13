// Quantized linear layers on the CPU (nn/quantized_linear.hpp).
#include "nn/quantized_linear.hpp"

#include <ATen/Parallel.h>

#include <algorithm>

namespace ebsd::gpu::nn {

torch::Tensor quantized_linear(const torch::Tensor& x, const quant::QuantMatrix& w) {
  TORCH_CHECK(x.device().is_cpu(), "quantized linear layers run on the CPU");
  TORCH_CHECK(x.size(-1) == w.cols, "quantized linear: input has ", x.size(-1), " features, the weight ", w.cols);
  const auto xf = x.to(torch::kFloat).contiguous();
  const auto tokens = xf.numel() / w.cols;
  auto sizes = x.sizes().vec();
  sizes.back() = w.rows;
  auto y = torch::empty(sizes, xf.options());
  // One quantization of the activations per call, reused by every thread; a buffer per
  // calling thread keeps decode free of allocations.
  thread_local quant::ActivationBlocks blocks;
  blocks.quantize(w.format, xf.data_ptr<float>(), tokens, w.cols, w.cols);
  float* out = y.data_ptr<float>();
  const auto threads = std::max<std::int64_t>(1, std::min<std::int64_t>(at::get_num_threads(), (w.rows + 15) / 16));
  // Row ranges in multiples of 16 so no two threads write into the same cache line of y.
  const auto per = (w.rows + threads - 1) / threads;
  const auto step = (per + 15) / 16 * 16;
  at::parallel_for(0, threads, 1, [&](std::int64_t b, std::int64_t e) {
    for (auto i = b; i < e; ++i) {
      const auto r0 = std::min(w.rows, i * step), r1 = std::min(w.rows, (i + 1) * step);
      if (r0 < r1) quant::quant_matmul(w, blocks, out, w.rows, r0, r1);
    }
  });
  return x.scalar_type() == torch::kFloat ? y : y.to(x.scalar_type());
}

torch::Tensor quantized_rows(const quant::QuantMatrix& w, const torch::Tensor& ids) {
  const auto idx = ids.to(torch::kCPU, torch::kInt64).contiguous();
  auto out = torch::empty({idx.numel(), w.cols}, torch::kFloat);
  const auto* p = idx.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < idx.numel(); ++i) {
    TORCH_CHECK(p[i] >= 0 && p[i] < w.rows, "row ", p[i], " outside [0, ", w.rows, ")");
    quant::dequantize_row(w.format, w.data + p[i] * static_cast<std::int64_t>(w.row_stride), out.data_ptr<float>() + i * w.cols,
                          w.cols);
  }
  return out;
}

}  // namespace ebsd::gpu::nn

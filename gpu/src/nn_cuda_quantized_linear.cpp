// CUDA quantized linear layers (nn/cuda_quantized_linear.hpp): raw pointers and the current
// stream handed to the kernels in cuda/quant_kernels.cu.
#include "nn/cuda_quantized_linear.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "ebsd/core/error.hpp"

#ifdef EBSD_HAVE_CUDA_KERNELS
#include <c10/cuda/CUDAStream.h>

#include "cuda/quant_kernels.hpp"
#endif

namespace ebsd::gpu::nn {

std::int64_t cuda_gemv_max_tokens() {
  // Measured crossover on the H100 (docs/llm.md): the kernel re-reads the weights per token,
  // cuBLAS on dequantized weights wins beyond a handful of tokens.
  static const std::int64_t n = [] {
    const char* e = std::getenv("EBSD_CUDA_GEMV_MAX_TOKENS");
    return e ? std::max<std::int64_t>(0, std::atoll(e)) : std::int64_t{8};
  }();
  return n;
}

bool cuda_quant_kernels_enabled() {
  static const bool off = [] {
    const char* e = std::getenv("EBSD_CUDA_QUANT_KERNELS");
    return e && std::string(e) == "0";
  }();
  return cuda_quant_kernels_available() && !off;
}

#ifdef EBSD_HAVE_CUDA_KERNELS

namespace {

cuda::QuantFormat kernel_format(quant::BlockFormat f) {
  if (f == quant::BlockFormat::Q8_0) return cuda::QuantFormat::Q8_0;
  if (f == quant::BlockFormat::Q4_0) return cuda::QuantFormat::Q4_0;
  throw Error(std::string("the CUDA kernels take Q8_0 and Q4_0 weights, not ") + quant::block_traits(f).name);
}

cuda::FloatType kernel_type(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat: return cuda::FloatType::F32;
    case torch::kHalf: return cuda::FloatType::F16;
    case torch::kBFloat16: return cuda::FloatType::BF16;
    default: throw Error(std::string("the CUDA quantized kernels take f32, f16 or bf16, not ") + c10::toString(t));
  }
}

void* current_stream() { return c10::cuda::getCurrentCUDAStream().stream(); }

// The kernels load 16 bytes at a time.
torch::Tensor aligned_contiguous(const torch::Tensor& x) {
  auto c = x.contiguous();
  return reinterpret_cast<std::uintptr_t>(c.data_ptr()) % 16 == 0 ? c : c.clone();
}

}  // namespace

bool cuda_quant_kernels_available() { return true; }

std::pair<torch::Tensor, quant::QuantMatrix> cuda_upload(const quant::QuantMatrix& host) {
  const auto bytes = static_cast<std::int64_t>(host.row_stride) * host.rows;
  auto view = torch::from_blob(const_cast<std::uint8_t*>(host.data), {bytes}, torch::kUInt8);
  auto dev = view.to(torch::Device(torch::kCUDA, 0), /*non_blocking=*/false, /*copy=*/true);
  quant::QuantMatrix m = host;
  m.data = dev.data_ptr<std::uint8_t>();
  return {dev, m};
}

std::vector<torch::Tensor> cuda_quantized_linears(const torch::Tensor& x, const std::vector<const quant::QuantMatrix*>& ws,
                                                  const std::vector<torch::Tensor>& biases) {
  TORCH_CHECK(x.is_cuda(), "CUDA quantized layers need their input on the GPU");
  TORCH_CHECK(!ws.empty() && ws.size() <= static_cast<std::size_t>(cuda::kMaxGemvTargets), "1 to 3 weights per call");
  TORCH_CHECK(biases.empty() || biases.size() == ws.size(), "one bias (or none) per weight");
  const auto cols = ws[0]->cols;
  for (const auto* w : ws)
    TORCH_CHECK(w->cols == cols && w->format == ws[0]->format, "fused quantized layers need one input size and format");
  TORCH_CHECK(x.size(-1) == cols, "quantized linear: input has ", x.size(-1), " features, the weight ", cols);
  const auto format = kernel_format(ws[0]->format);
  const auto type = kernel_type(x.scalar_type());
  const auto xc = aligned_contiguous(x);
  const auto tokens = xc.numel() / cols;
  const auto bias = [&](std::size_t m) { return biases.empty() ? torch::Tensor() : biases[m]; };
  auto out_sizes = [&](std::int64_t rows) {
    auto s = x.sizes().vec();
    s.back() = rows;
    return s;
  };
  std::vector<torch::Tensor> ys;
  if (tokens > cuda_gemv_max_tokens()) {
    // Prefill: all weights dequantized into one scratch matrix, one GEMM, split.
    std::int64_t total = 0;
    for (const auto* w : ws) total += w->rows;
    auto dense = torch::empty({total, cols}, xc.options());
    std::int64_t r0 = 0;
    for (const auto* w : ws) {
      cuda::dequantize_matrix(format, type, w->data, static_cast<std::int64_t>(w->row_stride), w->rows, cols, nullptr,
                              static_cast<char*>(dense.data_ptr()) + r0 * cols * xc.element_size(), current_stream());
      r0 += w->rows;
    }
    const auto y = torch::matmul(xc.view({tokens, cols}), dense.t());
    r0 = 0;
    for (std::size_t m = 0; m < ws.size(); ++m) {
      auto part = y.narrow(1, r0, ws[m]->rows).view(out_sizes(ws[m]->rows));
      const auto b = bias(m);
      ys.push_back(b.defined() ? part + b : part);
      r0 += ws[m]->rows;
    }
    return ys;
  }
  cuda::QuantGemvTarget targets[cuda::kMaxGemvTargets];
  for (std::size_t m = 0; m < ws.size(); ++m) {
    ys.push_back(torch::empty(out_sizes(ws[m]->rows), xc.options()));
    targets[m].blocks = ws[m]->data;
    targets[m].rows = ws[m]->rows;
    targets[m].row_stride = static_cast<std::int64_t>(ws[m]->row_stride);
    targets[m].y = ys.back().data_ptr();
    const auto b = bias(m);
    if (b.defined()) {
      TORCH_CHECK(b.is_cuda() && b.scalar_type() == x.scalar_type() && b.is_contiguous() && b.numel() == ws[m]->rows,
                  "a fused bias must be a contiguous [rows] GPU tensor of the input's type");
      targets[m].bias = b.data_ptr();
    }
  }
  cuda::quant_gemv(format, type, targets, static_cast<int>(ws.size()), xc.data_ptr(), cols, tokens, current_stream());
  return ys;
}

torch::Tensor cuda_quantized_rows(const quant::QuantMatrix& w, const torch::Tensor& ids, torch::ScalarType type) {
  TORCH_CHECK(ids.is_cuda(), "CUDA embedding lookup needs the ids on the GPU");
  const auto idx = ids.to(torch::kInt64).contiguous();
  auto out = torch::empty({idx.numel(), w.cols}, torch::TensorOptions().dtype(type).device(ids.device()));
  cuda::dequantize_matrix(kernel_format(w.format), kernel_type(type), w.data, static_cast<std::int64_t>(w.row_stride),
                          idx.numel(), w.cols, idx.data_ptr<std::int64_t>(), out.data_ptr(), current_stream());
  return out;
}

#else  // no CUDA kernels in this build

bool cuda_quant_kernels_available() { return false; }

namespace {
[[noreturn]] void unavailable() {
  throw Error("this build has no CUDA kernels for quantized weights (needs nvcc and a CUDA LibTorch)");
}
}  // namespace

std::pair<torch::Tensor, quant::QuantMatrix> cuda_upload(const quant::QuantMatrix&) { unavailable(); }
std::vector<torch::Tensor> cuda_quantized_linears(const torch::Tensor&, const std::vector<const quant::QuantMatrix*>&,
                                                  const std::vector<torch::Tensor>&) {
  unavailable();
}
torch::Tensor cuda_quantized_rows(const quant::QuantMatrix&, const torch::Tensor&, torch::ScalarType) { unavailable(); }

#endif

}  // namespace ebsd::gpu::nn

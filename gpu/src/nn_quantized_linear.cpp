// Quantized linear layers on the CPU (nn/quantized_linear.hpp).
#include "nn/quantized_linear.hpp"

#include <ATen/Parallel.h>

#include <algorithm>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "ebsd/core/error.hpp"
#include "ebsd/quant/bf16_prompt_matmul.hpp"
#include "nn/cuda_quantized_linear.hpp"

namespace ebsd::gpu::nn {
namespace {

// Runs f(i) for i in [0, n) on n threads. OpenMP directly, not at::parallel_for: ATen's
// parallel_for is an inline template whose "#pragma omp parallel" only takes effect in
// translation units compiled with -fopenmp (this one is; gpu/CMakeLists.txt), and using the
// same OpenMP runtime as LibTorch keeps one team of threads, already spinning after LibTorch's
// own parallel operations, instead of a second pool competing with it for the cores.
template <class F>
void on_threads(std::int64_t n, const F& f) {
#ifdef _OPENMP
  if (n > 1 && !omp_in_parallel()) {
#pragma omp parallel for num_threads(static_cast<int>(n)) schedule(static, 1)
    for (std::int64_t i = 0; i < n; ++i) f(i);
    return;
  }
#endif
  for (std::int64_t i = 0; i < n; ++i) f(i);
}

// f(b, e) over [0, tokens) in equal shares, one per thread, with at least `per_thread` tokens a
// share (fewer tokens stay on the calling thread: a hand-off would cost more than the work).
template <class F>
void split_tokens(std::int64_t tokens, std::int64_t per_thread, const F& f) {
  const std::int64_t threads = std::clamp<std::int64_t>(tokens / per_thread, 1, at::get_num_threads());
  const std::int64_t share = (tokens + threads - 1) / threads;
  on_threads(threads, [&](std::int64_t i) {
    const auto b = std::min(tokens, i * share), e = std::min(tokens, (i + 1) * share);
    if (b < e) f(b, e);
  });
}

// Quantizes x [tokens, cols] (f32, contiguous) for `format`.
void quantize_activations(quant::ActivationBlocks& blocks, quant::BlockFormat format, const float* x,
                          std::int64_t tokens, std::int64_t cols, bool file_layout_tiles) {
  blocks.prepare(format, tokens, cols, quant::best_isa(), file_layout_tiles);
  split_tokens(tokens, 4, [&](std::int64_t b, std::int64_t e) { blocks.quantize_tokens(x, cols, b, e); });
}

// Rounds x [tokens, cols] to bf16 for the prompt kernel.
void round_activations(quant::Bf16Activations& acts, const float* x, std::int64_t tokens, std::int64_t cols) {
  acts.prepare(tokens, cols);
  split_tokens(tokens, 16, [&](std::int64_t b, std::int64_t e) { acts.convert_tokens(x, cols, b, e); });
}

// The matrices' rows, one after another, cut into equal shares (multiples of 16 rows, so no
// two threads write one cache line of an output) - one parallel region for all of them.
template <class Product>
void split_rows(const std::vector<const quant::QuantMatrix*>& ws, const Product& product) {
  std::int64_t total_rows = 0;
  for (const auto* w : ws) total_rows += w->rows;
  const auto threads = std::max<std::int64_t>(1, std::min<std::int64_t>(at::get_num_threads(), (total_rows + 15) / 16));
  const auto share = ((total_rows + threads - 1) / threads + 15) / 16 * 16;
  on_threads(threads, [&](std::int64_t i) {
    const std::int64_t lo = i * share, hi = std::min(total_rows, (i + 1) * share);
    std::int64_t base = 0;
    for (std::size_t m = 0; m < ws.size() && lo < hi; ++m) {
      const auto rows = ws[m]->rows;
      const auto r0 = std::max<std::int64_t>(lo - base, 0), r1 = std::min<std::int64_t>(hi - base, rows);
      if (r0 < r1) product(m, r0, r1);
      base += rows;
    }
  });
}

}  // namespace

void quantized_linears_into(const float* x, std::int64_t tokens, const std::vector<const quant::QuantMatrix*>& ws,
                            const std::vector<float*>& outs) {
  TORCH_CHECK(!ws.empty() && outs.size() == ws.size(), "quantized linear: one output per weight");
  const auto cols = ws[0]->cols;
  for (const auto* w : ws)
    TORCH_CHECK(w->cols == cols && w->format == ws[0]->format, "fused quantized layers need one input size and format");
  // Prompts on AMX: bf16 products (quant/bf16_prompt_matmul.hpp), where every matrix has its
  // interleaved copy (the AVX-512 and AMX kernels' layout, made at load).
  const bool bf16_prompt = tokens >= quant::kBf16PromptMinTokens && quant::bf16_prompt_supported() &&
                           std::all_of(ws.begin(), ws.end(), [](const quant::QuantMatrix* w) { return w->interleaved; });
  if (bf16_prompt) {
    thread_local quant::Bf16Activations mine;
    quant::Bf16Activations& acts = mine;  // the caller's (see below)
    round_activations(acts, x, tokens, cols);
    split_rows(ws, [&](std::size_t m, std::int64_t r0, std::int64_t r1) {
      quant::bf16_prompt_matmul(*ws[m], acts, outs[m], ws[m]->rows, r0, r1);
    });
    return;
  }
  // One quantization of the activations per call, shared by every matrix and thread; a buffer
  // per calling thread keeps decode free of allocations.
  thread_local quant::ActivationBlocks mine;
  quant::ActivationBlocks& blocks = mine;  // the caller's: a thread_local named in the lambda would be each worker's own
  // AMX's copy of the activations for the file's layout only where some rows lack an
  // interleaved copy (the AMX kernel for interleaved rows reads the plain levels).
  const bool file_layout_tiles = std::any_of(ws.begin(), ws.end(), [](const quant::QuantMatrix* w) {
    return !w->interleaved || w->rows % 16 != 0;
  });
  quantize_activations(blocks, ws[0]->format, x, tokens, cols, file_layout_tiles);
  split_rows(ws, [&](std::size_t m, std::int64_t r0, std::int64_t r1) {
    quant::quant_matmul(*ws[m], blocks, outs[m], ws[m]->rows, r0, r1);
  });
}

std::vector<torch::Tensor> quantized_linears(const torch::Tensor& x, const std::vector<const quant::QuantMatrix*>& ws) {
  if (x.is_cuda()) return cuda_quantized_linears(x, ws);  // the weights were uploaded (nn/cuda_quantized_linear.hpp)
  TORCH_CHECK(x.device().is_cpu(), "quantized linear layers run on the CPU");
  TORCH_CHECK(!ws.empty(), "no weights");
  const auto cols = ws[0]->cols;
  TORCH_CHECK(x.size(-1) == cols, "quantized linear: input has ", x.size(-1), " features, the weight ", cols);
  const auto xf = x.to(torch::kFloat).contiguous();
  const auto tokens = xf.numel() / cols;
  std::vector<torch::Tensor> ys;
  std::vector<float*> outs;
  for (const auto* w : ws) {
    auto sizes = x.sizes().vec();
    sizes.back() = w->rows;
    ys.push_back(torch::empty(sizes, xf.options()));
    outs.push_back(ys.back().data_ptr<float>());
  }
  quantized_linears_into(xf.data_ptr<float>(), tokens, ws, outs);
  if (x.scalar_type() != torch::kFloat)
    for (auto& y : ys) y = y.to(x.scalar_type());
  return ys;
}

torch::Tensor quantized_linear(const torch::Tensor& x, const quant::QuantMatrix& w) { return quantized_linears(x, {&w})[0]; }

torch::Tensor quantized_rows(const quant::QuantMatrix& w, const torch::Tensor& ids) {
  if (ids.is_cuda()) return cuda_quantized_rows(w, ids, torch::kFloat);
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

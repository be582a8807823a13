// Our CUDA Q8_0 / Q4_0 kernels alone (no engine, no LibTorch): microseconds per launch and the
// bandwidth they reach on the Qwen2.5-0.5B matrices, decode (one token, bf16 activations), as a
// fraction of the card's peak (H100 SXM: about 3.35 TB/s). Back-to-back launches timed with CUDA
// events, so small matrices show the launch floor. Also the dequantize kernel (prefill path).
// Skips (exit 0) without a CUDA device.
#include <cuda_runtime.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cuda/quant_kernels.hpp"
#include "ebsd/quant/block_formats.hpp"
#include "ebsd/quant/half.hpp"
#include "cuda_bench_check.hpp"

namespace {

namespace k = ebsd::gpu::cuda;
namespace q = ebsd::quant;


void* device_random_blocks(q::BlockFormat f, std::int64_t rows, std::int64_t cols, std::mt19937_64& rng) {
  const auto bytes = static_cast<std::size_t>(rows) * q::row_bytes(f, cols);
  std::vector<std::uint8_t> h(bytes);
  for (auto& b : h) b = static_cast<std::uint8_t>(rng());
  const int bb = q::block_traits(f).block_bytes;
  const std::uint16_t d = q::float_to_half(0.01f);
  for (std::size_t i = 0; i < bytes; i += static_cast<std::size_t>(bb)) std::memcpy(&h[i], &d, 2);
  void* p = nullptr;
  CHECK(cudaMalloc(&p, bytes));
  CHECK(cudaMemcpy(p, h.data(), bytes, cudaMemcpyHostToDevice));
  return p;
}

struct Shape {
  const char* name;
  std::vector<std::int64_t> rows;  // fused weights
  std::int64_t cols;
};

}  // namespace

int main() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0) {
    std::printf("bench_cuda_quant_kernels: no CUDA device, skipped\n");
    return 0;
  }
  cudaDeviceProp prop{};
  CHECK(cudaGetDeviceProperties(&prop, 0));
  std::printf("bench_cuda_quant_kernels on %s (%d SMs)\n", prop.name, prop.multiProcessorCount);
  std::mt19937_64 rng(3);
  const std::vector<Shape> shapes{{"attn q", {896}, 896},
                                  {"attn k", {128}, 896},
                                  {"attn q+k+v fused", {896, 128, 128}, 896},
                                  {"attn output", {896}, 896},
                                  {"ffn gate+up fused", {4864, 4864}, 896},
                                  {"ffn down", {896}, 4864},
                                  {"output head (tied)", {151936}, 896}};
  cudaEvent_t a, b;
  CHECK(cudaEventCreate(&a));
  CHECK(cudaEventCreate(&b));
  void* x = nullptr;
  CHECK(cudaMalloc(&x, 1 << 20));
  CHECK(cudaMemset(x, 0x3c, 1 << 20));  // bf16 values around 0.01
  std::printf("%-20s %-5s %10s %12s %10s %8s\n", "matrix", "type", "tokens", "us/launch", "GB/s", "of peak");
  // The H100 SXM's published HBM3 bandwidth (CUDA 13 no longer reports the memory clock).
  const double peak = 3350;
  for (auto f : {q::BlockFormat::Q8_0, q::BlockFormat::Q4_0}) {
    const auto kf = f == q::BlockFormat::Q8_0 ? k::QuantFormat::Q8_0 : k::QuantFormat::Q4_0;
    for (const auto& s : shapes) {
      std::vector<k::QuantGemvTarget> t;
      std::vector<void*> owned;
      double bytes = 0;
      for (auto r : s.rows) {
        k::QuantGemvTarget g;
        g.blocks = static_cast<const std::uint8_t*>(device_random_blocks(f, r, s.cols, rng));
        g.rows = r;
        g.row_stride = static_cast<std::int64_t>(q::row_bytes(f, s.cols));
        void* y = nullptr;
        CHECK(cudaMalloc(&y, static_cast<std::size_t>(r) * 2 * 8));
        g.y = y;
        owned.push_back(const_cast<std::uint8_t*>(g.blocks));
        owned.push_back(y);
        t.push_back(g);
        bytes += static_cast<double>(r) * static_cast<double>(g.row_stride);
      }
      for (std::int64_t tokens : {1, 4}) {
        const int reps = 200;
        for (int i = 0; i < 10; ++i)
          k::quant_gemv(kf, k::FloatType::BF16, t.data(), static_cast<int>(t.size()), x, s.cols, tokens, nullptr);
        CHECK(cudaEventRecord(a));
        for (int i = 0; i < reps; ++i)
          k::quant_gemv(kf, k::FloatType::BF16, t.data(), static_cast<int>(t.size()), x, s.cols, tokens, nullptr);
        CHECK(cudaEventRecord(b));
        CHECK(cudaEventSynchronize(b));
        float ms = 0;
        CHECK(cudaEventElapsedTime(&ms, a, b));
        const double us = 1e3 * ms / reps, gbs = bytes / (us * 1e-6) / 1e9;
        std::printf("%-20s %-5s %10lld %12.2f %10.0f %7.0f%%\n", s.name, q::block_traits(f).name, static_cast<long long>(tokens), us,
                    gbs, 100 * gbs / peak);
      }
      if (s.rows.size() == 2 || s.rows[0] == 151936) {  // dequantize to bf16 (the prefill path's first step)
        void* out = nullptr;
        const auto rows = s.rows[0];
        CHECK(cudaMalloc(&out, static_cast<std::size_t>(rows * s.cols) * 2));
        const int reps = 20;
        k::dequantize_matrix(kf, k::FloatType::BF16, t[0].blocks, t[0].row_stride, rows, s.cols, nullptr, out, nullptr);
        CHECK(cudaEventRecord(a));
        for (int i = 0; i < reps; ++i)
          k::dequantize_matrix(kf, k::FloatType::BF16, t[0].blocks, t[0].row_stride, rows, s.cols, nullptr, out, nullptr);
        CHECK(cudaEventRecord(b));
        CHECK(cudaEventSynchronize(b));
        float ms = 0;
        CHECK(cudaEventElapsedTime(&ms, a, b));
        const double us = 1e3 * ms / reps;
        const double moved = static_cast<double>(rows) * (static_cast<double>(t[0].row_stride) + 2.0 * static_cast<double>(s.cols));
        std::printf("%-20s %-5s %10s %12.2f %10.0f %7.0f%%  (dequantize %lld rows to bf16)\n", s.name, q::block_traits(f).name,
                    "-", us, moved / (us * 1e-6) / 1e9, 100 * moved / (us * 1e-6) / 1e9 / peak, static_cast<long long>(rows));
        CHECK(cudaFree(out));
      }
      for (void* p : owned) CHECK(cudaFree(p));
    }
  }
  std::printf("'of peak': against %.0f GB/s (H100 SXM, published)\n", peak);
  return 0;
}

// Element-wise rows of the CPU token path (nn/decoder_blocks.hpp: rms_norm_row,
// gated_activation_row, add_row). The kernels (nn/cpu_rows_kernel.inc) are compiled for
// AVX-512, AVX2 + FMA and plain C++, each in its own target region and anonymous namespace, and
// chosen at run time (nn/cpu_simd.hpp). Measured before (scalar std::exp, one thread): the
// gated activation was about 0.08 s of a 0.44 s prefill of 128 tokens (Qwen2.5-0.5B shape).
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <c10/util/Exception.h>

#include "nn/decoder_blocks.hpp"

namespace ebsd::gpu::nn {
namespace {

#define EBSD_CPU_KERNEL_INC "nn/cpu_rows_kernel.inc"
#include "nn/cpu_kernel_for_each_isa.inc"

void check(VectorIsa isa) { TORCH_CHECK(vector_isa_supported(isa), "CPU row kernels: this CPU lacks ", vector_isa_name(isa)); }

// Elements per thread's piece of a long gated activation (a multiple of every vector width, so
// the pieces' tails are whole vectors except the row's last).
constexpr std::int64_t kActivationPiece = 4096;

}  // namespace

void rms_norm_row(const float* x, const float* weight, std::int64_t n, double eps, float* y, VectorIsa isa) {
  switch (isa) {
    case VectorIsa::Avx512: check(isa); return avx512::rms_norm(x, weight, n, eps, y);
    case VectorIsa::Avx2: check(isa); return avx2::rms_norm(x, weight, n, eps, y);
    default: return portable::rms_norm(x, weight, n, eps, y);
  }
}

void add_row(float* y, const float* x, std::int64_t n, VectorIsa isa) {
  switch (isa) {
    case VectorIsa::Avx512: check(isa); return avx512::add_row(y, x, n);
    case VectorIsa::Avx2: check(isa); return avx2::add_row(y, x, n);
    default: return portable::add_row(y, x, n);
  }
}

void gated_activation_row(const float* gate, const float* up, std::int64_t n, GateActivation a, float* y, int threads,
                          VectorIsa isa) {
  const bool gelu = a == GateActivation::GeluTanh;
  if (isa != VectorIsa::Portable) check(isa);
  const auto piece = [&](std::int64_t b, std::int64_t e) {
    switch (isa) {
      case VectorIsa::Avx512: return avx512::gated_activation(gate + b, up + b, e - b, gelu, y + b);
      case VectorIsa::Avx2: return avx2::gated_activation(gate + b, up + b, e - b, gelu, y + b);
      default: return portable::gated_activation(gate + b, up + b, e - b, gelu, y + b);
    }
  };
  const std::int64_t pieces = (n + kActivationPiece - 1) / kActivationPiece;
#ifdef _OPENMP
  // Element-wise: how the row is cut changes no result. Short rows (a decode step's 4864) stay
  // on the calling thread.
  if (threads > 1 && pieces >= 4 && !omp_in_parallel()) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::int64_t p = 0; p < pieces; ++p) piece(p * kActivationPiece, std::min(n, (p + 1) * kActivationPiece));
    return;
  }
#endif
  (void)pieces;
  (void)threads;
  piece(0, n);
}

}  // namespace ebsd::gpu::nn

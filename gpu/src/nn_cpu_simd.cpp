// The CPU row kernels' instruction set (nn/cpu_simd.hpp).
#include "nn/cpu_simd.hpp"

#include <cstdlib>
#include <initializer_list>
#include <cstring>

namespace ebsd::gpu::nn {

const char* vector_isa_name(VectorIsa isa) {
  switch (isa) {
    case VectorIsa::Avx512: return "avx512";
    case VectorIsa::Avx2: return "avx2";
    default: return "portable";
  }
}

bool vector_isa_supported(VectorIsa isa) {
#if defined(__x86_64__) && defined(__GNUC__)
  // libgcc's checks include the operating system's support (XCR0) for the wider registers.
  switch (isa) {
    case VectorIsa::Avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
    case VectorIsa::Avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    default: return true;
  }
#else
  return isa == VectorIsa::Portable;
#endif
}

VectorIsa best_vector_isa() {
  static const VectorIsa best = [] {
    VectorIsa cap = VectorIsa::Avx512;
    if (const char* e = std::getenv("EBSD_CPU_VECTOR_ISA")) {
      if (!std::strcmp(e, "portable")) cap = VectorIsa::Portable;
      else if (!std::strcmp(e, "avx2")) cap = VectorIsa::Avx2;
    }
    for (auto isa : {VectorIsa::Avx512, VectorIsa::Avx2})
      if (isa <= cap && vector_isa_supported(isa)) return isa;
    return VectorIsa::Portable;
  }();
  return best;
}

}  // namespace ebsd::gpu::nn

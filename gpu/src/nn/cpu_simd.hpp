#pragma once
// Which vector instructions the CPU row kernels of the LLM's token path use (attention,
// gated activations, RMSNorm, residual adds: nn/cpu_attention.hpp, nn/cpu_rows.hpp). Chosen
// once per process, so every call on a machine rounds alike; each kernel also takes the choice
// as an argument, so tests can run every variant the CPU supports.
#include <cstdint>

namespace ebsd::gpu::nn {

enum class VectorIsa : std::uint8_t { Portable, Avx2, Avx512 };

const char* vector_isa_name(VectorIsa isa);
bool vector_isa_supported(VectorIsa isa);  // by this CPU and operating system
// The widest supported one, capped by EBSD_CPU_VECTOR_ISA (portable, avx2 or avx512) if set.
VectorIsa best_vector_isa();

}  // namespace ebsd::gpu::nn

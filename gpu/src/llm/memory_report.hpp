#pragma once
// Memory accounting of an LLM session, by component.
#include <cstdint>

namespace ebsd::gpu::llm {

struct MemoryReport {
  std::uint64_t weights_mapped = 0;      // weights used in place from the memory-mapped file
  std::uint64_t weights_owned = 0;       // weights converted or copied (host or device memory)
  std::uint64_t kv_reserved = 0;         // the KV policy's buffers
  std::uint64_t activations_peak = 0;    // largest set of live activation tensors, from their sizes
  std::int64_t device_peak_allocated = -1;  // CUDA caching allocator's peak, -1 on CPU
};

}  // namespace ebsd::gpu::llm

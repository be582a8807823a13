#pragma once
// The compute device, behind a LibTorch-free facade: callers name a device by string and
// never include torch headers (they cost ~17 s per translation unit, BUILD.md section 3).
#include <string>

namespace ebsd::gpu {

enum class Device { Cpu, Cuda };

// "cpu" or "cuda" (also "cuda:0"); throws ebsd::Error for anything else, and for "cuda" when no
// CUDA device is usable (the message says why: CPU-only LibTorch, or no device found).
Device parse_device(const std::string& name);
bool cuda_available();
int cuda_device_count();
// One line: LibTorch version, CUDA build or not, device names.
std::string describe_compute();

}  // namespace ebsd::gpu

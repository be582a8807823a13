#include "ebsd/gpu/device.hpp"

#include <torch/torch.h>

#include "ebsd/core/error.hpp"

namespace ebsd::gpu {

bool cuda_available() { return torch::cuda::is_available(); }

int cuda_device_count() { return cuda_available() ? static_cast<int>(torch::cuda::device_count()) : 0; }

Device parse_device(const std::string& name) {
  if (name == "cpu") return Device::Cpu;
  if (name == "cuda" || name.rfind("cuda:", 0) == 0) {
    if (!cuda_available()) {
      const bool built = torch::hasCUDA();
      throw Error(built ? "no CUDA device is visible to this process"
                        : "this build's LibTorch has no CUDA support (use --device cpu)",
                  "--device", name);
    }
    return Device::Cuda;
  }
  throw Error("unknown device, expected 'cpu' or 'cuda'", "--device", name);
}

std::string describe_compute() {
  std::string s = "LibTorch " + std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
                  std::to_string(TORCH_VERSION_PATCH);
  s += torch::hasCUDA() ? ", CUDA build" : ", CPU-only build";
  s += ", " + std::to_string(cuda_device_count()) + " CUDA device(s)";
  s += ", " + std::to_string(at::get_num_threads()) + " CPU threads";
  return s;
}

}  // namespace ebsd::gpu

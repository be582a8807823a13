#include "ebsd/app/gpu_module_loader.hpp"

#include <cstdlib>
#include <dlfcn.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <vector>

namespace ebsd::app {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> candidates() {
  std::vector<fs::path> out;
  if (const char* env = std::getenv("EBSD_GPU_MODULE"); env && *env) out.emplace_back(env);
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) out.push_back(exe.parent_path().parent_path() / "lib" / "ebsd-studio" / "ebsd-gpu-steps.so");
  out.push_back(fs::path(EBSD_BUILD_LIB_DIR) / "ebsd-studio" / "ebsd-gpu-steps.so");
  out.push_back(fs::path(EBSD_INSTALL_LIB_DIR) / "ebsd-studio" / "ebsd-gpu-steps.so");
  return out;
}

}  // namespace

GpuModuleStatus load_gpu_module(pipeline::StepRegistry& steps, pipeline::TaskRegistry& tasks) {
  static std::once_flag once;
  static GpuModuleStatus status;
  std::call_once(once, [&] {
    // Idle OpenMP threads (LibTorch's and the quantized LLM kernels') sleep instead of spinning;
    // libgomp reads this when the module loads it. On a shared or busy machine spinning threads
    // that wait for a preempted partner cost 4-20x (measured: Qwen2.5-0.5B-shaped Q4_0, 2 threads,
    // load average 7: decode 3.6 -> 16.5 tok/s, prefill 9 -> 206 tok/s). A user's setting wins.
    // Before sleeping they spin briefly (GOMP_SPINCOUNT 1000 pause loops, tens of microseconds):
    // LLM decode starts about 100 parallel regions per token, microseconds apart, and waking a
    // sleeping thread for each costs tens of microseconds. Measured at load 8 (Q4_0
    // Qwen2.5-0.5B shape, 2 threads, decode tok/s / CPU s): 0 spins 10.1-10.4 / 4.9-5.0, 1000
    // spins 10.6-12.5 / 4.7, 10000 spins 5.3-7.9 / 7.7-8.0 (spinning on a preempted partner).
    if (!std::getenv("OMP_WAIT_POLICY") && !std::getenv("GOMP_SPINCOUNT")) ::setenv("GOMP_SPINCOUNT", "1000", 0);
    ::setenv("OMP_WAIT_POLICY", "passive", 0);
    std::string searched;
    for (const auto& path : candidates()) {
      if (!fs::exists(path)) {
        searched += (searched.empty() ? "" : ", ") + path.string();
        continue;
      }
      status.path = path.string();
      // RTLD_LOCAL: the module's own symbols stay out of the global namespace. Never closed:
      // the registry holds its steps for the life of the process.
      void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!handle) {
        status.reason = std::string("cannot load: ") + ::dlerror();
        return;
      }
      using Register = int (*)(void*, void*, char*, unsigned long);
      auto entry = reinterpret_cast<Register>(::dlsym(handle, "ebsd_gpu_module_register"));
      if (!entry) {
        status.reason = "not an EBSD Studio GPU module (no ebsd_gpu_module_register)";
        return;
      }
      char error[512] = {0};
      if (entry(&steps, &tasks, error, sizeof error) != 0) {
        status.reason = std::string("registration failed: ") + error;
        return;
      }
      status.loaded = true;
      return;
    }
    status.path = searched;
    status.reason = "module not found (looked in " + searched + ")";
  });
  return status;
}

}  // namespace ebsd::app

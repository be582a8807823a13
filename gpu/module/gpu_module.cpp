// The entry point of the ebsd-gpu-steps module: the applications' loader (app/common) calls it
// with their step registry. Internal to EBSD Studio (same compiler, same core headers), so it
// takes the registry as a C++ object; third-party code goes through the plugin SDK instead.
#include <cstdio>
#include <exception>

#include "ebsd/core/version.hpp"
#include "ebsd/gpu/gpu_steps.hpp"

extern "C" __attribute__((visibility("default"))) const char* ebsd_gpu_module_version() { return EBSD_VERSION; }

extern "C" __attribute__((visibility("default"))) int ebsd_gpu_module_register(void* steps, void* tasks, char* error,
                                                                                unsigned long error_size) {
  try {
    ebsd::gpu::register_gpu_steps(*static_cast<ebsd::pipeline::StepRegistry*>(steps));
    ebsd::gpu::register_gpu_tasks(*static_cast<ebsd::pipeline::TaskRegistry*>(tasks));
    return 0;
  } catch (const std::exception& e) {
    std::snprintf(error, error_size, "%s", e.what());
    return 1;
  }
}

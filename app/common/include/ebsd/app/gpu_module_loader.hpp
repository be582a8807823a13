#pragma once
// Loads the ebsd-gpu-steps module (LibTorch steps) into a step registry on demand. Looked for
// beside the running program (../lib/ebsd-studio, as installed) and in the build tree.
#include <string>

#include "ebsd/pipeline/step_registry.hpp"
#include "ebsd/pipeline/task_registry.hpp"

namespace ebsd::app {

struct GpuModuleStatus {
  bool loaded = false;
  std::string path;    // the module file used, or the places searched
  std::string reason;  // why it did not load
};

// Loads once per process (into the registries of the first call); later calls return the first
// result. Never throws: a missing module
// leaves the registry without GPU steps, and `reason` says why (shown by `ebsd steps`).
GpuModuleStatus load_gpu_module(pipeline::StepRegistry& steps, pipeline::TaskRegistry& tasks);

}  // namespace ebsd::app

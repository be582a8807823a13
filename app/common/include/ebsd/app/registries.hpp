#pragma once
// The registries the applications (CLI, studio) work with: core and io steps always; plugins
// (small, loaded at first use) and the GPU module (LibTorch, loaded only when needed).
#include <filesystem>
#include <string>
#include <vector>

#include "ebsd/app/gpu_module_loader.hpp"
#include "ebsd/pipeline/step_registry.hpp"
#include "ebsd/pipeline/task_registry.hpp"

namespace ebsd::app {

// Extra plugin folders (the CLI's --plugin-dir); set before the first registry call.
std::vector<std::filesystem::path>& plugin_dirs();

// Core + io steps.
pipeline::StepRegistry& builtin_registry();
// Builtin steps plus plugins (loaded once), without the GPU module.
pipeline::StepRegistry& plugin_registry();
// Everything: builtin, plugins and the GPU module (loaded once).
pipeline::StepRegistry& full_registry();
// Tasks of the GPU module (benchmarks, training, ...); loads the module.
pipeline::TaskRegistry& task_registry();
// One line on the GPU module: loaded from where, or why not.
std::string gpu_module_status();
// The same as a record (loads the module into the full registry if not done yet).
GpuModuleStatus gpu_module_load_status();

}  // namespace ebsd::app

#pragma once
// The step registry the `ebsd` command works with: core and io steps always; GPU steps
// (LibTorch) and plugins are loaded on first use, so commands that need neither start fast.
#include <filesystem>
#include <vector>

#include "ebsd/pipeline/step_registry.hpp"

namespace ebsd::cli {

// Folders given with --plugin-dir (before the subcommand runs).
std::vector<std::filesystem::path>& plugin_dirs();

// Core + io steps.
pipeline::StepRegistry& builtin_registry();
// Everything: builtin, GPU module and plugins (loaded once).
pipeline::StepRegistry& full_registry();

}  // namespace ebsd::cli

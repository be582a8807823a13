#include "cli_registry.hpp"

#include "ebsd/io/io_steps.hpp"

namespace ebsd::cli {

std::vector<std::filesystem::path>& plugin_dirs() {
  static std::vector<std::filesystem::path> dirs;
  return dirs;
}

pipeline::StepRegistry& builtin_registry() { return io::builtin_step_registry(); }

pipeline::StepRegistry& full_registry() {
  // GPU steps and plugins join here once their loaders exist.
  return builtin_registry();
}

}  // namespace ebsd::cli

#include "ebsd/app/registries.hpp"

#include "ebsd/app/gpu_module_loader.hpp"
#include "ebsd/io/format_registry.hpp"
#include "ebsd/io/io_steps.hpp"
#ifdef EBSD_HAVE_PLUGINS
#include "ebsd/plugins/plugin_loader.hpp"
#endif

namespace ebsd::app {

std::vector<std::filesystem::path>& plugin_dirs() {
  static std::vector<std::filesystem::path> dirs;
  return dirs;
}

pipeline::StepRegistry& builtin_registry() { return io::builtin_step_registry(); }

namespace {
pipeline::TaskRegistry& tasks() {
  static pipeline::TaskRegistry registry;
  return registry;
}
GpuModuleStatus load_gpu() {
  // Once; without the module the GPU steps and tasks are simply absent.
  return load_gpu_module(builtin_registry(), tasks());
}
}  // namespace

pipeline::StepRegistry& plugin_registry() {
#ifdef EBSD_HAVE_PLUGINS
  static const bool loaded = [] {
    plugins::PluginSearch search;
    search.extra_dirs = plugin_dirs();
    // Refusals are recorded (see `ebsd plugins`), never thrown: one bad plugin must not stop
    // a pipeline that does not use it.
    plugins::load_plugins(search, builtin_registry(), io::FormatRegistry::instance());
    return true;
  }();
  (void)loaded;
#endif
  return builtin_registry();
}

pipeline::StepRegistry& full_registry() {
  plugin_registry();
  load_gpu();
  return builtin_registry();
}

pipeline::TaskRegistry& task_registry() {
  load_gpu();
  return tasks();
}

GpuModuleStatus gpu_module_load_status() {
  full_registry();
  return load_gpu();
}

std::string gpu_module_status() {
  const auto s = load_gpu();
  return s.loaded ? "GPU module: " + s.path : "GPU module not loaded: " + s.reason;
}

}  // namespace ebsd::app

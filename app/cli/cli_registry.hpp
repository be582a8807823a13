#pragma once
// The CLI uses the applications' shared registries (app/common).
#include "ebsd/app/registries.hpp"

namespace ebsd::cli {

using app::builtin_registry;
using app::full_registry;
using app::gpu_module_status;
using app::plugin_dirs;
using app::plugin_registry;
using app::task_registry;

}  // namespace ebsd::cli

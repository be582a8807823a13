// `ebsd plugins [--json]`: the plugin folders searched and every candidate library, loaded or
// not and why (docs/plugins.md).
#include <cstdio>
#include <filesystem>
#include <string>

#include "cli_registry.hpp"
#include "cli_support.hpp"
#include "commands.hpp"
#include "ebsd/io/format_registry.hpp"
#include "ebsd/io/io_steps.hpp"
#include "ebsd/pipeline/step_registry.hpp"
#include "ebsd/plugins/plugin_loader.hpp"

namespace ebsd::cli {
namespace {

// The search the CLI makes: the --plugin-dir folders, then the user's and the bundled ones.
plugins::PluginSearch cli_plugin_search() {
  plugins::PluginSearch search;
  search.extra_dirs = plugin_dirs();
  return search;
}

// What loading the plugins did: the records of the CLI's own load (full_registry() loads
// them once, as `ebsd run` and `ebsd steps` do), or, when that load made none, a load into
// fresh registries of the built-in steps and formats, which finds the same clashes.
std::vector<plugins::PluginRecord> plugin_records(const plugins::PluginSearch& search) {
  (void)plugin_registry();
  auto records = plugins::plugin_load_history();
  if (!records.empty()) return records;
  pipeline::StepRegistry steps;
  pipeline::register_core_steps(steps);
  io::register_io_steps(steps);
  io::FormatRegistry formats;
  io::register_builtin_formats(formats);
  return plugins::load_plugins(search, steps, formats);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

void print_text(const std::vector<plugins::PluginFolder>& folders, const std::vector<plugins::PluginRecord>& records) {
  std::printf("Plugin folders (in search order):\n");
  for (const auto& f : folders)
    std::printf("  %-17s %s%s\n", f.source.c_str(), f.path.c_str(), f.exists ? "" : "  (does not exist)");
  std::printf("Plugins (this EBSD Studio provides SDK %s):\n", plugins::host_sdk_version().c_str());
  if (records.empty()) std::printf("  none found\n");
  for (const auto& r : records) {
    std::string title = r.name;
    if (!r.version.empty()) title += " " + r.version;
    std::printf("  %-8s %s  (%s)\n", r.loaded ? "loaded" : "refused", title.c_str(), r.file.c_str());
    if (!r.loaded) {
      std::printf("           %s\n", r.reason.c_str());
      continue;
    }
    if (!r.description.empty()) std::printf("           %s\n", r.description.c_str());
    if (!r.steps.empty()) std::printf("           steps: %s\n", join(r.steps).c_str());
    if (!r.formats.empty()) std::printf("           formats: %s\n", join(r.formats).c_str());
    if (!r.modalities.empty()) std::printf("           modalities: %s\n", join(r.modalities).c_str());
  }
}

}  // namespace

void register_plugins_command(CLI::App& app, CommandList& out) {
  auto json = std::make_shared<bool>(false);
  auto* sub = app.add_subcommand("plugins", "List the plugin folders and every plugin found: loaded, or refused and why");
  sub->add_flag("--json", *json, "Print the folders and plugins as JSON");
  out.push_back({sub, [json]() {
                   const plugins::PluginSearch search = cli_plugin_search();
                   const auto records = plugin_records(search);
                   const auto folders = plugins::plugin_search_folders(search);
                   if (*json) {
                     nlohmann::json f = nlohmann::json::array();
                     for (const auto& folder : folders) f.push_back(plugins::to_json(folder));
                     print_json({{"sdk_version", plugins::host_sdk_version()},
                                 {"folders", f},
                                 {"plugins", plugins::to_json(records)}});
                   } else {
                     print_text(folders, records);
                   }
                   return 0;
                 }});
}

}  // namespace ebsd::cli

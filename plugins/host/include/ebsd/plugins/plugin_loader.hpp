#pragma once
// Loading plugins at run time: find candidate shared libraries in the plugin folders, check
// each one's SDK version, let it register, and add its steps, file formats and side
// modalities to the registries. Every candidate gets a record saying whether it loaded and,
// if not, why, so `ebsd plugins` can tell the user. docs/plugins.md describes the SDK.
//
// Search folders, in this order (the first plugin to claim a step id or plugin name wins; a
// later one that clashes is refused and reported):
//   1. PluginSearch::extra_dirs (the CLI's --plugin-dir), in the order given;
//   2. each folder of the colon-separated EBSD_PLUGIN_PATH;
//   3. the user's data folder: $XDG_DATA_HOME/ebsd-studio/plugins, or
//      ~/.local/share/ebsd-studio/plugins when XDG_DATA_HOME is unset or not absolute;
//   4. the bundled plugins (see bundled_plugin_folder()).
// Candidates are the files ending in ".so" directly inside a folder, in name order; missing
// folders are skipped. A loaded library is never unloaded: its steps call into it until the
// process ends.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ebsd/io/format_registry.hpp"
#include "ebsd/pipeline/step_registry.hpp"

namespace ebsd::plugins {

struct PluginSearch {
  std::vector<std::filesystem::path> extra_dirs;  // searched first (--plugin-dir)
  bool user_dirs = true;                          // EBSD_PLUGIN_PATH and the XDG data folder
  bool bundled = true;                            // the plugins shipped with EBSD Studio
  std::filesystem::path bundled_dir;              // empty: bundled_plugin_folder()
};

// One folder of the search, for reports.
struct PluginFolder {
  std::filesystem::path path;
  std::string source;  // "--plugin-dir", "EBSD_PLUGIN_PATH", "user" or "bundled"
  bool exists = false;
};

// What happened to one candidate file.
struct PluginRecord {
  std::filesystem::path file;
  std::string source;       // the kind of folder it was found in (PluginFolder::source)
  std::string name;         // the plugin's declared name, else its file name without "lib" and ".so"
  std::string version;      // the plugin's own version, when declared
  std::string description;
  std::string sdk_version;  // "1.0": the SDK it was built against, when it said
  bool loaded = false;
  std::string reason;       // why it did not load; empty when loaded
  std::vector<std::string> steps;       // step ids it added (modality steps included)
  std::vector<std::string> formats;     // file format names it added
  std::vector<std::string> modalities;  // side-modality names it added
};

// The SDK version this host implements, "MAJOR.MINOR".
std::string host_sdk_version();

// $XDG_DATA_HOME/ebsd-studio/plugins or ~/.local/share/ebsd-studio/plugins (empty when
// neither XDG_DATA_HOME nor HOME is set).
std::filesystem::path user_plugin_folder();

// The bundled plugins: <exe dir>/../lib/ebsd-studio/plugins (an installed bin/ebsd or
// bin/ebsd-studio), else <exe dir>/../../lib/ebsd-studio/plugins (the build tree, where
// app/cli/ebsd sits two levels below <build> and the bundled plugins are built into
// <build>/lib/ebsd-studio/plugins). The first that exists; the first when neither does.
std::filesystem::path bundled_plugin_folder();

// The folders `search` designates, in search order, without duplicates.
std::vector<PluginFolder> plugin_search_folders(const PluginSearch& search);

// Loads every candidate of the search into `steps` and `formats`. Never throws for a bad
// plugin: each candidate's fate is in its record. A plugin is added whole or not at all.
std::vector<PluginRecord> load_plugins(const PluginSearch& search, pipeline::StepRegistry& steps,
                                       io::FormatRegistry& formats);

// The records of every load_plugins() call made by this process, in order: what the
// `ebsd plugins` command shows after the CLI has loaded plugins at start-up.
std::vector<PluginRecord> plugin_load_history();

nlohmann::json to_json(const PluginRecord& record);
nlohmann::json to_json(const std::vector<PluginRecord>& records);
nlohmann::json to_json(const PluginFolder& folder);

}  // namespace ebsd::plugins

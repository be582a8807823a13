// Where plugins are looked for (the rules are documented in plugin_loader.hpp).
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <set>
#include <sstream>

#include "ebsd/plugins/plugin_loader.hpp"
#include "ebsd_sdk/ebsd_plugin.h"

namespace ebsd::plugins {
namespace {

namespace fs = std::filesystem;

std::string environment(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

fs::path executable_folder() {
  std::array<char, 4096> buf{};
  const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) return {};
  return fs::path(std::string(buf.data(), static_cast<std::size_t>(n))).parent_path();
}

}  // namespace

std::string host_sdk_version() {
  return std::to_string(EBSD_SDK_VERSION_MAJOR) + "." + std::to_string(EBSD_SDK_VERSION_MINOR);
}

fs::path user_plugin_folder() {
  // XDG Base Directory: a relative XDG_DATA_HOME is invalid and must be ignored.
  const fs::path xdg = environment("XDG_DATA_HOME");
  if (!xdg.empty() && xdg.is_absolute()) return xdg / "ebsd-studio" / "plugins";
  const std::string home = environment("HOME");
  if (home.empty()) return {};
  return fs::path(home) / ".local" / "share" / "ebsd-studio" / "plugins";
}

fs::path bundled_plugin_folder() {
  const fs::path exe = executable_folder();
  if (exe.empty()) return {};
  const fs::path installed = (exe / ".." / "lib" / "ebsd-studio" / "plugins").lexically_normal();
  const fs::path build_tree = (exe / ".." / ".." / "lib" / "ebsd-studio" / "plugins").lexically_normal();
  std::error_code ec;
  if (fs::is_directory(installed, ec)) return installed;
  if (fs::is_directory(build_tree, ec)) return build_tree;
  return installed;
}

std::vector<PluginFolder> plugin_search_folders(const PluginSearch& search) {
  std::vector<PluginFolder> out;
  std::set<fs::path> seen;
  auto add = [&](const fs::path& path, const std::string& source) {
    if (path.empty()) return;
    std::error_code ec;
    fs::path key = fs::weakly_canonical(path, ec);
    if (ec) key = path.lexically_normal();
    if (!seen.insert(key).second) return;
    out.push_back({path, source, fs::is_directory(path, ec)});
  };
  for (const auto& d : search.extra_dirs) add(d, "--plugin-dir");
  if (search.user_dirs) {
    std::stringstream list(environment("EBSD_PLUGIN_PATH"));
    std::string item;
    while (std::getline(list, item, ':'))
      if (!item.empty()) add(item, "EBSD_PLUGIN_PATH");
    add(user_plugin_folder(), "user");
  }
  if (search.bundled) add(search.bundled_dir.empty() ? bundled_plugin_folder() : search.bundled_dir, "bundled");
  return out;
}

}  // namespace ebsd::plugins

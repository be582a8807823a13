// Loading one plugin: open the library, check the SDK version, let it register, and add what
// it declared to the registries, all or nothing.
#include "ebsd/plugins/plugin_loader.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <map>
#include <mutex>

#include "host_handles.hpp"
#include "modality_steps.hpp"
#include "plugin_format.hpp"
#include "plugin_step.hpp"
#include "registration.hpp"

namespace ebsd::plugins {
namespace {

namespace fs = std::filesystem;

std::mutex& history_mutex() {
  static std::mutex m;
  return m;
}
std::vector<PluginRecord>& history() {
  static std::vector<PluginRecord> h;
  return h;
}

std::string version_text(std::uint32_t v) {
  return std::to_string(EBSD_SDK_VERSION_MAJOR_OF(v)) + "." + std::to_string(EBSD_SDK_VERSION_MINOR_OF(v));
}

// "libkam.so" -> "kam".
std::string name_from_file(const fs::path& file) {
  std::string stem = file.stem().string();
  if (stem.rfind("lib", 0) == 0 && stem.size() > 3) stem = stem.substr(3);
  return stem;
}

std::string dl_error() {
  const char* e = ::dlerror();
  return e ? e : "unknown dlopen error";
}

// The library stays open only once the plugin's registration has run: from then on the
// plugin may hold state (threads, atexit handlers) that unloading would break.
class Library {
public:
  explicit Library(void* handle) : handle_(handle) {}
  ~Library() {
    if (handle_ && !keep_) ::dlclose(handle_);
  }
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;
  void* symbol(const char* name) const { return ::dlsym(handle_, name); }
  void keep_loaded() { keep_ = true; }

private:
  void* handle_;
  bool keep_ = false;
};

// Every step the plugin declared, adapted (plain steps, then each modality's steps).
std::vector<std::unique_ptr<pipeline::Step>> adapt_steps(const ebsd_registration& reg, const PluginIdentity& who) {
  std::vector<std::unique_ptr<pipeline::Step>> out;
  for (DeclaredStep s : reg.steps) {
    s.info.origin = who.name;
    out.push_back(make_plugin_step(s, who));
  }
  for (const auto& m : reg.modalities)
    for (auto& s : make_modality_steps(m, who)) out.push_back(std::move(s));
  return out;
}

// Checks what a registered plugin declared against the registries; empty when it may be added.
std::string clash(const ebsd_registration& reg, const PluginIdentity& who, const pipeline::StepRegistry& steps,
                  const io::FormatRegistry& formats) {
  // A scratch registry runs the same declaration checks as the real one (ids, parameters,
  // defaults) and catches ids repeated within the plugin, without touching the real one.
  pipeline::StepRegistry scratch;
  try {
    for (auto& s : adapt_steps(reg, who)) scratch.add(std::move(s));
  } catch (const Error& e) {
    return "registration failed: " + std::string(e.what());
  }
  for (const pipeline::Step* s : scratch.steps())
    if (const pipeline::Step* existing = steps.find(s->info().id))
      return "its step '" + s->info().id + "' has the id of a step already registered by " +
             (existing->info().origin == "builtin" ? std::string("EBSD Studio itself") : "plugin '" + existing->info().origin + "'");
  std::vector<std::string> names;
  for (const auto& f : reg.formats) {
    const bool taken = std::any_of(formats.formats().begin(), formats.formats().end(),
                                   [&](const io::FileFormat& g) { return g.name == f.name; });
    if (taken || std::find(names.begin(), names.end(), f.name) != names.end())
      return "its file format '" + f.name + "' has the name of a format already registered";
    names.push_back(f.name);
  }
  return {};
}

PluginRecord load_file(const fs::path& file, const std::string& source, pipeline::StepRegistry& steps,
                       io::FormatRegistry& formats, std::map<std::string, fs::path>& names_loaded) {
  PluginRecord rec;
  rec.file = file;
  rec.source = source;
  rec.name = name_from_file(file);

  // RTLD_NOW: a library with unresolved symbols fails here, not in the middle of a step.
  // RTLD_LOCAL: plugins cannot see each other's symbols.
  void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    rec.reason = "not a loadable shared library: " + dl_error();
    return rec;
  }
  Library lib(handle);
  auto version_fn = reinterpret_cast<ebsd_plugin_sdk_version_fn>(lib.symbol(EBSD_PLUGIN_VERSION_SYMBOL));
  if (!version_fn) {
    rec.reason = "not an EBSD Studio plugin: it has no " EBSD_PLUGIN_VERSION_SYMBOL " entry point";
    return rec;
  }
  const std::uint32_t sdk = version_fn();
  rec.sdk_version = version_text(sdk);
  if (EBSD_SDK_VERSION_MAJOR_OF(sdk) != EBSD_SDK_VERSION_MAJOR) {
    rec.reason = file.string() + " was built against EBSD plugin SDK " + rec.sdk_version +
                 ", but this EBSD Studio provides SDK " + host_sdk_version() +
                 ": the major versions must match; rebuild the plugin against SDK " +
                 std::to_string(EBSD_SDK_VERSION_MAJOR) + ".x";
    return rec;
  }
  auto register_fn = reinterpret_cast<ebsd_plugin_register_fn>(lib.symbol(EBSD_PLUGIN_REGISTER_SYMBOL));
  if (!register_fn) {
    rec.reason = "the plugin has no " EBSD_PLUGIN_REGISTER_SYMBOL " entry point";
    return rec;
  }

  ebsd_registration reg;
  reg.file = file;
  const ebsd_registrar registrar = make_registrar(reg);
  lib.keep_loaded();
  ebsd_status status = EBSD_ERROR;
  try {
    status = register_fn(&host_api(), &registrar);
  } catch (const std::exception& e) {
    reg.failure = std::string("the plugin let a C++ exception escape through its C interface: ") + e.what();
  } catch (...) {
    reg.failure = "the plugin let an unknown C++ exception escape through its C interface";
  }
  if (!reg.name.empty()) rec.name = reg.name;
  rec.version = reg.version;
  rec.description = reg.description;
  if (status != EBSD_OK || !reg.failure.empty()) {
    rec.reason = "registration failed: " + (reg.failure.empty() ? std::string("the plugin gave no reason") : reg.failure);
    return rec;
  }
  if (const auto it = names_loaded.find(rec.name); it != names_loaded.end()) {
    rec.reason = "a plugin named '" + rec.name + "' was already loaded from " + it->second.string();
    return rec;
  }

  const PluginIdentity who{rec.name, file};
  if (std::string why = clash(reg, who, steps, formats); !why.empty()) {
    rec.reason = std::move(why);
    return rec;
  }
  for (auto& s : adapt_steps(reg, who)) {
    rec.steps.push_back(s->info().id);
    steps.add(std::move(s));
  }
  for (const auto& f : reg.formats) {
    formats.add(make_plugin_format(f, who));
    rec.formats.push_back(f.name);
  }
  for (const auto& m : reg.modalities) rec.modalities.push_back(m.name);
  names_loaded.emplace(rec.name, file);
  rec.loaded = true;
  return rec;
}

std::vector<fs::path> candidates(const fs::path& folder) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    std::error_code ec2;
    if (entry.path().extension() == ".so" && entry.is_regular_file(ec2)) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<PluginRecord> load_plugins(const PluginSearch& search, pipeline::StepRegistry& steps,
                                       io::FormatRegistry& formats) {
  std::lock_guard lock(history_mutex());
  std::vector<PluginRecord> records;
  std::map<std::string, fs::path> names_loaded;
  std::vector<fs::path> files_seen;
  for (const auto& folder : plugin_search_folders(search)) {
    if (!folder.exists) continue;
    for (const auto& file : candidates(folder.path)) {
      // The same library reached through two folders (a symlink) is one candidate.
      std::error_code ec;
      const fs::path key = fs::weakly_canonical(file, ec);
      if (std::find(files_seen.begin(), files_seen.end(), key) != files_seen.end()) continue;
      files_seen.push_back(key);
      try {
        records.push_back(load_file(file, folder.source, steps, formats, names_loaded));
      } catch (const std::exception& e) {
        // Only the host can throw here (e.g. out of memory): the candidate is refused, the
        // search goes on.
        PluginRecord rec;
        rec.file = file;
        rec.source = folder.source;
        rec.name = name_from_file(file);
        rec.reason = std::string("the host could not load it: ") + e.what();
        records.push_back(std::move(rec));
      }
    }
  }
  history().insert(history().end(), records.begin(), records.end());
  return records;
}

std::vector<PluginRecord> plugin_load_history() {
  std::lock_guard lock(history_mutex());
  return history();
}

nlohmann::json to_json(const PluginRecord& r) {
  return {{"file", r.file.string()},
          {"source", r.source},
          {"name", r.name},
          {"version", r.version},
          {"description", r.description},
          {"sdk_version", r.sdk_version},
          {"loaded", r.loaded},
          {"reason", r.reason},
          {"steps", r.steps},
          {"formats", r.formats},
          {"modalities", r.modalities}};
}

nlohmann::json to_json(const std::vector<PluginRecord>& records) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : records) out.push_back(to_json(r));
  return out;
}

nlohmann::json to_json(const PluginFolder& f) {
  return {{"path", f.path.string()}, {"source", f.source}, {"exists", f.exists}};
}

}  // namespace ebsd::plugins

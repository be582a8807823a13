#include "ebsd/io/format_registry.hpp"

#include <algorithm>
#include <cctype>

namespace ebsd::io {
namespace {
std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

FormatRegistry& FormatRegistry::instance() {
  static FormatRegistry registry = [] {
    FormatRegistry r;
    register_builtin_formats(r);
    return r;
  }();
  return registry;
}

void FormatRegistry::add(FileFormat format) {
  auto it = std::find_if(formats_.begin(), formats_.end(), [&](const FileFormat& f) { return f.name == format.name; });
  if (it != formats_.end())
    *it = std::move(format);
  else
    formats_.push_back(std::move(format));
}

const FileFormat* FormatRegistry::for_reading(const std::filesystem::path& path) const {
  for (const auto& f : formats_)
    if (f.read && f.sniff && f.sniff(path)) return &f;
  return nullptr;
}

const FileFormat* FormatRegistry::for_writing(const std::filesystem::path& path) const {
  const std::string name = lower(path.filename().string());
  const FileFormat* best = nullptr;
  std::size_t best_len = 0;
  for (const auto& f : formats_) {
    if (!f.write) continue;
    for (const auto& ext : f.extensions)
      if (name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0 && ext.size() > best_len) {
        best = &f;
        best_len = ext.size();
      }
  }
  return best;
}

}  // namespace ebsd::io

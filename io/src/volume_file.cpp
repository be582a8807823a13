#include "ebsd/io/volume_file.hpp"

#include <system_error>

#include "ebsd/core/error.hpp"
#include "ebsd/io/format_registry.hpp"

namespace ebsd::io {

std::string detect_format(const std::filesystem::path& path) {
  const FileFormat* f = FormatRegistry::instance().for_reading(path);
  return f ? f->name : std::string();
}

ReadResult read_volume_with_report(const std::filesystem::path& path, Progress& progress) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error("no such file", path.string());
  if (std::filesystem::is_directory(path, ec)) throw Error("is a folder, expected a file", path.string());
  const FileFormat* f = FormatRegistry::instance().for_reading(path);
  if (!f) {
    std::string known;
    for (const auto& fmt : FormatRegistry::instance().formats())
      if (fmt.read) known += (known.empty() ? "" : ", ") + fmt.name;
    throw Error("unrecognised file format (readable: " + known + ")", path.string());
  }
  return f->read(path, progress);
}

Volume read_volume(const std::filesystem::path& path, Progress& progress) {
  return read_volume_with_report(path, progress).volume;
}

void write_volume(const std::filesystem::path& path, const Volume& volume, Progress& progress) {
  const FileFormat* f = FormatRegistry::instance().for_writing(path);
  if (!f) {
    std::string known;
    for (const auto& fmt : FormatRegistry::instance().formats())
      if (fmt.write)
        for (const auto& e : fmt.extensions) known += (known.empty() ? "" : ", ") + e;
    throw Error("cannot tell the output format from the extension (writable: " + known + ")", path.string());
  }
  f->write(path, volume, progress);
}

}  // namespace ebsd::io

#include "ebsd/io/volume_file.hpp"

#include <algorithm>
#include <system_error>

#include "ebsd/core/error.hpp"
#include "ebsd/io/format_registry.hpp"

namespace ebsd::io {

std::string detect_format(const std::filesystem::path& path) {
  const FileFormat* f = FormatRegistry::instance().for_reading(path);
  return f ? f->name : std::string();
}

namespace {

void check_options_apply(const FileFormat& f, const ReadOptions& options, const std::filesystem::path& path) {
  const auto honours = [&](const char* name) {
    return std::find(f.read_options.begin(), f.read_options.end(), name) != f.read_options.end();
  };
  if (!options.scan.empty() && !honours(kReadOptionScan))
    throw Error("a scan was chosen ('" + options.scan + "') but a " + f.name +
                    " file holds one map; scan selection applies to EDAX .h5 and .h5oina files",
                path.string());
  if (options.hexagonal_to_tsl_alignment && !honours(kReadOptionHexagonalAlignment))
    throw Error("the hexagonal TSL alignment was asked for, but it applies to Oxford data (.ctf, HKL H5EBSD, "
                ".h5oina), not to a " + f.name + " file",
                path.string());
}

}  // namespace

ReadResult read_volume_with_report(const std::filesystem::path& path, Progress& progress) {
  return read_volume_with_report(path, ReadOptions{}, progress);
}

ReadResult read_volume_with_report(const std::filesystem::path& path, const ReadOptions& options, Progress& progress) {
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
  check_options_apply(*f, options, path);
  return f->read(path, options, progress);
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

#pragma once
// The formats EBSD Studio reads and writes, in one registry. Reading picks the format by
// content (magic bytes, header keys), never by extension alone; writing picks it by extension.
// Plugins add formats here through the SDK (issue 4).
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "ebsd/core/progress.hpp"
#include "ebsd/io/import_report.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::io {

struct ReadResult {
  Volume volume;
  ImportReport report;
};

// What a user may ask of a reader beyond the path. Each format lists the options it honours
// (FileFormat::read_options); read_volume refuses an option the file's format does not know
// rather than ignoring it, so `--scan` on a single-map .ang is an error, not a silent no-op.
struct ReadOptions {
  // HDF5 files that can hold several scans: the scan (EDAX .h5) or slice group (.h5oina) to read.
  // Empty: the reader's default (the first scan; AZtec's "1").
  std::string scan;
  // Oxford data (HKL .ctf, HKL H5EBSD stacks, .h5oina): HKL puts crystal X along a for hexagonal
  // and trigonal phases, TSL along a* (30 deg about c). true: phi2 + 30 deg on those phases, as
  // DREAM.3D's "hexagonal alignment" does, recorded in the import report; false: kept as written.
  bool hexagonal_to_tsl_alignment = false;

  bool operator==(const ReadOptions&) const = default;
};

// Option names for FileFormat::read_options, as the CLI and the read step spell them.
inline constexpr const char* kReadOptionScan = "scan";
inline constexpr const char* kReadOptionHexagonalAlignment = "hexagonal_to_tsl_alignment";

struct FileFormat {
  std::string name;                     // "ang", "ctf", "ebsd.h5", "dream3d", ...
  std::string description;              // one line for `ebsd formats` and file dialogs
  std::vector<std::string> extensions;  // lower case, with the dot: ".ang", ".ebsd.h5"
  // Content test; must not throw and must read little (the first KB, an HDF5 attribute).
  std::function<bool(const std::filesystem::path&)> sniff;
  std::function<ReadResult(const std::filesystem::path&, const ReadOptions&, Progress&)> read;  // empty: write-only
  std::function<void(const std::filesystem::path&, const Volume&, Progress&)> write;  // empty: read-only
  std::vector<std::string> read_options;  // the ReadOptions this reader honours (kReadOption...)
};

class FormatRegistry {
public:
  // The process-wide registry with the built-in formats registered.
  static FormatRegistry& instance();

  // Adds a format; a later format with the same name replaces the earlier one.
  void add(FileFormat format);
  const std::vector<FileFormat>& formats() const { return formats_; }

  // The readable format whose sniff accepts the file, or nullptr.
  const FileFormat* for_reading(const std::filesystem::path& path) const;
  // The writable format whose extension matches (longest match wins: ".ebsd.h5" over ".h5").
  const FileFormat* for_writing(const std::filesystem::path& path) const;

private:
  std::vector<FileFormat> formats_;
};

// Registers the formats built into io (called once by FormatRegistry::instance()).
void register_builtin_formats(FormatRegistry& registry);

}  // namespace ebsd::io

#pragma once
// Opening and saving a volume by path: the entry point the CLI and the GUI use, over the
// FormatRegistry (content sniffing for reading, extension for writing).
#include <filesystem>
#include <string>

#include "ebsd/core/progress.hpp"
#include "ebsd/io/format_registry.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::io {

// The format name read_volume would use ("ebsd.h5", "ang", "ctf", ...), or "" when none.
std::string detect_format(const std::filesystem::path& path);

// Throws ebsd::Error naming the file: missing file, unknown format, or the reader's own error.
Volume read_volume(const std::filesystem::path& path, Progress& progress = Progress::none());
// The same with the reader's ImportReport (units, grid, frames, warnings).
ReadResult read_volume_with_report(const std::filesystem::path& path, Progress& progress = Progress::none());
// With reader options; an option the file's format does not honour is an ebsd::Error naming the
// file, its format and the option.
ReadResult read_volume_with_report(const std::filesystem::path& path, const ReadOptions& options,
                                   Progress& progress = Progress::none());

// Writes atomically; the format follows the extension. Throws ebsd::Error.
void write_volume(const std::filesystem::path& path, const Volume& volume, Progress& progress = Progress::none());

}  // namespace ebsd::io

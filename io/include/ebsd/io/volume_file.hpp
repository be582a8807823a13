#pragma once
// Opening and saving a volume by path: the one entry point the CLI and the GUI use. The format
// is chosen by content (magic bytes, header keys) for reading and by extension for writing.
#include <filesystem>
#include <string>

#include "ebsd/volume/volume.hpp"

namespace ebsd::io {

// The format name read_volume would use ("ebsd.h5", "ang", "ctf"), or "" when none recognises it.
std::string detect_format(const std::filesystem::path& path);

// Throws ebsd::Error naming the file: missing file, unknown format, or the reader's own error.
Volume read_volume(const std::filesystem::path& path);

// Writes atomically; the format follows the extension (".ebsd.h5"). Throws ebsd::Error.
void write_volume(const std::filesystem::path& path, const Volume& volume);

}  // namespace ebsd::io

#pragma once
// PNG output through libpng (Debian's libpng-dev): slice images and colour keys.
#include <filesystem>

#include "ebsd/core/image.hpp"

namespace ebsd::io {

// Writes an 8-bit RGB PNG atomically (to a temporary file beside `path`, then renamed), so an
// existing good file is never left half-overwritten. Throws ebsd::Error naming the file.
void write_png(const std::filesystem::path& path, const RgbImage& image);

// Reads an 8-bit RGB or grayscale PNG (grayscale is expanded to RGB). Throws ebsd::Error.
RgbImage read_png(const std::filesystem::path& path);

}  // namespace ebsd::io

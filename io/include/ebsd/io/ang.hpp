#pragma once
// TSL/EDAX .ang text files (FORMATS.md F.1): Bunge Euler angles in radians, x/y in um,
// IQ, CI, phase and optional extra columns; square or hexagonal grids.
#include <filesystem>

#include "ebsd/io/import_report.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::io {

struct AngReadOptions {
  // Volumes are square grids: a hexagonal scan is resampled onto a square grid with the same
  // x step (nearest hexagonal point, as DREAM.3D's ConvertHexGridToSquareGrid does) and the
  // original grid is recorded in the report. With false, a hexagonal file is an error.
  bool hex_to_square = true;
};

struct AngReadResult {
  Volume volume;  // nz = 1; channels "sem_signal", "fit" (deg) and any further columns
  ImportReport report;
};

// Throws ebsd::Error naming the file, the line and what was expected.
AngReadResult read_ang(const std::filesystem::path& path, const AngReadOptions& options = {});

// True when the first bytes look like an .ang header ('#' lines with TSL keys).
bool looks_like_ang(const std::filesystem::path& path);

}  // namespace ebsd::io

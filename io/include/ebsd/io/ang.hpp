#pragma once
// TSL/EDAX .ang text files (FORMATS.md F.1): Bunge Euler angles in radians, x/y in um,
// IQ, CI, phase and optional extra columns; square or hexagonal grids.
#include <cstdint>
#include <filesystem>
#include <vector>

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

// Writes slice z of the volume as a TSL .ang file (SqrGrid, radians), atomically: phases with
// TSL Symmetry codes and lattice constants, XSTEP/YSTEP, NCOLS/NROWS, then one row per point,
// x fastest. Columns phi1 Phi phi2 x y IQ CI phase [SEM Fit and further channels].
// A volume read from an .ang file is written with that file's columns and decimals (recorded
// by read_ang), which gives back every value of the file. Otherwise TSL's layout; invalid
// voxels are written as TSL writes unindexed points: Euler angles 4 pi (12.56637), their CI,
// phase 0. Throws ebsd::Error (z out of range, an unwritable path).
void write_ang(const std::filesystem::path& path, const Volume& volume, std::int64_t z = 0);

// A 2D volume: write_ang(path). A 3D volume: one file per slice, <stem>_<z>.ang with z from 0,
// zero-padded (scan_000.ang, scan_001.ang ...). Returns the files written, in slice order.
std::vector<std::filesystem::path> write_ang_slices(const std::filesystem::path& path, const Volume& volume);

}  // namespace ebsd::io

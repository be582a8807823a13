#pragma once
// EDAX OIM Analysis HDF5 files (.h5, .oh5; the EDAX flavour of "h5ebsd", Jackson et al. 2014):
// /<Scan>/EBSD/Data/{Phi1, Phi, Phi2, X Position, Y Position, IQ, CI, Phase, Fit, SEM Signal}
// and /<Scan>/EBSD/Header/{Grid Type, Step X, Step Y, nColumns, nRows, Phase/<n>/...}, with
// the same conventions as .ang (FORMATS.md F.1): Bunge Euler angles in radians, lengths in um.
#include <filesystem>
#include <string>
#include <vector>

#include "ebsd/core/progress.hpp"
#include "ebsd/io/format_registry.hpp"

namespace ebsd::io {

struct EdaxH5ReadOptions {
  // The scan group to read; empty: the first (in name order) and the report names the others.
  std::string scan_name;
  // As AngReadOptions: a hexagonal scan is resampled onto a square grid with the same x step
  // and the report records it; with false, a hexagonal scan is an error.
  bool hex_to_square = true;
};

// One scan as a volume with nz = 1. CI and IQ as stored; unindexed points (CI < 0 or Euler =
// 4 pi) invalid; phase 0 in a one-phase file means phase 1 (as in .ang); channels "sem_signal"
// and "fit" (deg) when present. Recommended frames: TSL's 180 deg about <010> (sample) and
// 90 deg about <001> (crystal), never applied. Throws ebsd::Error naming the file and dataset.
ReadResult read_edax_h5(const std::filesystem::path& path, const EdaxH5ReadOptions& options = {},
                        Progress& progress = Progress::none());

// The names of the scan groups (those holding EBSD/Data and EBSD/Header), in name order.
std::vector<std::string> edax_h5_scan_names(const std::filesystem::path& path);

// HDF5 whose root Manufacturer (OIM writes " Manufacturer", with a leading space) names EDAX,
// or, without one, a scan group with EBSD/Header/nColumns and EBSD/Data.
bool looks_like_edax_h5(const std::filesystem::path& path);

}  // namespace ebsd::io

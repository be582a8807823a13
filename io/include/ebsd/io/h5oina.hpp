#pragma once
// Oxford Instruments AZtec HDF5 files (.h5oina, format versions 2.0 to 5.0; later versions keep
// the EBSD layout and read with a warning): /<slice>/EBSD/Data/{Euler (n x 3, radians), Phase,
// X, Y, Band Contrast, Band Slope, Bands, Error, Mean Angular Deviation (radians)} and
// /<slice>/EBSD/Header/{X Cells, Y Cells, X Step, Y Step, Phases/<n>/...} (oinanoanalysis/h5oina
// H5OINAFile.md; FORMATS.md F.3 note).
#include <filesystem>
#include <string>

#include "ebsd/core/progress.hpp"
#include "ebsd/io/format_registry.hpp"

namespace ebsd::io {

struct H5oinaReadOptions {
  // The slice group to read; empty: "1" (AZtec writes one acquisition per file), else the first.
  std::string slice;
  // As CtfReadOptions: HKL/AZtec puts crystal X along a for hexagonal and trigonal phases, TSL
  // along a*. false: kept as written and the report says so; true: phi2 + 30 deg on them.
  bool hexagonal_to_tsl_alignment = false;
};

// One map as a volume with nz = 1, x fastest in file order, origin at the first point's X/Y.
// Oxford records no confidence index: CI = 1 for indexed points (phase > 0 and Error Success or
// Replaced) and 0 otherwise; band contrast is the IQ; channels "mad" (converted to deg),
// "band_slope", "bands", "error" when present. Pixels outside an irregular acquisition area
// (NaN angles with phase 0) are invalid. Lattice angles in radians (as the specification
// says) or degrees (as some versions wrote) are told apart by range and stored in degrees.
// Recommended frames: sample 180 deg about <010>, no crystal rotation; never applied.
ReadResult read_h5oina(const std::filesystem::path& path, const H5oinaReadOptions& options = {},
                       Progress& progress = Progress::none());

// HDF5 with a root "Format Version" dataset and a slice group (or an Oxford Manufacturer).
bool looks_like_h5oina(const std::filesystem::path& path);

}  // namespace ebsd::io

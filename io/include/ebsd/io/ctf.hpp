#pragma once
// Oxford HKL .ctf text files (FORMATS.md F.2): tab separated, Euler angles in degrees (2D),
// Laue group numbers 1..11, decimal commas in European-locale exports, optional Z for 3D.
#include <filesystem>

#include "ebsd/io/import_report.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::io {

struct CtfReadOptions {
  // HKL software puts the crystal X axis along a for hexagonal and trigonal phases, TSL along
  // a* (30 deg apart about c; DREAM.3D's "EDAX hexagonal alignment" adds 30 deg to phi2).
  // false (default): angles are kept as written and the report says so; true: phi2 += 30 deg
  // for hexagonal and trigonal phases, as DREAM.3D does, and the report records it.
  bool hexagonal_to_tsl_alignment = false;
};

struct CtfReadResult {
  Volume volume;  // channels "mad" (deg), "bands", "error", "bs" and any further columns
  ImportReport report;
};

// Oxford systems record no confidence index: the volume's CI is 1 for indexed points (phase > 0
// and Error == 0) and 0 otherwise; band contrast (BC) is the image quality.
CtfReadResult read_ctf(const std::filesystem::path& path, const CtfReadOptions& options = {});

// True when the file starts with "Channel Text File".
bool looks_like_ctf(const std::filesystem::path& path);

}  // namespace ebsd::io

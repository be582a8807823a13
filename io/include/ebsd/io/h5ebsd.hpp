#pragma once
// DREAM.3D H5EBSD archival stacks (FORMATS.md F.3): one HDF5 file holding the 2D scans of a
// serial-sectioning experiment, one group per slice, in the TSL (.ang) or HKL (.ctf) flavour.
// The reader returns the whole stack as one 3D volume in a single step.
#include <filesystem>

#include "ebsd/core/progress.hpp"
#include "ebsd/io/format_registry.hpp"

namespace ebsd::io {

struct H5EbsdReadOptions {
  // HKL stacks only, as read_ctf: HKL puts crystal X along a for hexagonal and trigonal phases,
  // TSL along a* (30 deg about c). false: angles kept as written, the report says so; true:
  // phi2 + 30 deg on those phases, recorded in the report.
  bool hexagonal_to_tsl_alignment = false;
};

// The stack as one volume: nx x ny = Max X Points x Max Y Points, nz = ZEndIndex - ZStartIndex
// + 1, spacing = X/Y/Z Resolution, origin 0 (DREAM.3D's convention), z = 0 at ZStartIndex
// ("Stacking Order" 0, low to high) or at ZEndIndex (1, high to low).
// TSL stacks: radians; CI and IQ as stored; channels "sem_signal" and "fit" (deg) when present;
// unindexed points (CI < 0 or Euler = 4 pi) invalid. HKL stacks: degrees (radians in stacks
// from 3D .ctf files, decided by range and recorded); CI = 1 for indexed points (phase > 0 and
// Error 0) and 0 otherwise; band contrast as IQ; channels "mad" (deg), "bands", "error", "bs".
// The report's recommended rotations are the stack's own Sample/EulerTransformation entries
// (the vendor defaults when absent); they are never applied.
// Throws ebsd::Error naming the file and the dataset: a missing slice or dataset, a slice whose
// grid or step differs from the stack's, wrong array lengths, NaN angles, unknown phases.
ReadResult read_h5ebsd(const std::filesystem::path& path, const H5EbsdReadOptions& options = {},
                       Progress& progress = Progress::none());

// HDF5 with a root FileVersion attribute and the root datasets Manufacturer and Max X Points.
bool looks_like_h5ebsd(const std::filesystem::path& path);

}  // namespace ebsd::io

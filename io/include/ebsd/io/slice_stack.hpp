#pragma once
// A 3D volume from a series of 2D slice files (one EBSD map per serial section), in one step:
// `ebsd convert 'S*.ANG' --z-step 0.12 -o out.ebsd.h5`. Slices are ordered naturally (S2 before
// S10, as the microscope numbered them, not as a shell sorts), every slice must lie on the grid
// of the first, and what each reader reported is kept.
#include <filesystem>
#include <string>
#include <vector>

#include "ebsd/core/progress.hpp"
#include "ebsd/io/format_registry.hpp"
#include "ebsd/io/import_report.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::io {

// Natural order of two strings: runs of digits compare by their numeric value ("S2" < "S10",
// "s007" == value 7), everything else character by character. Ties in value (e.g. "S7" and
// "S007") fall back to plain string order so that the order is total and deterministic.
bool natural_less(const std::string& a, const std::string& b);

// Sorts paths by natural order of their file names, then (for equal names) of the full paths.
void sort_naturally(std::vector<std::filesystem::path>& paths);

// True when text holds a glob(3) wildcard: '*', '?' or '['.
bool has_glob_wildcards(const std::string& text);

// The regular files matching a glob(3) pattern, naturally sorted. Throws ebsd::Error naming
// the pattern when nothing matches or glob fails.
std::vector<std::filesystem::path> expand_glob(const std::string& pattern);

// Each input that is not an existing file but holds wildcards is expanded (the shell left it
// quoted); other inputs are kept as given (a missing file is reported by the reader). The
// result is in natural order unless keep_order, in which case expansions stay in place.
std::vector<std::filesystem::path> expand_inputs(const std::vector<std::string>& inputs, bool keep_order = false);

struct SliceStackOptions {
  // Distance between consecutive slices, in the slices' length unit (um for .ang/.ctf); must be
  // finite and > 0: the files do not know it, and guessing it would hide a wrong geometry.
  double z_step = 0.0;
  // Slices must share the in-plane step within this relative difference.
  double spacing_tolerance = 1e-3;
  // Passed to each slice's reader (scan choice, hexagonal alignment).
  ReadOptions read = {};
};

struct SliceStackResult {
  Volume volume;                                // nz = number of files
  std::vector<std::filesystem::path> files;     // in z order (z = index)
  std::vector<ImportReport> reports;            // one per file, what its reader found
  // Every reader warning and every stacking remark, each prefixed with its file name.
  std::vector<std::string> warnings;
};

// Reads the files with read_volume_with_report in the order given (z = position) and stacks
// them. Each must be a single slice (nz = 1) with the first slice's nx, ny, in-plane spacing
// (within the tolerance), length unit and phase list (same count and Laue group per phase id;
// other phase differences are warnings). A slice whose origin differs from the first one's is
// stacked on the first one's grid and a warning says so. Named channels are the union over the
// slices; a slice without one gets NaN there (and a warning). Per-slice grain ids are dropped
// (a 2D segmentation does not carry into 3D); missing and damaged slice marks move to their z.
// One provenance record "stack-slices" lists the files, their formats and warnings, the options
// and the first slice's import report (units, frames).
// Throws ebsd::Error naming the offending file, ebsd::Cancelled when progress asks for it.
SliceStackResult read_slice_stack(const std::vector<std::filesystem::path>& files, const SliceStackOptions& options,
                                  Progress& progress = Progress::none());

}  // namespace ebsd::io

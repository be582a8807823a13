#pragma once
// Alignment of serial sections by misorientation, in the manner of DREAM.3D's
// AlignSectionsMisorientation: slices of a serial-sectioning stack drift against each other in
// x and y (stage repositioning between cuts), and the drift shows as grains that jump between
// consecutive slices. For each pair of consecutive slices the integer in-plane shift is chosen
// that minimises the fraction of overlapping valid voxel pairs whose symmetry-aware
// disorientation exceeds a tolerance; the shifts are accumulated from the first slice and
// applied.
//
// Sign convention (used throughout, reported to users): the shift (dx, dy) of slice z moves its
// content by +dx voxels along x and +dy along y, i.e. aligned(x + dx, y + dy, z) =
// original(x, y, z). The first slice that holds valid voxels keeps (0, 0). A slice whose content
// was displaced by (+2, -1) against the first slice therefore gets the shift (-2, +1).
#include <cstdint>
#include <numbers>
#include <string>
#include <vector>

#include "ebsd/core/progress.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::analysis {

enum class ShiftSearch {
  // From (0, 0), move to the best of the 8 neighbouring shifts while that improves the misfit
  // (DREAM.3D's iterative search). Fast; assumes the misfit falls towards the true shift.
  Descent,
  // Every shift with |dx|, |dy| <= max_shift. (2 max_shift + 1)^2 comparisons per slice pair.
  Exhaustive,
};

struct AlignSectionsOptions {
  // Voxel pairs further apart than this disorientation (radians) count as misfits; DOMAIN.md:
  // the grain tolerance users expect is 5 deg.
  double tolerance_rad = 5.0 * std::numbers::pi / 180.0;
  // Largest shift between two consecutive slices, voxels, in x and in y.
  std::int64_t max_shift = 10;
  ShiftSearch search = ShiftSearch::Descent;
  // A candidate shift is considered only when the overlapping valid pairs number at least this
  // fraction of the valid voxels of the sparser slice of the pair: a shift that leaves a sliver
  // of overlap could otherwise win by chance.
  double min_overlap_fraction = 0.25;
};

struct SliceShift {
  std::int64_t z = 0;
  // Shift applied to this slice, relative to the first slice (the sign convention above).
  std::int64_t dx = 0, dy = 0;
  // The shift found against the previous compared slice (dx, dy = previous + relative).
  std::int64_t relative_dx = 0, relative_dy = 0;
  // Fraction of compared voxel pairs above the tolerance at the chosen shift, and their number
  // (0 for the first slice and for skipped ones).
  double misfit = 0.0;
  std::int64_t compared = 0;
  // "reference" (the first slice with data), "aligned", "skipped-missing" (a missing slice:
  // not compared, it takes the shift of the slice before it), "skipped-empty" (no valid voxel),
  // "no-overlap" (no candidate shift had enough overlap: relative shift 0).
  std::string status;
};

struct AlignSectionsResult {
  std::vector<SliceShift> slices;  // one per z slice, in z order
};

// Checks the options (preflight): throws ebsd::Error naming the option for a tolerance that is
// not finite and in (0, pi], a negative max_shift, or an overlap fraction outside (0, 1].
void validate(const AlignSectionsOptions& options);

// Finds the shifts without changing the volume. Missing slices (Volume::missing_slices) and
// slices without a valid voxel are skipped: the next slice with data is compared with the last
// one that had data, so alignment bridges the gap. Throws ebsd::Error for invalid options,
// ebsd::Cancelled when progress asks for it.
AlignSectionsResult find_section_shifts(const Volume& volume, const AlignSectionsOptions& options = {},
                                        Progress& progress = Progress::none());

// Moves every slice by its shift. Voxels moved outside the grid are dropped; voxels left
// uncovered become invalid (phase 0, identity orientation, CI 0, IQ 0) and their named channels
// NaN. Grain ids, which the shift makes stale across slices, are cleared. Throws ebsd::Error
// when `shifts` does not hold one entry per slice in z order.
void apply_section_shifts(Volume& volume, const std::vector<SliceShift>& shifts);

// find_section_shifts, then apply_section_shifts, then one provenance record "align-sections"
// listing the options and every slice's shift.
AlignSectionsResult align_sections(Volume& volume, const AlignSectionsOptions& options = {},
                                   Progress& progress = Progress::none());

}  // namespace ebsd::analysis

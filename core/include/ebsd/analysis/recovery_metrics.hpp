#pragma once
// How close a recovered (test) volume is to the truth over chosen slices: the metrics every
// slice-recovery and inpainting method is judged by (`ebsd eval`, step "evaluate").
//
// Orientation error: symmetry-aware disorientation (ebsd::disorientation_angle with the truth
// voxel's Laue group) between truth and test, over the voxels that are valid in the truth.
// A voxel that the test leaves invalid, or gives another phase, has no defined error: it is
// left out of the mean and median and counts as outside 2 and 5 deg (it is reported as
// `unrecovered`).
//
// Grain accuracy, after Dong et al. 2023 (METHODS.md section 6(c)): voxel accuracy is the
// fraction of the truth's valid voxels of the slices whose test grain id equals the truth grain
// id; boundary accuracy is the same restricted to the truth's grain-boundary voxels (a face
// neighbour in 3D with another truth id, as DREAM.3D's BoundaryCells). Grain ids need not be
// numbered alike: each test id is matched to the truth id it overlaps most (majority overlap
// over the whole volume, outside the evaluated slices first, so the slices under test do not
// vote for their own labels; ties go to the smaller truth id).
#include <cstdint>
#include <span>
#include <vector>
#include <nlohmann/json.hpp>
#include "ebsd/volume/volume.hpp"

namespace ebsd::analysis {

struct OrientationError {
  std::int64_t voxels = 0;        // truth-valid voxels compared
  std::int64_t unrecovered = 0;   // of those, test invalid or of another phase
  double mean_deg = 0.0, median_deg = 0.0;
  double within_2deg = 0.0, within_5deg = 0.0;  // fractions of `voxels`
};

struct GrainAccuracy {
  std::int64_t voxels = 0, boundary_voxels = 0;
  double voxel_accuracy = 0.0, boundary_accuracy = 0.0;
};

struct RecoveryMetrics {
  std::vector<std::int64_t> slices;
  OrientationError orientation;
  GrainAccuracy grains;
  nlohmann::json to_json() const;
};

// Slices empty: every slice. Throws ebsd::Error when the dims differ or a slice is out of range.
OrientationError orientation_error(const Volume& truth, const Volume& test, std::span<const std::int64_t> slices);

// truth_ids/test_ids: one per voxel of `geometry`. Ids 0 mean "no grain" (never a match).
GrainAccuracy grain_accuracy(const Volume& geometry, std::span<const std::int32_t> truth_ids,
                             std::span<const std::int32_t> test_ids, std::span<const std::int64_t> slices);

// Test grain ids mapped to truth ids by majority overlap (see above); slices are voted last.
std::vector<std::int32_t> match_grain_ids(std::span<const std::int32_t> truth_ids, std::span<const std::int32_t> test_ids,
                                          const Volume& geometry, std::span<const std::int64_t> slices);

// Both metrics. Grain ids come from each volume when present, else from a 5 deg segmentation.
RecoveryMetrics evaluate_recovery(const Volume& truth, const Volume& test, std::span<const std::int64_t> slices);

}  // namespace ebsd::analysis

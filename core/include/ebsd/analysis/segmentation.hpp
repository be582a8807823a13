#pragma once
// 3D grain segmentation by misorientation, and what is measured on its result: per-grain
// statistics, a summary, and a boundary map.
//
// A grain is a maximal set of valid voxels connected through face neighbours (6-connectivity)
// of the same phase whose symmetry-aware disorientation (ebsd::disorientation_angle with the
// phase's Laue group) is below the threshold. Like DREAM.3D's EBSDSegmentFeatures, the test is
// between neighbours, not against the grain's mean, so a gradual orientation gradient stays
// one grain.
#include <array>
#include <cstdint>
#include <numbers>
#include <span>
#include <string>
#include <vector>

#include "ebsd/core/progress.hpp"
#include "ebsd/orientation/quaternion.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::analysis {

struct SegmentationOptions {
  // Neighbours closer than this disorientation (radians) join; DOMAIN.md: users expect 5 deg.
  double threshold_rad = 5.0 * std::numbers::pi / 180.0;
  // Grains with fewer voxels are dropped (their voxels get id 0); 1 keeps every grain.
  std::int64_t min_grain_voxels = 1;
};

struct SegmentationResult {
  // One per voxel (the volume's layout): 1..grain_count in order of each grain's first voxel
  // (x fastest, then y, then z); 0 for voxels in no grain: invalid voxels, voxels whose phase
  // id names no phase, and voxels of dropped small grains.
  std::vector<std::int32_t> grain_ids;
  std::int32_t grain_count = 0;
};

// Throws ebsd::Error for a threshold that is not finite and > 0, a minimum size < 1, or more
// grains than int32 ids can number; ebsd::Cancelled when progress asks for it.
SegmentationResult segment_grains(const Volume& volume, const SegmentationOptions& options = {},
                                  Progress& progress = Progress::none());

// --- statistics ---

enum class DiameterKind {
  Sphere,  // 3D volume: diameter of the sphere of the grain's volume, (6 V / pi)^(1/3)
  Circle,  // single-slice volume (nz == 1): diameter of the circle of its area, 2 (A / pi)^(1/2)
};

struct GrainStatistics {
  std::int32_t id = 0;
  std::int32_t phase_id = 0;        // the phase of the grain's first voxel
  std::int64_t voxel_count = 0;
  double volume = 0.0;              // voxel_count * sx * sy * sz, in length_unit^3
  double equivalent_diameter = 0.0; // in length_unit, of the kind below
  DiameterKind diameter_kind = DiameterKind::Sphere;
  // Mean voxel centre in sample coordinates (origin + index * spacing), in length_unit.
  std::array<double, 3> centroid{};
  Index3 bbox_min{}, bbox_max{};    // voxel indices, inclusive
  // Symmetry-aware mean (ebsd::mean_orientation with the phase's Laue group; no symmetry when
  // the phase id names no phase).
  Quat mean_orientation;
  // The grain reaches a face of the volume; only axes longer than one voxel have faces here
  // (every grain of a single slice spans z). Such grains are cut and their sizes underestimated.
  bool touches_border = false;
};

// Statistics of every grain id > 0 present in `ids` (one per voxel), in increasing id order.
// Throws ebsd::Error when ids has the wrong size, holds negative ids, or ids above the voxel
// count (ids are expected to be numbered from 1, as segment_grains does).
std::vector<GrainStatistics> grain_statistics(const Volume& volume, std::span<const std::int32_t> ids,
                                              Progress& progress = Progress::none());

struct GrainSummary {
  std::int32_t grain_count = 0;
  std::string diameter_kind = "none";  // "sphere", "circle", or "none" when there are no grains
  double mean_diameter = 0.0, median_diameter = 0.0, min_diameter = 0.0, max_diameter = 0.0;
  double mean_voxels = 0.0;            // mean voxels per grain
};

// Zeros (and kind "none") for an empty list; the median of an even count is the mean of the
// middle two.
GrainSummary summarize(std::span<const GrainStatistics> grains);

// --- boundaries ---

// One per voxel: 1 where at least one face neighbour inside the volume has another id, else 0.
// Throws ebsd::Error when ids has the wrong size.
std::vector<std::uint8_t> grain_boundary_mask(const Volume& volume, std::span<const std::int32_t> ids);

}  // namespace ebsd::analysis

#pragma once
// Kernel average misorientation (KAM): for every voxel, the mean disorientation angle to the
// neighbours of its kernel, counting only neighbours that are indexed, of the same phase and
// within a threshold (above it the neighbour is taken to lie across a grain boundary, not to
// measure local lattice curvature). This is the definition of MTEX's EBSD.KAM (first order,
// 'threshold') and DREAM.3D's Find Kernel Average Misorientations (kernel radius 1, where the
// same-grain rule replaces the threshold; here both may be combined).
//
// The algorithm sees plain arrays and a disorientation function, so it is testable without a
// host; kam_plugin.cpp is the glue to the SDK.
#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace ebsd_kam {

struct KamGrid {
  std::array<std::int64_t, 3> dims{0, 0, 0};  // x fastest
  std::span<const float> orientations;       // 4 per voxel: w, x, y, z
  std::span<const std::int32_t> phase_ids;
  std::span<const std::uint8_t> valid;
  std::span<const std::int32_t> grain_ids;   // empty unless same_grain_only
  std::vector<int> laue_of_phase;            // by phase id; < 0: not an indexed phase
};

enum class Kernel {
  Faces,  // face-sharing neighbours: 4 in the slice plane, 6 in 3D (MTEX order 1)
  Full,   // every voxel one step away along each axis: 8 in the plane, 26 in 3D (DREAM.3D radius 1)
};

struct KamOptions {
  double threshold_rad = 5.0 * 3.14159265358979323846 / 180.0;  // neighbours above it are ignored
  bool in_plane = false;         // only neighbours in the same z slice (2D KAM per section)
  Kernel kernel = Kernel::Faces;
  bool same_grain_only = false;  // neighbours of other grains are ignored (needs grain ids)
};

// Disorientation angle in radians of two float quaternions of one Laue group.
using DisorientationFn = std::function<double(const float* a, const float* b, int laue)>;
// Called after each z slice with the fraction done; returns false to stop (cancellation).
using SliceDoneFn = std::function<bool(double fraction)>;

// KAM in radians per voxel. NaN where the voxel is not indexed (invalid or without a phase)
// and where no neighbour counts, since a mean over nothing is not zero misorientation.
// Returns an empty vector when slice_done asked to stop.
std::vector<float> kernel_average_misorientation(const KamGrid& grid, const KamOptions& options,
                                                 const DisorientationFn& disorientation, const SliceDoneFn& slice_done);

}  // namespace ebsd_kam

#pragma once
// Grains as the cells of a Laguerre (power) tessellation: voxel p belongs to the seed i that
// minimises |p - s_i|^2 - w_i. Unlike a plain Voronoi tessellation, whose cell volumes are
// narrowly distributed, the weights let cell sizes follow a chosen distribution: weights and
// sites are fitted together (sites drawn uniformly, then moved to their cell centroids) so
// that the cell volumes match log-normal targets (ln of the equivalent sphere diameter normal
// with standard deviation size_sigma, as in DREAM.3D). Boundaries are
// roughened by displacing the point at which the power distance is evaluated with smooth noise
// (a small, smooth deformation of the whole tessellation, so cells stay in one piece almost
// everywhere; feature_connectivity.hpp repairs the rest).
#include <array>
#include <cstdint>
#include <vector>

#include "ebsd/core/progress.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::synth {

struct TessellationParams {
  Index3 dims{1, 1, 1};
  std::array<double, 3> spacing{1.0, 1.0, 1.0};
  int cells = 1;
  double size_sigma = 0.4;
  std::array<double, 3> aspect{1.0, 1.0, 1.0};
  double roughness = 0.1;  // boundary displacement amplitude / mean cell diameter
  std::uint64_t seed = 0;
  int fit_iterations = 24;  // at most; stops when the volumes fit
};

// Labels 1..cells, one per voxel (x fastest). Cells may still be empty or in pieces.
// Progress is reported over [p0, p1].
std::vector<std::int32_t> laguerre_tessellation(const TessellationParams& p, Progress& progress, double p0 = 0.0,
                                                double p1 = 1.0);

}  // namespace ebsd::synth

#pragma once
// Grain-boundary agreement of a reconstructed slice with the truth (METHODS.md section 3(c)).
// A pixel is a boundary pixel when its right or lower neighbour is valid, of the same phase and
// more than `threshold` (default 5 deg, the grain tolerance) disoriented from it, or of another
// phase. Precision: the fraction of test boundary pixels within `tolerance` pixels (Chebyshev) of
// a truth boundary pixel; recall the other way round; F1 their harmonic mean (1 when neither
// slice has a boundary). A tolerance of one pixel is the usual allowance of boundary benchmarks.
#include <cstdint>
#include <numbers>
#include <span>
#include <vector>

#include "ebsd/volume/volume.hpp"

namespace ebsd::analysis {

std::vector<std::uint8_t> slice_boundary_map(const Volume& v, std::int64_t z,
                                             double threshold_rad = 5.0 * std::numbers::pi / 180.0);

struct BoundaryScore {
  double precision = 1.0, recall = 1.0, f1 = 1.0;
  std::int64_t truth_pixels = 0, test_pixels = 0;
};
BoundaryScore boundary_f1(std::span<const std::uint8_t> truth, std::span<const std::uint8_t> test, std::int64_t nx,
                          std::int64_t ny, int tolerance = 1);

// Mean symmetry-aware disorientation (degrees) between truth and test over the pixels of slice z
// that are valid in the truth and selected by `where` (empty = all); NaN when there are none.
double mean_slice_disorientation_deg(const Volume& truth, const Volume& test, std::int64_t z,
                                     std::span<const std::uint8_t> where = {});

}  // namespace ebsd::analysis

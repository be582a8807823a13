#pragma once
// Sparse EBSD acquisition on one z slice and the classical ways to fill the rest: the
// observation pattern of multimodal inpainting (METHODS.md section 3, step 4) and its baselines.
//
// A mask has one byte per pixel of the slice (x fastest), 1 = the EBSD pixel was measured.
//  - Random: each pixel independently with probability `fraction` (at least one pixel).
//  - Grid: every k-th pixel in x and in y, k = round(1 / sqrt(fraction)), from a seeded offset:
//    a lower-resolution scan.
// Fills write orientations and phases into the unobserved pixels of the slice and mark them
// valid; observed pixels keep theirs:
//  - nearest: the orientation of the nearest observed pixel (Euclidean distance, from a
//    two-pass propagation of nearest seeds over 8-neighbours, exact to within a pixel);
//  - interpolated: the symmetry-aware weighted mean (ebsd::mean_orientation, weights 1/d^2) of
//    the 4 nearest observed pixels of the nearest one's phase.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ebsd/volume/volume.hpp"

namespace ebsd::analysis {

enum class SamplingPattern { Random, Grid };
SamplingPattern sampling_pattern_from_name(const std::string& name);  // "random" | "grid"; throws

// Throws ebsd::Error unless 0 < fraction <= 1.
std::vector<std::uint8_t> sample_mask(std::int64_t nx, std::int64_t ny, double fraction, SamplingPattern pattern,
                                      std::uint64_t seed);

// Index (x + nx y) of the nearest observed pixel for every pixel; throws when none is observed.
std::vector<std::int64_t> nearest_observed(std::int64_t nx, std::int64_t ny, std::span<const std::uint8_t> observed);

void fill_nearest(Volume& v, std::int64_t z, std::span<const std::uint8_t> observed);
void fill_interpolated(Volume& v, std::int64_t z, std::span<const std::uint8_t> observed);

}  // namespace ebsd::analysis

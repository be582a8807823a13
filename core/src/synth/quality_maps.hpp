#pragma once
// Confidence index and image quality of a clean synthetic map (model and constants:
// QualityOptions in synth_options.hpp, real measurements in docs/synthetic-data.md).
#include <cstdint>
#include <vector>

#include "ebsd/synth/seeded_random.hpp"
#include "ebsd/synth/synth_options.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::synth {

// Fills confidence() and image_quality() from the in-plane boundary distance, and marks every
// voxel valid. `feature_count` sizes the per-grain IQ factors (labels 1..feature_count).
void fill_quality_maps(Volume& v, const std::vector<std::int32_t>& labels, std::int32_t feature_count,
                       const std::vector<std::uint8_t>& boundary_distance, const QualityOptions& q, SeededRandom& rng);

}  // namespace ebsd::synth

#pragma once
// Distance to the nearest grain boundary within each slice. The quality of an EBSD pattern
// drops near a boundary because the beam's interaction volume spans both grains at the
// section surface, so the relevant distance is the in-plane one, not the 3D one.
#include <cstdint>
#include <span>
#include <vector>

#include "ebsd/volume/volume.hpp"

namespace ebsd::synth {

// Per voxel: 0 where an in-plane (x or y) face neighbour has another label, otherwise the
// 4-connected step count to the nearest such pixel of the same slice, capped at `cap`.
std::vector<std::uint8_t> in_plane_boundary_distance(std::span<const std::int32_t> labels, const Index3& dims,
                                                     std::uint8_t cap = 8);

}  // namespace ebsd::synth

#pragma once
// IPF colours of a list of voxels, each by its phase's Laue group, through the batch
// ipf_colors (ebsd/orientation/ipf.hpp): what slice_image and the studio's slice colouring
// use, so that both give the same pixels.
#include <cstdint>
#include <span>

#include <Eigen/Core>

#include "ebsd/volume/volume.hpp"

namespace ebsd {

// Writes one RGB triple per listed voxel to rgb[3 k]: black for a voxel that is not valid or
// has no known phase (as slice_image), otherwise ipf_colors' colour along sample_direction.
void voxel_ipf_colors(const Volume& v, std::span<const std::int64_t> voxels, const Eigen::Vector3d& sample_direction,
                      std::uint8_t* rgb);

}  // namespace ebsd

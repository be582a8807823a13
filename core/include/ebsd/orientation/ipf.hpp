#pragma once
// Inverse pole figure (IPF) colouring: the crystal direction parallel to a chosen sample
// direction, reduced into the fundamental sector of the Laue group, coloured with the
// standard TSL-style key (for m-3m: [001] red, [101] green, [111] blue).
#include <Eigen/Core>
#include <array>
#include <cstddef>
#include <cstdint>

#include "ebsd/core/image.hpp"
#include "ebsd/orientation/ipf_sector.hpp"
#include "ebsd/orientation/laue_group.hpp"
#include "ebsd/orientation/quaternion.hpp"

namespace ebsd {

// The crystal direction (unit) of sample direction d under orientation q, reduced into the
// group's fundamental sector of the unit sphere (upper hemisphere, Laue symmetry).
Eigen::Vector3d ipf_direction(const Quat& q, const Eigen::Vector3d& sample_direction, LaueGroup g);

// RGB in [0, 1] for the crystal direction (already reduced or not).
Eigen::Vector3d ipf_color_of_direction(const Eigen::Vector3d& crystal_direction, LaueGroup g);

// Convenience: orientation + sample direction -> 8-bit RGB.
std::array<std::uint8_t, 3> ipf_color(const Quat& q, const Eigen::Vector3d& sample_direction, LaueGroup g);

// ipf_color for `count` orientations of one group at once, for images: quaternions in single
// precision, (w, x, y, z) at quats[4 i], RGB triples to rgb[3 i]. Computed in single precision
// several at a time (reduce_to_ipf_sector_batch, a polynomial arctangent), except near sector
// edges, where ipf_color decides; every channel is within one step of 255 of ipf_color's.
void ipf_colors(const float* quats, std::size_t count, const Eigen::Vector3d& sample_direction, LaueGroup g,
                std::uint8_t* rgb);

// The colour key of the group: the fundamental sector in stereographic projection, filled with
// the colours ipf_color_of_direction gives, on a white background, with the corner directions
// labelled where a font is available (size = image width in pixels).
RgbImage ipf_key_image(LaueGroup g, int size = 256);

// Where a crystal direction (of the upper hemisphere) lands in ipf_key_image(g, size), in pixel
// coordinates (x right, y down; pixel (i, j) covers [i, i+1) x [j, j+1)). Lets callers mark
// measured directions on the key, and tests find the corners.
Eigen::Vector2d ipf_key_pixel(LaueGroup g, int size, const Eigen::Vector3d& crystal_direction);

}  // namespace ebsd

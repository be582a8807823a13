#pragma once
// The fundamental sector of crystal directions under a Laue group (its proper rotations plus
// inversion, since EBSD cannot tell a direction from its opposite) and the corners that anchor
// the IPF colour key. Used by IPF colouring and by disorientation axes.
//
// Every sector lies in the upper hemisphere (z >= 0) and is bounded by the azimuths
// eta_min <= atan2(y, x) <= eta_max, plus z >= x (m-3m) or z >= max(x, y) (m-3). The choice follows
// the EbsdLib/DREAM.3D key (LaueOps::computeIPFColor and the per-class angle limits), which mimics
// TSL OIM; for -3 and -3m we use the copy of EbsdLib's sector rotated by +120 degrees about c
// (a symmetry operation, so every orientation gets the same colour as in EbsdLib) to keep the
// corner labels free of minus signs. Cartesian crystal frame: c along z, hexagonal/trigonal
// a1 along x, monoclinic b along y.
//
//   group  eta range     red     green      blue       note
//   -1     whole disc    [001]   [100]      [-100]     colour depends on |eta| (mirror y -> -y)
//   2/m    0..180        [001]   [100]      [-100]     half disc y >= 0 (b = y is its middle)
//   mmm    0..90         [001]   [100]      [010]
//   4/m    0..90         [001]   [100]      [010]      [100] and [010] equivalent: colour seam
//   4/mmm  0..45         [001]   [100]      [110]
//   -3     0..120        [0001]  [2-1-10]   [-12-10]   seam between the two equivalent edges
//   -3m    30..90        [0001]  [10-10]    [01-10]
//   6/m    0..60         [0001]  [2-1-10]   [11-20]    seam between the two equivalent edges
//   6/mmm  0..30         [0001]  [2-1-10]   [10-10]
//   m-3    0..90, z>=x,y [001]   [101]      [011]      [111] is the middle of the top edge
//   m-3m   0..45, z>=x   [001]   [101]      [111]
#include <Eigen/Core>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ebsd/orientation/laue_group.hpp"

namespace ebsd {

struct IpfSectorCorner {
  Eigen::Vector3d direction;  // unit, Cartesian crystal frame
  std::string_view label;     // Miller (cubic, lower symmetry) or Miller-Bravais indices, '-' before a
                              // negative index, e.g. "2-1-10"
};

// The three corners in colour order: red, green, blue.
std::array<IpfSectorCorner, 3> ipf_sector_corners(LaueGroup g);

// Whether the unit direction v lies in the sector of g, within tol (a linear margin).
bool in_ipf_sector(const Eigen::Vector3d& v, LaueGroup g, double tol = 1e-9);

// The Laue-equivalent of v (+-R_s v over the proper operators s) that lies in the sector of g;
// unit length. Computed from the group's geometry (sign changes, turns about c, reflections,
// sorting the cubic coordinates) rather than by trying every operator (it runs for every voxel an
// IPF colouring shows). Where v or -v already lies in the
// sector (sector edges included) that is the answer, as with the operators; elsewhere on an edge
// it may pick another of the equivalents that qualify, which lie on the same edge.
Eigen::Vector3d reduce_to_ipf_sector(const Eigen::Vector3d& v, LaueGroup g);

// The same by definition: +-R_s v for each operator in the order of symmetry_operators, the first
// in the sector wins (the nearest one when rounding leaves none inside). The reference for
// reduce_to_ipf_sector, which falls back to it when rounding puts its result outside.
Eigen::Vector3d reduce_to_ipf_sector_by_operators(const Eigen::Vector3d& v, LaueGroup g);

// reduce_to_ipf_sector's closed forms for n unit directions at once, in single precision, several
// per instruction where the compiler vectorises: x, y, z hold the directions and receive their
// equivalents in the sector. near_edge[i] becomes 1 where the result lies within 1e-5 of an edge
// (or outside, by rounding): there single precision may not pick reduce_to_ipf_sector's
// equivalent, and the caller should ask it. Elsewhere near_edge[i] is 0.
void reduce_to_ipf_sector_batch(float* x, float* y, float* z, std::uint8_t* near_edge, std::size_t n, LaueGroup g);

}  // namespace ebsd

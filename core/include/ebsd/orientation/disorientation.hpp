#pragma once
// Symmetry-aware comparison of orientations: fundamental-zone reduction, disorientation,
// mean orientation. Two orientations that differ by a crystal symmetry operator are the same
// orientation; every comparison here minimises over the operators.
#include <Eigen/Core>
#include <span>

#include "ebsd/orientation/laue_group.hpp"
#include "ebsd/orientation/quaternion.hpp"

namespace ebsd {

// The symmetry-equivalent of q (s * q over the group's operators) closest to the identity,
// i.e. with the smallest rotation angle; w >= 0. Ties are broken deterministically.
Quat reduce_to_fundamental_zone(const Quat& q, LaueGroup g);

// The smallest rotation angle (radians, [0, pi]) among all symmetry-equivalent
// misorientations between a and b (both of group g).
double disorientation_angle(const Quat& a, const Quat& b, LaueGroup g);

struct Disorientation {
  double angle = 0.0;           // radians
  Eigen::Vector3d axis{0, 0, 1};  // unit axis in the crystal frame, in the standard stereographic
                                  // triangle of the misorientation fundamental zone
  Quat rotation;                // the disorientation as a quaternion (w >= 0)
};
// Angle and axis; the axis is reduced so that equal disorientations report equal axes
// (e.g. [111]/sqrt(3) for a cubic Sigma-3 twin).
Disorientation disorientation(const Quat& a, const Quat& b, LaueGroup g);

// Mean orientation of a set under crystal symmetry: each member is first moved to the
// symmetry-equivalent nearest the running reference, then the quaternions are averaged by the
// principal eigenvector of sum q q^T (Markley et al. 2007). Weights are optional (empty = 1).
// Throws ebsd::Error on an empty set.
Quat mean_orientation(std::span<const Quat> qs, LaueGroup g, std::span<const double> weights = {});

}  // namespace ebsd

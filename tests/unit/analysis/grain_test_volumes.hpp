#pragma once
// Hand-built volumes for the segmentation and grain-statistics tests.
#include <Eigen/Core>
#include <cmath>
#include <numbers>

#include "ebsd/volume/volume.hpp"

namespace ebsd::test {

inline double deg(double d) { return d * std::numbers::pi / 180.0; }

// The rotation by `degrees` about `axis`, written out (cos(t/2), sin(t/2) n) rather than taken
// from the library under test.
inline Quat rotation(Eigen::Vector3d axis, double degrees) {
  axis.normalize();
  const double h = deg(degrees) / 2.0;
  return Quat(std::cos(h), std::sin(h) * axis.x(), std::sin(h) * axis.y(), std::sin(h) * axis.z()).positive();
}

// An arbitrary, asymmetric orientation to start from.
inline Quat base_orientation() { return rotation({1.0, 2.0, 3.0}, 37.0); }

// A volume of the given size, every voxel valid, phase 1 (`laue`), orientation base_orientation().
inline Volume uniform_volume(Index3 dims, LaueGroup laue = LaueGroup::CubicHigh) {
  Volume v(dims);
  v.phases().push_back({"Phase", laue, {3.6, 3.6, 3.6, 90, 90, 90}});
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    v.set_orientation(i, base_orientation());
    v.phase_ids()[static_cast<std::size_t>(i)] = 1;
    v.valid()[static_cast<std::size_t>(i)] = 1;
  }
  return v;
}

}  // namespace ebsd::test

#pragma once
// Unit quaternions for crystal orientations, Rowenhorst et al. 2015 (MSMSE 23, 083501)
// conventions with P = +1:
//  - scalar first: (w, x, y, z); orientations are kept in the northern hemisphere (w >= 0);
//  - passive: an orientation g maps sample coordinates to crystal coordinates, v_c = g v_s;
//  - the product is the one of Rowenhorst eq. (23) with P = +1, so that
//    matrix_from_quat(a * b) == matrix_from_quat(a) * matrix_from_quat(b).
// Symmetry-equivalent orientations of g are s * g for the crystal symmetry operators s, and the
// misorientation from a to b (in the crystal frame of a... b) is b * conj(a).
#include <Eigen/Core>
#include <cmath>

namespace ebsd {

struct Quat {
  double w = 1.0, x = 0.0, y = 0.0, z = 0.0;

  constexpr Quat() = default;
  constexpr Quat(double w_, double x_, double y_, double z_) : w(w_), x(x_), y(y_), z(z_) {}

  static constexpr Quat identity() { return {}; }

  double norm() const { return std::sqrt(w * w + x * x + y * y + z * z); }
  Quat normalized() const {
    const double n = norm();
    return {w / n, x / n, y / n, z / n};
  }
  Quat conj() const { return {w, -x, -y, -z}; }
  Quat operator-() const { return {-w, -x, -y, -z}; }
  // The same rotation with w >= 0 (the representative this library stores).
  Quat positive() const { return w < 0 ? -*this : *this; }
  Eigen::Vector3d vec() const { return {x, y, z}; }
  double dot(const Quat& o) const { return w * o.w + x * o.x + y * o.y + z * o.z; }
};

// Rowenhorst eq. (23), P = +1: (a0 b0 - a.b, a0 b + b0 a + a x b).
inline Quat operator*(const Quat& a, const Quat& b) {
  return {a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z,
          a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y,
          a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x,
          a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w};
}

// The rotation angle in [0, pi] of a unit quaternion (of either hemisphere).
inline double rotation_angle(const Quat& q) {
  const double w = std::fabs(q.w);
  return 2.0 * std::acos(w > 1.0 ? 1.0 : w);
}

// Coordinates of vector v after the passive rotation q: equals matrix_from_quat(q) * v.
Eigen::Vector3d rotate(const Quat& q, const Eigen::Vector3d& v);

}  // namespace ebsd

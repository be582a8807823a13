// Axis-angle pairs and quaternions (Rowenhorst et al. 2015, section 4, ax2qu and qu2ax, P = +1).
#include <cmath>

#include "ebsd/orientation/rotations.hpp"

namespace ebsd {

// ax2qu: q = (cos(w/2), sin(w/2) n). The axis is renormalised so that rounding in a stored axis
// does not leave the unit sphere; an angle outside [0, pi] still gives the right rotation and the
// result is moved to the northern hemisphere. A zero axis only describes the identity.
Quat quat_from_axis_angle(const AxisAngle& a) {
  const double n = a.axis.norm();
  if (n == 0.0) return Quat::identity();
  const double half = 0.5 * a.angle;
  const double s = std::sin(half) / n;
  return Quat{std::cos(half), s * a.axis.x(), s * a.axis.y(), s * a.axis.z()}.positive();
}

// qu2ax. The angle comes from atan2(|v|, w) rather than acos(w): acos loses half the digits near
// the identity, where most grain-internal misorientations live. The identity gets the axis
// [001], as in Rowenhorst's qu2ax.
AxisAngle axis_angle_from_quat(const Quat& qin) {
  const Quat q = qin.positive();
  const Eigen::Vector3d v = q.vec();
  const double s = v.norm();
  AxisAngle a;
  if (s == 0.0) return a;
  a.axis = v / s;
  a.angle = 2.0 * std::atan2(s, q.w);
  return a;
}

}  // namespace ebsd

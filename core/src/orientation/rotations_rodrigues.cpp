// Rodrigues-Frank vectors and quaternions (Rowenhorst et al. 2015, section 4, ro2ax and qu2ro).
// The vector is kept as (unit axis, tan(w/2)) so that 180 degree rotations, whose length is
// infinite, stay representable; the infinite length is stored as +infinity.
#include <cmath>
#include <limits>

#include "ebsd/orientation/rotations.hpp"

namespace ebsd {

// ro2qu through the angle w = 2 atan(tan_half); atan(+inf) = pi/2 gives the 180 degree case.
Quat quat_from_rodrigues(const Rodrigues& r) {
  return quat_from_axis_angle(AxisAngle{r.axis, 2.0 * std::atan(r.tan_half)});
}

// qu2ro: tan(w/2) = |v| / w exactly for a unit quaternion, which avoids tan(acos(w)).
Rodrigues rodrigues_from_quat(const Quat& qin) {
  const Quat q = qin.positive();
  const Eigen::Vector3d v = q.vec();
  const double s = v.norm();
  Rodrigues r;
  if (s == 0.0) return r;
  r.axis = v / s;
  r.tan_half = q.w > 0.0 ? s / q.w : std::numeric_limits<double>::infinity();
  return r;
}

}  // namespace ebsd

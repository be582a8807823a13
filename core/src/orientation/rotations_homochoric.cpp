// Homochoric vectors (Rowenhorst et al. 2015, section 3.5 and the ax2ho / ho2ax conversions).
// The homochoric map sends the rotation (n, w) to h = n f(w)^(1/3) with f(w) = 3/4 (w - sin w):
// the 3D analogue of Lambert's equal-area projection, so that equal volumes of the ball of radius
// (3 pi / 4)^(1/3) hold equal measures of rotations.
#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "ebsd/orientation/rotations.hpp"

namespace ebsd {
namespace {
constexpr double kPi = std::numbers::pi;

// w - sin w without the cancellation that ruins it for small w: below w = 1 the Taylor series
// w^3/3! - w^5/5! + ... is summed (ten terms reach double precision at w = 1).
double angle_minus_sine(double w) {
  if (w >= 1.0) return w - std::sin(w);
  const double w2 = w * w;
  double term = w * w2 / 6.0;  // w^3 / 3!
  double sum = term;
  for (int k = 2; k <= 10; ++k) {
    term *= -w2 / ((2.0 * k) * (2.0 * k + 1.0));
    sum += term;
  }
  return sum;
}

// |h| as a function of the rotation angle, the forward map (Rowenhorst eq. for ax2ho).
double homochoric_length(double w) { return std::cbrt(0.75 * angle_minus_sine(w)); }

// Rowenhorst et al. 2015 (ho2ax) give cos(w/2) as a degree-15 polynomial in |h|^2 fitted to the
// inverse of homochoric_length; the same 16 coefficients appear in EMsoft and 3Drotations.
constexpr std::array<double, 16> kHalfAngleCosineFit = {
    +1.0000000000018852,      -0.5000000002194847,     -0.024999992127593126,
    -0.003928701544781374,    -0.0008152701535450438,  -0.0002009500426119712,
    -0.00002397986776071756,  -0.00008202868926605841, +0.00012448715042090092,
    -0.0001749114214822577,   +0.0001703481934140054,  -0.00012062065004116828,
    +0.000059719705868660826, -0.00001980756723965647, +0.000003953714684212874,
    -0.00000036555001439719544};

// The published fit is good to about 1e-10 in cos(w/2), which acos turns into an angle error of
// up to ~1e-5 near the identity, where the cosine is flat. So the fit only seeds Newton's method
// on g(w) = homochoric_length(w) - |h|, whose derivative
//   g'(w) = (3/4)(1 - cos w) / (3 homochoric_length(w)^2) = sin^2(w/2) / (2 homochoric_length(w)^2)
// tends to 1/2 at w = 0 and stays away from zero on [0, pi]: the iteration is well conditioned.
double angle_from_homochoric_length(double r) {
  const double r_max = std::cbrt(0.75 * kPi);
  if (r >= r_max) return kPi;  // on (or, by rounding, just outside) the ball's surface
  // Below 1e-8 the series inverse w = 2r (1 + r^2/15 + ...) is exact to double precision, and
  // homochoric_length would underflow for the very smallest r.
  if (r < 1e-8) return 2.0 * r;
  double w;
  if (r < 0.05) {
    w = 2.0 * r;  // homochoric_length(w) = w/2 (1 - w^2/60 + ...) near the identity
  } else {
    const double r2 = r * r;
    double s = 0.0;
    for (auto it = kHalfAngleCosineFit.rbegin(); it != kHalfAngleCosineFit.rend(); ++it) s = s * r2 + *it;
    w = 2.0 * std::acos(std::clamp(s, -1.0, 1.0));
  }
  for (int iter = 0; iter < 20; ++iter) {
    const double g = homochoric_length(w);
    if (g == 0.0) break;
    const double sh = std::sin(0.5 * w);
    const double step = (g - r) / (sh * sh / (2.0 * g * g));
    const double next = std::clamp(w - step, 0.0, kPi);
    const bool converged = std::fabs(next - w) <= 1e-15 * (1.0 + w);
    w = next;
    if (converged) break;
  }
  return w;
}
}  // namespace

// ax2ho. An angle outside [0, pi] is first brought back into it (w -> 2 pi - w flips the axis)
// so the result always lies in the ball.
Homochoric homochoric_from_axis_angle(const AxisAngle& a) {
  const double n = a.axis.norm();
  if (n == 0.0) return Homochoric::Zero();
  double w = std::remainder(a.angle, 2.0 * kPi);  // in [-pi, pi]
  Eigen::Vector3d axis = a.axis / n;
  if (w < 0.0) {
    w = -w;
    axis = -axis;
  }
  return axis * homochoric_length(w);
}

// ho2ax. The identity gets the axis [001]. A vector beyond the ball by rounding maps to 180 deg.
AxisAngle axis_angle_from_homochoric(const Homochoric& h) {
  const double r = h.norm();
  AxisAngle a;
  if (r == 0.0) return a;
  a.axis = h / r;
  a.angle = angle_from_homochoric_length(r);
  return a;
}

Homochoric homochoric_from_quat(const Quat& q) { return homochoric_from_axis_angle(axis_angle_from_quat(q)); }

Quat quat_from_homochoric(const Homochoric& h) { return quat_from_axis_angle(axis_angle_from_homochoric(h)); }

}  // namespace ebsd

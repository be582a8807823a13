// Cubochoric vectors: Rosca, Morawiec and De Graef 2014, "A new method of constructing a grid in
// the space of 3D rotations and its applications to texture analysis", MSMSE 22 075013, used as
// cu2ho / ho2cu in Rowenhorst et al. 2015 (section 3.6).
//
// The cube of edge pi^(2/3) and the homochoric ball of radius (3 pi / 4)^(1/3) have the same
// volume, pi^2. The cube is cut into six pyramids with their apex at the centre, one per face;
// the pyramid of a point is the axis along which it reaches farthest. Inside the pyramid of +z
// (|x|, |y| <= z) the volume-preserving map is the composition of (Rosca et al. section 3):
//   M1  a scaling of the cube by (pi/6)^(1/6), to the cube of half edge beta = pi^(5/6)/6^(1/6)/2;
//   M2  at each height z, the equal-area map of the square |x|, |y| <= z onto a disc
//       (Rosca 2010), which sends the point to T = (T1, T2) and keeps z;
//   M3  the inverse of a Lambert azimuthal equal-area projection, which bends the flat discs
//       into spherical caps:  h = (T sqrt(1 - pi |T|^2 / (24 z^2)),
//                                  sqrt(6/pi) z - sqrt(pi/24) |T|^2 / z).
// The other five pyramids are reached by permuting the coordinates cyclically, so that the
// dominant axis plays the part of z; each pyramid of the cube maps onto the matching pyramid of
// the ball, so the inverse picks its pyramid by the same rule.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "ebsd/orientation/rotations.hpp"

namespace ebsd {
namespace {
constexpr double kPi = std::numbers::pi;
constexpr double kSqrt2 = std::numbers::sqrt2;
const double kBallRadius = std::cbrt(0.75 * kPi);                                      // R1
const double kCubeToBallScale = std::pow(kPi / 6.0, 1.0 / 6.0);                        // M1
const double kBeta = std::pow(kPi, 5.0 / 6.0) / std::pow(6.0, 1.0 / 6.0) / 2.0;       // scaled half edge
const double kSquareToDiscFactor = kBallRadius * std::pow(2.0, 0.25) / kBeta;          // M2 prefactor
const double kSqrt6OverPi = std::sqrt(6.0 / kPi);
const double kSqrtPiOver24 = std::sqrt(kPi / 24.0);

// The axis along which p reaches farthest; ties go to z, then x, then y, the order of De Graef's
// pyramid test. Every tie lies on a pyramid boundary, where both pyramids give the same image.
int dominant_axis(const Eigen::Vector3d& p) {
  const double ax = std::fabs(p.x()), ay = std::fabs(p.y()), az = std::fabs(p.z());
  if (az >= ax && az >= ay) return 2;
  if (ax >= ay) return 0;
  return 1;
}

// Cyclic permutation that moves the dominant axis k into the z place: (p[k+1], p[k+2], p[k]).
Eigen::Vector3d into_pyramid_frame(const Eigen::Vector3d& p, int k) {
  return {p[(k + 1) % 3], p[(k + 2) % 3], p[k]};
}
Eigen::Vector3d out_of_pyramid_frame(const Eigen::Vector3d& u, int k) {
  Eigen::Vector3d p;
  p[(k + 1) % 3] = u.x();
  p[(k + 2) % 3] = u.y();
  p[k] = u.z();
  return p;
}

// M2: the square |a|, |b| <= |z| onto a disc. With the larger coordinate called major and the
// angle t = pi/12 * minor/major, the image is major * R1 2^(1/4)/beta / sqrt(sqrt2 - cos t) times
// (sqrt2 cos t - 1, sqrt2 sin t) in (major, minor) order (Rosca et al. 2014, eq. for the square
// grid); the diagonal |a| = |b| maps to the same point from either side.
Eigen::Vector2d square_to_disc(double a, double b) {
  if (a == 0.0 && b == 0.0) return Eigen::Vector2d::Zero();
  const bool a_major = std::fabs(b) <= std::fabs(a);
  const double major = a_major ? a : b, minor = a_major ? b : a;
  const double t = kPi / 12.0 * minor / major;
  const double c = std::cos(t), s = std::sin(t);
  const double q = kSquareToDiscFactor * major / std::sqrt(kSqrt2 - c);
  const double t_major = (kSqrt2 * c - 1.0) * q, t_minor = kSqrt2 * s * q;
  return a_major ? Eigen::Vector2d{t_major, t_minor} : Eigen::Vector2d{t_minor, t_major};
}

// The inverse of square_to_disc. With m = |T_major|, n = |T_minor| and s = sqrt(|T|^2 + m^2),
// solving the forward map gives
//   major = beta / (sqrt2 R1) * sqrt(s (m + s)),   t = atan2(n, 2m + s),   minor = major * 12 t / pi.
// This is algebraically the published inverse (Rosca et al. 2014; De Graef's ho2cu), rewritten
// so that no difference of nearly equal numbers (s - m) or acos of a number near 1 appears.
Eigen::Vector2d disc_to_square(const Eigen::Vector2d& T) {
  if (T.x() == 0.0 && T.y() == 0.0) return Eigen::Vector2d::Zero();
  const bool x_major = std::fabs(T.y()) <= std::fabs(T.x());
  const double m = x_major ? std::fabs(T.x()) : std::fabs(T.y());
  const double n = x_major ? std::fabs(T.y()) : std::fabs(T.x());
  const double s = std::sqrt(T.squaredNorm() + m * m);
  const double major = kBeta / (kSqrt2 * kBallRadius) * std::sqrt(s * (m + s));
  const double minor = major * 12.0 / kPi * std::atan2(n, 2.0 * m + s);
  return x_major ? Eigen::Vector2d{std::copysign(major, T.x()), std::copysign(minor, T.y())}
                 : Eigen::Vector2d{std::copysign(minor, T.x()), std::copysign(major, T.y())};
}

// M3 o M2 o M1 inside the pyramid of z.
Eigen::Vector3d cube_to_ball_in_pyramid(const Eigen::Vector3d& u) {
  const Eigen::Vector3d v = u * kCubeToBallScale;
  if (v.z() == 0.0) return Eigen::Vector3d::Zero();  // |x|, |y| <= |z| = 0: the centre
  const Eigen::Vector2d T = square_to_disc(v.x(), v.y());
  const double t2 = T.squaredNorm();
  const double shrink = std::sqrt(std::max(0.0, 1.0 - kPi * t2 / (24.0 * v.z() * v.z())));
  return {T.x() * shrink, T.y() * shrink, kSqrt6OverPi * v.z() - kSqrtPiOver24 * t2 / v.z()};
}

// (M3 o M2 o M1)^-1 inside the pyramid of z. M3 keeps the distance from the centre as
// sqrt(6/pi) z, and its inverse on the plane is T = h_xy sqrt(2 r / (r + |h_z|)).
Eigen::Vector3d ball_to_cube_in_pyramid(const Eigen::Vector3d& h) {
  const double r = h.norm();
  if (r == 0.0) return Eigen::Vector3d::Zero();
  const double stretch = std::sqrt(2.0 * r / (r + std::fabs(h.z())));
  const Eigen::Vector2d ab = disc_to_square(Eigen::Vector2d{h.x() * stretch, h.y() * stretch});
  const double z = std::copysign(r / kSqrt6OverPi, h.z());
  return Eigen::Vector3d{ab.x(), ab.y(), z} / kCubeToBallScale;
}
}  // namespace

Homochoric homochoric_from_cubochoric(const Cubochoric& c) {
  const int k = dominant_axis(c);
  return out_of_pyramid_frame(cube_to_ball_in_pyramid(into_pyramid_frame(c, k)), k);
}

Cubochoric cubochoric_from_homochoric(const Homochoric& h) {
  const int k = dominant_axis(h);
  return out_of_pyramid_frame(ball_to_cube_in_pyramid(into_pyramid_frame(h, k)), k);
}

Quat quat_from_cubochoric(const Cubochoric& c) { return quat_from_homochoric(homochoric_from_cubochoric(c)); }

Cubochoric cubochoric_from_quat(const Quat& q) { return cubochoric_from_homochoric(homochoric_from_quat(q)); }

}  // namespace ebsd

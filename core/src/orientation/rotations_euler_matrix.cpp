// Euler angles, rotation matrices and quaternions (Rowenhorst et al. 2015, section 4, P = +1).
#include <cmath>
#include <numbers>

#include "ebsd/orientation/rotations.hpp"

namespace ebsd {
namespace {
constexpr double kTwoPi = 2.0 * std::numbers::pi;
constexpr double kEps = 1e-12;

double wrap_two_pi(double a) {
  a = std::fmod(a, kTwoPi);
  if (a < 0) a += kTwoPi;
  if (a >= kTwoPi) a -= kTwoPi;
  return a;
}
}  // namespace

Eigen::Vector3d rotate(const Quat& q, const Eigen::Vector3d& v) { return matrix_from_quat(q) * v; }

// eu2qu, with P = +1.
Quat quat_from_euler(const Euler& e) {
  const double sigma = 0.5 * (e.phi1 + e.phi2);
  const double delta = 0.5 * (e.phi1 - e.phi2);
  const double c = std::cos(0.5 * e.Phi), s = std::sin(0.5 * e.Phi);
  Quat q{c * std::cos(sigma), -s * std::cos(delta), -s * std::sin(delta), -c * std::sin(sigma)};
  return q.positive();
}

// qu2eu, with P = +1; the two degenerate cases (Phi = 0, Phi = pi) put everything into phi1.
Euler euler_from_quat(const Quat& qin) {
  const Quat q = qin.positive();
  const double q03 = q.w * q.w + q.z * q.z;
  const double q12 = q.x * q.x + q.y * q.y;
  const double chi = std::sqrt(q03 * q12);
  Euler e;
  if (chi < kEps && q12 < kEps) {
    e.Phi = 0.0;
    e.phi1 = std::atan2(-2.0 * q.w * q.z, q.w * q.w - q.z * q.z);
    e.phi2 = 0.0;
  } else if (chi < kEps && q03 < kEps) {
    e.Phi = std::numbers::pi;
    e.phi1 = std::atan2(2.0 * q.x * q.y, q.x * q.x - q.y * q.y);
    e.phi2 = 0.0;
  } else {
    e.Phi = std::atan2(2.0 * chi, q03 - q12);
    e.phi1 = std::atan2((-q.w * q.y + q.x * q.z) / chi, (-q.w * q.x - q.y * q.z) / chi);
    e.phi2 = std::atan2((q.w * q.y + q.x * q.z) / chi, (-q.w * q.x + q.y * q.z) / chi);
  }
  e.phi1 = wrap_two_pi(e.phi1);
  e.phi2 = wrap_two_pi(e.phi2);
  return e;
}

// qu2om, P = +1: the passive matrix g with v_crystal = g v_sample.
RotationMatrix matrix_from_quat(const Quat& q) {
  const double w = q.w, x = q.x, y = q.y, z = q.z;
  RotationMatrix m;
  m << w * w + x * x - y * y - z * z, 2 * (x * y - w * z), 2 * (x * z + w * y),
      2 * (x * y + w * z), w * w - x * x + y * y - z * z, 2 * (y * z - w * x),
      2 * (x * z - w * y), 2 * (y * z + w * x), w * w - x * x - y * y + z * z;
  return m;
}

// om2qu by the largest-diagonal (Shepperd) route, which stays accurate near 180 degrees.
Quat quat_from_matrix(const RotationMatrix& m) {
  const double tr = m.trace();
  Quat q;
  if (tr > m(0, 0) && tr > m(1, 1) && tr > m(2, 2)) {
    const double s = std::sqrt(1.0 + tr) * 2.0;
    q = {0.25 * s, (m(2, 1) - m(1, 2)) / s, (m(0, 2) - m(2, 0)) / s, (m(1, 0) - m(0, 1)) / s};
  } else if (m(0, 0) > m(1, 1) && m(0, 0) > m(2, 2)) {
    const double s = std::sqrt(1.0 + m(0, 0) - m(1, 1) - m(2, 2)) * 2.0;
    q = {(m(2, 1) - m(1, 2)) / s, 0.25 * s, (m(0, 1) + m(1, 0)) / s, (m(0, 2) + m(2, 0)) / s};
  } else if (m(1, 1) > m(2, 2)) {
    const double s = std::sqrt(1.0 + m(1, 1) - m(0, 0) - m(2, 2)) * 2.0;
    q = {(m(0, 2) - m(2, 0)) / s, (m(0, 1) + m(1, 0)) / s, 0.25 * s, (m(1, 2) + m(2, 1)) / s};
  } else {
    const double s = std::sqrt(1.0 + m(2, 2) - m(0, 0) - m(1, 1)) * 2.0;
    q = {(m(1, 0) - m(0, 1)) / s, (m(0, 2) + m(2, 0)) / s, (m(1, 2) + m(2, 1)) / s, 0.25 * s};
  }
  return q.normalized().positive();
}

// eu2om: the Bunge passive matrix written out (Rowenhorst eq. for eu2om).
RotationMatrix matrix_from_euler(const Euler& e) {
  const double c1 = std::cos(e.phi1), s1 = std::sin(e.phi1);
  const double c = std::cos(e.Phi), s = std::sin(e.Phi);
  const double c2 = std::cos(e.phi2), s2 = std::sin(e.phi2);
  RotationMatrix g;
  g << c1 * c2 - s1 * s2 * c, s1 * c2 + c1 * s2 * c, s2 * s,
      -c1 * s2 - s1 * c2 * c, -s1 * s2 + c1 * c2 * c, c2 * s,
      s1 * s, -c1 * s, c;
  return g;
}

// om2eu, through the quaternion. The direct formulas of Rowenhorst (phi1 = atan2(g31, -g32),
// phi2 = atan2(g13, g23)) take both angles from the third row and column, whose entries shrink
// like sin(Phi): near Phi = 0 the sum phi1 + phi2, which is all that matters there, loses
// eps / sin(Phi) of accuracy, and a cut-off |g33| = 1 - 1e-12 that switched to the degenerate
// case dropped Phi up to 1.4e-6. qu2eu takes phi1 + phi2 from (w, z) and phi1 - phi2 from
// (x, y), each accurate where it matters, and keeps the same degenerate conventions
// (phi2 = 0, phi1 = phi1 + phi2 at Phi = 0 and phi1 - phi2 at Phi = pi).
Euler euler_from_matrix(const RotationMatrix& g) { return euler_from_quat(quat_from_matrix(g)); }

}  // namespace ebsd

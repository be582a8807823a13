// Fundamental-zone reduction and disorientation.
//
// The angle of a unit quaternion q is 2 acos|q.w|, and the scalar part of s * d is
// s.w d.w - s.v . d.v, so the symmetric equivalent closest to the identity is the one with the
// largest |s.w d.w - s.v . d.v|. For a misorientation d = b conj(a) the two-sided set
// s_i d s_j has the same angles as the one-sided set s_k d (angle(s_i d s_j) = angle(s_j s_i d),
// conjugation keeps angles), so the disorientation angle needs one side only: |G| dot products
// and one acos, no allocation. For m-3m and m-3 the maximum over the operators has a closed form
// in the largest absolute components (Grimmer 1974, Acta Cryst. A30, 685; Sutton & Balluffi,
// "Interfaces in Crystalline Materials", sec. 1.4): the operators' scalar parts pick out
// |d_i| (2-folds about <100> and identity), (|d_i| + |d_j|)/sqrt 2 (4-folds <100>, 2-folds <110>)
// and (|d_w| + |d_x| + |d_y| + |d_z|)/2 (3-folds <111>).
#include <algorithm>
#include <cmath>
#include <numbers>

#include "ebsd/orientation/disorientation.hpp"
#include "ebsd/orientation/ipf_sector.hpp"

namespace ebsd {
namespace {

constexpr double kSqrtHalf = 0.70710678118654752440;

double angle_from_abs_w(double w) { return 2.0 * std::acos(std::min(w, 1.0)); }

// Largest |scalar part of s * d| over the operators s of g.
double max_abs_w(const Quat& d, LaueGroup g) {
  if (g == LaueGroup::CubicHigh || g == LaueGroup::CubicLow) {
    const double a = std::fabs(d.w), b = std::fabs(d.x), c = std::fabs(d.y), e = std::fabs(d.z);
    // Largest and second largest of the four without branches (min/max compile to minsd/maxsd;
    // branches on random data mispredict).
    const double hi1 = std::max(a, b), lo1 = std::min(a, b), hi2 = std::max(c, e), lo2 = std::min(c, e);
    const double first = std::max(hi1, hi2);
    const double second = std::max(std::min(hi1, hi2), std::max(lo1, lo2));
    const double three_fold = 0.5 * (a + b + c + e);
    const double best = std::max(first, three_fold);
    return g == LaueGroup::CubicHigh ? std::max(best, kSqrtHalf * (first + second)) : best;
  }
  double best = 0.0;
  for (const Quat& s : symmetry_operators(g)) best = std::max(best, std::fabs(s.w * d.w - s.x * d.x - s.y * d.y - s.z * d.z));
  return best;
}

// Lexicographic (z, y, x) order with a tolerance, so that rounding never decides between two
// axes that are equal.
bool ranks_above(const Eigen::Vector3d& a, const Eigen::Vector3d& b) {
  constexpr double kTol = 1e-9;
  for (const int i : {2, 1, 0}) {
    if (a[i] > b[i] + kTol) return true;
    if (a[i] < b[i] - kTol) return false;
  }
  return false;
}

}  // namespace

Quat reduce_to_fundamental_zone(const Quat& q, LaueGroup g) {
  // Ties (orientations on the zone boundary) go to the first operator in table order, whose
  // candidate must be beaten by more than rounding to be replaced.
  constexpr double kTie = 1e-12;
  Quat best = q;
  double best_w = -1.0;
  for (const Quat& s : symmetry_operators(g)) {
    const Quat c = s * q;
    if (std::fabs(c.w) > best_w + kTie) {
      best_w = std::fabs(c.w);
      best = c;
    }
  }
  return best.positive();
}

double disorientation_angle(const Quat& a, const Quat& b, LaueGroup g) {
  return angle_from_abs_w(max_abs_w(b * a.conj(), g));
}

Disorientation disorientation(const Quat& a, const Quat& b, LaueGroup g) {
  const Quat d = b * a.conj();
  const auto ops = symmetry_operators(g);
  double best_w = 0.0;
  for (const Quat& s : ops) best_w = std::max(best_w, std::fabs((s * d).w));

  // Every representative with the smallest angle is a conjugate s (s_k d) s^-1 of a one-sided
  // one (see the top of the file), or its inverse when a and b are swapped; conjugation turns
  // the axis by s and inversion flips it, so reducing each candidate's axis into the Laue
  // group's fundamental sector gives one axis per physically distinct disorientation. Among
  // true ties (zone boundary) the largest (z, y, x) wins, a rule that depends on neither the
  // order of a and b nor on which symmetry-equivalent of each was given.
  constexpr double kTie = 1e-12;
  Disorientation out;
  out.angle = angle_from_abs_w(best_w);
  bool have_axis = false;
  for (const Quat& s : ops) {
    const Quat c = (s * d).positive();
    if (std::fabs(c.w) < best_w - kTie) continue;
    const Eigen::Vector3d v = c.vec();
    if (v.norm() < 1e-15) continue;  // zero angle: keep the default axis
    const Eigen::Vector3d axis = reduce_to_ipf_sector(v.normalized(), g);
    if (!have_axis || ranks_above(axis, out.axis)) out.axis = axis;
    have_axis = true;
  }
  const double half = 0.5 * out.angle;
  out.rotation = Quat{std::cos(half), std::sin(half) * out.axis.x(), std::sin(half) * out.axis.y(),
                      std::sin(half) * out.axis.z()};
  return out;
}

}  // namespace ebsd

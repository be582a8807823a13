// Fundamental sectors of crystal directions under the 11 Laue groups; the table of sectors and
// the reason for each choice are in ipf_sector.hpp.
#include "ebsd/orientation/ipf_sector.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <type_traits>
#include <vector>

#include "ebsd/orientation/rotations.hpp"

namespace ebsd {
namespace {

constexpr double kDeg = std::numbers::pi / 180.0;

enum class CubicCut { None, ZAboveX, ZAboveXAndY };

struct Sector {
  bool whole_disc = false;  // -1: the whole upper hemisphere
  double eta_min = 0.0, eta_max = 0.0;  // radians; width <= pi unless whole_disc
  CubicCut cut = CubicCut::None;
  std::array<IpfSectorCorner, 3> corners;
  // sin and cos of eta_min and eta_max, computed once: violation() runs for up to 48 candidate
  // directions of every voxel coloured, and evaluating them there was most of an IPF colour.
  double sin_min = 0.0, cos_min = 1.0, sin_max = 0.0, cos_max = 1.0;
};

Eigen::Vector3d in_plane(double eta_deg) { return {std::cos(eta_deg * kDeg), std::sin(eta_deg * kDeg), 0.0}; }
Eigen::Vector3d unit(double x, double y, double z) { return Eigen::Vector3d(x, y, z).normalized(); }

const Sector& sector_of(LaueGroup g) {
  static const std::array<Sector, kLaueGroupCount> sectors = [] {
    const Eigen::Vector3d z(0, 0, 1);
    std::array<Sector, kLaueGroupCount> s;
    auto set = [&](LaueGroup g, bool disc, double lo, double hi, CubicCut cut, IpfSectorCorner r, IpfSectorCorner gr,
                   IpfSectorCorner b) {
      s[static_cast<std::size_t>(g)] = Sector{disc,
                                              lo * kDeg,
                                              hi * kDeg,
                                              cut,
                                              {r, gr, b},
                                              std::sin(lo * kDeg),
                                              std::cos(lo * kDeg),
                                              std::sin(hi * kDeg),
                                              std::cos(hi * kDeg)};
    };
    set(LaueGroup::Triclinic, true, 0, 180, CubicCut::None, {z, "001"}, {in_plane(0), "100"}, {in_plane(180), "-100"});
    set(LaueGroup::Monoclinic, false, 0, 180, CubicCut::None, {z, "001"}, {in_plane(0), "100"},
        {in_plane(180), "-100"});
    set(LaueGroup::Orthorhombic, false, 0, 90, CubicCut::None, {z, "001"}, {in_plane(0), "100"}, {in_plane(90), "010"});
    set(LaueGroup::TetragonalLow, false, 0, 90, CubicCut::None, {z, "001"}, {in_plane(0), "100"},
        {in_plane(90), "010"});
    set(LaueGroup::TetragonalHigh, false, 0, 45, CubicCut::None, {z, "001"}, {in_plane(0), "100"},
        {in_plane(45), "110"});
    set(LaueGroup::TrigonalLow, false, 0, 120, CubicCut::None, {z, "0001"}, {in_plane(0), "2-1-10"},
        {in_plane(120), "-12-10"});
    set(LaueGroup::TrigonalHigh, false, 30, 90, CubicCut::None, {z, "0001"}, {in_plane(30), "10-10"},
        {in_plane(90), "01-10"});
    set(LaueGroup::HexagonalLow, false, 0, 60, CubicCut::None, {z, "0001"}, {in_plane(0), "2-1-10"},
        {in_plane(60), "11-20"});
    set(LaueGroup::HexagonalHigh, false, 0, 30, CubicCut::None, {z, "0001"}, {in_plane(0), "2-1-10"},
        {in_plane(30), "10-10"});
    set(LaueGroup::CubicLow, false, 0, 90, CubicCut::ZAboveXAndY, {z, "001"}, {unit(1, 0, 1), "101"},
        {unit(0, 1, 1), "011"});
    set(LaueGroup::CubicHigh, false, 0, 45, CubicCut::ZAboveX, {z, "001"}, {unit(1, 0, 1), "101"},
        {unit(1, 1, 1), "111"});
    return s;
  }();
  return sectors[static_cast<std::size_t>(g)];
}

// How far v lies outside the sector: the largest of the linear constraints' values (each <= 0
// when met), so positive outside, and inside minus the distance-like slack to the nearest edge.
inline double violation(const Eigen::Vector3d& v, const Sector& s) {
  double worst = -v.z();
  if (!s.whole_disc) {
    // Left of the eta_min ray and right of the eta_max ray (a convex wedge, width <= 180 deg).
    worst = std::max(worst, -(-s.sin_min * v.x() + s.cos_min * v.y()));
    worst = std::max(worst, -(s.sin_max * v.x() - s.cos_max * v.y()));
  }
  if (s.cut != CubicCut::None) worst = std::max(worst, v.x() - v.z());
  if (s.cut == CubicCut::ZAboveXAndY) worst = std::max(worst, v.y() - v.z());
  return worst;
}

const std::vector<Eigen::Matrix3d>& operator_matrices(LaueGroup g) {
  static const std::array<std::vector<Eigen::Matrix3d>, kLaueGroupCount> all = [] {
    std::array<std::vector<Eigen::Matrix3d>, kLaueGroupCount> m;
    for (LaueGroup lg : all_laue_groups())
      for (const Quat& s : symmetry_operators(lg)) m[static_cast<std::size_t>(lg)].push_back(matrix_from_quat(s));
    return m;
  }();
  return all[static_cast<std::size_t>(g)];
}


constexpr double kInside = 1e-12;
constexpr double kEdge = 1e-9;  // closer to an edge than this: the careful path
constexpr double kSin60 = 0.86602540378443864676;  // sqrt(3)/2

// The closed forms below are written with selects (?:) instead of branches, for two reasons: the
// octant of a voxel's direction is random, and the batch loop (reduce_to_ipf_sector_batch) runs
// the same code on several directions at a time.
template <class T>
struct Dir {
  T x, y, z;
};

// Reflection of (x, y) across the in-plane line at 30 or 60 degrees from x, where `when`.
template <class T>
void reflect_across_30_if(Dir<T>& d, bool when) {
  const T s = T(kSin60);
  const T nx = T(0.5) * d.x + s * d.y, ny = s * d.x - T(0.5) * d.y;
  d.x = when ? nx : d.x;
  d.y = when ? ny : d.y;
}
template <class T>
void reflect_across_60_if(Dir<T>& d, bool when) {
  const T s = T(kSin60);
  const T nx = T(-0.5) * d.x + s * d.y, ny = s * d.x + T(0.5) * d.y;
  d.x = when ? nx : d.x;
  d.y = when ? ny : d.y;
}

// Turns (x, y) about z by steps of 360/n degrees (cos c, sin s of one step) until its azimuth
// lies in [0, 360/n): at most n - 1 turns (the pole never qualifies and stays where it is).
template <class T>
void rotate_into_wedge(Dir<T>& d, int n, double c_, double s_) {
  const T c = T(c_), s = T(s_);
#pragma GCC unroll 8
  for (int k = 1; k < n; ++k) {
    const bool inside = (d.y >= T(0)) & (s * d.x - c * d.y > T(0));  // 0 <= eta < 360/n
    const T nx = c * d.x + s * d.y, ny = -s * d.x + c * d.y;      // turn by -360/n
    d.x = inside ? d.x : nx;
    d.y = inside ? d.y : ny;
  }
}

// Groups without a mirror normal to c reach the upper hemisphere only through the inversion.
template <class T>
void invert_to_upper(Dir<T>& d) {
  const T sign = d.z < T(0) ? T(-1) : T(1);
  d.x *= sign;
  d.y *= sign;
  d.z *= sign;
}

template <class T>
void abs_all(Dir<T>& d) {
  d.x = std::fabs(d.x);
  d.y = std::fabs(d.y);
  d.z = std::fabs(d.z);
}

// The Laue-equivalent of unit d in the group's sector, by the group's own geometry instead of
// trying its operators (ipf_sector.hpp's table): sign changes for the mirrors and the inversion,
// turns about c for the rotations, reflections for the hexagonal and trigonal mirrors, sorting
// or cyclic permutation of the coordinates for the cubic groups. Each step is an operation of
// the group, so the result is an equivalent; it lands in the sector up to rounding.
template <LaueGroup G, class T>
Dir<T> closed_form_equivalent(Dir<T> d) {
  using std::max, std::min;
  if constexpr (G == LaueGroup::Triclinic) {
    invert_to_upper(d);
  } else if constexpr (G == LaueGroup::Monoclinic) {  // mirror normal to b = y
    invert_to_upper(d);
    d.y = std::fabs(d.y);
  } else if constexpr (G == LaueGroup::Orthorhombic) {  // mirrors normal to x, y, z
    abs_all(d);
  } else if constexpr (G == LaueGroup::TetragonalLow) {  // mirror normal to z, 4-fold about z
    d.z = std::fabs(d.z);
    rotate_into_wedge(d, 4, 0.0, 1.0);
  } else if constexpr (G == LaueGroup::TetragonalHigh) {  // mmm plus the diagonal mirrors: 0 <= y <= x
    abs_all(d);
    const T hi = max(d.x, d.y), lo = min(d.x, d.y);
    d.x = hi;
    d.y = lo;
  } else if constexpr (G == LaueGroup::TrigonalLow) {  // -3: inversion and 3-fold about z
    invert_to_upper(d);
    rotate_into_wedge(d, 3, -0.5, kSin60);
  } else if constexpr (G == LaueGroup::TrigonalHigh) {  // -3m1: inversion, mirrors along 30, 90, 150 degrees
    invert_to_upper(d);
    d.x = std::fabs(d.x);                                                  // eta in [-90, 90]
    reflect_across_30_if(d, T(kSin60) * d.y - T(0.5) * d.x < T(0));        // eta < 30: now in (30, 150]
    d.x = std::fabs(d.x);                                                  // [30, 90]
  } else if constexpr (G == LaueGroup::HexagonalLow) {  // mirror normal to z, 6-fold about z
    d.z = std::fabs(d.z);
    rotate_into_wedge(d, 6, 0.5, kSin60);
  } else if constexpr (G == LaueGroup::HexagonalHigh) {  // mirrors normal to z and along every 30 degrees
    abs_all(d);                                                      // eta in [0, 90]
    reflect_across_60_if(d, T(0.5) * d.y - T(kSin60) * d.x > T(0));  // eta > 60: now in [30, 60)
    reflect_across_30_if(d, T(kSin60) * d.y - T(0.5) * d.x > T(0));  // eta > 30: now in [0, 30)
  } else if constexpr (G == LaueGroup::CubicLow) {  // mmm plus the 3-folds along <111>: cyclic permutations
    abs_all(d);
    const bool x_top = (d.x >= d.y) & (d.x > d.z), y_top = !x_top & (d.y > d.z);
    const Dir<T> o = d;
    d.x = x_top ? o.y : y_top ? o.z : o.x;  // x on top: (y, z, x); y on top: (z, x, y)
    d.y = x_top ? o.z : y_top ? o.x : o.y;
    d.z = x_top ? o.x : y_top ? o.y : o.z;
  } else {  // m-3m: every permutation and sign change, z >= x >= y >= 0
    abs_all(d);
    const T top = max(d.z, max(d.x, d.y)), bottom = min(d.z, min(d.x, d.y));
    const T middle = max(min(d.x, d.y), min(max(d.x, d.y), d.z));
    d = {middle, bottom, top};
  }
  return d;
}

// Calls f with std::integral_constant<LaueGroup, g>: one instantiation of the closed forms per group.
template <class F>
decltype(auto) with_group(LaueGroup g, F&& f) {
  switch (g) {
    case LaueGroup::Triclinic: return f(std::integral_constant<LaueGroup, LaueGroup::Triclinic>{});
    case LaueGroup::Monoclinic: return f(std::integral_constant<LaueGroup, LaueGroup::Monoclinic>{});
    case LaueGroup::Orthorhombic: return f(std::integral_constant<LaueGroup, LaueGroup::Orthorhombic>{});
    case LaueGroup::TetragonalLow: return f(std::integral_constant<LaueGroup, LaueGroup::TetragonalLow>{});
    case LaueGroup::TetragonalHigh: return f(std::integral_constant<LaueGroup, LaueGroup::TetragonalHigh>{});
    case LaueGroup::TrigonalLow: return f(std::integral_constant<LaueGroup, LaueGroup::TrigonalLow>{});
    case LaueGroup::TrigonalHigh: return f(std::integral_constant<LaueGroup, LaueGroup::TrigonalHigh>{});
    case LaueGroup::HexagonalLow: return f(std::integral_constant<LaueGroup, LaueGroup::HexagonalLow>{});
    case LaueGroup::HexagonalHigh: return f(std::integral_constant<LaueGroup, LaueGroup::HexagonalHigh>{});
    case LaueGroup::CubicLow: return f(std::integral_constant<LaueGroup, LaueGroup::CubicLow>{});
    case LaueGroup::CubicHigh: break;
  }
  return f(std::integral_constant<LaueGroup, LaueGroup::CubicHigh>{});
}

Eigen::Vector3d closed_form_equivalent(const Eigen::Vector3d& v, LaueGroup g) {
  const Dir<double> d = with_group(g, [&](auto group) {
    return closed_form_equivalent<decltype(group)::value>(Dir<double>{v.x(), v.y(), v.z()});
  });
  return {d.x, d.y, d.z};
}

// violation() in single precision for the batch: the sector's constraints as plain numbers
// (copied out of the Sector, so the loop sees constants) and selects instead of branches.
struct SectorBounds {
  bool wedge, cut, cut_y;
  float sin_min, cos_min, sin_max, cos_max;
};

SectorBounds bounds_of(const Sector& s) {
  return {!s.whole_disc, s.cut != CubicCut::None, s.cut == CubicCut::ZAboveXAndY, float(s.sin_min), float(s.cos_min),
          float(s.sin_max), float(s.cos_max)};
}

inline float violation_of(const Dir<float>& v, const SectorBounds& s) {
  const float off = -1.0f;  // a constraint the sector does not have: always met
  const float left = s.wedge ? -(-s.sin_min * v.x + s.cos_min * v.y) : off;
  const float right = s.wedge ? -(s.sin_max * v.x - s.cos_max * v.y) : off;
  const float below_x = s.cut ? v.x - v.z : off, below_y = s.cut_y ? v.y - v.z : off;
  return std::max(std::max(-v.z, std::max(left, right)), std::max(below_x, below_y));
}

// The batch loop of one group (a function of its own, not a lambda: its pointers must stay
// __restrict for the loop to vectorise).
template <LaueGroup G>
void reduce_batch(float* __restrict x, float* __restrict y, float* __restrict z, std::uint8_t* __restrict near_edge,
                  std::size_t n, const SectorBounds bounds) {
  constexpr float kNear = -1e-5f;  // single precision: about 100 ulp of a unit coordinate
  const SectorBounds s = bounds;
  for (std::size_t i = 0; i < n; ++i) {
    const Dir<float> d = closed_form_equivalent<G>(Dir<float>{x[i], y[i], z[i]});
    x[i] = d.x;
    y[i] = d.y;
    z[i] = d.z;
    near_edge[i] = violation_of(d, s) >= kNear ? 1 : 0;
  }
}

}  // namespace

std::array<IpfSectorCorner, 3> ipf_sector_corners(LaueGroup g) { return sector_of(g).corners; }

bool in_ipf_sector(const Eigen::Vector3d& v, LaueGroup g, double tol) { return violation(v, sector_of(g)) <= tol; }

Eigen::Vector3d reduce_to_ipf_sector_by_operators(const Eigen::Vector3d& v_in, LaueGroup g) {
  const Sector& s = sector_of(g);
  const Eigen::Vector3d v = v_in.normalized();
  Eigen::Vector3d best = v;
  double best_violation = INFINITY;
  for (const Eigen::Matrix3d& r : operator_matrices(g)) {
    const Eigen::Vector3d u = r * v;
    // Inversion is in every Laue group, so -u is as good as u; on the equator both are tried.
    for (const double sign : {1.0, -1.0}) {
      const Eigen::Vector3d c = sign * u;
      if (c.z() < -kInside) continue;
      const double bad = violation(c, s);
      if (bad <= kInside) return c;
      if (bad < best_violation) {
        best_violation = bad;
        best = c;
      }
    }
  }
  return best;  // only reached through rounding at an edge: the nearest candidate
}

Eigen::Vector3d reduce_to_ipf_sector(const Eigen::Vector3d& v_in, LaueGroup g) {
  const Sector& s = sector_of(g);
  const Eigen::Vector3d v = v_in.normalized();
  const Eigen::Vector3d c = closed_form_equivalent(v, g);
  // Well inside the sector (every constraint met with room to spare), c is the only equivalent
  // there: the sector is a fundamental domain. That is every voxel but those on an edge.
  if (violation(c, s) < -kEdge) return c;
  // Near an edge: the operator loop's first candidates are v and -v, and where one of them
  // already lies in the sector (on a seam two different equivalents do) it is the answer there.
  if (violation(v, s) <= kInside) return v;
  if (violation(-v, s) <= kInside) return -v;
  if (violation(c, s) <= kInside) return c;
  return reduce_to_ipf_sector_by_operators(v, g);  // rounding at an edge: the reference decides
}

void reduce_to_ipf_sector_batch(float* x, float* y, float* z, std::uint8_t* near_edge, std::size_t n, LaueGroup g) {
  const Sector& s = sector_of(g);
  with_group(g, [&](auto group) { reduce_batch<decltype(group)::value>(x, y, z, near_edge, n, bounds_of(s)); });
}

}  // namespace ebsd

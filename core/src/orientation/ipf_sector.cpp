// Fundamental sectors of crystal directions under the 11 Laue groups; the table of sectors and
// the reason for each choice are in ipf_sector.hpp.
#include "ebsd/orientation/ipf_sector.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
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

// How far v lies outside the sector (0 inside): the largest violated linear constraint.
double violation(const Eigen::Vector3d& v, const Sector& s) {
  double worst = std::max(0.0, -v.z());
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

}  // namespace

std::array<IpfSectorCorner, 3> ipf_sector_corners(LaueGroup g) { return sector_of(g).corners; }

bool in_ipf_sector(const Eigen::Vector3d& v, LaueGroup g, double tol) { return violation(v, sector_of(g)) <= tol; }

Eigen::Vector3d reduce_to_ipf_sector(const Eigen::Vector3d& v_in, LaueGroup g) {
  const Sector& s = sector_of(g);
  const Eigen::Vector3d v = v_in.normalized();
  constexpr double kInside = 1e-12;
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

}  // namespace ebsd

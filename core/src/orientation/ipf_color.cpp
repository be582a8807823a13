// IPF colours: the crystal direction along a sample direction, reduced into the fundamental
// sector (ipf_sector.hpp), mapped to RGB by the TSL-style key as EbsdLib/DREAM.3D computes it
// (LaueOps::computeIPFColor): with chi the angle from [001] and eta the azimuth,
//   red   = 1 - chi / chi_max(eta)
//   green = (1 - t) chi / chi_max(eta),   blue = t chi / chi_max(eta),
//   t     = (eta - eta_min) / (eta_max - eta_min),
// each channel square-rooted and the triple divided by its largest channel, so the brightest
// channel is 1. chi_max is 90 degrees except for the cubic groups, where the sector's top edge
// (z = x, or z = max(x, y) for m-3) bounds it. The sector corners come out pure red, green, blue.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "ebsd/orientation/ipf.hpp"
#include "ebsd/orientation/ipf_sector.hpp"
#include "ebsd/orientation/rotations.hpp"

namespace ebsd {
namespace {

constexpr double kPi = std::numbers::pi;

struct EtaRange {
  double lo, hi;
  bool fold_abs;  // -1: t = |eta| / pi over the whole disc
};

EtaRange eta_range(LaueGroup g) {
  switch (g) {
    case LaueGroup::Triclinic: return {0, kPi, true};
    case LaueGroup::Monoclinic: return {0, kPi, false};
    case LaueGroup::Orthorhombic:
    case LaueGroup::TetragonalLow:
    case LaueGroup::CubicLow: return {0, kPi / 2, false};
    case LaueGroup::TetragonalHigh:
    case LaueGroup::CubicHigh: return {0, kPi / 4, false};
    case LaueGroup::TrigonalLow: return {0, 2 * kPi / 3, false};
    case LaueGroup::TrigonalHigh: return {kPi / 6, kPi / 2, false};
    case LaueGroup::HexagonalLow: return {0, kPi / 3, false};
    case LaueGroup::HexagonalHigh: return {0, kPi / 6, false};
  }
  return {0, kPi, false};
}

// The largest polar angle of the sector at azimuth eta (radians).
double chi_max(LaueGroup g, double eta) {
  if (g == LaueGroup::CubicHigh) return std::atan2(1.0, std::cos(eta));  // edge z = x
  if (g == LaueGroup::CubicLow) return std::atan2(1.0, std::max(std::cos(eta), std::sin(eta)));  // z = max(x, y)
  return kPi / 2;
}

}  // namespace

Eigen::Vector3d ipf_direction(const Quat& q, const Eigen::Vector3d& sample_direction, LaueGroup g) {
  // Passive orientation: crystal coordinates of the sample direction (quaternion.hpp).
  return reduce_to_ipf_sector(matrix_from_quat(q) * sample_direction.normalized(), g);
}

Eigen::Vector3d ipf_color_of_direction(const Eigen::Vector3d& crystal_direction, LaueGroup g) {
  const Eigen::Vector3d v = in_ipf_sector(crystal_direction.normalized(), g)
                                ? Eigen::Vector3d(crystal_direction.normalized())
                                : reduce_to_ipf_sector(crystal_direction, g);
  const EtaRange range = eta_range(g);
  const double rho = std::hypot(v.x(), v.y());
  const double chi = std::atan2(rho, v.z());
  double eta = rho > 0 ? std::atan2(v.y(), v.x()) : range.lo;
  if (range.fold_abs) {
    eta = std::fabs(eta);
  } else if (eta < range.lo - 1e-6) {
    eta += 2 * kPi;  // atan2 gives -pi for the [-100] edge of 2/m
  }
  const double t = std::clamp((eta - range.lo) / (range.hi - range.lo), 0.0, 1.0);
  const double f = std::clamp(chi / chi_max(g, eta), 0.0, 1.0);
  Eigen::Vector3d rgb(std::sqrt(1.0 - f), std::sqrt((1.0 - t) * f), std::sqrt(t * f));
  return rgb / rgb.maxCoeff();  // never all zero: the channels' squares sum to 1
}

std::array<std::uint8_t, 3> ipf_color(const Quat& q, const Eigen::Vector3d& sample_direction, LaueGroup g) {
  const Eigen::Vector3d c = ipf_color_of_direction(ipf_direction(q, sample_direction, g), g);
  auto byte = [](double x) { return static_cast<std::uint8_t>(std::lround(std::clamp(x, 0.0, 1.0) * 255.0)); };
  return {byte(c.x()), byte(c.y()), byte(c.z())};
}

}  // namespace ebsd

#pragma once
// The IPF colour as core computed it before the closed-form sector reduction: every symmetry
// operator tried in turn (reduce_to_ipf_sector_by_operators), eta and chi from atan2, the cubic
// chi_max from cos eta, std::lround. The unit test holds ipf_color to it within one step of 255
// per channel; the IPF benchmark times both.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>

#include "ebsd/orientation/ipf.hpp"
#include "ebsd/orientation/ipf_sector.hpp"
#include "ebsd/orientation/rotations.hpp"

namespace ebsd::test {

inline std::array<std::uint8_t, 3> ipf_color_reference(const Quat& q, const Eigen::Vector3d& sample_direction,
                                                        LaueGroup g) {
  constexpr double kPi = std::numbers::pi;
  const Eigen::Vector3d v = reduce_to_ipf_sector_by_operators(matrix_from_quat(q) * sample_direction.normalized(), g);
  double lo = 0, hi = kPi;
  bool fold_abs = false;
  switch (g) {
    case LaueGroup::Triclinic: fold_abs = true; break;
    case LaueGroup::Monoclinic: break;
    case LaueGroup::Orthorhombic:
    case LaueGroup::TetragonalLow:
    case LaueGroup::CubicLow: hi = kPi / 2; break;
    case LaueGroup::TetragonalHigh:
    case LaueGroup::CubicHigh: hi = kPi / 4; break;
    case LaueGroup::TrigonalLow: hi = 2 * kPi / 3; break;
    case LaueGroup::TrigonalHigh: lo = kPi / 6, hi = kPi / 2; break;
    case LaueGroup::HexagonalLow: hi = kPi / 3; break;
    case LaueGroup::HexagonalHigh: hi = kPi / 6; break;
  }
  const double rho = std::hypot(v.x(), v.y());
  const double chi = std::atan2(rho, v.z());
  double eta = rho > 0 ? std::atan2(v.y(), v.x()) : lo;
  if (fold_abs) {
    eta = std::fabs(eta);
  } else if (eta < lo - 1e-6) {
    eta += 2 * kPi;
  }
  double chi_max = kPi / 2;
  if (g == LaueGroup::CubicHigh) chi_max = std::atan2(1.0, std::cos(eta));
  if (g == LaueGroup::CubicLow) chi_max = std::atan2(1.0, std::max(std::cos(eta), std::sin(eta)));
  const double t = std::clamp((eta - lo) / (hi - lo), 0.0, 1.0);
  const double f = std::clamp(chi / chi_max, 0.0, 1.0);
  Eigen::Vector3d rgb(std::sqrt(1.0 - f), std::sqrt((1.0 - t) * f), std::sqrt(t * f));
  rgb /= rgb.maxCoeff();
  auto byte = [](double x) { return static_cast<std::uint8_t>(std::lround(std::clamp(x, 0.0, 1.0) * 255.0)); };
  return {byte(rgb.x()), byte(rgb.y()), byte(rgb.z())};
}

}  // namespace ebsd::test

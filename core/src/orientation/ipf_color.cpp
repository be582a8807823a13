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
#include "table_atan2.hpp"

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

// RGB of a unit direction inside the sector (angles by table_atan2, which agrees with
// std::atan2 to a few ulp at a fraction of its price). chi_max(eta) of the cubic groups is written with
// the direction's own coordinates, cos eta = x / rho: atan2(1, cos eta) = atan2(rho, x) for m-3m
// (edge z = x) and atan2(rho, max(x, y)) for m-3 (edge z = max(x, y)); at the pole chi = 0.
Eigen::Vector3d colour_of_sector_direction(const Eigen::Vector3d& v, LaueGroup g) {
  const EtaRange range = eta_range(g);
  const double rho = std::sqrt(v.x() * v.x() + v.y() * v.y());
  const double chi = detail::table_atan2(rho, v.z());
  double eta = rho > 0 ? detail::table_atan2(v.y(), v.x()) : range.lo;
  if (range.fold_abs) {
    eta = std::fabs(eta);
  } else if (eta < range.lo - 1e-6) {
    eta += 2 * kPi;  // atan2 gives -pi for the [-100] edge of 2/m
  }
  double chi_max = kPi / 2;
  if (g == LaueGroup::CubicHigh) chi_max = detail::table_atan2(rho, v.x());
  if (g == LaueGroup::CubicLow) chi_max = detail::table_atan2(rho, std::max(v.x(), v.y()));
  const double t = std::clamp((eta - range.lo) / (range.hi - range.lo), 0.0, 1.0);
  const double f = rho > 0 ? std::clamp(chi / chi_max, 0.0, 1.0) : 0.0;
  Eigen::Vector3d rgb(std::sqrt(1.0 - f), std::sqrt((1.0 - t) * f), std::sqrt(t * f));
  return rgb / rgb.maxCoeff();  // never all zero: the channels' squares sum to 1
}

}  // namespace

Eigen::Vector3d ipf_direction(const Quat& q, const Eigen::Vector3d& sample_direction, LaueGroup g) {
  // Passive orientation: crystal coordinates of the sample direction (quaternion.hpp).
  return reduce_to_ipf_sector(matrix_from_quat(q) * sample_direction.normalized(), g);
}

Eigen::Vector3d ipf_color_of_direction(const Eigen::Vector3d& crystal_direction, LaueGroup g) {
  const Eigen::Vector3d n = crystal_direction.normalized();
  return colour_of_sector_direction(in_ipf_sector(n, g) ? n : reduce_to_ipf_sector(n, g), g);
}

std::array<std::uint8_t, 3> ipf_color(const Quat& q, const Eigen::Vector3d& sample_direction, LaueGroup g) {
  // ipf_direction is in the sector already: no second check.
  const Eigen::Vector3d c = colour_of_sector_direction(ipf_direction(q, sample_direction, g), g);
  // Rounding to nearest; the channels lie in [0, 1], so +0.5 and truncation is lround.
  auto byte = [](double x) { return static_cast<std::uint8_t>(std::clamp(x, 0.0, 1.0) * 255.0 + 0.5); };
  return {byte(c.x()), byte(c.y()), byte(c.z())};
}

namespace {

// atan(a) for a in [0, 1] in single precision: an odd polynomial of degree 15, fitted to
// std::atan by iteratively reweighted least squares (largest error 3.8e-8 in exact arithmetic).
inline float atan_unit(float a) {
  const float a2 = a * a;
  return a * (0.99999933558f +
              a2 * (-0.33329860787f +
                    a2 * (0.19946565665f +
                          a2 * (-0.13908629568f +
                                a2 * (0.09642197294f + a2 * (-0.05591232557f + a2 * (0.02186295669f + a2 * -0.00405456681f)))))));
}

// atan2 with selects only (vectorises); atan2(0, 0) = 0.
inline float atan2_batch(float y, float x) {
  const float ax = std::fabs(x), ay = std::fabs(y);
  const float hi = std::max(ax, ay), lo = std::min(ax, ay);
  const float a = lo / std::max(hi, 1e-30f);  // no division in a select: it would keep a branch
  const float r0 = atan_unit(a);
  const float r1 = ay > ax ? float(kPi / 2) - r0 : r0;
  const float r2 = x < 0.0f ? float(kPi) - r1 : r1;
  return y < 0.0f ? -r2 : r2;
}

enum class ChiMax { Quarter, CubicHigh, CubicLow };

// colour_of_sector_direction for a block of reduced directions, in single precision: the
// channels scaled to [0, 255] into r, g, b (__restrict and plain floats, so the loop vectorises).
template <ChiMax kChi, bool kFoldAbs>
void colour_block(const float* __restrict x, const float* __restrict y, const float* __restrict z, std::size_t n,
                  const float lo, const float inv_width, float* __restrict red,
                  float* __restrict green, float* __restrict blue) {
  for (std::size_t i = 0; i < n; ++i) {
    const float rho = std::sqrt(x[i] * x[i] + y[i] * y[i]);
    const float chi = atan2_batch(rho, z[i]);
    const float eta_raw = rho > 0.0f ? atan2_batch(y[i], x[i]) : lo;
    float eta = eta_raw < lo - 1e-6f ? eta_raw + float(2 * kPi) : eta_raw;
    if constexpr (kFoldAbs) eta = std::fabs(eta_raw);
    float chi_max = float(kPi / 2);
    if constexpr (kChi == ChiMax::CubicHigh) chi_max = atan2_batch(rho, x[i]);
    if constexpr (kChi == ChiMax::CubicLow) chi_max = atan2_batch(rho, std::max(x[i], y[i]));
    const float t = std::clamp((eta - lo) * inv_width, 0.0f, 1.0f);
    const float f = rho > 0.0f ? std::clamp(chi / std::max(chi_max, 1e-30f), 0.0f, 1.0f) : 0.0f;
    const float r = std::sqrt(1.0f - f), g = std::sqrt((1.0f - t) * f), b = std::sqrt(t * f);
    const float scale = 255.0f / std::max(r, std::max(g, b));
    red[i] = std::min(r * scale, 255.0f);
    green[i] = std::min(g * scale, 255.0f);
    blue[i] = std::min(b * scale, 255.0f);
  }
}

// Rounds the channels (in [0, 255]) to bytes, interleaved.
void interleave_bytes(const float* __restrict red, const float* __restrict green, const float* __restrict blue,
                      std::size_t n, std::uint8_t* __restrict rgb) {
  for (std::size_t i = 0; i < n; ++i) {
    rgb[3 * i] = static_cast<std::uint8_t>(red[i] + 0.5f);
    rgb[3 * i + 1] = static_cast<std::uint8_t>(green[i] + 0.5f);
    rgb[3 * i + 2] = static_cast<std::uint8_t>(blue[i] + 0.5f);
  }
}

}  // namespace

void ipf_colors(const float* quats, std::size_t count, const Eigen::Vector3d& sample_direction, LaueGroup g,
                std::uint8_t* rgb) {
  constexpr std::size_t kBlock = 256;
  const Eigen::Vector3d dn = sample_direction.normalized();
  const float dx = float(dn.x()), dy = float(dn.y()), dz = float(dn.z());
  const EtaRange range = eta_range(g);
  const float lo = float(range.lo), inv_width = float(1.0 / (range.hi - range.lo));
  float x[kBlock], y[kBlock], z[kBlock], red[kBlock], green[kBlock], blue[kBlock];
  std::uint8_t near_edge[kBlock];
  for (std::size_t begin = 0; begin < count; begin += kBlock) {
    const std::size_t n = std::min(kBlock, count - begin);
    const float* q = quats + 4 * begin;
    // Crystal coordinates of the sample direction: matrix_from_quat(q) * d, normalised.
    for (std::size_t i = 0; i < n; ++i) {
      const float w = q[4 * i], a = q[4 * i + 1], b = q[4 * i + 2], c = q[4 * i + 3];
      const float vx = (w * w + a * a - b * b - c * c) * dx + 2 * (a * b - w * c) * dy + 2 * (a * c + w * b) * dz;
      const float vy = 2 * (a * b + w * c) * dx + (w * w - a * a + b * b - c * c) * dy + 2 * (b * c - w * a) * dz;
      const float vz = 2 * (a * c - w * b) * dx + 2 * (b * c + w * a) * dy + (w * w - a * a - b * b + c * c) * dz;
      const float inv = 1.0f / std::sqrt(vx * vx + vy * vy + vz * vz);
      x[i] = vx * inv;
      y[i] = vy * inv;
      z[i] = vz * inv;
    }
    reduce_to_ipf_sector_batch(x, y, z, near_edge, n, g);
    if (g == LaueGroup::CubicHigh) colour_block<ChiMax::CubicHigh, false>(x, y, z, n, lo, inv_width, red, green, blue);
    else if (g == LaueGroup::CubicLow) colour_block<ChiMax::CubicLow, false>(x, y, z, n, lo, inv_width, red, green, blue);
    else if (range.fold_abs) colour_block<ChiMax::Quarter, true>(x, y, z, n, lo, inv_width, red, green, blue);
    else colour_block<ChiMax::Quarter, false>(x, y, z, n, lo, inv_width, red, green, blue);
    std::uint8_t* out = rgb + 3 * begin;
    interleave_bytes(red, green, blue, n, out);
    for (std::size_t i = 0; i < n; ++i) {
      if (!near_edge[i]) continue;
      const auto c = ipf_color(Quat{q[4 * i], q[4 * i + 1], q[4 * i + 2], q[4 * i + 3]}, sample_direction, g);
      std::copy(c.begin(), c.end(), out + 3 * i);
    }
  }
}

}  // namespace ebsd

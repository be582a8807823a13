#include "ebsd/synth/side_modalities.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <vector>

#include "boundary_distance.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "ebsd/synth/seeded_random.hpp"

namespace ebsd::synth {
namespace {

bool is_cubic(LaueGroup g) { return g == LaueGroup::CubicHigh || g == LaueGroup::CubicLow; }

// The third rows of the symmetry operators' matrices: (s d) . z = row . d. Cached, since the
// BSE model evaluates them for every voxel.
const std::vector<Eigen::Vector3d>& operator_z_rows(LaueGroup laue) {
  static const std::array<std::vector<Eigen::Vector3d>, kLaueGroupCount> rows = [] {
    std::array<std::vector<Eigen::Vector3d>, kLaueGroupCount> r;
    for (LaueGroup g : all_laue_groups())
      for (const Quat& s : symmetry_operators(g))
        r[static_cast<std::size_t>(g)].push_back(matrix_from_quat(s).row(2).transpose());
    return r;
  }();
  return rows[static_cast<std::size_t>(laue)];
}

// Symmetrised fourth moment of d along z, before rescaling.
double raw_channelling(const Eigen::Vector3d& d, LaueGroup laue) {
  const auto& rows = operator_z_rows(laue);
  double sum = 0.0;
  for (const auto& row : rows) {
    const double z = row.dot(d);
    sum += z * z * z * z;
  }
  return sum / static_cast<double>(rows.size());
}

struct Range {
  double lo = 0.0, hi = 1.0;
};

// The range of raw_channelling over the sphere, from a Fibonacci lattice of 4000 directions
// (dense enough that the extremes, at zone axes, are met to 1e-3).
Range channelling_range(LaueGroup laue) {
  static const std::array<Range, kLaueGroupCount> ranges = [] {
    std::array<Range, kLaueGroupCount> r{};
    constexpr int n = 4000;
    const double golden = std::numbers::pi * (3.0 - std::sqrt(5.0));
    for (LaueGroup g : all_laue_groups()) {
      Range& out = r[static_cast<std::size_t>(g)];
      out = {1e300, -1e300};
      // The poles and the cube axes first: exact extremes for the common groups.
      const Eigen::Vector3d special[] = {{0, 0, 1}, {1, 0, 0}, {0, 1, 0}, Eigen::Vector3d(1, 1, 1).normalized(),
                                         Eigen::Vector3d(1, 1, 0).normalized()};
      auto take = [&](const Eigen::Vector3d& d) {
        const double c = raw_channelling(d, g);
        out.lo = std::min(out.lo, c);
        out.hi = std::max(out.hi, c);
      };
      for (const auto& d : special) take(d);
      for (int k = 0; k < n; ++k) {
        const double z = 1.0 - 2.0 * (k + 0.5) / n, rho = std::sqrt(1.0 - z * z), a = golden * k;
        take({rho * std::cos(a), rho * std::sin(a), z});
      }
      if (out.hi - out.lo < 1e-12) out = {0.0, 1.0};
    }
    return r;
  }();
  return ranges[static_cast<std::size_t>(laue)];
}

}  // namespace

double polarized_light_intensity(const Quat& g, LaueGroup laue, double polarizer) {
  if (is_cubic(laue)) return 0.0;
  // The crystal c-axis in sample coordinates: v_s = g^T v_c, i.e. the third row of g.
  const Eigen::Vector3d c = matrix_from_quat(g).row(2).transpose();
  const double sin2_theta = std::max(0.0, 1.0 - c.z() * c.z());
  if (sin2_theta < 1e-15) return 0.0;
  const double phi = std::atan2(c.y(), c.x());
  const double s = std::sin(2.0 * (phi - polarizer));
  return s * s * sin2_theta;
}

double channelling_contrast(const Quat& g, LaueGroup laue) {
  // The crystal direction along the beam: g applied to sample Z.
  const Eigen::Vector3d d = matrix_from_quat(g).col(2);
  const Range r = channelling_range(laue);
  return std::clamp((raw_channelling(d, laue) - r.lo) / (r.hi - r.lo), 0.0, 1.0);
}

void add_polarized_light_channel(Volume& v, double polarizer, double noise, std::uint64_t seed) {
  SeededRandom rng(seed, Stream::PolarizedLight);
  Channel ch;
  ch.values.resize(static_cast<std::size_t>(v.voxel_count()));
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    const Phase* p = v.phase_of(i);
    double value = p ? polarized_light_intensity(v.orientation(i), p->laue, polarizer) : 0.0;
    if (noise > 0.0) value = std::clamp(value + noise * rng.normal(), 0.0, 1.0);
    ch.values[static_cast<std::size_t>(i)] = static_cast<float>(value);
  }
  ch.description = "polarized light, crossed polarizers at " + std::to_string(polarizer * 180.0 / std::numbers::pi) +
                   " deg: sin^2(2(phi - polarizer)) sin^2(theta) of the c-axis, 0 for cubic phases (ebsd::synth)";
  v.set_channel("pl", std::move(ch));
}

void add_bse_channel(Volume& v, double boundary_darkening, double noise, std::uint64_t seed) {
  SeededRandom rng(seed, Stream::Bse);
  std::vector<std::uint8_t> dist;
  if (v.has_grain_ids()) dist = in_plane_boundary_distance(v.grain_ids(), v.dims());
  Channel ch;
  ch.values.resize(static_cast<std::size_t>(v.voxel_count()));
  const auto phase_ids = v.phase_ids();
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    const Phase* p = v.phase_of(i);
    const double c = p ? channelling_contrast(v.orientation(i), p->laue) : 0.5;
    const double base = p ? 0.25 + 0.15 * ((phase_ids[static_cast<std::size_t>(i)] - 1) % 3) : 0.25;
    double value = base + 0.5 * c;
    if (!dist.empty()) value *= 1.0 - boundary_darkening * std::exp(-static_cast<double>(dist[static_cast<std::size_t>(i)]));
    value += noise * rng.normal();
    ch.values[static_cast<std::size_t>(i)] = static_cast<float>(std::clamp(value, 0.0, 1.0));
  }
  ch.description = "BSE channelling contrast along sample Z with boundary darkening (ebsd::synth)";
  v.set_channel("bse", std::move(ch));
}

}  // namespace ebsd::synth

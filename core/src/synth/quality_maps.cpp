#include "quality_maps.hpp"

#include <algorithm>
#include <cmath>

namespace ebsd::synth {

void fill_quality_maps(Volume& v, const std::vector<std::int32_t>& labels, std::int32_t feature_count,
                       const std::vector<std::uint8_t>& boundary_distance, const QualityOptions& q, SeededRandom& rng) {
  // Pattern quality differs a little from grain to grain (orientation-dependent band contrast).
  std::vector<double> grain_factor(static_cast<std::size_t>(feature_count) + 1);
  for (auto& g : grain_factor) g = rng.uniform(1.0 - q.iq_grain_spread, 1.0 + q.iq_grain_spread);
  auto ci = v.confidence();
  auto iq = v.image_quality();
  auto valid = v.valid();
  for (std::size_t i = 0; i < labels.size(); ++i) {
    // 1 on a boundary pixel, e^-1 one pixel away, ...: the fraction of the beam on the other grain.
    const double near = std::exp(-static_cast<double>(boundary_distance[i]));
    const double c = q.ci_boundary + (q.ci_interior - q.ci_boundary) * (1.0 - near) + q.ci_noise * rng.normal();
    ci[i] = static_cast<float>(std::clamp(c, 0.0, 1.0));
    const double b = q.iq_interior * grain_factor[static_cast<std::size_t>(labels[i])] *
                         (1.0 - (1.0 - q.iq_boundary_ratio) * near) +
                     q.iq_noise * rng.normal();
    iq[i] = static_cast<float>(std::max(0.0, b));
    valid[i] = 1;
  }
}

}  // namespace ebsd::synth

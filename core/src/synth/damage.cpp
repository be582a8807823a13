#include "ebsd/synth/damage.hpp"

#include <numbers>

#include "ebsd/synth/orientation_sampling.hpp"
#include "ebsd/synth/seeded_random.hpp"

namespace ebsd::synth {
namespace {
constexpr double kDeg = std::numbers::pi / 180.0;
}

void remove_slices(Volume& v, std::span<const std::int64_t> slices) {
  const std::int64_t plane = v.nx() * v.ny();
  for (std::int64_t z : slices) {
    v.mark_missing(z);  // validates z first
    for (std::int64_t i = z * plane; i < (z + 1) * plane; ++i) {
      const auto k = static_cast<std::size_t>(i);
      v.set_orientation(i, Quat::identity());
      v.phase_ids()[k] = 0;
      v.confidence()[k] = 0.0f;
      v.image_quality()[k] = 0.0f;
      v.valid()[k] = 0;
      if (v.has_grain_ids()) v.grain_ids()[k] = 0;
    }
  }
}

void damage_slices(Volume& v, const DamageOptions& d, std::uint64_t seed) {
  const std::int64_t plane = v.nx() * v.ny();
  for (std::int64_t z : d.slices) {
    v.mark_damaged(z);
    // One stream per slice: damaging slice 5 gives the same pixels whether or not slice 9 is
    // damaged too.
    SeededRandom rng(seed, mix64(static_cast<std::uint64_t>(Stream::Damage)) ^ static_cast<std::uint64_t>(z));
    for (std::int64_t i = z * plane; i < (z + 1) * plane; ++i) {
      const auto k = static_cast<std::size_t>(i);
      if (rng.uniform() < d.speckle_fraction) {
        v.set_orientation(i, random_orientation(rng));
        v.confidence()[k] = static_cast<float>(rng.uniform(0.0, 0.1));
        v.image_quality()[k] *= static_cast<float>(rng.uniform(0.2, 0.5));
        v.valid()[k] = 0;
      } else {
        if (d.orientation_noise_deg > 0.0) v.set_orientation(i, scatter(v.orientation(i), d.orientation_noise_deg * kDeg, rng));
        v.confidence()[k] *= static_cast<float>(d.ci_factor);
      }
    }
  }
}

void add_orientation_scatter(Volume& v, double sigma_deg, std::uint64_t seed) {
  if (sigma_deg <= 0.0) return;
  SeededRandom rng(seed, Stream::Scatter);
  for (std::int64_t i = 0; i < v.voxel_count(); ++i)
    if (v.is_valid(i)) v.set_orientation(i, scatter(v.orientation(i), sigma_deg * kDeg, rng));
}

}  // namespace ebsd::synth

#include "grain_orientations.hpp"

#include <numbers>
#include <string>

#include "ebsd/core/error.hpp"
#include "ebsd/orientation/disorientation.hpp"
#include "ebsd/synth/orientation_sampling.hpp"

namespace ebsd::synth {

Quat FeatureOrientations::of(std::int32_t label) const {
  const auto f = static_cast<std::size_t>(label - 1);
  const auto o = static_cast<std::size_t>(owner[f] - 1);
  return is_lamella[f] ? sigma3_twin(parent[o], *twin_axis[o]) : parent[o];
}

void separate_neighbours(FeatureOrientations& f, const std::vector<std::vector<std::int32_t>>& neighbours,
                         const TextureOptions& texture, double min_angle_deg, SeededRandom& rng, Progress& progress) {
  constexpr int kMaxDraws = 1000;
  const double min_angle = min_angle_deg * std::numbers::pi / 180.0;
  const auto grains = static_cast<std::int32_t>(f.parent.size());
  std::vector<std::vector<std::int32_t>> features_of(f.parent.size());
  for (std::size_t k = 0; k < f.owner.size(); ++k)
    features_of[static_cast<std::size_t>(f.owner[k] - 1)].push_back(static_cast<std::int32_t>(k + 1));

  // Greedy in an order: a grain is drawn against the grains placed before it and is never
  // changed afterwards, so every touching pair is checked once, when its later grain is placed.
  // Twinned grains go first: turning about the twin axis is one degree of freedom, and with
  // both parent and lamellae to keep apart it can run out of room among many placed
  // neighbours; an untwinned grain has all three degrees of freedom.
  std::vector<bool> placed(f.parent.size(), false);
  auto apart = [&](std::int32_t grain) {
    const auto g = static_cast<std::size_t>(grain - 1);
    for (std::int32_t feature : features_of[g]) {
      const Quat q = f.of(feature);
      for (std::int32_t other : neighbours[static_cast<std::size_t>(feature - 1)]) {
        const std::int32_t other_owner = f.owner[static_cast<std::size_t>(other - 1)];
        const auto o = static_cast<std::size_t>(other_owner - 1);
        if (other_owner == grain || !placed[o] || f.phase[o] != f.phase[g]) continue;
        if (disorientation_angle(q, f.of(other), f.laue[g]) <= min_angle) return false;
      }
    }
    return true;
  };

  std::vector<std::int32_t> order;
  for (std::int32_t grain = 1; grain <= grains; ++grain)
    if (f.twin_axis[static_cast<std::size_t>(grain - 1)]) order.push_back(grain);
  for (std::int32_t grain = 1; grain <= grains; ++grain)
    if (!f.twin_axis[static_cast<std::size_t>(grain - 1)]) order.push_back(grain);

  for (std::size_t k = 0; k < order.size(); ++k) {
    if (k % 64 == 0) progress.check();
    const std::int32_t grain = order[k];
    const auto g = static_cast<std::size_t>(grain - 1);
    int draws = 0;
    while (!apart(grain)) {
      if (++draws > kMaxDraws)
        throw Error("no orientation for grain " + std::to_string(grain) + " keeps its neighbours more than " +
                        std::to_string(min_angle_deg) + " deg away after " + std::to_string(kMaxDraws) +
                        " draws; use a wider texture spread or a smaller texture fraction",
                    "synth options", "texture");
      if (f.twin_axis[g])
        f.parent[g] = (rotation_about(*f.twin_axis[g], rng.uniform(0.0, 2.0 * std::numbers::pi)) * f.parent[g]).normalized().positive();
      else
        f.parent[g] = sample_texture(texture, rng);
    }
    placed[g] = true;
  }
}

}  // namespace ebsd::synth

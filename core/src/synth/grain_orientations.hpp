#pragma once
// Orientations of the generated features (parent grains and twin lamellae), chosen so that
// every pair of touching features of one phase is more than a minimum disorientation apart.
// A segmentation at 5 deg then finds exactly the generated features.
#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <vector>

#include "ebsd/core/progress.hpp"
#include "ebsd/orientation/laue_group.hpp"
#include "ebsd/orientation/quaternion.hpp"
#include "ebsd/synth/seeded_random.hpp"
#include "ebsd/synth/synth_options.hpp"

namespace ebsd::synth {

struct FeatureOrientations {
  // Per parent grain (index parent label - 1).
  std::vector<Quat> parent;
  std::vector<std::optional<Eigen::Vector3d>> twin_axis;  // crystal <111> of its lamellae, if twinned
  std::vector<LaueGroup> laue;
  std::vector<std::int32_t> phase;  // phase id
  // Per feature (index label - 1): its parent grain label (itself for a parent).
  std::vector<std::int32_t> owner;
  std::vector<bool> is_lamella;

  // The orientation of feature `label`: the parent's, or its Sigma-3 twin for a lamella.
  Quat of(std::int32_t label) const;
};

// Places the parent grains one by one (twinned grains first, then in label order); while a
// feature of the grain is within min_angle_deg of a touching feature of an already placed grain
// (same phase), draws the grain again: a fresh orientation from the texture, or, for a twinned
// grain, a random turn about its twin axis (which keeps the lamellae on a {111} plane). Placed
// grains never change, so afterwards every touching pair is apart. Throws ebsd::Error when 1000
// draws do not suffice (a texture too sharp for the angle).
void separate_neighbours(FeatureOrientations& f, const std::vector<std::vector<std::int32_t>>& neighbours,
                         const TextureOptions& texture, double min_angle_deg, SeededRandom& rng, Progress& progress);

}  // namespace ebsd::synth

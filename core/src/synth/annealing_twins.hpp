#pragma once
// Annealing twins: parallel lamellae inside a grain, bounded by the parent's {111} plane
// (coherent Sigma-3 boundaries), each lamella ending inside the grain. Ending inside matters:
// a lamella that crossed the whole grain would cut the parent into two pieces of the same
// orientation, which a segmentation reports as two grains.
#include <Eigen/Core>
#include <array>
#include <cstdint>
#include <vector>

#include "ebsd/core/progress.hpp"
#include "ebsd/orientation/quaternion.hpp"
#include "ebsd/synth/seeded_random.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::synth {

struct TwinnedGrain {
  std::int32_t parent = 0;                 // parent label
  Eigen::Vector3d axis111{1.0, 1.0, 1.0};  // crystal <111> normal to the lamellae (unit)
};

struct Lamella {
  std::int32_t label = 0;
  std::int32_t parent = 0;
};

// For each twinned grain (in order), picks one of the four {111} planes of the parent at random
// (stored in axis111), and carves 1 to 3 parallel lamellae, 2 to a few voxels thick, with the
// parent between them, each ending inside the grain. `parents` holds the orientation of every
// label (index label - 1). Lamellae get labels first_label, first_label + 1, ... Afterwards every
// label is one face-connected piece; lamellae that vanish or fall below the minimum grain size
// are given back, touching lamellae of one parent are merged, and the lamella labels are
// renumbered without gaps. Returns the surviving lamellae in label order.
std::vector<Lamella> carve_twin_lamellae(std::vector<std::int32_t>& labels, const Index3& dims,
                                         const std::array<double, 3>& spacing, std::vector<TwinnedGrain>& twinned,
                                         const std::vector<Quat>& parents, std::int32_t first_label, SeededRandom& rng,
                                         Progress& progress);

}  // namespace ebsd::synth

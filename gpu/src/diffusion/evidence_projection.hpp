#pragma once
// The evidence projection of diffusion inpainting (ebsd/gpu/inpainting.hpp, step 5; docs/inpainting.md):
// every generated pixel of a slice takes the orientation of one of the measured grains around it.
//
// The choice is a maximum a posteriori labelling of a Markov random field, solved by iterated
// conditional modes:
//  - candidates: the grains of the measured pixels within two sampling spacings (measured pixels
//    closer than 1 deg in orientation and within that distance of each other are one grain);
//  - prior from the diffusion model: each sample of the pixel and of its neighbours within
//    vote_radius votes for the candidate it is least disoriented from, if within snap_deg (a
//    measured neighbour votes with the weight of all samples for its own grain); the cost of a
//    candidate is -log of its share of the votes (with a pseudocount of 1/2);
//  - likelihood of the side image (when it is observed): the side values of the pixel against the
//    mean side values of the candidate grain's measured pixels, as Gaussian noise whose variance is
//    estimated from the spread of the side values within the measured grains; scaled by side_weight;
//  - smoothness: a Potts term, `smoothness` per 8-neighbour (1/sqrt 2 for the diagonal ones) whose
//    grain differs, so boundaries are short and one-pixel islands disappear;
//  - a tie-breaking preference for nearer candidates (0.05 per sampling spacing).
// A pixel without a vote whose samples agree among themselves (spread below snap_deg) keeps the
// generated orientation (a grain nothing measured); without a vote and without agreement, the
// likelihood and the distance decide.
#include <cstdint>
#include <span>
#include <vector>

#include "ebsd/orientation/laue_group.hpp"
#include "ebsd/orientation/quaternion.hpp"

namespace ebsd::gpu::diffusion {

struct ProjectionOptions {
  double snap_deg = 10.0;
  std::int64_t vote_radius = 1;
  double vote_weight = 1.0;   // 0: the samples play no part (an ablation: the side image and distance alone)
  double side_weight = 1.0;   // 0: the side image plays no part in the projection
  double smoothness = 1.0;    // Potts weight; 0: every pixel on its own
  int sweeps = 4;             // iterated-conditional-modes sweeps
};

struct ProjectionInput {
  std::int64_t nx = 0, ny = 0;
  LaueGroup laue = LaueGroup::CubicHigh;
  std::span<const std::uint8_t> observed;     // plane
  std::span<const Quat> measured;             // plane; read where observed
  std::span<const std::vector<Quat>> samples; // per sample, plane
  std::span<const double> spread_deg;         // plane: the samples' spread around the medoid
  std::span<const Quat> generated;            // plane: the medoid sample
  std::span<const float> side;                // channels * plane, or empty (not observed)
};

struct ProjectionResult {
  std::vector<Quat> orientation;        // plane: measured pixels unchanged
  std::vector<std::int64_t> source;     // plane: the measured pixel whose orientation was taken, or -1
  std::int64_t voted = 0, kept = 0, fallback = 0;  // generated pixels with votes; kept; neither
};

ProjectionResult project_to_evidence(const ProjectionInput& in, const ProjectionOptions& options);

}  // namespace ebsd::gpu::diffusion

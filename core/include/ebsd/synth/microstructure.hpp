#pragma once
// Deterministic, seeded synthetic 3D microstructures: training and test data for slice
// recovery and multimodal inpainting (METHODS.md sections 3 and 6), and fixtures for every
// analysis step. How the data compare with real serial sections: docs/synthetic-data.md.
//
// The recipe (one file per step in core/src/synth):
//  1. grains: a Laguerre tessellation with log-normal cell volumes and smoothly displaced
//     boundaries (laguerre_tessellation), every grain repaired to one face-connected piece
//     (feature_connectivity);
//  2. phases by volume fraction; orientations random or textured (orientation_sampling);
//  3. annealing twins: parallel Sigma-3 lamellae on a {111} plane of chosen cubic grains
//     (annealing_twins), each lamella its own feature;
//  4. neighbouring features more than min_neighbour_disorientation_deg apart
//     (grain_orientations), so a 5 deg segmentation finds exactly the generated features;
//  5. CI and IQ lowered at boundaries (quality_maps), side modalities (side_modalities.hpp),
//     orientation scatter, damaged and missing slices (damage.hpp), provenance.
#include <cstdint>
#include <vector>

#include "ebsd/core/progress.hpp"
#include "ebsd/synth/synth_options.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::synth {

struct SynthResult {
  // The data as a microscope would deliver them (with the requested damage). Its grain ids are
  // the ground truth feature ids, except 0 on missing slices.
  Volume volume;
  // Features as a segmentation at 5 deg should find them: the requested grains plus every twin
  // lamella as a grain of its own (grain_count = options.grains + twin_count).
  std::int32_t grain_count = 0;
  std::int32_t twin_count = 0;
  // Ground truth per voxel, 1..grain_count, also on missing slices: parent grains are
  // 1..options.grains, lamellae follow.
  std::vector<std::int32_t> feature_ids;
  // Per feature (index id - 1): the parent grain it belongs to (itself for a parent grain), for
  // merging twins into their parents or checking the twin relation.
  std::vector<std::int32_t> feature_parent;
};

// Throws ebsd::Error for invalid options (see validate), ebsd::Cancelled when cancelled.
SynthResult generate_microstructure(const SynthOptions& options, Progress& progress = Progress::none());

}  // namespace ebsd::synth

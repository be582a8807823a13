#pragma once
// Connectivity of labelled voxels (face neighbours, the 6-connectivity a 3D segmentation
// uses): repair of grains that came out in several pieces, restoration of empty labels, and
// the neighbour lists of the labels.
#include <cstdint>
#include <vector>

#include "ebsd/core/progress.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::synth {

// Keeps the largest face-connected piece of every label and gives each other piece to the
// neighbouring label it shares the most faces with (preferring a label's main piece; ties to
// the lower label), until every label is one piece. Joining a piece to a neighbour it touches
// keeps that neighbour connected, so the loop ends.
void merge_fragments(std::vector<std::int32_t>& labels, const Index3& dims, Progress& progress);

// Every label in 1..count that has no voxel takes one from the largest label: the last voxel a
// breadth-first search of that label visits, a leaf of the search tree, so the donor stays in
// one piece. Rare (the size fit leaves almost no cell empty), but it makes the count exact.
void restore_empty_labels(std::vector<std::int32_t>& labels, const Index3& dims, std::int32_t count);

// Voxel count per label; index 0 counts label 0.
std::vector<std::int64_t> label_sizes(const std::vector<std::int32_t>& labels, std::int32_t count);

// For each label 1..count (index label - 1), the sorted labels that share a face with it.
std::vector<std::vector<std::int32_t>> label_neighbours(const std::vector<std::int32_t>& labels, const Index3& dims,
                                                         std::int32_t count);

}  // namespace ebsd::synth

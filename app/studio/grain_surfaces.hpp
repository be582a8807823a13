#pragma once
// The grain boundaries of a segmented volume as surfaces for the 3D view: every face between two
// samples of different grain ids (or between a grain and the outside or an unindexed sample)
// becomes a quad on each grain's side, set back a little into its grain so the two sides of a
// boundary never fight for the same pixels, coloured by the IPF colour of its grain's mean
// orientation. Blocky by design: the faces are the voxels' (or the samples') own, so what is
// drawn is exactly what the data say.
//
// Why not vtkDiscreteFlyingEdges3D or vtkDiscreteMarchingCubes: both make one pass over the
// image per label, and a segmented volume has thousands of grains (4096 in bench_studio); this
// makes one pass for all of them. The grid is reduced by the same plan as the volume rendering
// (volume_rendering_image.hpp): a sample is the grain id of its block's centre voxel.
#include <QString>

#include <cstdint>

#include <Eigen/Core>
#include <vtkPolyData.h>
#include <vtkSmartPointer.h>

#include "ebsd/core/progress.hpp"
#include "ebsd/volume/volume.hpp"
#include "volume_rendering_image.hpp"

namespace ebsd::studio {

struct GrainSurfaces {
  vtkSmartPointer<vtkPolyData> surfaces;  // quads, cell colours "colour" (RGB) and cell normals
  std::int64_t grainCount = 0;            // grains with at least one sample
  std::int64_t faceCount = 0;
};

// Runs on a worker thread (reports progress, honours cancellation). `ipfDirection` is the sample
// direction of the IPF colours. Throws ebsd::Error when the volume has no grain ids.
GrainSurfaces buildGrainSurfaces(const Volume& volume, const VolumeRenderingPlan& plan, const Eigen::Vector3d& ipfDirection,
                                 Progress& progress);

// The colour buildGrainSurfaces gives grain `id`: the IPF colour of the symmetry-aware mean of
// up to 64 of its samples' orientations (in memory order), with its phase's Laue group.
// Exposed for tests; black for a grain of no known phase.
std::array<std::uint8_t, 3> grainSurfaceColour(const Volume& volume, const VolumeRenderingPlan& plan, std::int32_t id,
                                               const Eigen::Vector3d& ipfDirection);

}  // namespace ebsd::studio

#pragma once
// The image the 3D view volume-renders: one scalar (CI, IQ or a channel) as 8 bits, reduced by
// an integer factor when the grid exceeds the GL 3D texture limit or the voxel budget that
// keeps rendering interactive under a software rasteriser; the note says so in the view.
#include <QString>

#include <cstdint>

#include <vtkSmartPointer.h>

#include "ebsd/volume/slice_image.hpp"
#include "ebsd/volume/volume.hpp"

class vtkImageData;

namespace ebsd::studio {

struct VolumeRenderingPlan {
  int factor = 1;          // every factor^3 block of voxels becomes one sample
  Index3 dims{0, 0, 0};    // the reduced grid
  QString note;            // empty when nothing was reduced
};

// 128^3 samples: about 8 frames a second while rotating under llvmpipe on 2 cores.
inline constexpr std::int64_t kDefaultVolumeRenderingBudget = std::int64_t{1} << 21;

// The smallest factor for which every reduced dimension fits `max3DTextureSize` and the sample
// count fits `voxelBudget`.
VolumeRenderingPlan planVolumeRendering(const Index3& dims, int max3DTextureSize,
                                        std::int64_t voxelBudget = kDefaultVolumeRenderingBudget);

// Block means of the valid, finite voxels of the scalar, mapped from the scalar's range over
// the valid voxels to 1..255; 0 where a block has none (transparent). Spacing and origin follow
// the blocks. Throws ebsd::Error for a colouring that is not a scalar.
vtkSmartPointer<vtkImageData> volumeRenderingImage(const Volume& volume, const SliceColoring& scalar,
                                                   const VolumeRenderingPlan& plan);

}  // namespace ebsd::studio

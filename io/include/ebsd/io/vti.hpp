#pragma once
// VTK XML ImageData (.vti) export, for ParaView and VTK: one raw appended binary block, so
// the file opens without a base64 pass and writes at disk speed.
#include <filesystem>

#include "ebsd/volume/volume.hpp"

namespace ebsd::io {

struct VtiOptions {
  // Cell data (default): each voxel is a cell, the image spans the voxels' outer faces, so
  // ParaView shows blocky voxels; Origin is the first voxel's centre minus half a step.
  // Point data: each voxel is a point, Origin is the first voxel's centre.
  bool cell_data = true;
};

// Writes, atomically: IPF_Z (UInt8 RGB, colour along the sample z direction, black where not
// valid), Phase (Int32), Valid (UInt8), CI and IQ (Float32), Quaternion (Float32 x4, w x y z),
// GrainIds (Int32, when segmented) and every channel (Float32, under its own name).
// Spacing and origin come from the volume, in its length unit. Throws ebsd::Error.
void write_vti(const std::filesystem::path& path, const Volume& volume, const VtiOptions& options = {});

}  // namespace ebsd::io

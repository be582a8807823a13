#pragma once
// What the status bar says about the voxel under the pointer: index, position with its unit,
// Bunge Euler angles in degrees, phase, CI, IQ, grain id, channel values and, while the views
// are coloured by misorientation, the angle to the reference.
#include <QString>

#include <optional>

#include "ebsd/volume/slice_image.hpp"

#include "ebsd/volume/volume.hpp"

namespace ebsd::studio {

struct VoxelReadout {
  Index3 index{0, 0, 0};
  std::array<double, 3> position{};  // sample coordinates, in the volume's length unit
  std::string lengthUnit;
  bool valid = false;
  bool missingSlice = false;
  bool damagedSlice = false;
  std::array<double, 3> eulerDeg{};  // Bunge (phi1, Phi, phi2), degrees
  std::int32_t phaseId = 0;
  std::string phaseName;             // empty for phase 0
  float ci = 0.0f;
  float iq = 0.0f;
  std::int32_t grainId = -1;         // -1: not segmented
  std::vector<std::pair<std::string, float>> channels;
  // Set when coloured by misorientation: the disorientation to the reference in degrees, NaN
  // when the voxel cannot be compared (other phase, not indexed).
  std::optional<double> misorientationDeg;

  // One line: "voxel (12, 34, 5)  at (3, 8.5, 1.25) µm  Euler (123.4°, 45.6°, 78.9°)
  // phase 1 Nickel  CI 0.912  IQ 201.3  grain 17  bse 0.52".
  QString text() const;
};

// Reads voxel `index` (which must lie in the volume); with a Misorientation colouring, also
// its angle to the colouring's reference.
VoxelReadout readVoxel(const Volume& volume, const Index3& index, const SliceColoring* coloring = nullptr);

}  // namespace ebsd::studio

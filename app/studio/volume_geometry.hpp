#pragma once
// What a view needs to know about a volume to place things: the grid, its units and the marked
// slices, without the voxel data (a view never holds the data itself).
#include <array>
#include <cstdint>
#include <set>
#include <string>

#include "ebsd/volume/volume.hpp"

namespace ebsd::studio {

struct VolumeGeometry {
  Index3 dims{0, 0, 0};
  std::array<double, 3> spacing{1.0, 1.0, 1.0};
  std::array<double, 3> origin{0.0, 0.0, 0.0};
  std::string lengthUnit = "um";
  std::set<std::int64_t> missingSlices;
  std::set<std::int64_t> damagedSlices;

  static VolumeGeometry of(const Volume& v);
  // Same grid in space (dims, spacing, origin): a view may keep its camera.
  bool sameGrid(const VolumeGeometry& o) const { return dims == o.dims && spacing == o.spacing && origin == o.origin; }
  bool empty() const { return dims[0] <= 0; }

  // Sample coordinates of a voxel's centre: origin + index * spacing.
  double world(int axis, double index) const {
    return origin[static_cast<std::size_t>(axis)] + index * spacing[static_cast<std::size_t>(axis)];
  }
  // The voxel index whose centre is nearest to the coordinate (may be outside the grid).
  std::int64_t nearestIndex(int axis, double coordinate) const;
  bool contains(const Index3& i) const {
    return i[0] >= 0 && i[1] >= 0 && i[2] >= 0 && i[0] < dims[0] && i[1] < dims[1] && i[2] < dims[2];
  }
  // The box the voxels cover: [origin - spacing/2, origin + (dims - 1/2) spacing] per axis,
  // as xmin, xmax, ymin, ymax, zmin, zmax.
  std::array<double, 6> bounds() const;
};

}  // namespace ebsd::studio

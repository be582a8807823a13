#include "volume_geometry.hpp"

#include <cmath>

namespace ebsd::studio {

VolumeGeometry VolumeGeometry::of(const Volume& v) {
  VolumeGeometry g;
  g.dims = v.dims();
  g.spacing = v.spacing();
  g.origin = v.origin();
  g.lengthUnit = v.length_unit();
  g.missingSlices = v.missing_slices();
  g.damagedSlices = v.damaged_slices();
  return g;
}

std::int64_t VolumeGeometry::nearestIndex(int axis, double coordinate) const {
  const auto a = static_cast<std::size_t>(axis);
  return static_cast<std::int64_t>(std::floor((coordinate - origin[a]) / spacing[a] + 0.5));
}

std::array<double, 6> VolumeGeometry::bounds() const {
  std::array<double, 6> b{};
  for (std::size_t a = 0; a < 3; ++a) {
    b[2 * a] = origin[a] - 0.5 * spacing[a];
    b[2 * a + 1] = origin[a] + (static_cast<double>(dims[a]) - 0.5) * spacing[a];
  }
  return b;
}

}  // namespace ebsd::studio

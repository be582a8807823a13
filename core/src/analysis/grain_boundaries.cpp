// The boundary map of a segmentation: voxels with a face neighbour of another grain id.
#include <string>

#include "ebsd/analysis/segmentation.hpp"
#include "ebsd/core/error.hpp"

namespace ebsd::analysis {

std::vector<std::uint8_t> grain_boundary_mask(const Volume& v, std::span<const std::int32_t> ids) {
  if (static_cast<std::int64_t>(ids.size()) != v.voxel_count())
    throw Error("grain ids have " + std::to_string(ids.size()) + " values, expected " + std::to_string(v.voxel_count()),
                "", "grain ids");
  const auto nx = v.nx(), ny = v.ny(), nz = v.nz();
  std::vector<std::uint8_t> mask(ids.size(), 0);
  // Each face is visited once, from its lower voxel, and marks both sides.
  auto compare = [&](std::int64_t i, std::int64_t j) {
    if (ids[static_cast<std::size_t>(i)] != ids[static_cast<std::size_t>(j)])
      mask[static_cast<std::size_t>(i)] = mask[static_cast<std::size_t>(j)] = 1;
  };
  for (std::int64_t z = 0; z < nz; ++z)
    for (std::int64_t y = 0; y < ny; ++y)
      for (std::int64_t x = 0; x < nx; ++x) {
        const std::int64_t i = v.index(x, y, z);
        if (x + 1 < nx) compare(i, i + 1);
        if (y + 1 < ny) compare(i, i + nx);
        if (z + 1 < nz) compare(i, i + nx * ny);
      }
  return mask;
}

}  // namespace ebsd::analysis

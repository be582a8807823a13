// Voxels sorted by Laue group, each group coloured by one ipf_colors call (the batch vectorises
// over orientations of one group), colours put back in the voxels' order.
#include "ebsd/volume/voxel_ipf_colors.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "ebsd/orientation/ipf.hpp"

namespace ebsd {

void voxel_ipf_colors(const Volume& v, std::span<const std::int64_t> voxels, const Eigen::Vector3d& sample_direction,
                      std::uint8_t* rgb) {
  std::fill(rgb, rgb + 3 * voxels.size(), std::uint8_t{0});
  std::array<std::vector<std::uint32_t>, kLaueGroupCount> members;  // positions in `voxels`, by group
  for (std::size_t k = 0; k < voxels.size(); ++k) {
    const std::int64_t i = voxels[k];
    if (!v.is_valid(i)) continue;
    if (const Phase* p = v.phase_of(i)) members[static_cast<std::size_t>(p->laue)].push_back(static_cast<std::uint32_t>(k));
  }
  const std::span<const float> quats = v.quaternion_data();
  std::vector<float> q;
  std::vector<std::uint8_t> out;
  for (LaueGroup g : all_laue_groups()) {
    const auto& m = members[static_cast<std::size_t>(g)];
    if (m.empty()) continue;
    q.resize(4 * m.size());
    out.resize(3 * m.size());
    for (std::size_t j = 0; j < m.size(); ++j)
      std::copy_n(&quats[4 * static_cast<std::size_t>(voxels[m[j]])], 4, &q[4 * j]);
    ipf_colors(q.data(), m.size(), sample_direction, g, out.data());
    for (std::size_t j = 0; j < m.size(); ++j) std::copy_n(&out[3 * j], 3, rgb + 3 * std::size_t{m[j]});
  }
}

}  // namespace ebsd

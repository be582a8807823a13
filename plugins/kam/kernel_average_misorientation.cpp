#include "kernel_average_misorientation.hpp"

#include <cmath>
#include <limits>

namespace ebsd_kam {
namespace {

using Offset = std::array<int, 3>;

// Half of the kernel: one of each opposite pair (the first nonzero component positive in
// z, then y, then x order). Each neighbour pair is then measured once and counted for both
// voxels, which halves the disorientation computations.
std::vector<Offset> forward_offsets(const KamOptions& o) {
  std::vector<Offset> out;
  const int zmax = o.in_plane ? 0 : 1;
  for (int dz = 0; dz <= zmax; ++dz)
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const bool forward = dz > 0 || (dz == 0 && dy > 0) || (dz == 0 && dy == 0 && dx > 0);
        const int steps = std::abs(dx) + std::abs(dy) + std::abs(dz);
        if (!forward) continue;
        if (o.kernel == Kernel::Faces && steps != 1) continue;
        out.push_back({dx, dy, dz});
      }
  return out;
}

}  // namespace

std::vector<float> kernel_average_misorientation(const KamGrid& g, const KamOptions& o,
                                                 const DisorientationFn& disorientation, const SliceDoneFn& slice_done) {
  const auto [nx, ny, nz] = g.dims;
  const std::size_t n = static_cast<std::size_t>(nx * ny * nz);
  auto laue_of = [&](std::size_t i) {
    const std::int32_t p = g.phase_ids[i];
    if (!g.valid[i] || p <= 0 || static_cast<std::size_t>(p) >= g.laue_of_phase.size()) return -1;
    return g.laue_of_phase[static_cast<std::size_t>(p)];
  };

  std::vector<double> sum(n, 0.0);
  std::vector<std::uint32_t> count(n, 0);
  const auto offsets = forward_offsets(o);
  for (std::int64_t z = 0; z < nz; ++z) {
    for (std::int64_t y = 0; y < ny; ++y)
      for (std::int64_t x = 0; x < nx; ++x) {
        const std::size_t i = static_cast<std::size_t>(x + nx * (y + ny * z));
        const int laue = laue_of(i);
        if (laue < 0) continue;
        for (const auto& d : offsets) {
          const std::int64_t X = x + d[0], Y = y + d[1], Z = z + d[2];
          if (X < 0 || Y < 0 || X >= nx || Y >= ny || Z >= nz) continue;
          const std::size_t j = static_cast<std::size_t>(X + nx * (Y + ny * Z));
          if (g.phase_ids[j] != g.phase_ids[i] || laue_of(j) < 0) continue;
          if (o.same_grain_only && g.grain_ids[j] != g.grain_ids[i]) continue;
          const double angle = disorientation(&g.orientations[4 * i], &g.orientations[4 * j], laue);
          if (!(angle <= o.threshold_rad)) continue;  // NaN counts as above
          sum[i] += angle;
          sum[j] += angle;
          ++count[i];
          ++count[j];
        }
      }
    if (slice_done && !slice_done(static_cast<double>(z + 1) / static_cast<double>(nz))) return {};
  }

  std::vector<float> kam(n, std::numeric_limits<float>::quiet_NaN());
  for (std::size_t i = 0; i < n; ++i)
    if (count[i] > 0) kam[i] = static_cast<float>(sum[i] / count[i]);
  return kam;
}

}  // namespace ebsd_kam

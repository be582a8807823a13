#include "ebsd/analysis/boundary_f1.hpp"

#include <cmath>
#include <limits>

#include "ebsd/core/error.hpp"
#include "ebsd/orientation/disorientation.hpp"

namespace ebsd::analysis {

std::vector<std::uint8_t> slice_boundary_map(const Volume& v, std::int64_t z, double threshold_rad) {
  if (z < 0 || z >= v.nz()) throw Error("slice " + std::to_string(z) + " is outside the volume", "", "z");
  const std::int64_t nx = v.nx(), ny = v.ny();
  std::vector<std::uint8_t> b(static_cast<std::size_t>(nx * ny), 0);
  const auto phases = v.phase_ids();
  auto differ = [&](std::int64_t i, std::int64_t j) {
    if (!v.is_valid(i) || !v.is_valid(j)) return false;
    if (phases[static_cast<std::size_t>(i)] != phases[static_cast<std::size_t>(j)]) return true;
    const Phase* p = v.phase_of(i);
    return p && disorientation_angle(v.orientation(i), v.orientation(j), p->laue) > threshold_rad;
  };
  for (std::int64_t y = 0; y < ny; ++y)
    for (std::int64_t x = 0; x < nx; ++x) {
      const std::int64_t i = v.index(x, y, z);
      if ((x + 1 < nx && differ(i, v.index(x + 1, y, z))) || (y + 1 < ny && differ(i, v.index(x, y + 1, z))))
        b[static_cast<std::size_t>(x + nx * y)] = 1;
    }
  return b;
}

BoundaryScore boundary_f1(std::span<const std::uint8_t> truth, std::span<const std::uint8_t> test, std::int64_t nx,
                          std::int64_t ny, int tolerance) {
  if (static_cast<std::int64_t>(truth.size()) != nx * ny || static_cast<std::int64_t>(test.size()) != nx * ny)
    throw Error("boundary maps differ in size from the slice", "", "boundary_f1");
  // Fraction of the pixels of `a` that have a pixel of `b` within the tolerance.
  auto matched = [&](std::span<const std::uint8_t> a, std::span<const std::uint8_t> b, std::int64_t& count) {
    std::int64_t hit = 0;
    count = 0;
    for (std::int64_t y = 0; y < ny; ++y)
      for (std::int64_t x = 0; x < nx; ++x) {
        if (!a[static_cast<std::size_t>(x + nx * y)]) continue;
        ++count;
        bool found = false;
        for (std::int64_t qy = std::max<std::int64_t>(0, y - tolerance); qy <= std::min(ny - 1, y + tolerance) && !found; ++qy)
          for (std::int64_t qx = std::max<std::int64_t>(0, x - tolerance); qx <= std::min(nx - 1, x + tolerance); ++qx)
            if (b[static_cast<std::size_t>(qx + nx * qy)]) {
              found = true;
              break;
            }
        hit += found;
      }
    return count ? static_cast<double>(hit) / static_cast<double>(count) : 1.0;
  };
  BoundaryScore s;
  s.precision = matched(test, truth, s.test_pixels);
  s.recall = matched(truth, test, s.truth_pixels);
  s.f1 = s.precision + s.recall > 0 ? 2.0 * s.precision * s.recall / (s.precision + s.recall) : 0.0;
  return s;
}

double mean_slice_disorientation_deg(const Volume& truth, const Volume& test, std::int64_t z,
                                     std::span<const std::uint8_t> where) {
  if (truth.dims() != test.dims()) throw Error("the volumes differ in size", "", "mean_slice_disorientation_deg");
  double sum = 0.0;
  std::int64_t n = 0;
  for (std::int64_t p = 0; p < truth.nx() * truth.ny(); ++p) {
    if (!where.empty() && !where[static_cast<std::size_t>(p)]) continue;
    const std::int64_t i = truth.index(0, 0, z) + p;
    const Phase* ph = truth.phase_of(i);
    if (!truth.is_valid(i) || !ph) continue;
    sum += disorientation_angle(truth.orientation(i), test.orientation(i), ph->laue);
    ++n;
  }
  return n ? sum / static_cast<double>(n) * 180.0 / 3.14159265358979323846 : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace ebsd::analysis

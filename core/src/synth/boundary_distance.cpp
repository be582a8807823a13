#include "boundary_distance.hpp"

namespace ebsd::synth {

std::vector<std::uint8_t> in_plane_boundary_distance(std::span<const std::int32_t> labels, const Index3& d,
                                                     std::uint8_t cap) {
  const std::int64_t nx = d[0], ny = d[1], plane = nx * ny;
  std::vector<std::uint8_t> dist(labels.size(), cap);
  std::vector<std::int64_t> front, next;
  for (std::int64_t z = 0; z < d[2]; ++z) {
    const std::int64_t base = z * plane;
    front.clear();
    for (std::int64_t y = 0; y < ny; ++y)
      for (std::int64_t x = 0; x < nx; ++x) {
        const std::int64_t i = base + x + nx * y;
        const std::int32_t l = labels[static_cast<std::size_t>(i)];
        const bool edge = (x > 0 && labels[static_cast<std::size_t>(i - 1)] != l) ||
                          (x + 1 < nx && labels[static_cast<std::size_t>(i + 1)] != l) ||
                          (y > 0 && labels[static_cast<std::size_t>(i - nx)] != l) ||
                          (y + 1 < ny && labels[static_cast<std::size_t>(i + nx)] != l);
        if (edge) {
          dist[static_cast<std::size_t>(i)] = 0;
          front.push_back(i);
        }
      }
    // Breadth-first rings outward from the boundary pixels.
    for (std::uint8_t step = 1; step < cap && !front.empty(); ++step) {
      next.clear();
      for (std::int64_t i : front) {
        const std::int64_t x = (i - base) % nx, y = (i - base) / nx;
        auto visit = [&](std::int64_t j) {
          auto& dj = dist[static_cast<std::size_t>(j)];
          if (dj > step) {
            dj = step;
            next.push_back(j);
          }
        };
        if (x > 0) visit(i - 1);
        if (x + 1 < nx) visit(i + 1);
        if (y > 0) visit(i - nx);
        if (y + 1 < ny) visit(i + nx);
      }
      front.swap(next);
    }
  }
  return dist;
}

}  // namespace ebsd::synth

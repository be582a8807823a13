#include "ebsd/analysis/sparse_sampling.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "ebsd/core/error.hpp"
#include "ebsd/orientation/disorientation.hpp"

namespace ebsd::analysis {
namespace {

// Uniform in [0, 1) from 53 bits of the engine (std::mt19937_64 is specified bit for bit; the
// std:: distributions are not, so they are not used).
double uniform01(std::mt19937_64& e) { return static_cast<double>(e() >> 11) * 0x1.0p-53; }

void check_slice(const Volume& v, std::int64_t z, std::span<const std::uint8_t> observed) {
  if (z < 0 || z >= v.nz()) throw Error("slice " + std::to_string(z) + " is outside the volume", "", "z");
  if (static_cast<std::int64_t>(observed.size()) != v.nx() * v.ny())
    throw Error("the observed mask has " + std::to_string(observed.size()) + " pixels, the slice " +
                    std::to_string(v.nx() * v.ny()),
                "", "observed");
}

}  // namespace

SamplingPattern sampling_pattern_from_name(const std::string& name) {
  if (name == "random") return SamplingPattern::Random;
  if (name == "grid") return SamplingPattern::Grid;
  throw Error("unknown sampling pattern, expected random or grid", "", name);
}

std::vector<std::uint8_t> sample_mask(std::int64_t nx, std::int64_t ny, double fraction, SamplingPattern pattern,
                                      std::uint64_t seed) {
  if (!(fraction > 0.0 && fraction <= 1.0)) throw Error("the sampled fraction must be in (0, 1]", "", "fraction");
  if (nx < 1 || ny < 1) throw Error("empty slice", "", "sample_mask");
  std::vector<std::uint8_t> m(static_cast<std::size_t>(nx * ny), 0);
  std::mt19937_64 e(seed);
  if (pattern == SamplingPattern::Random) {
    for (auto& b : m) b = uniform01(e) < fraction ? 1 : 0;
    if (std::find(m.begin(), m.end(), 1) == m.end()) m[static_cast<std::size_t>(e() % m.size())] = 1;
  } else {
    const auto k = std::max<std::int64_t>(1, std::llround(1.0 / std::sqrt(fraction)));
    const auto ox = static_cast<std::int64_t>(e() % static_cast<std::uint64_t>(k)),
               oy = static_cast<std::int64_t>(e() % static_cast<std::uint64_t>(k));
    for (std::int64_t y = oy % std::min(k, ny); y < ny; y += k)
      for (std::int64_t x = ox % std::min(k, nx); x < nx; x += k) m[static_cast<std::size_t>(x + nx * y)] = 1;
  }
  return m;
}

std::vector<std::int64_t> nearest_observed(std::int64_t nx, std::int64_t ny, std::span<const std::uint8_t> observed) {
  const std::int64_t n = nx * ny;
  std::vector<std::int64_t> seed(static_cast<std::size_t>(n), -1);
  for (std::int64_t i = 0; i < n; ++i)
    if (observed[static_cast<std::size_t>(i)]) seed[static_cast<std::size_t>(i)] = i;
  if (std::find(observed.begin(), observed.end(), 1) == observed.end())
    throw Error("no observed pixel to fill from", "", "observed");
  auto d2 = [&](std::int64_t p, std::int64_t s) {
    const std::int64_t dx = p % nx - s % nx, dy = p / nx - s / nx;
    return dx * dx + dy * dy;
  };
  // Two raster passes, each looking at the seeds of the already visited 8-neighbours (8SSEDT).
  auto visit = [&](std::int64_t x, std::int64_t y, std::initializer_list<std::pair<int, int>> offs) {
    const std::int64_t p = x + nx * y;
    auto& best = seed[static_cast<std::size_t>(p)];
    for (auto [ox, oy] : offs) {
      const std::int64_t qx = x + ox, qy = y + oy;
      if (qx < 0 || qy < 0 || qx >= nx || qy >= ny) continue;
      const auto s = seed[static_cast<std::size_t>(qx + nx * qy)];
      if (s >= 0 && (best < 0 || d2(p, s) < d2(p, best))) best = s;
    }
  };
  for (int round = 0; round < 2; ++round) {
    for (std::int64_t y = 0; y < ny; ++y) {
      for (std::int64_t x = 0; x < nx; ++x) visit(x, y, {{-1, 0}, {-1, -1}, {0, -1}, {1, -1}});
      for (std::int64_t x = nx - 1; x >= 0; --x) visit(x, y, {{1, 0}});
    }
    for (std::int64_t y = ny - 1; y >= 0; --y) {
      for (std::int64_t x = nx - 1; x >= 0; --x) visit(x, y, {{1, 0}, {1, 1}, {0, 1}, {-1, 1}});
      for (std::int64_t x = 0; x < nx; ++x) visit(x, y, {{-1, 0}});
    }
  }
  return seed;
}

void fill_nearest(Volume& v, std::int64_t z, std::span<const std::uint8_t> observed) {
  check_slice(v, z, observed);
  const auto near = nearest_observed(v.nx(), v.ny(), observed);
  const std::int64_t base = v.index(0, 0, z);
  auto phases = v.phase_ids();
  for (std::int64_t p = 0; p < v.nx() * v.ny(); ++p) {
    if (observed[static_cast<std::size_t>(p)]) continue;
    const std::int64_t s = base + near[static_cast<std::size_t>(p)], i = base + p;
    v.set_orientation(i, v.orientation(s));
    phases[static_cast<std::size_t>(i)] = phases[static_cast<std::size_t>(s)];
    v.valid()[static_cast<std::size_t>(i)] = v.valid()[static_cast<std::size_t>(s)];
  }
}

void fill_interpolated(Volume& v, std::int64_t z, std::span<const std::uint8_t> observed) {
  check_slice(v, z, observed);
  const std::int64_t nx = v.nx(), ny = v.ny(), base = v.index(0, 0, z);
  const auto near = nearest_observed(nx, ny, observed);
  auto phases = v.phase_ids();
  constexpr int k = 4;
  for (std::int64_t p = 0; p < nx * ny; ++p) {
    if (observed[static_cast<std::size_t>(p)]) continue;
    const std::int64_t px = p % nx, py = p / nx, s0 = near[static_cast<std::size_t>(p)];
    const auto phase = phases[static_cast<std::size_t>(base + s0)];
    // Rings of growing radius until k seeds are found and the ring is beyond the k-th distance.
    std::vector<std::pair<double, std::int64_t>> found;
    for (std::int64_t r = 0; r < std::max(nx, ny); ++r) {
      for (std::int64_t y = py - r; y <= py + r; ++y) {
        if (y < 0 || y >= ny) continue;
        const bool edge_row = y == py - r || y == py + r;
        for (std::int64_t x = px - r; x <= px + r; x += edge_row ? 1 : 2 * r) {
          if (x >= 0 && x < nx) {
            const std::int64_t q = x + nx * y;
            if (observed[static_cast<std::size_t>(q)] && phases[static_cast<std::size_t>(base + q)] == phase &&
                v.is_valid(base + q))
              found.emplace_back(static_cast<double>((x - px) * (x - px) + (y - py) * (y - py)), q);
          }
          if (r == 0) break;
        }
      }
      if (static_cast<int>(found.size()) >= k) {
        std::sort(found.begin(), found.end());
        if (found[k - 1].first <= static_cast<double>(r * r)) break;
      }
    }
    const std::int64_t i = base + p;
    if (found.empty()) {  // no valid seed of that phase: copy the nearest as is
      v.set_orientation(i, v.orientation(base + s0));
      phases[static_cast<std::size_t>(i)] = phase;
      v.valid()[static_cast<std::size_t>(i)] = v.valid()[static_cast<std::size_t>(base + s0)];
      continue;
    }
    std::sort(found.begin(), found.end());
    if (static_cast<int>(found.size()) > k) found.resize(k);
    std::vector<Quat> qs;
    std::vector<double> w;
    for (auto [d, q] : found) qs.push_back(v.orientation(base + q)), w.push_back(1.0 / d);
    const Phase* ph = v.phase_of(base + found.front().second);
    v.set_orientation(i, ph ? mean_orientation(qs, ph->laue, w) : qs.front());
    phases[static_cast<std::size_t>(i)] = phase;
    v.valid()[static_cast<std::size_t>(i)] = 1;
  }
}

}  // namespace ebsd::analysis

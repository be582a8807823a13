#include "smooth_noise.hpp"

#include <algorithm>
#include <cmath>

#include "ebsd/synth/seeded_random.hpp"

namespace ebsd::synth {
namespace {
// Quintic fade 6t^5 - 15t^4 + 10t^3 (Perlin 2002): zero first and second derivative at 0 and 1.
double fade(double t) { return t * t * t * (t * (t * 6.0 - 15.0) + 10.0); }
double lerp(double a, double b, double t) { return a + t * (b - a); }
}  // namespace

SmoothNoise::SmoothNoise(std::uint64_t seed, double cell, const std::array<double, 3>& extent) : inv_cell_(1.0 / cell) {
  const std::uint64_t mixed = mix64(seed);
  for (int a = 0; a < 3; ++a) {
    max_[a] = extent[a] * inv_cell_;
    n_[a] = static_cast<std::int64_t>(std::floor(max_[a])) + 2;
  }
  table_.resize(static_cast<std::size_t>(n_[0] * n_[1] * n_[2]));
  for (std::int64_t k = 0; k < n_[2]; ++k)
    for (std::int64_t j = 0; j < n_[1]; ++j)
      for (std::int64_t i = 0; i < n_[0]; ++i) table_[static_cast<std::size_t>(i + n_[0] * (j + n_[1] * k))] = lattice_value(mixed, i, j, k);
}

double SmoothNoise::lattice_value(std::uint64_t seed, std::int64_t i, std::int64_t j, std::int64_t k) {
  const std::uint64_t h = mix64(seed ^ mix64(static_cast<std::uint64_t>(i) ^ mix64(static_cast<std::uint64_t>(j) ^
                                                                                    mix64(static_cast<std::uint64_t>(k)))));
  return static_cast<double>(h >> 11) * 0x1.0p-52 - 1.0;
}

double SmoothNoise::operator()(double x, double y, double z) const {
  x = std::clamp(x * inv_cell_, 0.0, max_[0]);
  y = std::clamp(y * inv_cell_, 0.0, max_[1]);
  z = std::clamp(z * inv_cell_, 0.0, max_[2]);
  const double fx = std::floor(x), fy = std::floor(y), fz = std::floor(z);
  const auto i = static_cast<std::int64_t>(fx), j = static_cast<std::int64_t>(fy), k = static_cast<std::int64_t>(fz);
  const double tx = fade(x - fx), ty = fade(y - fy), tz = fade(z - fz);
  const double c00 = lerp(at(i, j, k), at(i + 1, j, k), tx);
  const double c10 = lerp(at(i, j + 1, k), at(i + 1, j + 1, k), tx);
  const double c01 = lerp(at(i, j, k + 1), at(i + 1, j, k + 1), tx);
  const double c11 = lerp(at(i, j + 1, k + 1), at(i + 1, j + 1, k + 1), tx);
  return lerp(lerp(c00, c10, ty), lerp(c01, c11, ty), tz);
}

}  // namespace ebsd::synth

#pragma once
// Smooth, seeded 3D value noise: lattice values from a hash of the lattice point and the seed,
// quintic interpolation between them, so the field and its first two derivatives are
// continuous. The lattice values over the region of interest are tabulated once (the lattice
// is coarse: one point per grain diameter). Used to roughen grain boundaries.
#include <array>
#include <cstdint>
#include <vector>

namespace ebsd::synth {

class SmoothNoise {
public:
  // cell: lattice spacing (the wavelength of the noise), in the units of the coordinates;
  // extent: the field is evaluated for coordinates in [0, extent] on each axis.
  SmoothNoise(std::uint64_t seed, double cell, const std::array<double, 3>& extent);
  // In [-1, 1]. Coordinates outside [0, extent] are clamped to it.
  double operator()(double x, double y, double z) const;

  // The hashed lattice value at integer lattice point (i, j, k), in [-1, 1).
  static double lattice_value(std::uint64_t seed, std::int64_t i, std::int64_t j, std::int64_t k);

private:
  double at(std::int64_t i, std::int64_t j, std::int64_t k) const {
    return table_[static_cast<std::size_t>(i + n_[0] * (j + n_[1] * k))];
  }
  double inv_cell_;
  std::array<double, 3> max_;   // extent, in lattice units
  std::array<std::int64_t, 3> n_;  // tabulated lattice points per axis
  std::vector<double> table_;
};

}  // namespace ebsd::synth

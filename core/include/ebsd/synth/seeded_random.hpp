#pragma once
// Deterministic random numbers for synthetic data. std::mt19937_64 is specified bit for bit by
// the C++ standard, but the std:: distributions (uniform_real_distribution,
// normal_distribution, ...) are not: libstdc++, libc++ and MSVC return different numbers for
// the same engine state. The distributions are therefore written out here, so that the same
// seed gives the same bytes with every standard library (up to the last bit of std::log/cos in
// the platform's libm, which glibc computes correctly rounded for the functions used here).
#include <Eigen/Core>
#include <cstdint>
#include <random>

namespace ebsd::synth {

// The splitmix64 finaliser (Steele et al. 2014): a bijective, well-mixed 64-bit hash. Used to
// derive independent streams from one seed and for hash-based (memoryless) noise lattices.
std::uint64_t mix64(std::uint64_t x);

// Independent random streams of one generation run. Each stage draws from its own stream, so a
// change in one stage (another grain count, an added side modality) does not shift the numbers
// another stage sees.
enum class Stream : std::uint64_t {
  Seeds = 1, Sizes, BoundaryNoise, Phases, Orientations, Twins, Quality, Bse, PolarizedLight, Scatter, Damage,
};

class SeededRandom {
public:
  explicit SeededRandom(std::uint64_t seed, Stream stream);
  explicit SeededRandom(std::uint64_t seed, std::uint64_t stream = 0);

  std::uint64_t bits() { return engine_(); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform();
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n), without modulo bias; n >= 1.
  std::int64_t below(std::int64_t n);
  // Standard normal by the Box-Muller transform (both values of a pair are used).
  double normal();
  double normal(double mean, double sd) { return mean + sd * normal(); }
  // Uniform on the unit sphere (Marsaglia 1972).
  Eigen::Vector3d unit_vector();

private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace ebsd::synth

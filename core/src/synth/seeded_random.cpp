#include "ebsd/synth/seeded_random.hpp"

#include <cmath>
#include <numbers>

namespace ebsd::synth {

std::uint64_t mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

SeededRandom::SeededRandom(std::uint64_t seed, Stream stream) : SeededRandom(seed, static_cast<std::uint64_t>(stream)) {}

// Hashing seed and stream together (rather than seed + stream) keeps the streams of seed s and
// seed s + 1 unrelated.
SeededRandom::SeededRandom(std::uint64_t seed, std::uint64_t stream) : engine_(mix64(seed ^ mix64(stream))) {}

double SeededRandom::uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

std::int64_t SeededRandom::below(std::int64_t n) {
  const auto un = static_cast<std::uint64_t>(n);
  // Reject the top partial block of the 2^64 range so every residue is equally likely.
  const std::uint64_t limit = (~std::uint64_t{0}) - ((~std::uint64_t{0}) % un + 1) % un;
  std::uint64_t r;
  do r = engine_();
  while (r > limit);
  return static_cast<std::int64_t>(r % un);
}

double SeededRandom::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u1;
  do u1 = uniform();
  while (u1 <= 0.0);
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double a = 2.0 * std::numbers::pi * u2;
  spare_ = r * std::sin(a);
  has_spare_ = true;
  return r * std::cos(a);
}

Eigen::Vector3d SeededRandom::unit_vector() {
  double a, b, s;
  do {
    a = uniform(-1.0, 1.0);
    b = uniform(-1.0, 1.0);
    s = a * a + b * b;
  } while (s >= 1.0 || s == 0.0);
  const double f = 2.0 * std::sqrt(1.0 - s);
  return {a * f, b * f, 1.0 - 2.0 * s};
}

}  // namespace ebsd::synth

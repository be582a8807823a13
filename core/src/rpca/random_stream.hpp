#pragma once
// Deterministic random numbers for the synthetic problem: std::mt19937_64 is specified bit for
// bit, the std:: distributions are not (libstdc++, libc++ and MSVC differ), so the two
// conversions used are written out (as in ebsd::synth::SeededRandom, which this module cannot
// depend on).
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>

namespace ebsd::rpca::detail {

class RandomStream {
public:
  explicit RandomStream(std::uint64_t seed) : engine_(seed) {}
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, n), n >= 1, without modulo bias (rejection).
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t v = engine_();
    while (v >= limit) v = engine_();
    return v % n;
  }
  // Standard normal by Box-Muller (one value per call; simple and deterministic).
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

private:
  std::mt19937_64 engine_;
};

}  // namespace ebsd::rpca::detail

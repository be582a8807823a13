#pragma once
// Helpers for the synthetic-microstructure tests, written independently of the code under
// test: the 24 cubic rotations built from signed permutation matrices, a face-connectivity
// count, and small standard options.
#include <Eigen/Dense>
#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "ebsd/orientation/rotations.hpp"
#include "ebsd/synth/synth_options.hpp"

namespace ebsd::synth::test {

inline constexpr double kDeg = std::numbers::pi / 180.0;

// The proper rotations of the cube: the 48 signed permutation matrices with determinant +1.
inline std::vector<Quat> cubic_rotations() {
  std::vector<Quat> out;
  const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  for (const auto& p : perms)
    for (int signs = 0; signs < 8; ++signs) {
      Eigen::Matrix3d m = Eigen::Matrix3d::Zero();
      for (int r = 0; r < 3; ++r) m(r, p[r]) = (signs >> r & 1) ? -1.0 : 1.0;
      if (m.determinant() > 0) out.push_back(quat_from_matrix(m));
    }
  return out;
}

// Smallest rotation angle of s * m over the cubic rotations s, and that rotation.
inline Quat cubic_disorientation(const Quat& a, const Quat& b, double& angle) {
  static const std::vector<Quat> ops = cubic_rotations();
  const Quat m = b * a.conj();
  angle = 10.0;
  Quat best;
  for (const Quat& s : ops) {
    const Quat c = (s * m).normalized().positive();
    const double t = rotation_angle(c);
    if (t < angle) {
      angle = t;
      best = c;
    }
  }
  return best;
}

// Number of face-connected pieces of every label 1..count (index label).
inline std::vector<int> pieces_per_label(const std::vector<std::int32_t>& labels, const Index3& d, std::int32_t count) {
  std::vector<int> pieces(static_cast<std::size_t>(count) + 1, 0);
  std::vector<std::uint8_t> seen(labels.size(), 0);
  std::vector<std::int64_t> stack;
  for (std::int64_t s = 0; s < static_cast<std::int64_t>(labels.size()); ++s) {
    if (seen[static_cast<std::size_t>(s)]) continue;
    const std::int32_t l = labels[static_cast<std::size_t>(s)];
    ++pieces[static_cast<std::size_t>(l)];
    seen[static_cast<std::size_t>(s)] = 1;
    stack.assign(1, s);
    while (!stack.empty()) {
      const std::int64_t i = stack.back();
      stack.pop_back();
      const std::int64_t x = i % d[0], y = (i / d[0]) % d[1], z = i / (d[0] * d[1]);
      const std::int64_t nb[6][3] = {{x - 1, y, z}, {x + 1, y, z}, {x, y - 1, z}, {x, y + 1, z}, {x, y, z - 1}, {x, y, z + 1}};
      for (const auto& n : nb) {
        if (n[0] < 0 || n[1] < 0 || n[2] < 0 || n[0] >= d[0] || n[1] >= d[1] || n[2] >= d[2]) continue;
        const std::int64_t j = n[0] + d[0] * (n[1] + d[1] * n[2]);
        if (!seen[static_cast<std::size_t>(j)] && labels[static_cast<std::size_t>(j)] == l) {
          seen[static_cast<std::size_t>(j)] = 1;
          stack.push_back(j);
        }
      }
    }
  }
  return pieces;
}

// A small cubic volume that generates in well under a second.
inline SynthOptions small_options(int grains = 60, std::uint64_t seed = 7) {
  SynthOptions o;
  o.dims = {48, 48, 48};
  o.grains = grains;
  o.seed = seed;
  return o;
}

inline Phase magnesium() { return {"Magnesium", LaueGroup::HexagonalHigh, {3.209, 3.209, 5.211, 90, 90, 120}}; }

}  // namespace ebsd::synth::test

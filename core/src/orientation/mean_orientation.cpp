// Symmetry-aware mean orientation by quaternion averaging (Markley, Cheng, Crassidis & Oshman
// 2007, J. Guidance Control Dyn. 30(4), 1193): the mean is the eigenvector of the largest
// eigenvalue of M = sum_i w_i q_i q_i^T, which is insensitive to the sign of each q_i.
// Crystal symmetry is handled first: each member is replaced by the symmetry-equivalent s * q_i
// nearest the current reference (largest |<s q_i, ref>|). The reference starts at the member of
// largest weight and becomes the mean; the two steps repeat until the choice of equivalents
// stops changing (a few rounds at most for a cluster narrower than the fundamental zone).
#include <Eigen/Eigenvalues>
#include <cmath>
#include <string>
#include <vector>

#include "ebsd/core/error.hpp"
#include "ebsd/orientation/disorientation.hpp"

namespace ebsd {
namespace {

Eigen::Vector4d as_vector(const Quat& q) { return {q.w, q.x, q.y, q.z}; }

// Index of the operator s with s * q nearest ref.
std::size_t nearest_equivalent(const Quat& q, const Quat& ref, std::span<const Quat> ops) {
  std::size_t best = 0;
  double best_dot = -1.0;
  for (std::size_t k = 0; k < ops.size(); ++k) {
    const double d = std::fabs((ops[k] * q).dot(ref));
    if (d > best_dot + 1e-15) {
      best_dot = d;
      best = k;
    }
  }
  return best;
}

}  // namespace

Quat mean_orientation(std::span<const Quat> qs, LaueGroup g, std::span<const double> weights) {
  if (qs.empty()) throw Error("cannot average an empty set of orientations", "", "mean_orientation");
  if (!weights.empty() && weights.size() != qs.size())
    throw Error("expected " + std::to_string(qs.size()) + " weights, got " + std::to_string(weights.size()), "",
                "mean_orientation");
  auto weight = [&](std::size_t i) { return weights.empty() ? 1.0 : weights[i]; };
  double total = 0.0;
  std::size_t heaviest = 0;
  for (std::size_t i = 0; i < qs.size(); ++i) {
    if (!(weight(i) >= 0.0) || !std::isfinite(weight(i)))
      throw Error("weight " + std::to_string(i) + " is negative or not finite", "", "mean_orientation");
    total += weight(i);
    if (weight(i) > weight(heaviest)) heaviest = i;
  }
  if (!(total > 0.0)) throw Error("the weights sum to zero", "", "mean_orientation");

  const auto ops = symmetry_operators(g);
  Quat ref = qs[heaviest];
  std::vector<std::size_t> chosen(qs.size(), ops.size());  // ops.size() = not chosen yet
  constexpr int kMaxRounds = 16;
  for (int round = 0; round < kMaxRounds; ++round) {
    bool changed = false;
    Eigen::Matrix4d m = Eigen::Matrix4d::Zero();
    for (std::size_t i = 0; i < qs.size(); ++i) {
      const std::size_t k = nearest_equivalent(qs[i], ref, ops);
      changed = changed || k != chosen[i];
      chosen[i] = k;
      const Eigen::Vector4d v = as_vector(ops[k] * qs[i]);
      m.noalias() += weight(i) * v * v.transpose();
    }
    // Eigenvalues come sorted ascending: the last column is the principal eigenvector.
    const Eigen::SelfAdjointEigenSolver<Eigen::Matrix4d> solver(m);
    const Eigen::Vector4d e = solver.eigenvectors().col(3);
    ref = Quat{e(0), e(1), e(2), e(3)}.normalized().positive();
    if (!changed) break;
  }
  return ref;
}

}  // namespace ebsd

#pragma once
// A continuous, symmetry-reduced representation of orientations for neural networks (METHODS.md
// section 3(e): Euler angles wrap and fundamental-zone coordinates jump at the zone's faces, so a
// network must not regress them). An orientation g becomes a point of R^n that is the same for
// all symmetry-equivalent orientations, varies smoothly with g, and tells inequivalent ones apart:
//
//   m-3m:  the cubic harmonic of degree 4 of the crystal axes r1, r2, r3 (rows of the passive
//          matrix, i.e. the crystal axes in sample coordinates):  P(x) = sum_i (r_i . x)^4.
//          Its stabiliser is exactly the cube's rotation group. The varying part (l = 4) has
//          9 dimensions.
//   6/mmm: with u = r1 + i r2 (a null vector: u . u = 0), the harmonic Re((u . x)^6), invariant
//          under the 6-fold about c and the 2-folds perpendicular to it (l = 6, 13 dimensions),
//          plus (c . x)^2 with c = r3 (l = 2, 5 dimensions), which carries the c-axis directly:
//          the quantity polarized light responds to. 18 dimensions.
//
// Each polynomial is evaluated at fixed sample directions; the vectors are centred (mean over a
// uniform cubochoric grid of SO(3)), each block scaled to unit mean square, and expressed in an
// orthonormal basis of their span built by Gram-Schmidt over a fixed sequence of orientations.
// That construction has no eigen-decomposition, whose basis inside a degenerate eigenspace could
// differ between machines: the same code gives the same embedding, to rounding, everywhere. The
// result is scaled so that the channels have a root mean square of 0.5 over SO(3) (values stay
// within about [-1.5, 1.5]): the range a diffusion model expects.
//
// decode() is the projection back to a valid orientation: the orientation whose embedding is
// nearest to a given vector (brute force over a grid of SO(3), then Gauss-Newton on the rotation).
#include <cstdint>
#include <span>
#include <vector>

#include <Eigen/Core>

#include "ebsd/orientation/laue_group.hpp"
#include "ebsd/orientation/quaternion.hpp"

namespace ebsd {

class OrientationEmbedding {
public:
  // Throws ebsd::Error for Laue groups other than m-3m and 6/mmm.
  explicit OrientationEmbedding(LaueGroup g);
  static bool supports(LaueGroup g);

  LaueGroup laue() const { return laue_; }
  int dims() const { return dims_; }

  // out.size() == dims().
  void encode(const Quat& q, std::span<float> out) const;
  std::vector<float> encode(const Quat& q) const;

  // The orientation (w >= 0, in the fundamental zone) whose embedding is nearest to v.
  Quat decode(std::span<const float> v) const;
  // Many vectors at once: values holds count * dims() floats, one vector after the other.
  // Faster than one by one (the grid search is a matrix product). `residual`, when not empty,
  // receives the distance from each vector to the embedding of its decoded orientation.
  void decode_many(std::span<const float> values, std::span<Quat> out, std::span<float> residual = {}) const;

  // A short fingerprint: the embedding of a fixed orientation. Stored in model files so that a
  // model is never used with an embedding that differs from the one it was trained with.
  std::vector<float> fingerprint() const;

  // Stack-allocated vectors (no heap traffic in the projection's inner loop).
  static constexpr int kMaxRaw = 72, kMaxDims = 18;
  using RawVector = Eigen::Matrix<double, Eigen::Dynamic, 1, 0, kMaxRaw, 1>;
  using EmbeddedVector = Eigen::Matrix<double, Eigen::Dynamic, 1, 0, kMaxDims, 1>;

private:
  RawVector raw(const Quat& q) const;          // block-scaled polynomial values
  EmbeddedVector embed(const Quat& q) const;   // dims_ values (double)
  Quat refine(const Quat& start, const EmbeddedVector& target) const;
  void decode_range(std::span<const float> values, std::span<Quat> out, std::span<float> residual) const;

  LaueGroup laue_;
  int dims_ = 0;
  std::vector<Eigen::Vector3d> directions_;  // sample directions the polynomials are evaluated at
  Eigen::VectorXd block_scale_;               // per block
  Eigen::VectorXd mean_;                      // of raw() over the SO(3) grid
  Eigen::MatrixXd basis_;                     // raw size x dims_, orthonormal columns, times the scale
  std::vector<Quat> grid_;                    // search grid (fundamental zone representatives)
  Eigen::MatrixXf grid_embedded_;             // dims_ x grid size
  Eigen::VectorXf grid_norm2_;
};

// The embedding of a group, built once and shared (thread-safe).
const OrientationEmbedding& orientation_embedding(LaueGroup g);

}  // namespace ebsd

#pragma once
// The preconditioned (scaled) update of Algorithm 1 from the gradients of
// f = 1/2 ||X + S - Y||_F^2 at the current iterate, shared by every kernel: the kernels differ
// only in how they compute the gradients (the work over the full tensor).
#include <vector>

#include "ebsd/tensor/hosvd.hpp"

namespace ebsd::rpca::detail {

using MatrixD = tensor::Matrix<double>;

// Gradients at X_t = G x_k A_k for the residual R = X_t + S_{t+1} - Y.
struct ScaledGradients {
  std::vector<MatrixD> factor;  // factor[k] = M_k(R) Ab_k = M_k(R x_{j != k} A_j^T) M_k(G)^T, n_k x r_k
  tensor::Tensor<double> core;  // R x_0 A_0^T x_1 A_1^T ...,  r_0 x r_1 x ...
};

// In place: A_k <- A_k - eta factor[k] (Ab_k^T Ab_k)^-1 and G <- G - eta core x_k (A_k^T A_k)^-1,
// all from the old iterate. Ab_k^T Ab_k is formed as M_k(G x_{j != k} A_j^T A_j) M_k(G)^T (r_k x r_k),
// never from the large Ab_k. This is the authors' (1 - eta) A_k - eta M_k(S - Y) Ab_k (...)^-1
// rewritten with M_k(X_t) Ab_k = A_k Ab_k^T Ab_k, which is exact because no ridge is added.
void apply_scaled_step(tensor::Tucker<double>& x, const ScaledGradients& g, double eta);

// m^-1 for a symmetric positive definite m, by Cholesky; a symmetric m that is numerically
// singular (a rank above the data's) falls back to the pseudo-inverse of its eigendecomposition.
MatrixD spd_inverse(const MatrixD& m);

}  // namespace ebsd::rpca::detail

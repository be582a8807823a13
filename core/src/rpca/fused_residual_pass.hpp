#pragma once
// The work of one ScaledGD iteration over a 3-way tensor in a single pass over Y
// (residual_rows.hpp), split by rows over a team of threads, and the small products that turn
// its accumulators into the gradients. Every buffer is allocated once, in the constructor.
//
// Cost per iteration for n^3 and rank r: 3 n^3 r multiply-adds over the tensor (forming X_t,
// R x_3 W^T and R x_1 U^T) plus O(n^2 r^2) for the rest; memory traffic: Y (and the truth when
// errors are tracked) read once, nothing of size n^3 written.
#include <memory>
#include <vector>

#include "residual_rows.hpp"
#include "scaled_step.hpp"
#include "worker_team.hpp"

namespace ebsd::rpca::detail {

class FusedResidualPass {
public:
  FusedResidualPass(const tensor::Shape& shape, const std::vector<std::int64_t>& ranks, int threads, RowKernel kernel);

  // Fills g for the iterate x (R = clamp(X_t - Y, -zeta, zeta)); returns ||X_t - truth||^2
  // (0 without a truth).
  double gradients(const tensor::Tensor<double>& observed, const tensor::Tucker<double>& x, double zeta,
                   const tensor::Tensor<double>* truth, ScaledGradients& g);

private:
  struct Worker {
    std::vector<double> q23, q12, cj, p3j, p1j, rcols, vj;
    RowPassOutput out;
    std::int64_t j_begin = 0, j_end = 0;
  };

  std::int64_t n1_, n2_, n3_, r1_, r2_, r3_, n1p_, n3p_;
  RowKernel kernel_;
  MatrixD u_padded_, gu_, wt_, w_padded_;
  std::vector<double> q13_;
  std::vector<Worker> workers_;
  std::unique_ptr<WorkerTeam> team_;
};

}  // namespace ebsd::rpca::detail

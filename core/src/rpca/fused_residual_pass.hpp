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

#include "ebsd/core/aligned_vector.hpp"
#include "residual_rows.hpp"
#include "residual_slab.hpp"
#include "scaled_step.hpp"
#include "worker_team.hpp"

namespace ebsd::rpca::detail {

class FusedResidualPass {
public:
  // Reads observed (Y) and truth (X*, or nullptr: no errors) in every call of gradients: both
  // must outlive the pass and stay unchanged. The blocked kernel (Avx512Blocked, which needs
  // ranks[2] <= kSlabMaxRank3, ebsd::Error otherwise) reads padded, aligned copies made here.
  FusedResidualPass(const tensor::Tensor<double>& observed, const tensor::Tensor<double>* truth,
                    const std::vector<std::int64_t>& ranks, int threads, RowKernel kernel);

  // Fills g for the iterate x (R = clamp(X_t - Y, -zeta, zeta)); returns ||X_t - truth||^2
  // (0 without a truth).
  double gradients(const tensor::Tucker<double>& x, double zeta, ScaledGradients& g);

private:
  double row_kernel_gradients(const tensor::Tucker<double>& x, double zeta, ScaledGradients& g);
  double slab_gradients(const tensor::Tucker<double>& x, double zeta, ScaledGradients& g);
  // The fields of RowPassInput common to both kernels, after u_padded_, w_padded_, wt_ are set.
  RowPassInput pass_input(const tensor::Tucker<double>& x, double zeta) const;

  struct Worker {
    AlignedVector<double> q23, q12, cj, p3j, p1j, rcols, vj;
    RowPassOutput out;
    AlignedVector<double> slab_buffer;  // the slab kernel's (Avx512Blocked) scratch
    SlabScratch slab;
    std::int64_t j_begin = 0, j_end = 0;
  };

  std::int64_t n1_, n2_, n3_, r1_, r2_, r3_, n1p_, n3p_;
  RowKernel kernel_;
  const double* observed_;  // Y as the kernel reads it: the caller's, or for the slab kernel y_padded_
  const double* truth_;
  AlignedVector<double> y_padded_, truth_padded_;  // n1p x n2 x n3, zeros past n1 (slab kernel only)
  AlignedVector<double> u_padded_, gu_, w_padded_;  // n1p x r1, n1p x r2 r3, n3p x r3 (zero rows past n)
  MatrixD wt_;
  AlignedVector<double> core_t2_;  // the slab kernel's G with c2 fastest, padded to a multiple of 8
  AlignedVector<double> slab_terms_;  // the slab kernel's terms, one set per block of rows
  AlignedVector<double> slab_sum_;    // and their sum over the blocks
  SlabWork slab_work_;
  std::vector<double> q13_;
  std::vector<Worker> workers_;
  std::unique_ptr<WorkerTeam> team_;
};

}  // namespace ebsd::rpca::detail

#pragma once
// The synthetic problem of the tensor RPCA papers (Dong et al. TSP 2023 and ICASSP 2023; the
// authors' generator, METHODS.md sections 7-8): X* = G x_k A_k with random orthonormal factors
// A_k (n x r) and a superdiagonal core whose values decay geometrically from 1 to 1/kappa,
// plus S* with floor(alpha n^3) nonzero entries at distinct random positions, each uniform in
// [-m, m] where m = mean |X*|. Deterministic: the same spec gives the same bytes.
#include <cstdint>

#include "ebsd/tensor/hosvd.hpp"

namespace ebsd::rpca {

struct SyntheticProblemSpec {
  std::int64_t size = 100;          // n: the tensor is n x n x n
  std::int64_t rank = 10;           // r: multilinear rank (r, r, r)
  double condition_number = 5.0;    // kappa >= 1: ratio of the largest to the smallest core value
  double corruption = 0.2;          // alpha in [0, 1): fraction of corrupted entries
  std::uint64_t seed = 1;
};

struct SyntheticProblem {
  tensor::Tensor<double> observed;  // Y = X* + S*
  tensor::Tensor<double> low_rank;  // X*
  tensor::Tensor<double> sparse;    // S*
  tensor::Tucker<double> truth;     // the core and orthonormal factors of X*
  std::int64_t corrupted = 0;       // number of nonzero entries of S*
};

// Throws ebsd::Error for n < 1, r outside [1, n], kappa < 1 or alpha outside [0, 1).
SyntheticProblem make_synthetic_problem(const SyntheticProblemSpec& spec);

}  // namespace ebsd::rpca

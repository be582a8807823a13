#pragma once
// Tucker decompositions: a core tensor and one factor matrix per mode, t ~ core x_0 A0 x_1 A1 ...
// and the truncated higher-order SVD (De Lathauwer, De Moor & Vandewalle, SIAM J. Matrix Anal.
// Appl. 21 (2000)): each factor holds the leading left singular vectors of the mode-n
// unfolding, and the core is the projection of t onto them. It is the spectral initialisation
// of tensor RPCA by ScaledGD (Dong et al., TSP 2023, Algorithm 1).
#include <span>
#include <vector>

#include "ebsd/core/progress.hpp"
#include "ebsd/tensor/tensor.hpp"

namespace ebsd::tensor {

template <class T>
struct Tucker {
  Tensor<T> core;                  // r0 x r1 x ...
  std::vector<Matrix<T>> factors;  // factors[k] is dim(k) x r_k
};

// Truncated HOSVD with multilinear rank `ranks` (one per mode, 1 <= r_k <= dim(k)).
// The leading singular vectors come from the symmetric eigendecomposition of the unfolding's
// Gram matrix M_k M_k^T, accumulated in double: the factors are exact to rounding for the
// singular values above about sqrt(machine epsilon) times the largest, which is what a
// truncation keeps. Each column's largest-magnitude entry is made positive, so the result is
// deterministic. Throws ebsd::Error for an empty tensor, a rank count that differs from the
// order, a rank outside [1, dim], or a non-finite value; ebsd::Cancelled when cancelled.
template <class T>
Tucker<T> hosvd(const Tensor<T>& t, std::span<const std::int64_t> ranks, Progress& progress);

// core x_0 factors[0] x_1 factors[1] ... Throws ebsd::Error when the factors do not fit the core.
template <class T>
Tensor<T> reconstruct(const Tucker<T>& tucker);

}  // namespace ebsd::tensor

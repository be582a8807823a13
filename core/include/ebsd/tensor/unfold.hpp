#pragma once
// Mode-n unfolding (matricization) and its inverse, in the convention of Kolda & Bader,
// "Tensor Decompositions and Applications", SIAM Review 51 (2009), section 2.4: element
// (i0, ..., iN-1) goes to row i_n and column sum_{k != n} i_k J_k with J_k the product of the
// extents of the modes before k other than n (the remaining modes in order, earliest fastest).
// With the tensor stored mode 0 fastest, unfold(t, 0) is the values as they lie in memory.
#include "ebsd/tensor/tensor.hpp"

namespace ebsd::tensor {

// The (dim(mode) x size/dim(mode)) unfolding. Throws ebsd::Error for a mode outside the tensor.
template <class T>
Matrix<T> unfold(const Tensor<T>& t, int mode);

// The inverse of unfold: the tensor of the given shape whose mode-`mode` unfolding is m.
// Throws ebsd::Error when m's size does not match the shape.
template <class T>
Tensor<T> fold(const Matrix<T>& m, int mode, const Shape& shape);

}  // namespace ebsd::tensor

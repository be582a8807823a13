#pragma once
// Mode-n (tensor-times-matrix) products, Kolda & Bader (2009) section 2.5:
// (t x_n A)(i0, .., j, .., iN-1) = sum_{i_n} t(i0, .., i_n, .., iN-1) A(j, i_n), i.e.
// unfold(t x_n A, n) = A * unfold(t, n). Computed block by block with Eigen GEMMs on the
// tensor's own memory, never through an explicit unfolding.
#include <span>

#include "ebsd/tensor/tensor.hpp"

namespace ebsd::tensor {

// t x_mode a, where a is (J x dim(mode)); the result has extent J at `mode`.
// Throws ebsd::Error for a mode outside the tensor or a column count that differs from dim(mode).
template <class T>
Tensor<T> mode_product(const Tensor<T>& t, const Matrix<T>& a, int mode);

// t x_mode a^T, where a is (dim(mode) x J): the projection onto a's columns (a factor matrix),
// without forming the transpose.
template <class T>
Tensor<T> mode_product_transposed(const Tensor<T>& t, const Matrix<T>& a, int mode);

// t x_0 a[0] x_1 a[1] ... over all modes (one matrix per mode, in mode order).
// Throws ebsd::Error when the number of matrices differs from the order.
template <class T>
Tensor<T> multi_mode_product(const Tensor<T>& t, std::span<const Matrix<T>> a);

}  // namespace ebsd::tensor

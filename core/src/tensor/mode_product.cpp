#include "ebsd/tensor/mode_product.hpp"

#include <string>

#include "ebsd/core/error.hpp"

namespace ebsd::tensor {
namespace {

// out = t x_mode op(a) where op(a) is (J x I); with the tensor viewed as (L x I x R) blocks, each
// of the R blocks is an (L x I) column-major matrix and becomes the (L x J) block B * op(a)^T.
// When L = 1 (mode 0) the whole product is one GEMM op(a) * (I x R).
template <class T, class Op>
Tensor<T> product(const Tensor<T>& t, const Op& op_a, int mode) {
  const std::int64_t extent = t.dim(mode);
  if (op_a.cols() != extent)
    throw Error("a matrix with " + std::to_string(op_a.cols()) + " columns cannot multiply mode " +
                    std::to_string(mode) + " of extent " + std::to_string(extent),
                "", "mode_product");
  const std::int64_t before = t.extent_before(mode), after = t.extent_after(mode);
  const std::int64_t j = op_a.rows();
  Shape shape = t.shape();
  shape[static_cast<std::size_t>(mode)] = j;
  Tensor<T> out(shape);
  using Block = Eigen::Map<const Matrix<T>>;
  using OutBlock = Eigen::Map<Matrix<T>>;
  if (before == 1) {
    OutBlock(out.data(), j, after).noalias() = op_a * Block(t.data(), extent, after);
    return out;
  }
  for (std::int64_t r = 0; r < after; ++r)
    OutBlock(out.data() + before * j * r, before, j).noalias() =
        Block(t.data() + before * extent * r, before, extent) * op_a.transpose();
  return out;
}

}  // namespace

template <class T>
Tensor<T> mode_product(const Tensor<T>& t, const Matrix<T>& a, int mode) {
  return product(t, a, mode);
}

template <class T>
Tensor<T> mode_product_transposed(const Tensor<T>& t, const Matrix<T>& a, int mode) {
  return product(t, a.transpose(), mode);
}

template <class T>
Tensor<T> multi_mode_product(const Tensor<T>& t, std::span<const Matrix<T>> a) {
  if (static_cast<int>(a.size()) != t.order())
    throw Error("need one matrix per mode: " + std::to_string(t.order()) + " expected, got " +
                    std::to_string(a.size()),
                "", "multi_mode_product");
  Tensor<T> out = t;
  for (int k = 0; k < t.order(); ++k) out = mode_product(out, a[static_cast<std::size_t>(k)], k);
  return out;
}

template Tensor<float> mode_product(const Tensor<float>&, const Matrix<float>&, int);
template Tensor<double> mode_product(const Tensor<double>&, const Matrix<double>&, int);
template Tensor<float> mode_product_transposed(const Tensor<float>&, const Matrix<float>&, int);
template Tensor<double> mode_product_transposed(const Tensor<double>&, const Matrix<double>&, int);
template Tensor<float> multi_mode_product(const Tensor<float>&, std::span<const Matrix<float>>);
template Tensor<double> multi_mode_product(const Tensor<double>&, std::span<const Matrix<double>>);

}  // namespace ebsd::tensor

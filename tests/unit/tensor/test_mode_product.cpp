// Mode-n products agree with the defining sum, computed here by a plain loop.
#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include "ebsd/core/error.hpp"
#include "ebsd/tensor/mode_product.hpp"
#include "tensor_test_support.hpp"

namespace {

using ebsd::tensor::Matrix;
using ebsd::tensor::Tensor;

// (t x_mode a)(..., j, ...) = sum_i t(..., i, ...) a(j, i), for a 4-way tensor.
template <class T>
Tensor<T> naive_product(const Tensor<T>& t, const Matrix<T>& a, int mode) {
  auto shape = t.shape();
  shape[static_cast<std::size_t>(mode)] = a.rows();
  Tensor<T> out(shape);
  std::array<std::int64_t, 4> o{};
  for (o[3] = 0; o[3] < shape[3]; ++o[3])
    for (o[2] = 0; o[2] < shape[2]; ++o[2])
      for (o[1] = 0; o[1] < shape[1]; ++o[1])
        for (o[0] = 0; o[0] < shape[0]; ++o[0]) {
          double s = 0.0;
          auto in = o;
          for (std::int64_t i = 0; i < t.dim(mode); ++i) {
            in[static_cast<std::size_t>(mode)] = i;
            s += static_cast<double>(t(in[0], in[1], in[2], in[3])) * static_cast<double>(a(o[static_cast<std::size_t>(mode)], i));
          }
          out(o[0], o[1], o[2], o[3]) = static_cast<T>(s);
        }
  return out;
}

template <class T>
double max_abs_difference(const Tensor<T>& a, const Tensor<T>& b) {
  double m = 0.0;
  for (std::int64_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(static_cast<double>(a.data()[i] - b.data()[i])));
  return m;
}

TEST(TensorModeProduct, MatchesTheDefiningSumInEveryModeInDouble) {
  const auto t = ebsd::tensor::test::random_tensor<double>({4, 3, 5, 2}, 1);
  for (int k = 0; k < 4; ++k) {
    const auto a = ebsd::tensor::test::random_matrix<double>(6, t.dim(k), 10 + static_cast<unsigned>(k));
    const auto got = ebsd::tensor::mode_product(t, a, k);
    ASSERT_EQ(got.shape()[static_cast<std::size_t>(k)], 6);
    EXPECT_LT(max_abs_difference(got, naive_product(t, a, k)), 1e-13) << "mode " << k;
  }
}

TEST(TensorModeProduct, MatchesTheDefiningSumInEveryModeInFloat) {
  const auto t = ebsd::tensor::test::random_tensor<float>({4, 3, 5, 2}, 2);
  for (int k = 0; k < 4; ++k) {
    const auto a = ebsd::tensor::test::random_matrix<float>(2, t.dim(k), 20 + static_cast<unsigned>(k));
    EXPECT_LT(max_abs_difference(ebsd::tensor::mode_product(t, a, k), naive_product(t, a, k)), 1e-5) << "mode " << k;
  }
}

TEST(TensorModeProduct, ReproducesKoldaAndBaderExample) {
  // X as in Kolda & Bader (2009) section 2.5, U = [1 3 5; 2 4 6]: Y(:,:,1) = [22 49 76 103; 28 64 100 136].
  std::vector<double> v(24);
  for (int i = 0; i < 24; ++i) v[static_cast<std::size_t>(i)] = i + 1;
  const Tensor<double> x({3, 4, 2}, v);
  Matrix<double> u(2, 3);
  u << 1, 3, 5, 2, 4, 6;
  const auto y = ebsd::tensor::mode_product(x, u, 0);
  const double expected[2][4] = {{22, 49, 76, 103}, {28, 64, 100, 136}};
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j) EXPECT_EQ(y(i, j, 0), expected[i][j]);
  EXPECT_EQ(y(0, 0, 1), 1 * 13 + 3 * 14 + 5 * 15);
}

TEST(TensorModeProduct, TransposedVariantEqualsProductWithTheTranspose) {
  const auto t = ebsd::tensor::test::random_tensor<double>({5, 4, 3}, 3);
  const auto a = ebsd::tensor::test::random_matrix<double>(4, 2, 4);  // a factor: dim x rank
  const Matrix<double> at = a.transpose();
  EXPECT_LT(max_abs_difference(ebsd::tensor::mode_product_transposed(t, a, 1), ebsd::tensor::mode_product(t, at, 1)), 1e-15);
}

TEST(TensorModeProduct, MultiModeProductAppliesOneMatrixPerMode) {
  const auto t = ebsd::tensor::test::random_tensor<double>({2, 3, 2, 2}, 5);
  std::vector<Matrix<double>> a;
  for (int k = 0; k < 4; ++k) a.push_back(ebsd::tensor::test::random_matrix<double>(3, t.dim(k), 30 + static_cast<unsigned>(k)));
  auto expected = t;
  for (int k = 0; k < 4; ++k) expected = naive_product(expected, a[static_cast<std::size_t>(k)], k);
  EXPECT_LT(max_abs_difference(ebsd::tensor::multi_mode_product(t, std::span<const Matrix<double>>(a)), expected), 1e-13);
  a.pop_back();
  EXPECT_THROW(ebsd::tensor::multi_mode_product(t, std::span<const Matrix<double>>(a)), ebsd::Error);
}

TEST(TensorModeProduct, RejectsAMatrixWhoseColumnsDoNotMatchTheMode) {
  const auto t = ebsd::tensor::test::random_tensor<double>({4, 3}, 6);
  EXPECT_THROW(ebsd::tensor::mode_product(t, Matrix<double>(2, 3), 0), ebsd::Error);
  EXPECT_THROW(ebsd::tensor::mode_product(t, Matrix<double>(2, 3), 2), ebsd::Error);
}

}  // namespace

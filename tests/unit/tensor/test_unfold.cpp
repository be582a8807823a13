// Unfolding and folding follow Kolda & Bader (2009) section 2.4, and fold inverts unfold.
#include <gtest/gtest.h>

#include "ebsd/core/error.hpp"
#include "ebsd/tensor/unfold.hpp"
#include "tensor_test_support.hpp"

namespace {

using ebsd::tensor::Matrix;
using ebsd::tensor::Tensor;

// Kolda & Bader's example: X(:,:,1) = [1 4 7 10; 2 5 8 11; 3 6 9 12], X(:,:,2) = 12 + X(:,:,1).
Tensor<double> kolda_example() {
  std::vector<double> v(24);
  for (int i = 0; i < 24; ++i) v[static_cast<std::size_t>(i)] = i + 1;  // column-major = the example
  return Tensor<double>({3, 4, 2}, v);
}

TEST(TensorUnfold, ReproducesKoldaAndBaderExample) {
  const Tensor<double> x = kolda_example();
  Matrix<double> m1(3, 8), m2(4, 6), m3(2, 12);
  m1 << 1, 4, 7, 10, 13, 16, 19, 22,  //
      2, 5, 8, 11, 14, 17, 20, 23,    //
      3, 6, 9, 12, 15, 18, 21, 24;
  m2 << 1, 2, 3, 13, 14, 15,  //
      4, 5, 6, 16, 17, 18,    //
      7, 8, 9, 19, 20, 21,    //
      10, 11, 12, 22, 23, 24;
  for (int c = 0; c < 12; ++c) {
    m3(0, c) = c + 1;
    m3(1, c) = c + 13;
  }
  EXPECT_EQ(ebsd::tensor::unfold(x, 0), m1);
  EXPECT_EQ(ebsd::tensor::unfold(x, 1), m2);
  EXPECT_EQ(ebsd::tensor::unfold(x, 2), m3);
}

TEST(TensorUnfold, FoldInvertsUnfoldForEveryModeOfAFourWayTensor) {
  const auto d = ebsd::tensor::test::random_tensor<double>({3, 5, 2, 4}, 7);
  const auto f = ebsd::tensor::test::random_tensor<float>({3, 5, 2, 4}, 8);
  for (int k = 0; k < 4; ++k) {
    EXPECT_EQ(ebsd::tensor::fold(ebsd::tensor::unfold(d, k), k, d.shape()), d) << "mode " << k;
    EXPECT_EQ(ebsd::tensor::fold(ebsd::tensor::unfold(f, k), k, f.shape()), f) << "mode " << k;
  }
}

TEST(TensorUnfold, RejectsAModeOutsideTheTensorAndAMatrixOfTheWrongSize) {
  const Tensor<double> x = kolda_example();
  EXPECT_THROW(ebsd::tensor::unfold(x, 3), ebsd::Error);
  EXPECT_THROW(ebsd::tensor::unfold(x, -1), ebsd::Error);
  EXPECT_THROW(ebsd::tensor::fold(Matrix<double>(3, 7), 0, x.shape()), ebsd::Error);
  EXPECT_THROW(ebsd::tensor::fold(Matrix<double>(4, 6), 0, x.shape()), ebsd::Error);
}

}  // namespace

// The truncated HOSVD recovers an exactly low-rank tensor, has orthonormal factors, checks
// its input and honours cancellation.
#include <gtest/gtest.h>

#include <Eigen/SVD>

#include <limits>

#include "ebsd/core/error.hpp"
#include "ebsd/tensor/hosvd.hpp"
#include "ebsd/tensor/mode_product.hpp"
#include "tensor_test_support.hpp"

namespace {

using ebsd::tensor::Matrix;
using ebsd::tensor::Tensor;

// core (3 x 2 x 4) times random (non-orthogonal) factors: multilinear rank exactly (3, 2, 4).
template <class T>
Tensor<T> exactly_low_rank() {
  const auto core = ebsd::tensor::test::random_tensor<T>({3, 2, 4}, 11);
  std::vector<Matrix<T>> f = {ebsd::tensor::test::random_matrix<T>(12, 3, 12),
                              ebsd::tensor::test::random_matrix<T>(10, 2, 13),
                              ebsd::tensor::test::random_matrix<T>(9, 4, 14)};
  return ebsd::tensor::multi_mode_product(core, std::span<const Matrix<T>>(f));
}

TEST(TensorHosvd, ReconstructsAnExactlyLowRankTensor) {
  const auto t = exactly_low_rank<double>();
  const std::vector<std::int64_t> ranks{3, 2, 4};
  const auto tucker = ebsd::tensor::hosvd(t, ranks, ebsd::Progress::none());
  EXPECT_EQ(tucker.core.shape(), (ebsd::tensor::Shape{3, 2, 4}));
  EXPECT_LT(ebsd::tensor::relative_distance(ebsd::tensor::reconstruct(tucker), t), 1e-12);
}

TEST(TensorHosvd, ReconstructsInFloatToSinglePrecision) {
  const auto t = exactly_low_rank<float>();
  const std::vector<std::int64_t> ranks{3, 2, 4};
  const auto tucker = ebsd::tensor::hosvd(t, ranks, ebsd::Progress::none());
  EXPECT_LT(ebsd::tensor::relative_distance(ebsd::tensor::reconstruct(tucker), t), 1e-5);
}

TEST(TensorHosvd, FactorsAreOrthonormalAndTruncationKeepsTheLeadingSubspace) {
  const auto t = ebsd::tensor::test::random_tensor<double>({8, 7, 6}, 21);
  const std::vector<std::int64_t> ranks{3, 3, 2};
  const auto tucker = ebsd::tensor::hosvd(t, ranks, ebsd::Progress::none());
  for (const auto& a : tucker.factors)
    EXPECT_LT((a.transpose() * a - Matrix<double>::Identity(a.cols(), a.cols())).norm(), 1e-12);
  // The mode-0 factor spans the 3 leading left singular vectors of the unfolding.
  Matrix<double> m0 = Eigen::Map<const Matrix<double>>(t.data(), 8, 42);
  const Eigen::JacobiSVD<Matrix<double>> svd(m0, Eigen::ComputeThinU);
  const Matrix<double> u = svd.matrixU().leftCols(3);
  EXPECT_LT((u * u.transpose() - tucker.factors[0] * tucker.factors[0].transpose()).norm(), 1e-10);
}

TEST(TensorHosvd, RejectsBadRanksNonFiniteValuesAndEmptyTensors) {
  const auto t = ebsd::tensor::test::random_tensor<double>({4, 3, 2}, 31);
  auto& none = ebsd::Progress::none();
  EXPECT_THROW(ebsd::tensor::hosvd(t, std::vector<std::int64_t>{2, 4, 1}, none), ebsd::Error);  // 4 > 3
  EXPECT_THROW(ebsd::tensor::hosvd(t, std::vector<std::int64_t>{2, 0, 1}, none), ebsd::Error);
  EXPECT_THROW(ebsd::tensor::hosvd(t, std::vector<std::int64_t>{2, 2}, none), ebsd::Error);
  auto bad = t;
  bad(1, 1, 1) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(ebsd::tensor::hosvd(bad, std::vector<std::int64_t>{2, 2, 1}, none), ebsd::Error);
  EXPECT_THROW(ebsd::tensor::hosvd(Tensor<double>(), std::vector<std::int64_t>{}, none), ebsd::Error);
}

TEST(TensorHosvd, StopsWhenCancelled) {
  const auto t = ebsd::tensor::test::random_tensor<double>({4, 3, 2}, 41);
  ebsd::CancelToken token;
  token.cancel();
  ebsd::Progress progress(nullptr, &token);
  EXPECT_THROW(ebsd::tensor::hosvd(t, std::vector<std::int64_t>{2, 2, 1}, progress), ebsd::Cancelled);
}

}  // namespace

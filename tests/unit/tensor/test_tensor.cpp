// The dense N-way tensor: shape checks, mode-0-fastest element layout, norms.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ebsd/core/error.hpp"
#include "ebsd/tensor/tensor.hpp"

namespace {

using ebsd::tensor::Tensor;

TEST(TensorShape, IsZeroFilledWithTheGivenShape) {
  const Tensor<double> t({3, 4, 2});
  EXPECT_EQ(t.order(), 3);
  EXPECT_EQ(t.size(), 24);
  EXPECT_EQ(t.dim(1), 4);
  for (const double v : t.values()) EXPECT_EQ(v, 0.0);
}

TEST(TensorShape, StoresModeZeroFastest) {
  Tensor<float> t({3, 4, 2});
  t(2, 1, 1) = 7.0f;
  // offset = 2 + 3 * (1 + 4 * 1) = 17
  EXPECT_EQ(t.values()[17], 7.0f);
  EXPECT_EQ(t.extent_before(1), 3);
  EXPECT_EQ(t.extent_after(1), 2);
  EXPECT_EQ(t.extent_before(0), 1);
  EXPECT_EQ(t.extent_after(2), 1);
}

TEST(TensorShape, RejectsEmptyShapesZeroExtentsAndWrongValueCounts) {
  EXPECT_THROW(Tensor<double>(ebsd::tensor::Shape{}), ebsd::Error);
  EXPECT_THROW(Tensor<double>({3, 0, 2}), ebsd::Error);
  EXPECT_THROW(Tensor<double>({3, -1}), ebsd::Error);
  EXPECT_THROW(Tensor<double>({2, 2}, std::vector<double>(5)), ebsd::Error);
  EXPECT_THROW(Tensor<double>({std::int64_t{1} << 40, std::int64_t{1} << 40}), ebsd::Error);
  const Tensor<double> t({2, 2});
  EXPECT_THROW((void)t.dim(2), ebsd::Error);
}

TEST(TensorShape, FrobeniusNormAndRelativeDistance) {
  const Tensor<double> a({2, 2}, {3.0, 0.0, 0.0, 4.0});
  const Tensor<double> b({2, 2}, {3.0, 0.0, 1.0, 4.0});
  EXPECT_DOUBLE_EQ(ebsd::tensor::frobenius_norm(a), 5.0);
  EXPECT_DOUBLE_EQ(ebsd::tensor::relative_distance(b, a), 1.0 / 5.0);
  EXPECT_THROW(ebsd::tensor::relative_distance(a, Tensor<double>({2, 2})), ebsd::Error);
  EXPECT_THROW(ebsd::tensor::relative_distance(a, Tensor<double>({4})), ebsd::Error);
}

TEST(TensorShape, DetectsNonFiniteValues) {
  Tensor<float> t({2, 3});
  EXPECT_TRUE(ebsd::tensor::all_finite(t));
  t(1, 2) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_FALSE(ebsd::tensor::all_finite(t));
  t(1, 2) = std::numeric_limits<float>::infinity();
  EXPECT_FALSE(ebsd::tensor::all_finite(t));
}

}  // namespace

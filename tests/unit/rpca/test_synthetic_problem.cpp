// The paper's synthetic problem: orthonormal factors, a superdiagonal core with the requested
// condition number, exactly floor(alpha n^3) corrupted entries bounded by mean |X*|.
#include <gtest/gtest.h>

#include <cmath>

#include "ebsd/core/error.hpp"
#include "ebsd/rpca/synthetic_problem.hpp"

namespace {

using ebsd::rpca::make_synthetic_problem;
using ebsd::rpca::SyntheticProblemSpec;

TEST(RpcaSyntheticProblem, HasOrthonormalFactorsAndTheRequestedConditionNumber) {
  const auto p = make_synthetic_problem({20, 4, 8.0, 0.1, 3});
  for (const auto& a : p.truth.factors) {
    ASSERT_EQ(a.rows(), 20);
    ASSERT_EQ(a.cols(), 4);
    EXPECT_LT((a.transpose() * a - Eigen::MatrixXd::Identity(4, 4)).norm(), 1e-12);
  }
  EXPECT_DOUBLE_EQ(p.truth.core(0, 0, 0), 1.0);
  EXPECT_NEAR(p.truth.core(3, 3, 3), 1.0 / 8.0, 1e-15);
  EXPECT_NEAR(p.truth.core(1, 1, 1), std::pow(8.0, -1.0 / 3.0), 1e-15);
  EXPECT_EQ(p.truth.core(1, 0, 0), 0.0);
}

TEST(RpcaSyntheticProblem, CorruptsFloorAlphaNEntriesWithinMeanAbsoluteValue) {
  const auto p = make_synthetic_problem({15, 3, 5.0, 0.2, 9});
  EXPECT_EQ(p.corrupted, static_cast<std::int64_t>(std::floor(0.2 * 15 * 15 * 15)));
  double mean_abs = 0.0;
  for (const double v : p.low_rank.values()) mean_abs += std::fabs(v);
  mean_abs /= static_cast<double>(p.low_rank.size());
  std::int64_t nonzero = 0;
  for (std::int64_t i = 0; i < p.observed.size(); ++i) {
    const double s = p.sparse.data()[i];
    nonzero += s != 0.0;
    EXPECT_LE(std::fabs(s), mean_abs);
    EXPECT_DOUBLE_EQ(p.observed.data()[i], p.low_rank.data()[i] + s);
  }
  EXPECT_EQ(nonzero, p.corrupted);
}

TEST(RpcaSyntheticProblem, IsDeterministicForASeedAndDiffersAcrossSeeds) {
  const auto a = make_synthetic_problem({12, 2, 3.0, 0.1, 5});
  const auto b = make_synthetic_problem({12, 2, 3.0, 0.1, 5});
  const auto c = make_synthetic_problem({12, 2, 3.0, 0.1, 6});
  EXPECT_EQ(a.observed, b.observed);
  EXPECT_NE(a.observed, c.observed);
}

TEST(RpcaSyntheticProblem, RejectsImpossibleSpecifications) {
  EXPECT_THROW(make_synthetic_problem({0, 1, 1.0, 0.0, 1}), ebsd::Error);
  EXPECT_THROW(make_synthetic_problem({10, 11, 1.0, 0.0, 1}), ebsd::Error);
  EXPECT_THROW(make_synthetic_problem({10, 2, 0.5, 0.0, 1}), ebsd::Error);
  EXPECT_THROW(make_synthetic_problem({10, 2, 2.0, 1.0, 1}), ebsd::Error);
  EXPECT_THROW(make_synthetic_problem({10, 2, 2.0, -0.1, 1}), ebsd::Error);
}

}  // namespace

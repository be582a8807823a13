// Tensor RPCA by ScaledGD: exact recovery, iteration counts flat in the condition number,
// agreement with a literal transcription of the paper's update, agreement of all kernels,
// input checks and cancellation.
#include <gtest/gtest.h>

#include <Eigen/LU>
#include <algorithm>
#include <cmath>
#include <limits>

#include "ebsd/core/error.hpp"
#include "ebsd/rpca/scaled_gd.hpp"
#include "ebsd/rpca/synthetic_problem.hpp"
#include "ebsd/tensor/mode_product.hpp"
#include "ebsd/tensor/unfold.hpp"

namespace {

using ebsd::rpca::ScaledGdKernel;
using ebsd::rpca::ScaledGdSettings;
using ebsd::tensor::Matrix;
using ebsd::tensor::Tensor;

ScaledGdSettings settings(std::int64_t r, int iterations, ScaledGdKernel k = ScaledGdKernel::Auto) {
  ScaledGdSettings s;
  s.ranks = {r, r, r};
  s.iterations = iterations;
  s.kernel = k;
  return s;
}

TEST(RpcaScaledGd, RecoversTheLowRankPartExactlyAt40CubedRank3) {
  const auto p = ebsd::rpca::make_synthetic_problem({40, 3, 5.0, 0.2, 1});
  const auto r = ebsd::rpca::scaled_gd(p.observed, settings(3, 150), ebsd::Progress::none(), &p.low_rank);
  ASSERT_EQ(r.relative_errors.size(), 151u);
  EXPECT_LT(r.relative_errors.back(), 1e-10);
  EXPECT_LT(ebsd::tensor::relative_distance(r.low_rank, p.low_rank), 1e-10);
  // The sparse part is S* (shrunk by the last, tiny threshold).
  double worst = 0.0;
  for (std::int64_t i = 0; i < p.sparse.size(); ++i) worst = std::max(worst, std::fabs(r.sparse.data()[i] - p.sparse.data()[i]));
  EXPECT_LT(worst, 1e-9);
}

TEST(RpcaScaledGd, IterationsToReach1e8DoNotGrowWithTheConditionNumber) {
  std::vector<int> needed;
  for (const double kappa : {1.0, 5.0, 20.0}) {
    const auto p = ebsd::rpca::make_synthetic_problem({40, 3, kappa, 0.2, 2});
    auto s = settings(3, 200);
    s.stop_below_error = 1e-8;
    const auto r = ebsd::rpca::scaled_gd(p.observed, s, ebsd::Progress::none(), &p.low_rank);
    needed.push_back(ebsd::rpca::iterations_to_reach(r.relative_errors, 1e-8));
    EXPECT_GT(needed.back(), 0) << "kappa " << kappa;
    EXPECT_EQ(r.iterations, needed.back()) << "stopped at the first iterate below 1e-8";
  }
  const auto [lo, hi] = std::minmax_element(needed.begin(), needed.end());
  EXPECT_LE(*hi - *lo, 6) << needed[0] << " " << needed[1] << " " << needed[2];
}

// One iteration of Algorithm 1 exactly as the paper and the authors' code write it, without the
// ridge: X = G x_k A_k, S = T_zeta(Y - X), D = S - Y,
// A_k <- (1 - eta) A_k - eta M_k(D) Ab_k (Ab_k^T Ab_k)^-1 with Ab_k = M_k(G x_{j != k} A_j)^T,
// G <- G - eta (X + D) x_k (A_k^T A_k)^-1 A_k^T.
ebsd::tensor::Tucker<double> literal_iteration(const Tensor<double>& y, const ebsd::tensor::Tucker<double>& x, double zeta,
                                               double eta) {
  const Tensor<double> xt = ebsd::tensor::reconstruct(x);
  Tensor<double> d = y;
  for (std::int64_t i = 0; i < y.size(); ++i) d.data()[i] = ebsd::rpca::soft_threshold(y.data()[i] - xt.data()[i], zeta) - y.data()[i];
  ebsd::tensor::Tucker<double> next;
  for (int k = 0; k < 3; ++k) {
    Tensor<double> partial = x.core;
    for (int j = 0; j < 3; ++j)
      if (j != k) partial = ebsd::tensor::mode_product(partial, x.factors[static_cast<std::size_t>(j)], j);
    const Matrix<double> breve = ebsd::tensor::unfold(partial, k).transpose();
    const Matrix<double>& a = x.factors[static_cast<std::size_t>(k)];
    next.factors.push_back((1 - eta) * a - eta * ebsd::tensor::unfold(d, k) * breve * (breve.transpose() * breve).inverse());
  }
  Tensor<double> residual = xt;
  for (std::int64_t i = 0; i < y.size(); ++i) residual.data()[i] += d.data()[i];
  for (int k = 0; k < 3; ++k) {
    const Matrix<double>& a = x.factors[static_cast<std::size_t>(k)];
    const Matrix<double> pinv = (a.transpose() * a).inverse() * a.transpose();
    residual = ebsd::tensor::mode_product(residual, pinv, k);
  }
  next.core = x.core;
  for (std::int64_t i = 0; i < next.core.size(); ++i) next.core.data()[i] -= eta * residual.data()[i];
  return next;
}

TEST(RpcaScaledGd, FollowsTheLiteralPaperUpdate) {
  const auto p = ebsd::rpca::make_synthetic_problem({14, 2, 4.0, 0.2, 3});
  const ebsd::rpca::Hyperparameters h{0.004, 0.003, 0.5, 0.8};
  // The spectral initialisation, then three literal iterations.
  Tensor<double> clipped = p.observed;
  for (double& v : clipped.values()) v = std::clamp(v, -h.zeta0, h.zeta0);
  const std::vector<std::int64_t> ranks{2, 2, 2};
  auto x = ebsd::tensor::hosvd(clipped, ranks, ebsd::Progress::none());
  double zeta = h.zeta1;
  for (int t = 0; t < 3; ++t, zeta *= h.decay) x = literal_iteration(p.observed, x, zeta, h.eta);
  const Tensor<double> expected = ebsd::tensor::reconstruct(x);
  for (const auto k : {ScaledGdKernel::Generic, ScaledGdKernel::Auto}) {
    auto s = settings(2, 3, k);
    s.hyper = h;
    const auto r = ebsd::rpca::scaled_gd(p.observed, s, ebsd::Progress::none());
    EXPECT_LT(ebsd::tensor::relative_distance(r.low_rank, expected), 1e-11) << static_cast<int>(r.kernel);
  }
}

TEST(RpcaScaledGd, AllKernelsAndThreadCountsGiveTheSameIterates) {
  // Extents that are not multiples of any vector width, and unequal ranks.
  Tensor<double> y({13, 11, 9});
  ebsd::tensor::Tucker<double> truth;
  const auto p = ebsd::rpca::make_synthetic_problem({13, 4, 3.0, 0.1, 4});
  truth.core = Tensor<double>({3, 2, 4});
  for (std::int64_t i = 0; i < truth.core.size(); ++i) truth.core.data()[i] = std::sin(1.0 + static_cast<double>(i));
  truth.factors = {p.truth.factors[0].leftCols(3), p.truth.factors[1].topRows(11).leftCols(2),
                   p.truth.factors[2].topRows(9)};
  const Tensor<double> x_star = ebsd::tensor::reconstruct(truth);
  y = x_star;
  for (std::int64_t i = 0; i < y.size(); i += 7) y.data()[i] += 0.05 * std::cos(static_cast<double>(i));

  ScaledGdSettings s;
  s.ranks = {3, 2, 4};
  s.iterations = 12;
  s.hyper = {0.5, 0.2, 0.5, 0.8};
  s.kernel = ScaledGdKernel::Generic;
  const auto reference = ebsd::rpca::scaled_gd(y, s, ebsd::Progress::none(), &x_star);
  int compared = 0;
  for (const auto k : {ScaledGdKernel::FusedPortable, ScaledGdKernel::FusedAvx2, ScaledGdKernel::FusedAvx512,
                       ScaledGdKernel::FusedAvx512Blocked})
    for (const int threads : {1, 3}) {
      s.kernel = k;
      s.threads = threads;
      ebsd::rpca::ScaledGdResult r;
      try {
        r = ebsd::rpca::scaled_gd(y, s, ebsd::Progress::none(), &x_star);
      } catch (const ebsd::Error&) {
        continue;  // this CPU lacks the instruction set
      }
      ++compared;
      EXPECT_LT(ebsd::tensor::relative_distance(r.low_rank, reference.low_rank), 1e-12) << static_cast<int>(k) << " " << threads;
      ASSERT_EQ(r.relative_errors.size(), reference.relative_errors.size());
      for (std::size_t t = 0; t < r.relative_errors.size(); ++t)
        EXPECT_NEAR(r.relative_errors[t], reference.relative_errors[t], 1e-12 * reference.relative_errors[t]);
    }
  EXPECT_GE(compared, 2);
}

TEST(RpcaScaledGd, BlockedKernelGivesTheSameBitsForAnyThreadCount) {
  // The blocked kernel hands out blocks of rows to whichever thread is free, and adds the
  // blocks' terms in block order: its iterates must not depend on the thread count or on the
  // scheduling. 100 rows: 25 blocks, shared unevenly by 2, 3 and 7 threads.
  ScaledGdSettings s;
  s.ranks = {6, 5, 7};
  s.iterations = 6;
  s.hyper = {0.5, 0.2, 0.5, 0.8};
  s.kernel = ScaledGdKernel::FusedAvx512Blocked;
  const auto p = ebsd::rpca::make_synthetic_problem({30, 5, 3.0, 0.1, 9});
  Tensor<double> y({21, 100, 13});
  for (std::int64_t i = 0; i < y.size(); ++i) y.data()[i] = p.observed.data()[i % p.observed.size()] * (1.0 + 1e-3 * i);
  s.threads = 1;
  ebsd::rpca::ScaledGdResult one;
  try {
    one = ebsd::rpca::scaled_gd(y, s, ebsd::Progress::none());
  } catch (const ebsd::Error&) {
    GTEST_SKIP() << "this CPU lacks AVX-512";
  }
  for (const int threads : {2, 3, 7}) {
    s.threads = threads;
    const auto r = ebsd::rpca::scaled_gd(y, s, ebsd::Progress::none());
    ASSERT_EQ(r.low_rank.size(), one.low_rank.size());
    EXPECT_TRUE(std::equal(r.low_rank.data(), r.low_rank.data() + r.low_rank.size(), one.low_rank.data())) << threads;
  }
}

TEST(RpcaScaledGd, BlockedKernelFollowsTheGenericOneAtTheEdgesOfItsBlocks) {
  // The blocked kernel forms C_j and the gradient terms for blocks of 4 rows at once, and the
  // x vectors in pairs: rows left over at the end (n2 = 7, 10, 13), an odd number of x vectors
  // (n1 = 9, 23, 40) and mode-3 ranks from 1 to 12 go through the edge paths.
  if (!__builtin_cpu_supports("avx512f")) GTEST_SKIP() << "this CPU lacks AVX-512";
  struct Case {
    std::vector<std::int64_t> shape, ranks;
  };
  const Case cases[] = {{{9, 7, 11}, {2, 2, 1}}, {{23, 10, 17}, {4, 2, 7}}, {{40, 13, 12}, {3, 5, 12}}, {{17, 4, 9}, {5, 4, 8}}};
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.shape) + " ranks " + ::testing::PrintToString(c.ranks));
    Tensor<double> y(c.shape);
    for (std::int64_t i = 0; i < y.size(); ++i)
      y.data()[i] = std::sin(0.37 * static_cast<double>(i)) + 0.2 * std::cos(0.011 * static_cast<double>(i * i % 997));
    ScaledGdSettings s;
    s.ranks = c.ranks;
    s.iterations = 8;
    s.hyper = {0.5, 0.2, 0.5, 0.8};
    s.kernel = ScaledGdKernel::Generic;
    const auto reference = ebsd::rpca::scaled_gd(y, s, ebsd::Progress::none());
    s.kernel = ScaledGdKernel::FusedAvx512Blocked;
    s.threads = 2;
    const auto r = ebsd::rpca::scaled_gd(y, s, ebsd::Progress::none());
    EXPECT_LT(ebsd::tensor::relative_distance(r.low_rank, reference.low_rank), 1e-12);
    EXPECT_GT(ebsd::tensor::relative_distance(reference.low_rank, y), 1e-3);  // a non-trivial fit
  }
}

TEST(RpcaScaledGd, BlockedKernelTakesModeThreeRanksUpToTwelve) {
  const auto p = ebsd::rpca::make_synthetic_problem({16, 2, 2.0, 0.1, 3});
  auto s = settings(2, 2, ScaledGdKernel::FusedAvx512Blocked);
  s.ranks = {2, 13, 13};
  Tensor<double> y({16, 16, 16});
  std::copy_n(p.observed.data(), y.size(), y.data());
  EXPECT_THROW(ebsd::rpca::scaled_gd(y, s, ebsd::Progress::none()), ebsd::Error);  // 13 > 12 (or no AVX-512)
  // Auto takes the blocked kernel where it can and the row kernel above rank 12.
  s.kernel = ScaledGdKernel::Auto;
  const auto above = ebsd::rpca::scaled_gd(y, s, ebsd::Progress::none());
  s.ranks = {4, 3, 12};
  const auto within = ebsd::rpca::scaled_gd(y, s, ebsd::Progress::none());
  if (__builtin_cpu_supports("avx512f")) {
    EXPECT_EQ(above.kernel, ScaledGdKernel::FusedAvx512);
    EXPECT_EQ(within.kernel, ScaledGdKernel::FusedAvx512Blocked);
  } else {
    EXPECT_NE(above.kernel, ScaledGdKernel::FusedAvx512Blocked);
    EXPECT_NE(within.kernel, ScaledGdKernel::FusedAvx512Blocked);
  }
}

TEST(RpcaScaledGd, RunsOnTensorsOfOtherOrders) {
  // A 4-way tensor of multilinear rank (2, 2, 2, 1) with a few spikes goes through the generic kernel.
  const auto p = ebsd::rpca::make_synthetic_problem({10, 2, 2.0, 0.0, 8});
  Tensor<double> y({10, 10, 10, 3});
  for (std::int64_t c = 0; c < 3; ++c)
    for (std::int64_t i = 0; i < 1000; ++i) y.data()[i + 1000 * c] = (1.0 + c) * p.low_rank.data()[i];
  const Tensor<double> truth = y;
  for (std::int64_t i = 0; i < y.size(); i += 37) y.data()[i] += 0.02;
  ScaledGdSettings s;
  s.ranks = {2, 2, 2, 1};
  s.iterations = 200;
  s.hyper = {0.1, 0.05, 0.5, 0.9};
  const auto r = ebsd::rpca::scaled_gd(y, s, ebsd::Progress::none(), &truth);
  EXPECT_EQ(r.kernel, ScaledGdKernel::Generic);
  EXPECT_LT(r.relative_errors.back(), 1e-8);
}

TEST(RpcaScaledGd, RejectsBadInput) {
  const auto p = ebsd::rpca::make_synthetic_problem({8, 2, 2.0, 0.1, 5});
  auto& none = ebsd::Progress::none();
  EXPECT_THROW(ebsd::rpca::scaled_gd(Tensor<double>(), settings(2, 1), none), ebsd::Error);
  EXPECT_THROW(ebsd::rpca::scaled_gd(p.observed, settings(9, 1), none), ebsd::Error);  // rank > dim
  auto s = settings(2, 1);
  s.ranks = {2, 2};
  EXPECT_THROW(ebsd::rpca::scaled_gd(p.observed, s, none), ebsd::Error);  // one rank missing
  s.ranks = {5, 2, 2};
  EXPECT_THROW(ebsd::rpca::scaled_gd(p.observed, s, none), ebsd::Error);  // 5 > 2 * 2
  s = settings(2, 1);
  s.hyper.eta = 0.0;
  EXPECT_THROW(ebsd::rpca::scaled_gd(p.observed, s, none), ebsd::Error);
  s = settings(2, 1);
  s.hyper.decay = 1.5;
  EXPECT_THROW(ebsd::rpca::scaled_gd(p.observed, s, none), ebsd::Error);
  s = settings(2, 1);
  s.hyper.zeta1 = -1.0;
  EXPECT_THROW(ebsd::rpca::scaled_gd(p.observed, s, none), ebsd::Error);
  auto nan = p.observed;
  nan(1, 2, 3) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(ebsd::rpca::scaled_gd(nan, settings(2, 1), none), ebsd::Error);
  const Tensor<double> other({8, 8, 7});
  EXPECT_THROW(ebsd::rpca::scaled_gd(p.observed, settings(2, 1), none, &other), ebsd::Error);
  s = settings(2, 1);
  s.kernel = ScaledGdKernel::FusedPortable;
  EXPECT_THROW(ebsd::rpca::scaled_gd(Tensor<double>({8, 8, 8, 1}), [] {
    auto t = settings(2, 1);
    t.ranks = {2, 2, 2, 1};
    t.kernel = ScaledGdKernel::FusedPortable;
    return t;
  }(), none), ebsd::Error);  // the fused kernels are 3-way only
}

TEST(RpcaScaledGd, StopsWhenCancelledDuringTheIterations) {
  const auto p = ebsd::rpca::make_synthetic_problem({20, 2, 2.0, 0.1, 6});
  ebsd::CancelToken token;
  int iterations_seen = 0;
  ebsd::Progress progress(
      [&](double, const std::string& m) {
        if (m.rfind("ScaledGD: iteration", 0) == 0 && ++iterations_seen == 3) token.cancel();
      },
      &token);
  EXPECT_THROW(ebsd::rpca::scaled_gd(p.observed, settings(2, 50), progress), ebsd::Cancelled);
  EXPECT_EQ(iterations_seen, 3);
  token.reset();
  token.cancel();
  ebsd::Progress cancelled(nullptr, &token);
  EXPECT_THROW(ebsd::rpca::scaled_gd(p.observed, settings(2, 50), cancelled), ebsd::Cancelled);
}

TEST(RpcaScaledGd, ReportsUntrainedUnfoldingDefaultsAsTheAuthorsParametrisation) {
  const auto h = ebsd::rpca::unfolding_initial_hyperparameters();
  EXPECT_NEAR(h.zeta0, 0.01 * std::log(2.0), 1e-15);
  EXPECT_NEAR(h.zeta1, 0.01 * std::log(2.0), 1e-15);
  EXPECT_NEAR(h.eta, std::log(1.0 + std::exp(0.1)), 1e-15);
  EXPECT_NEAR(h.decay, 1.0 / (1.0 + std::exp(-0.8)), 1e-15);
}

}  // namespace

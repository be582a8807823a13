// Our fused CUDA ScaledGD iterations (gpu/src/cuda/rpca_kernels.hpp) against the CPU reference
// (ebsd::rpca::scaled_gd) from the same spectral initialisation: the same iterates (per-iteration
// errors and the final iterate to 1e-5 relative, before convergence), on cubic and non-cubic
// tensors, with x rows longer than one thread block, several blocks per row, with and without the
// CUDA graph; exact recovery on the paper's 100^3 problem; the early stop; both kernel variants
// (RpcaTuning::variant), the second with and without its shared-memory staging (ranks up to 32),
// the third (the second's Gram work as a kernel of its own beside the row pass), the fourth
// (the third's work items in one persistent cooperative kernel with grid barriers) and the fifth
// (the fourth with wider row blocks and update items, the same arithmetic) and the seventh (the
// fourth with its row items on the FP64 tensor cores; the sums in another order). The persistent
// kernel's timeline (FusedScaledGd::timeline) accounts for every work item.
// No LibTorch. Skips itself where there is no CUDA device; label gpu.
#include <gtest/gtest.h>

#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <random>
#include <vector>

#include "cuda/rpca_kernels.hpp"
#include "ebsd/rpca/scaled_gd.hpp"
#include "ebsd/rpca/synthetic_problem.hpp"
#include "ebsd/tensor/hosvd.hpp"

namespace {

namespace k = ebsd::gpu::cuda;
using ebsd::tensor::Tensor;
using ebsd::tensor::Tucker;
using Matrix = ebsd::tensor::Matrix<double>;

bool have_device() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();
    return false;
  }
  return n > 0;
}

struct DeviceTensor {
  double* p = nullptr;
  explicit DeviceTensor(const Tensor<double>& t) {
    EXPECT_EQ(cudaMalloc(&p, static_cast<std::size_t>(t.size()) * sizeof(double)), cudaSuccess);
    EXPECT_EQ(cudaMemcpy(p, t.data(), static_cast<std::size_t>(t.size()) * sizeof(double), cudaMemcpyHostToDevice),
              cudaSuccess);
  }
  ~DeviceTensor() { cudaFree(p); }
  DeviceTensor(const DeviceTensor&) = delete;
  DeviceTensor& operator=(const DeviceTensor&) = delete;
};

std::vector<double> row_major(const Matrix& m) {
  std::vector<double> v(static_cast<std::size_t>(m.size()));
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index a = 0; a < m.cols(); ++a) v[static_cast<std::size_t>(i * m.cols() + a)] = m(i, a);
  return v;
}

Matrix from_row_major(const std::vector<double>& v, std::int64_t rows, std::int64_t cols) {
  Matrix m(rows, cols);
  for (std::int64_t i = 0; i < rows; ++i)
    for (std::int64_t a = 0; a < cols; ++a) m(i, a) = v[static_cast<std::size_t>(i * cols + a)];
  return m;
}

struct FusedRun {
  std::vector<double> relative_errors;  // per iteration, with a truth
  Tucker<double> iterate;
  k::RpcaRunStatus status;
  int z_splits = 0;
};

// The CPU's initialisation (HOSVD of clamp(Y, -zeta0, zeta0)), then the fused CUDA iterations.
FusedRun run_fused(const Tensor<double>& y, const Tensor<double>* truth, const ebsd::rpca::ScaledGdSettings& s,
                   const k::RpcaTuning& tuning = {}) {
  Tensor<double> clipped = y;
  for (double& v : clipped.values()) v = std::clamp(v, -s.hyper.zeta0, s.hyper.zeta0);
  const Tucker<double> init = ebsd::tensor::hosvd(clipped, s.ranks, ebsd::Progress::none());
  const k::RpcaSizes sizes{y.dim(0), y.dim(1), y.dim(2), static_cast<int>(s.ranks[0]), static_cast<int>(s.ranks[1]),
                           static_cast<int>(s.ranks[2])};
  DeviceTensor dy(y);
  std::unique_ptr<DeviceTensor> dt = truth ? std::make_unique<DeviceTensor>(*truth) : nullptr;
  k::FusedScaledGd solver(sizes, s.iterations, nullptr, tuning);
  solver.set_observed(dy.p, dt ? dt->p : nullptr);
  const auto u = row_major(init.factors[0]), v = row_major(init.factors[1]), w = row_major(init.factors[2]);
  solver.set_iterate(u.data(), v.data(), w.data(), init.core.data());
  const double norm = truth ? ebsd::tensor::frobenius_norm(*truth) : 0.0;
  k::RpcaStepParams p;
  p.zeta1 = s.hyper.zeta1;
  p.eta = s.hyper.eta;
  p.rho = s.hyper.decay;
  p.stop_below_squared_error = truth ? (s.stop_below_error * norm) * (s.stop_below_error * norm) : 0.0;
  solver.run(s.iterations, p);
  FusedRun r;
  r.status = solver.status();
  r.z_splits = solver.z_splits();
  for (const double e : r.status.squared_errors) r.relative_errors.push_back(std::sqrt(e) / norm);
  std::vector<double> uo(u.size()), vo(v.size()), wo(w.size());
  r.iterate.core = Tensor<double>(init.core.shape());
  solver.get_iterate(uo.data(), vo.data(), wo.data(), r.iterate.core.data());
  r.iterate.factors = {from_row_major(uo, sizes.n1, sizes.r1), from_row_major(vo, sizes.n2, sizes.r2),
                       from_row_major(wo, sizes.n3, sizes.r3)};
  return r;
}

// A random Tucker tensor of the given shape and ranks plus sparse spikes: a non-cubic problem.
ebsd::rpca::SyntheticProblem random_problem(const std::vector<std::int64_t>& shape, const std::vector<std::int64_t>& ranks,
                                            unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  Tucker<double> t;
  t.core = Tensor<double>({ranks[0], ranks[1], ranks[2]});
  for (double& v : t.core.values()) v = normal(rng);
  for (int m = 0; m < 3; ++m) {
    Matrix a(shape[static_cast<std::size_t>(m)], ranks[static_cast<std::size_t>(m)]);
    for (Eigen::Index i = 0; i < a.size(); ++i) a.data()[i] = normal(rng) / std::sqrt(static_cast<double>(a.rows()));
    t.factors.push_back(a);
  }
  ebsd::rpca::SyntheticProblem p;
  p.low_rank = ebsd::tensor::reconstruct(t);
  double mean_abs = 0.0;
  for (const double v : p.low_rank.values()) mean_abs += std::abs(v);
  mean_abs /= static_cast<double>(p.low_rank.size());
  p.observed = p.low_rank;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (double& v : p.observed.values())
    if (unit(rng) < 0.1) v += (2.0 * unit(rng) - 1.0) * 10.0 * mean_abs;
  return p;
}

// The tuned values with thresholds scaled to the data (3 x the mean magnitude of the low-rank part).
ebsd::rpca::Hyperparameters thresholds_for(const Tensor<double>& low_rank) {
  double mean_abs = 0.0;
  for (const double v : low_rank.values()) mean_abs += std::abs(v);
  mean_abs /= static_cast<double>(low_rank.size());
  return {3.0 * mean_abs, 3.0 * mean_abs, 0.45, 0.85};
}

// The checks of tests/gpu/test_rpca_gpu.cpp: per-iteration errors and the final iterate.
void expect_same_iterates(const ebsd::rpca::SyntheticProblem& p, const ebsd::rpca::ScaledGdSettings& s,
                          const k::RpcaTuning& tuning = {}) {
  const auto cpu = ebsd::rpca::scaled_gd(p.observed, s, ebsd::Progress::none(), &p.low_rank);
  ASSERT_GT(cpu.relative_errors.back(), 1e-4) << "the comparison must be made before convergence";
  const FusedRun gpu = run_fused(p.observed, &p.low_rank, s, tuning);
  EXPECT_FALSE(gpu.status.singular);
  EXPECT_FALSE(gpu.status.stopped);
  ASSERT_EQ(gpu.status.iterations, s.iterations);
  ASSERT_EQ(gpu.relative_errors.size() + 1, cpu.relative_errors.size());
  for (std::size_t t = 0; t < gpu.relative_errors.size(); ++t)
    EXPECT_NEAR(gpu.relative_errors[t], cpu.relative_errors[t], 1e-5 * cpu.relative_errors[t]) << "iteration " << t;
  EXPECT_LT(ebsd::tensor::relative_distance(ebsd::tensor::reconstruct(gpu.iterate), cpu.low_rank), 1e-5);
  EXPECT_NEAR(gpu.status.zeta, s.hyper.zeta1 * std::pow(s.hyper.decay, s.iterations), 1e-12 * s.hyper.zeta1);
}

k::RpcaTuning variant(int v) {
  k::RpcaTuning t;
  t.variant = v;
  return t;
}

TEST(CudaRpcaKernels, FollowTheCpuReference) {
  if (!have_device()) GTEST_SKIP() << "no CUDA device";
  const auto p = ebsd::rpca::make_synthetic_problem({40, 3, 5.0, 0.2, 11});
  ebsd::rpca::ScaledGdSettings s;
  s.ranks = {3, 3, 3};
  s.iterations = 20;
  for (const int v : {1, 2, 3, 4, 5, 7}) {
    SCOPED_TRACE("variant " + std::to_string(v));
    expect_same_iterates(p, s, variant(v));
  }
}

TEST(CudaRpcaKernels, FollowTheCpuReferenceAtHighRanks) {
  if (!have_device()) GTEST_SKIP() << "no CUDA device";
  // Ranks 32/20/12: too large for variant 2's staging of the side blocks and of the update's last
  // block (they read global memory there), and 70 rows of V take two chunks in its core blocks.
  const auto p = random_problem({40, 70, 34}, {32, 20, 12}, 8);
  ebsd::rpca::ScaledGdSettings s;
  s.ranks = {32, 20, 12};
  s.iterations = 8;
  s.hyper = thresholds_for(p.low_rank);
  for (const int v : {1, 2, 3, 4, 5, 7}) {
    SCOPED_TRACE("variant " + std::to_string(v));
    expect_same_iterates(p, s, variant(v));
  }
  for (const int v : {2, 3, 4, 5, 7}) {
    const k::FusedScaledGd large({40, 70, 34, 32, 20, 12}, 1, nullptr, variant(v));
    EXPECT_FALSE(large.side_blocks_staged());
    const k::FusedScaledGd small({100, 100, 100, 10, 10, 10}, 1, nullptr, variant(v));
    EXPECT_TRUE(small.side_blocks_staged());
  }
}

TEST(CudaRpcaKernels, FollowTheCpuReferenceOnNonCubicTensorsAndUnequalRanks) {
  if (!have_device()) GTEST_SKIP() << "no CUDA device";
  // x rows of 300 take two passes of the 256 threads; z split over 3 blocks per row.
  const auto p = random_problem({300, 14, 40}, {3, 4, 2}, 5);
  ebsd::rpca::ScaledGdSettings s;
  s.ranks = {3, 4, 2};
  s.iterations = 12;
  s.hyper = thresholds_for(p.low_rank);
  for (const int v : {1, 2, 3, 4, 5, 7}) {
    SCOPED_TRACE("variant " + std::to_string(v));
    k::RpcaTuning tuning = variant(v);
    tuning.z_splits = 3;
    s.ranks = {3, 4, 2};
    s.hyper = thresholds_for(p.low_rank);
    expect_same_iterates(p, s, tuning);
    const auto q = random_problem({17, 23, 9}, {5, 2, 6}, 6);
    s.ranks = {5, 2, 6};
    s.hyper = thresholds_for(q.low_rank);
    expect_same_iterates(q, s, variant(v));
  }
}

TEST(CudaRpcaKernels, GraphSplitsAndPlainLaunchesGiveIdenticalIterates) {
  if (!have_device()) GTEST_SKIP() << "no CUDA device";
  const auto p = ebsd::rpca::make_synthetic_problem({32, 4, 5.0, 0.2, 3});
  ebsd::rpca::ScaledGdSettings s;
  s.ranks = {4, 4, 4};
  s.iterations = 15;  // odd, and not a multiple of the graph's length
  for (const int v : {1, 2, 3, 4, 5, 7}) {
    SCOPED_TRACE("variant " + std::to_string(v));
    k::RpcaTuning graph = variant(v);
    graph.graph_iterations = 4;
    k::RpcaTuning plain = variant(v);
    plain.use_graph = false;
    const FusedRun a = run_fused(p.observed, &p.low_rank, s, graph);
    const FusedRun b = run_fused(p.observed, &p.low_rank, s, plain);
    EXPECT_EQ(a.status.iterations, 15);
    EXPECT_EQ(a.relative_errors, b.relative_errors);  // the sums run in a fixed order
    EXPECT_EQ(a.iterate.core, b.iterate.core);
    // Another split of the z ranges changes the order of the sums, not the iterates.
    k::RpcaTuning split = variant(v);
    split.z_splits = a.z_splits == 2 ? 3 : 2;
    const FusedRun c = run_fused(p.observed, &p.low_rank, s, split);
    EXPECT_NE(c.z_splits, a.z_splits);
    EXPECT_LT(ebsd::tensor::relative_distance(ebsd::tensor::reconstruct(c.iterate), ebsd::tensor::reconstruct(a.iterate)),
              1e-12);
  }
}

TEST(CudaRpcaKernels, ProgrammaticLaunchGivesIdenticalIterates) {
  if (!have_device()) GTEST_SKIP() << "no CUDA device";
  // The same kernels launched so that each may start while the previous one finishes (its blocks
  // wait for it): a missing wait would show as a different iterate.
  const auto p = ebsd::rpca::make_synthetic_problem({48, 5, 5.0, 0.2, 4});
  ebsd::rpca::ScaledGdSettings s;
  s.ranks = {5, 5, 5};
  s.iterations = 21;
  const FusedRun a = run_fused(p.observed, &p.low_rank, s, variant(2));
  for (const bool graph : {true, false}) {
    SCOPED_TRACE(graph ? "graph" : "plain launches");
    k::RpcaTuning t = variant(2);
    t.programmatic_launch = true;
    t.use_graph = graph;
    const FusedRun b = run_fused(p.observed, &p.low_rank, s, t);
    EXPECT_EQ(b.status.iterations, 21);
    EXPECT_EQ(a.relative_errors, b.relative_errors);
    EXPECT_EQ(a.iterate.core, b.iterate.core);
  }
}

// The paper's problem (100^3, rank 10, kappa 5, 20 % corruption) with `iterations` iterations.
struct PapersProblem {
  ebsd::rpca::SyntheticProblem problem = ebsd::rpca::make_synthetic_problem({100, 10, 5.0, 0.2, 1});
  ebsd::rpca::ScaledGdSettings settings;
};
PapersProblem papers_problem(int iterations) {
  PapersProblem p;
  p.settings.ranks = {10, 10, 10};
  p.settings.iterations = iterations;
  return p;
}

// The two problems on which kernel variants are compared with each other: rank 5 on 48^3 (the
// side work staged in shared memory; 21 iterations) and ranks 32/20/12 on 40x70x34 (unstaged; 6).
struct VariantProblems {
  ebsd::rpca::SyntheticProblem staged = ebsd::rpca::make_synthetic_problem({48, 5, 5.0, 0.2, 4});
  ebsd::rpca::ScaledGdSettings staged_settings;
  ebsd::rpca::SyntheticProblem unstaged = random_problem({40, 70, 34}, {32, 20, 12}, 8);
  ebsd::rpca::ScaledGdSettings unstaged_settings;
  VariantProblems() {
    staged_settings.ranks = {5, 5, 5};
    staged_settings.iterations = 21;
    unstaged_settings.ranks = {32, 20, 12};
    unstaged_settings.iterations = 6;
    unstaged_settings.hyper = thresholds_for(unstaged.low_rank);
  }
};

TEST(CudaRpcaKernels, SideKernelBesideTheRowPassGivesTheSecondVariantsIterates) {
  if (!have_device()) GTEST_SKIP() << "no CUDA device";
  // Variant 3 runs variant 2's Gram work as its own kernel on a second stream, forked before the
  // row pass and joined before the update, with the same arithmetic: a missing join (the update
  // reading the previous iteration's inverses) would show as a different iterate. Staged (rank 5)
  // and unstaged (ranks 32/20/12) side work, in the CUDA graph and with plain launches.
  const VariantProblems problems;
  const auto& [p, s, q, sq] = problems;
  const FusedRun a = run_fused(p.observed, &p.low_rank, s, variant(2));
  const FusedRun aq = run_fused(q.observed, &q.low_rank, sq, variant(2));
  for (const bool graph : {true, false}) {
    SCOPED_TRACE(graph ? "graph" : "plain launches");
    k::RpcaTuning t = variant(3);
    t.use_graph = graph;
    const FusedRun b = run_fused(p.observed, &p.low_rank, s, t);
    EXPECT_EQ(b.status.iterations, 21);
    ASSERT_EQ(a.relative_errors.size(), b.relative_errors.size());
    for (std::size_t i = 0; i < a.relative_errors.size(); ++i)
      EXPECT_NEAR(b.relative_errors[i], a.relative_errors[i], 1e-12 * a.relative_errors[i] + 1e-300);
    EXPECT_LT(ebsd::tensor::relative_distance(ebsd::tensor::reconstruct(b.iterate), ebsd::tensor::reconstruct(a.iterate)),
              1e-12);
    const FusedRun bq = run_fused(q.observed, &q.low_rank, sq, t);
    EXPECT_LT(ebsd::tensor::relative_distance(ebsd::tensor::reconstruct(bq.iterate), ebsd::tensor::reconstruct(aq.iterate)),
              1e-12);
  }
}

TEST(CudaRpcaKernels, PersistentKernelGivesTheThirdVariantsIterates) {
  if (!have_device()) GTEST_SKIP() << "no CUDA device";
  // Variant 4 runs variant 3's row blocks and side parts and variant 2's update blocks in one
  // cooperative kernel separated by grid barriers, with the same sums in the same order: a
  // missing barrier, a stale read of the previous iterate (non-coherent caches) or a block
  // leaving the iteration loop early would show as a different iterate. Staged (rank 5) and
  // unstaged (ranks 32/20/12) side work; 21 iterations in chunks of 4 launches (the buffers'
  // parity across launches) and in one launch; the same z split for both variants. Variant 5
  // (the wide row blocks, at padded ranks up to 16: here rank 5 and 100^3; and two rows of V per
  // update item where the items exceed the grid: here at ranks 32/20/12 and on 100^3) must give
  // the same iterates.
  const VariantProblems problems;
  const auto& [p, s, q, sq] = problems;
  k::RpcaTuning three = variant(3);
  three.z_splits = 2;
  const FusedRun a = run_fused(p.observed, &p.low_rank, s, three);
  const FusedRun aq = run_fused(q.observed, &q.low_rank, sq, three);
  for (const int pv : {4, 5}) {
    for (const int chunk : {4, 32}) {
      SCOPED_TRACE("variant " + std::to_string(pv) + ", iterations per launch " + std::to_string(chunk));
      k::RpcaTuning t = variant(pv);
      t.z_splits = 2;
      t.graph_iterations = chunk;
      const FusedRun b = run_fused(p.observed, &p.low_rank, s, t);
      EXPECT_FALSE(b.status.singular);
      EXPECT_EQ(b.status.iterations, 21);
      EXPECT_EQ(b.z_splits, a.z_splits);
      ASSERT_EQ(a.relative_errors.size(), b.relative_errors.size());
      for (std::size_t i = 0; i < a.relative_errors.size(); ++i)
        EXPECT_NEAR(b.relative_errors[i], a.relative_errors[i], 1e-12 * a.relative_errors[i] + 1e-300) << "iteration " << i;
      const double d = ebsd::tensor::relative_distance(ebsd::tensor::reconstruct(b.iterate), ebsd::tensor::reconstruct(a.iterate));
      EXPECT_LT(d, 1e-12);
      std::printf("variant %d vs 3, rank 5, %d iterations per launch: relative difference of X %.3g\n", pv, chunk, d);
      const FusedRun bq = run_fused(q.observed, &q.low_rank, sq, t);
      const double dq =
          ebsd::tensor::relative_distance(ebsd::tensor::reconstruct(bq.iterate), ebsd::tensor::reconstruct(aq.iterate));
      EXPECT_LT(dq, 1e-12);
      std::printf("variant %d vs 3, ranks 32/20/12: relative difference of X %.3g\n", pv, dq);
    }
  }
  // On the paper's problem (100^3, rank 10) with the automatic z split, per iteration. Variant 5
  // claims variant 4's arithmetic in the same order: its difference to variant 4 is printed too
  // (expected 0; the test asks only for 1e-12 to variant 3).
  const auto [big, sb] = papers_problem(40);
  const FusedRun c3 = run_fused(big.observed, &big.low_rank, sb, variant(3));
  const FusedRun c4 = run_fused(big.observed, &big.low_rank, sb, variant(4));
  const FusedRun c5 = run_fused(big.observed, &big.low_rank, sb, variant(5));
  for (const FusedRun* c : {&c4, &c5}) {
    const int pv = c == &c4 ? 4 : 5;
    SCOPED_TRACE("variant " + std::to_string(pv) + " on 100^3");
    EXPECT_FALSE(c->status.singular);
    ASSERT_EQ(c3.relative_errors.size(), c->relative_errors.size());
    for (std::size_t i = 0; i < c3.relative_errors.size(); ++i)
      EXPECT_NEAR(c->relative_errors[i], c3.relative_errors[i], 1e-12 * c3.relative_errors[i]) << "iteration " << i;
    const double db = ebsd::tensor::relative_distance(ebsd::tensor::reconstruct(c->iterate), ebsd::tensor::reconstruct(c3.iterate));
    EXPECT_LT(db, 1e-12);
    std::printf("variant %d vs 3, 100^3 rank 10, 40 iterations (z splits %d / %d): relative difference of X %.3g\n", pv,
                c->z_splits, c3.z_splits, db);
  }
  double e45 = 0.0;
  for (std::size_t i = 0; i < c4.relative_errors.size() && i < c5.relative_errors.size(); ++i)
    e45 = std::max(e45, std::abs(c5.relative_errors[i] - c4.relative_errors[i]) / c4.relative_errors[i]);
  std::printf("variant 5 vs 4, 100^3 rank 10, 40 iterations: relative difference of X %.3g, largest relative difference of an error %.3g\n",
              ebsd::tensor::relative_distance(ebsd::tensor::reconstruct(c5.iterate), ebsd::tensor::reconstruct(c4.iterate)), e45);
}

// Two runs of the same problem whose sums differ in order only: errors within 1e-10 relative
// per iteration, iterates within 1e-12 relative. Returns the iterates' relative difference.
double expect_round_off_apart(const FusedRun& a, const FusedRun& b) {
  EXPECT_FALSE(b.status.singular);
  EXPECT_EQ(b.status.iterations, a.status.iterations);
  EXPECT_EQ(b.relative_errors.size(), a.relative_errors.size());
  for (std::size_t i = 0; i < std::min(a.relative_errors.size(), b.relative_errors.size()); ++i)
    EXPECT_NEAR(b.relative_errors[i], a.relative_errors[i], 1e-10 * a.relative_errors[i]) << "iteration " << i;
  const double d = ebsd::tensor::relative_distance(ebsd::tensor::reconstruct(b.iterate), ebsd::tensor::reconstruct(a.iterate));
  EXPECT_LT(d, 1e-12);
  return d;
}

TEST(CudaRpcaKernels, TensorCoreRowItemsFollowTheFourthVariant) {
  if (!have_device()) GTEST_SKIP() << "no CUDA device";
  // Variant 7 runs variant 4's kernel with the row items on the FP64 tensor cores (ranks up to
  // 16): the same products summed in another order, so the iterates agree to round-off. Above
  // rank 16 it runs variant 4's row items: the same iterates bit for bit. A wrong fragment layout
  // or a lost tile (edges: 48 = 6 tiles of x, z ranges of 24 and 25 = 3 and 4 tiles; 100 = 13
  // tiles, the last one half empty) would show far above round-off.
  const VariantProblems problems;
  const auto& [p, s, q, sq] = problems;
  for (const int splits : {2, 0}) {
    SCOPED_TRACE("z splits " + std::to_string(splits));
    k::RpcaTuning four = variant(4), seven = variant(7);
    four.z_splits = seven.z_splits = splits;
    const FusedRun a = run_fused(p.observed, &p.low_rank, s, four);
    const FusedRun b = run_fused(p.observed, &p.low_rank, s, seven);
    EXPECT_EQ(b.status.iterations, 21);
    const double d = expect_round_off_apart(a, b);
    std::printf("variant 7 vs 4, rank 5, z splits %d / %d: relative difference of X %.3g\n", b.z_splits, a.z_splits, d);
  }
  const FusedRun aq = run_fused(q.observed, &q.low_rank, sq, variant(4));
  const FusedRun bq = run_fused(q.observed, &q.low_rank, sq, variant(7));
  EXPECT_EQ(ebsd::tensor::relative_distance(ebsd::tensor::reconstruct(bq.iterate), ebsd::tensor::reconstruct(aq.iterate)),
            0.0);
  // x rows of 300 (38 tiles: two rounds of the 8 warps' two tiles) with unequal ranks.
  const auto r = random_problem({300, 14, 40}, {3, 4, 2}, 5);
  ebsd::rpca::ScaledGdSettings sr;
  sr.ranks = {3, 4, 2};
  sr.iterations = 10;
  sr.hyper = thresholds_for(r.low_rank);
  expect_same_iterates(r, sr, variant(7));
  const auto [big, sb] = papers_problem(40);
  const FusedRun c4 = run_fused(big.observed, &big.low_rank, sb, variant(4));
  const FusedRun c7 = run_fused(big.observed, &big.low_rank, sb, variant(7));
  ASSERT_EQ(c4.relative_errors.size(), c7.relative_errors.size());
  double worst = 0.0;
  for (std::size_t i = 0; i < c4.relative_errors.size(); ++i)
    worst = std::max(worst, std::abs(c7.relative_errors[i] - c4.relative_errors[i]) / c4.relative_errors[i]);
  EXPECT_LT(worst, 1e-10);
  const double db = ebsd::tensor::relative_distance(ebsd::tensor::reconstruct(c7.iterate), ebsd::tensor::reconstruct(c4.iterate));
  EXPECT_LT(db, 1e-12);
  std::printf("variant 7 vs 4, 100^3 rank 10, 40 iterations: relative difference of X %.3g, largest relative difference of an error %.3g\n",
              db, worst);
}

TEST(CudaRpcaKernels, StagedYRowItemsGiveTheSeventhVariantsIteratesBitForBit) {
  if (!have_device()) GTEST_SKIP() << "no CUDA device";
  // Variant 8 reads each row item's slab of Y from shared memory, copied there asynchronously at
  // the item's start, and keeps C_j in the partials' space and W's B fragments in its A copy: the
  // same arithmetic in the same order as variant 7, so the same bits. A copy waited for too late,
  // a slab row misplaced, or C_j overwritten before every warp has read it would change them.
  // Shapes: 48^3 rank 5 (z ranges of 24 and 25, and the automatic split), ranks 32/20/12 (above
  // 16: variant 4's row items in both), odd extents, x rows of 300 (past the staged layout:
  // variant 7's row items in both), 100^3 rank 10 (the layout at its largest use, 106 KB).
  const auto same = [](const FusedRun& a, const FusedRun& b) {
    EXPECT_FALSE(b.status.singular);
    ASSERT_EQ(a.relative_errors.size(), b.relative_errors.size());
    for (std::size_t i = 0; i < a.relative_errors.size(); ++i) EXPECT_EQ(b.relative_errors[i], a.relative_errors[i]) << i;
    for (int k = 0; k < 3; ++k)
      EXPECT_TRUE(a.iterate.factors[static_cast<std::size_t>(k)] == b.iterate.factors[static_cast<std::size_t>(k)]) << k;
    EXPECT_TRUE(std::equal(a.iterate.core.data(), a.iterate.core.data() + a.iterate.core.size(), b.iterate.core.data()));
  };
  const VariantProblems problems;
  const auto& [p, s, q, sq] = problems;
  for (const int splits : {2, 0}) {
    SCOPED_TRACE("z splits " + std::to_string(splits));
    k::RpcaTuning seven = variant(7), eight = variant(8);
    seven.z_splits = eight.z_splits = splits;
    same(run_fused(p.observed, &p.low_rank, s, seven), run_fused(p.observed, &p.low_rank, s, eight));
  }
  same(run_fused(q.observed, &q.low_rank, sq, variant(7)), run_fused(q.observed, &q.low_rank, sq, variant(8)));
  for (const auto& [shape, ranks] : {std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>>{{37, 23, 29}, {4, 3, 5}},
                                     {{300, 14, 40}, {3, 4, 2}}}) {
    const auto r = random_problem(shape, ranks, 5);
    ebsd::rpca::ScaledGdSettings sr;
    sr.ranks = ranks;
    sr.iterations = 10;
    sr.hyper = thresholds_for(r.low_rank);
    same(run_fused(r.observed, &r.low_rank, sr, variant(7)), run_fused(r.observed, &r.low_rank, sr, variant(8)));
  }
  const auto [big, sb] = papers_problem(30);
  same(run_fused(big.observed, &big.low_rank, sb, variant(7)), run_fused(big.observed, &big.low_rank, sb, variant(8)));
  // Where the staged layout applies.
  EXPECT_TRUE(k::FusedScaledGd({100, 100, 100, 10, 10, 10}, 1, nullptr, variant(8)).row_items_stage_y());
  EXPECT_TRUE(k::FusedScaledGd({48, 48, 48, 5, 5, 5}, 1, nullptr, variant(8)).row_items_stage_y());
  EXPECT_FALSE(k::FusedScaledGd({300, 14, 40, 3, 4, 2}, 1, nullptr, variant(8)).row_items_stage_y());  // n1 > 204
  EXPECT_FALSE(k::FusedScaledGd({100, 100, 100, 10, 10, 10}, 1, nullptr, variant(7)).row_items_stage_y());
}

TEST(CudaRpcaKernels, DeferredCoreUpdateFollowsTheSeventhVariant) {
  if (!have_device()) GTEST_SKIP() << "no CUDA device";
  // Variant 9 leaves the core's last product (W^T W)^-1 x_3 tc to the next iteration's readers
  // of G, each forming the same G by one fma chain, and get_iterate applies the last pending
  // step on the host. The core update's sums run in another order than variant 7's (one chain
  // against four), so the iterates agree to round-off. A reader that missed the pending step, an
  // inverse of the wrong iteration, a V row reading the core before phase A stored it, or a
  // pending step lost between two launches (graph_iterations 3) would show far above it.
  const auto close = [](const FusedRun& a, const FusedRun& b, int iterations) {
    EXPECT_EQ(b.status.iterations, iterations);
    const double d = expect_round_off_apart(a, b);
    EXPECT_NEAR(b.status.zeta, a.status.zeta, 1e-15 * a.status.zeta);
    std::printf("variant 9 vs 7, %d iterations: relative difference of X %.3g\n", iterations, d);
  };
  const VariantProblems problems;
  const auto& [p, s, q, sq] = problems;
  for (const int chunk : {16, 3}) {
    SCOPED_TRACE("iterations per launch " + std::to_string(chunk));
    k::RpcaTuning seven = variant(7), nine = variant(9);
    seven.graph_iterations = nine.graph_iterations = chunk;
    close(run_fused(p.observed, &p.low_rank, s, seven), run_fused(p.observed, &p.low_rank, s, nine), s.iterations);
  }
  const auto [big, sb] = papers_problem(30);
  close(run_fused(big.observed, &big.low_rank, sb, variant(7)), run_fused(big.observed, &big.low_rank, sb, variant(9)),
        sb.iterations);
  // Above rank 16 (variant 4's row items) variant 9 is variant 7: the same bits.
  const FusedRun q7 = run_fused(q.observed, &q.low_rank, sq, variant(7));
  const FusedRun q9 = run_fused(q.observed, &q.low_rank, sq, variant(9));
  EXPECT_EQ(ebsd::tensor::relative_distance(ebsd::tensor::reconstruct(q9.iterate), ebsd::tensor::reconstruct(q7.iterate)), 0.0);
  EXPECT_TRUE(k::FusedScaledGd({100, 100, 100, 10, 10, 10}, 1, nullptr, variant(9)).core_update_deferred());
  EXPECT_FALSE(k::FusedScaledGd({48, 48, 48, 32, 20, 12}, 1, nullptr, variant(9)).core_update_deferred());
  EXPECT_FALSE(k::FusedScaledGd({100, 100, 100, 10, 10, 10}, 1, nullptr, variant(7)).core_update_deferred());
}

// The timeline tests' problem: 48^3, rank 5, from the spectral start, with the tuned step.
struct TimedProblem {
  Tucker<double> init;
  std::vector<double> u, v, w;
  k::RpcaStepParams params;
  ebsd::rpca::SyntheticProblem problem;
};
TimedProblem timed_problem() {
  TimedProblem t;
  t.problem = ebsd::rpca::make_synthetic_problem({48, 5, 5.0, 0.2, 4});
  const auto h = ebsd::rpca::tuned_synthetic_hyperparameters();
  Tensor<double> clipped = t.problem.observed;
  for (double& x : clipped.values()) x = std::clamp(x, -h.zeta0, h.zeta0);
  const std::vector<std::int64_t> ranks{5, 5, 5};
  t.init = ebsd::tensor::hosvd(clipped, ranks, ebsd::Progress::none());
  t.u = row_major(t.init.factors[0]), t.v = row_major(t.init.factors[1]), t.w = row_major(t.init.factors[2]);
  t.params.zeta1 = h.zeta1;
  t.params.eta = h.eta;
  t.params.rho = h.decay;
  return t;
}

TEST(CudaRpcaKernels, TimelineAccountsForEveryWorkItem) {
  if (!have_device()) GTEST_SKIP() << "no CUDA device";
  const TimedProblem tp = timed_problem();
  const auto& [init, u, v, w, params, problem] = tp;
  DeviceTensor dy(problem.observed);
  for (const int pv : {4, 7}) {
    SCOPED_TRACE("variant " + std::to_string(pv));
    k::RpcaTuning t = variant(pv);
    t.z_splits = 2;
    k::FusedScaledGd solver({48, 48, 48, 5, 5, 5}, 1, nullptr, t);
    solver.set_observed(dy.p, nullptr);
    EXPECT_THROW(solver.timeline(6, params), std::runtime_error);  // no iterate yet
    solver.set_iterate(u.data(), v.data(), w.data(), init.core.data());
    const auto tl = solver.timeline(6, params);
    EXPECT_EQ(tl.iterations, 4);  // the first two are left out
    long long rows = 0, sides = 0, updates = 0;
    for (const auto& kd : tl.kinds) {
      (kd.phase == "A" ? (kd.name == "row items" ? rows : sides) : updates) += kd.items;
      EXPECT_GT(kd.mean_duration_us, 0.0) << kd.phase << " " << kd.name;
      EXPECT_LE(kd.mean_end_us, kd.max_end_us + 1e-9) << kd.phase << " " << kd.name;
      EXPECT_LT(kd.max_end_us, 1e5) << kd.phase << " " << kd.name;  // stamps of one launch, not garbage
      // The steps inside the items: in order, within the item's time.
      std::size_t steps = 0;
      if (kd.name == "row items") steps = pv == 7 ? 6 : 0;
      else if (kd.name.rfind("side part 0", 0) == 0) steps = 3;
      else if (kd.name.rfind("side part 1", 0) == 0) steps = 5;
      else if (kd.name == "core slices") steps = 3;
      ASSERT_EQ(kd.steps_us.size(), steps) << kd.phase << " " << kd.name;
      for (std::size_t i = 0; i < steps; ++i) {
        EXPECT_GE(kd.steps_us[i], i ? kd.steps_us[i - 1] : 0.0) << kd.name << " step " << i + 1;
        EXPECT_LT(kd.steps_us[i], kd.max_duration_us + 1.0) << kd.name << " step " << i + 1;
      }
    }
    EXPECT_EQ(rows, 4 * 48 * 2);       // every row item, every iteration
    EXPECT_EQ(sides, 4 * 6);           // the six staged side parts
    EXPECT_EQ(updates, 4 * (5 + 3 * 48));  // core slices and one factor row per item
    EXPECT_GT(tl.a_barrier_first_us, 0.0);
    EXPECT_LE(tl.a_barrier_first_us, tl.a_barrier_last_us);
    EXPECT_LE(tl.b_barrier_first_us, tl.b_barrier_last_us);
    EXPECT_GT(tl.period_us, tl.b_barrier_first_us);
  }
}

TEST(CudaRpcaKernels, TimelineOfSomeItemsAloneCountsOnlyThemAndLeavesPhaseBOut) {
  if (!have_device()) GTEST_SKIP() << "no CUDA device";
  const TimedProblem tp = timed_problem();
  const auto& [init, u, v, w, params, problem] = tp;
  DeviceTensor dy(problem.observed);
  k::RpcaTuning t = variant(7);
  t.z_splits = 2;
  k::FusedScaledGd solver({48, 48, 48, 5, 5, 5}, 3, nullptr, t);  // run(3) at the end
  solver.set_observed(dy.p, nullptr);
  struct Case {
    k::RpcaTimelineScope scope;
    long long rows, sides;  // items a kept iteration holds
  };
  for (const Case& c : {Case{{1, 0}, 1, 0}, Case{{8, 0}, 8, 0}, Case{{-1, 0}, 96, 0}, Case{{0, -1}, 0, 6},
                        Case{{0, 2}, 0, 2}, Case{{500, 0}, 96, 0}, Case{{0, 0}, 0, 0}}) {
    SCOPED_TRACE("rows " + std::to_string(c.scope.row_items) + ", sides " + std::to_string(c.scope.side_parts));
    solver.set_iterate(u.data(), v.data(), w.data(), init.core.data());
    const auto tl = solver.timeline(6, params, c.scope);
    EXPECT_EQ(tl.iterations, 4);
    long long rows = 0, sides = 0;
    for (const auto& kd : tl.kinds) {
      ASSERT_EQ(kd.phase, "A") << kd.name;  // no phase B without every item of phase A
      (kd.name == "row items" ? rows : sides) += kd.items;
      EXPECT_GT(kd.mean_duration_us, 0.0) << kd.name;
      EXPECT_LT(kd.max_end_us, 1e5) << kd.name;
      if (kd.name == "row items") {
        EXPECT_EQ(kd.steps_us.size(), 6u);  // every block holds one item at most
      }
    }
    EXPECT_EQ(rows, 4 * c.rows);
    EXPECT_EQ(sides, 4 * c.sides);
    EXPECT_EQ(tl.b_barrier_first_us, 0.0);
    EXPECT_EQ(tl.b_barrier_last_us, 0.0);
    EXPECT_EQ(tl.b_start_us, 0.0);
    EXPECT_GT(tl.period_us, 0.0);
  }
  // The solver still runs whole iterations afterwards, from a set iterate.
  solver.set_iterate(u.data(), v.data(), w.data(), init.core.data());
  solver.run(3, params);
  EXPECT_EQ(solver.status().iterations, 3);
}

TEST(CudaRpcaKernels, LatencyProbeTimesEveryStep) {
  if (!have_device()) GTEST_SKIP() << "no CUDA device";
  const auto steps = k::rpca_latency_probe();
  ASSERT_EQ(steps.size(), 11u);
  double fma = 0.0, inverse = 0.0;
  for (const auto& s : steps) {
    SCOPED_TRACE(s.step);
    EXPECT_GT(s.cycles, 0.0);
    EXPECT_GT(s.ns, 0.0);
    EXPECT_GT(s.clock_ghz, 0.2);  // the SM clock over the loop, in a plausible range
    EXPECT_LT(s.clock_ghz, 4.0);
    if (s.step.rfind("FP64 fma", 0) == 0) fma = s.cycles;
    if (s.step.rfind("10 x 10", 0) == 0) inverse = s.cycles;
  }
  EXPECT_GT(inverse, 10.0 * fma);  // ten pivots, each a division and more
}

TEST(CudaRpcaKernels, ExactRecoveryOnThePapersProblem) {
  if (!have_device()) GTEST_SKIP() << "no CUDA device";
  const auto [p, s] = papers_problem(150);
  for (const int v : {1, 2, 3, 4, 5, 7, 9}) {
    SCOPED_TRACE("variant " + std::to_string(v));
    const FusedRun r = run_fused(p.observed, &p.low_rank, s, variant(v));
    ASSERT_EQ(r.status.iterations, 150);
    EXPECT_LT(ebsd::tensor::relative_distance(ebsd::tensor::reconstruct(r.iterate), p.low_rank), 1e-10);
    EXPECT_LT(r.relative_errors.back(), 1e-10);
    EXPECT_GT(ebsd::rpca::iterations_to_reach(r.relative_errors, 1e-8), 90);  // the CPU needs 111
    EXPECT_LT(ebsd::rpca::iterations_to_reach(r.relative_errors, 1e-8), 130);
  }
}

TEST(CudaRpcaKernels, StopsWhereTheCpuStops) {
  if (!have_device()) GTEST_SKIP() << "no CUDA device";
  const auto p = ebsd::rpca::make_synthetic_problem({30, 2, 5.0, 0.2, 12});
  ebsd::rpca::ScaledGdSettings s;
  s.ranks = {2, 2, 2};
  s.iterations = 200;
  s.stop_below_error = 1e-6;
  const auto cpu = ebsd::rpca::scaled_gd(p.observed, s, ebsd::Progress::none(), &p.low_rank);
  ASSERT_LT(cpu.iterations, 200);
  for (const int v : {1, 2, 3, 4, 5, 7, 9}) {
    SCOPED_TRACE("variant " + std::to_string(v));
    const FusedRun gpu = run_fused(p.observed, &p.low_rank, s, variant(v));
    EXPECT_TRUE(gpu.status.stopped);
    EXPECT_EQ(gpu.status.iterations, cpu.iterations);
    EXPECT_EQ(gpu.relative_errors.size(), static_cast<std::size_t>(cpu.iterations) + 1);
    EXPECT_LT(gpu.relative_errors.back(), 1e-6);
  }
}

TEST(CudaRpcaKernels, RejectsRanksAbove32) {
  if (!have_device()) GTEST_SKIP() << "no CUDA device";
  EXPECT_FALSE(k::rpca_fused_unsupported_reason({64, 64, 64, 33, 4, 4}).empty());
  EXPECT_TRUE(k::rpca_fused_unsupported_reason({64, 64, 64, 32, 4, 4}).empty());
  EXPECT_THROW(k::FusedScaledGd({64, 64, 64, 33, 4, 4}, 10, nullptr), std::runtime_error);
}

}  // namespace

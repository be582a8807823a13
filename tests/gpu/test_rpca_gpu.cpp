// Tensor RPCA on LibTorch: the same iterates as the CPU reference (on LibTorch's CPU backend
// everywhere, and on CUDA where a device exists), and the self-supervised unfolding against
// the supervised one and against ScaledGD with the unfolding's starting hyperparameters.
#include <gtest/gtest.h>

#include <cmath>

#include "ebsd/core/error.hpp"
#include "ebsd/gpu/rpca.hpp"
#include "ebsd/rpca/scaled_gd.hpp"
#include "ebsd/rpca/synthetic_problem.hpp"

namespace {

using ebsd::gpu::Device;

// Twenty iterations from the spectral initialisation: far from converged (relative error
// around 1e-2), so agreement means the same iterates, not just the same fixed point.
void expect_same_iterates_as_cpu(Device device, ebsd::gpu::CudaRpcaPath path = ebsd::gpu::CudaRpcaPath::LibTorch) {
  const auto p = ebsd::rpca::make_synthetic_problem({40, 3, 5.0, 0.2, 11});
  ebsd::rpca::ScaledGdSettings s;
  s.ranks = {3, 3, 3};
  s.iterations = 20;
  const auto cpu = ebsd::rpca::scaled_gd(p.observed, s, ebsd::Progress::none(), &p.low_rank);
  const auto torch = ebsd::gpu::scaled_gd(p.observed, s, device, ebsd::Progress::none(), &p.low_rank, path);
  ASSERT_GT(cpu.relative_errors.back(), 1e-4) << "the comparison must be made before convergence";
  EXPECT_LT(ebsd::tensor::relative_distance(torch.low_rank, cpu.low_rank), 1e-5);
  ASSERT_EQ(torch.relative_errors.size(), cpu.relative_errors.size());
  for (std::size_t t = 0; t < cpu.relative_errors.size(); ++t)
    EXPECT_NEAR(torch.relative_errors[t], cpu.relative_errors[t], 1e-5 * cpu.relative_errors[t]) << "iteration " << t;
  EXPECT_LT(ebsd::tensor::relative_distance(ebsd::tensor::reconstruct(torch.factors), cpu.low_rank), 1e-5);
}

TEST(RpcaGpu, LibTorchCpuFollowsTheCpuReference) { expect_same_iterates_as_cpu(Device::Cpu); }

TEST(RpcaGpu, CudaFollowsTheCpuReference) {
  if (!ebsd::gpu::cuda_available()) GTEST_SKIP() << "no CUDA device: " << ebsd::gpu::describe_compute();
  expect_same_iterates_as_cpu(Device::Cuda);
}

TEST(RpcaGpu, LibTorchReachesExactRecovery) {
  const auto p = ebsd::rpca::make_synthetic_problem({30, 2, 5.0, 0.2, 12});
  ebsd::rpca::ScaledGdSettings s;
  s.ranks = {2, 2, 2};
  s.iterations = 160;
  const Device d = ebsd::gpu::cuda_available() ? Device::Cuda : Device::Cpu;
  const auto r = ebsd::gpu::scaled_gd(p.observed, s, d, ebsd::Progress::none(), &p.low_rank, ebsd::gpu::CudaRpcaPath::LibTorch);
  EXPECT_LT(r.relative_errors.back(), 1e-10);
}

// Our fused CUDA kernels behind the same entry point (tests/cuda/test_cuda_rpca_kernels.cpp tests
// the kernels themselves): the same iterates, the default on CUDA, exact recovery on the paper's
// problem, cancellation, and the LibTorch path for what the kernels do not take.
bool fused_available(const std::vector<std::int64_t>& ranks) {
  return ebsd::gpu::cuda_available() && ebsd::gpu::fused_cuda_rpca_unavailable_reason({40, 40, 40}, ranks).empty();
}

TEST(RpcaGpu, FusedCudaKernelsFollowTheCpuReference) {
  if (!fused_available({3, 3, 3})) GTEST_SKIP() << ebsd::gpu::fused_cuda_rpca_unavailable_reason({40, 40, 40}, {3, 3, 3});
  EXPECT_EQ(ebsd::gpu::cuda_rpca_path({40, 40, 40}, {3, 3, 3}), ebsd::gpu::CudaRpcaPath::FusedKernels);
  expect_same_iterates_as_cpu(Device::Cuda, ebsd::gpu::CudaRpcaPath::FusedKernels);
}

TEST(RpcaGpu, FusedCudaKernelsReachExactRecoveryOnThePapersProblem) {
  if (!fused_available({10, 10, 10})) GTEST_SKIP() << "no fused CUDA kernels here";
  const auto p = ebsd::rpca::make_synthetic_problem({100, 10, 5.0, 0.2, 1});
  ebsd::rpca::ScaledGdSettings s;
  s.ranks = {10, 10, 10};
  s.iterations = 150;
  const auto r = ebsd::gpu::scaled_gd(p.observed, s, Device::Cuda, ebsd::Progress::none(), &p.low_rank,
                                      ebsd::gpu::CudaRpcaPath::FusedKernels);
  EXPECT_LT(r.relative_errors.back(), 1e-10);
  EXPECT_EQ(r.iterations, 150);
  ASSERT_EQ(r.relative_errors.size(), 151u);
  EXPECT_LT(ebsd::tensor::relative_distance(r.low_rank, p.low_rank), 1e-10);
}

TEST(RpcaGpu, FusedCudaKernelsStopWhenCancelled) {
  if (!fused_available({2, 2, 2})) GTEST_SKIP() << "no fused CUDA kernels here";
  const auto p = ebsd::rpca::make_synthetic_problem({24, 2, 2.0, 0.1, 4});
  ebsd::rpca::ScaledGdSettings s;
  s.ranks = {2, 2, 2};
  s.iterations = 100;
  ebsd::CancelToken token;
  ebsd::Progress progress([&](double, const std::string&) { token.cancel(); }, &token);
  EXPECT_THROW(ebsd::gpu::scaled_gd(p.observed, s, Device::Cuda, progress, nullptr, ebsd::gpu::CudaRpcaPath::FusedKernels),
               ebsd::Cancelled);
}

TEST(RpcaGpu, RanksAbove32RunOnLibTorch) {
  if (!ebsd::gpu::cuda_available()) GTEST_SKIP() << "no CUDA device";
  const std::vector<std::int64_t> ranks{33, 33, 2};
  EXPECT_FALSE(ebsd::gpu::fused_cuda_rpca_unavailable_reason({40, 40, 40}, ranks).empty());
  EXPECT_EQ(ebsd::gpu::cuda_rpca_path({40, 40, 40}, ranks), ebsd::gpu::CudaRpcaPath::LibTorch);
  const auto p = ebsd::rpca::make_synthetic_problem({40, 3, 5.0, 0.2, 11});
  ebsd::rpca::ScaledGdSettings s;
  s.ranks = ranks;
  s.iterations = 1;
  EXPECT_THROW(ebsd::gpu::scaled_gd(p.observed, s, Device::Cuda, ebsd::Progress::none(), nullptr,
                                    ebsd::gpu::CudaRpcaPath::FusedKernels),
               ebsd::Error);
  EXPECT_EQ(ebsd::gpu::scaled_gd(p.observed, s, Device::Cuda, ebsd::Progress::none()).iterations, 1);
}

// The unfolding comparison of the ICASSP paper on a small problem: from the authors' starting
// point, self-supervised training on the test tensor alone lands within 1.5x of supervised
// training on other problems of the same kind (errors ||X_T - X*||^2 / ||X*||^2), and beats
// ScaledGD run with the starting hyperparameters.
TEST(RpcaGpu, SelfSupervisedUnfoldingMatchesSupervisedAndBeatsTheDefaults) {
  const Device d = ebsd::gpu::cuda_available() ? Device::Cuda : Device::Cpu;
  const ebsd::rpca::SyntheticProblemSpec test_spec{20, 2, 5.0, 0.2, 1000};
  const auto p = ebsd::rpca::make_synthetic_problem(test_spec);
  ebsd::gpu::UnfoldingTraining tr;
  tr.unrolled_iterations = 30;
  tr.steps = 20;
  tr.learning_rate = 0.05;
  const std::vector<std::int64_t> ranks{2, 2, 2};

  const auto squared_error = [&](const ebsd::rpca::Hyperparameters& h) {
    ebsd::rpca::ScaledGdSettings s;
    s.ranks = ranks;
    s.iterations = tr.unrolled_iterations;
    s.hyper = h;
    const auto r = ebsd::rpca::scaled_gd(p.observed, s, ebsd::Progress::none(), &p.low_rank);
    return r.relative_errors.back() * r.relative_errors.back();
  };
  const auto self = ebsd::gpu::train_unfolded_self_supervised(p.observed, ranks, tr, d, ebsd::Progress::none());
  ebsd::rpca::SyntheticProblemSpec train_spec = test_spec;
  train_spec.seed = 1;  // trains on seeds 2 .. 21, never the test problem's
  const auto sup = ebsd::gpu::train_unfolded_supervised(train_spec, tr, d, ebsd::Progress::none());

  const double e_default = squared_error(tr.initial);
  const double e_self = squared_error(self.learned);
  const double e_sup = squared_error(sup.learned);
  EXPECT_LT(self.loss.back(), self.loss.front());
  EXPECT_LT(e_self, e_default);
  EXPECT_LT(e_self, 1.5 * e_sup) << "self " << e_self << " supervised " << e_sup << " default " << e_default;
}

TEST(RpcaGpu, UnfoldedRpcaRunsScaledGdWithTheLearnedHyperparameters) {
  const auto p = ebsd::rpca::make_synthetic_problem({16, 2, 3.0, 0.2, 21});
  ebsd::rpca::ScaledGdSettings s;
  s.ranks = {2, 2, 2};
  s.iterations = 20;
  ebsd::gpu::UnfoldingTraining tr;
  tr.steps = 5;
  const auto u = ebsd::gpu::unfolded_rpca(p.observed, s, tr, Device::Cpu, ebsd::Progress::none(), &p.low_rank);
  ASSERT_EQ(u.training.loss.size(), 5u);
  EXPECT_NE(u.training.learned, tr.initial);
  s.hyper = u.training.learned;
  const auto cpu = ebsd::rpca::scaled_gd(p.observed, s, ebsd::Progress::none(), &p.low_rank);
  EXPECT_NEAR(u.result.relative_errors.back(), cpu.relative_errors.back(), 1e-8 * cpu.relative_errors.back());
}

TEST(RpcaGpu, VolumeDenoisingGivesTheSameLowRankPartWithTheLibTorchSolver) {
  const ebsd::Index3 dims{12, 10, 8};
  std::vector<float> channel(12 * 10 * 8);
  for (std::size_t i = 0; i < channel.size(); ++i)
    channel[i] = static_cast<float>(5.0 + std::sin(0.3 * static_cast<double>(i % 12)) * std::cos(0.2 * static_cast<double>(i / 12 % 10)));
  channel[17] = 40.0f;
  ebsd::rpca::DenoiseOptions o;
  o.ranks = {2, 2, 1};
  const auto cpu = ebsd::rpca::denoise_scalar_channel(channel, dims, o, ebsd::rpca::cpu_solver(), ebsd::Progress::none());
  const auto torch = ebsd::rpca::denoise_scalar_channel(channel, dims, o, ebsd::gpu::scaled_gd_solver(Device::Cpu),
                                                        ebsd::Progress::none());
  for (std::size_t i = 0; i < channel.size(); ++i) EXPECT_NEAR(torch.low_rank[i], cpu.low_rank[i], 1e-4);
  EXPECT_EQ(torch.outlier, cpu.outlier);
  EXPECT_EQ(cpu.outlier[17], 1);
}

TEST(RpcaGpu, RejectsTensorsThatAreNotThreeWayAndBadTraining) {
  ebsd::rpca::ScaledGdSettings s;
  s.ranks = {1, 1, 1, 1};
  EXPECT_THROW(ebsd::gpu::scaled_gd(ebsd::tensor::Tensor<double>({3, 3, 3, 3}), s, Device::Cpu, ebsd::Progress::none()),
               ebsd::Error);
  const auto p = ebsd::rpca::make_synthetic_problem({8, 2, 2.0, 0.1, 3});
  ebsd::gpu::UnfoldingTraining tr;
  tr.steps = 0;
  EXPECT_THROW(ebsd::gpu::train_unfolded_self_supervised(p.observed, {2, 2, 2}, tr, Device::Cpu, ebsd::Progress::none()),
               ebsd::Error);
  tr.steps = 1;
  EXPECT_THROW(ebsd::gpu::train_unfolded_self_supervised(p.observed, {9, 2, 2}, tr, Device::Cpu, ebsd::Progress::none()),
               ebsd::Error);
}

TEST(RpcaGpu, TrainingStopsWhenCancelled) {
  const auto p = ebsd::rpca::make_synthetic_problem({10, 2, 2.0, 0.1, 4});
  ebsd::gpu::UnfoldingTraining tr;
  tr.unrolled_iterations = 5;
  tr.steps = 50;
  ebsd::CancelToken token;
  int steps_seen = 0;
  ebsd::Progress progress([&](double, const std::string&) { if (++steps_seen == 2) token.cancel(); }, &token);
  EXPECT_THROW(ebsd::gpu::train_unfolded_self_supervised(p.observed, {2, 2, 2}, tr, Device::Cpu, progress),
               ebsd::Cancelled);
  EXPECT_EQ(steps_seen, 2);
}

}  // namespace

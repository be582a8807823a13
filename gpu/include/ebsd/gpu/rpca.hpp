#pragma once
// Tensor RPCA on LibTorch tensors (CPU or CUDA, float64): ScaledGD (the same algorithm and
// iterates as ebsd::rpca::scaled_gd; docs/rpca.md) and its deep unfolding (H. Dong, M. Shah,
// S. Donegan, Y. Chi, "Deep Unfolded Tensor Robust PCA with Self-supervised Learning", ICASSP
// 2023; METHODS.md section 7): T iterations unrolled into a network whose only parameters are
// the four hyperparameters, zeta0 = 0.01 softplus(theta0), zeta1 = 0.01 softplus(theta1),
// eta = softplus(theta_eta), rho = sigmoid(theta_rho), trained by Adam through reverse-mode
// differentiation of all T iterations. Torch-free: callers never include LibTorch headers.
#include <cstdint>
#include <string>
#include <vector>

#include "ebsd/core/progress.hpp"
#include "ebsd/gpu/device.hpp"
#include "ebsd/rpca/scaled_gd.hpp"
#include "ebsd/rpca/synthetic_problem.hpp"
#include "ebsd/rpca/volume_denoise.hpp"

namespace ebsd::gpu {

// How ScaledGD runs on CUDA: our fused kernels (two kernels per iteration captured in a CUDA
// graph, docs/rpca.md "CUDA kernels") or LibTorch operations (some 40 kernels per iteration).
// Auto: the fused kernels where this build has them and they take the problem (ranks up to 32,
// rows that fit the device's shared memory), unless the environment sets
// EBSD_RPCA_CUDA_FUSED=0; LibTorch otherwise, and also when a Gram matrix turns out numerically
// singular on the fused path (the solve is then repeated on LibTorch).
enum class CudaRpcaPath { Auto, FusedKernels, LibTorch };

// Algorithm 1 for 3-way tensors on `device`. settings.kernel and settings.threads are ignored;
// `path` only matters on CUDA. Errors and per-iteration relative errors as
// ebsd::rpca::scaled_gd; also throws ebsd::Error for a tensor that is not 3-way, and for
// CudaRpcaPath::FusedKernels where the fused kernels cannot run the problem (the message says
// why) or meet a singular Gram matrix.
rpca::ScaledGdResult scaled_gd(const tensor::Tensor<double>& observed, const rpca::ScaledGdSettings& settings,
                               Device device, Progress& progress, const tensor::Tensor<double>* truth = nullptr,
                               CudaRpcaPath path = CudaRpcaPath::Auto);

// Why the fused CUDA kernels cannot run ScaledGD on a tensor of this shape with these ranks on
// the current device ("" when they can).
std::string fused_cuda_rpca_unavailable_reason(const tensor::Shape& shape, const std::vector<std::int64_t>& ranks);
// The path scaled_gd takes on CUDA for this problem when asked for `requested` (Auto resolved;
// FusedKernels returned as asked, scaled_gd then throws if it is unavailable).
CudaRpcaPath cuda_rpca_path(const tensor::Shape& shape, const std::vector<std::int64_t>& ranks,
                            CudaRpcaPath requested = CudaRpcaPath::Auto);
// Bytes one fused CUDA iteration moves at least on the current device: Y (and the truth) read
// once, factors and core read and written once, and with `include_partials` the per-block
// partial gradients written and read back (L2-resident on an H100). Throws ebsd::Error where the
// fused kernels are unavailable.
double fused_cuda_iteration_bytes(const tensor::Shape& shape, const std::vector<std::int64_t>& ranks, bool with_truth,
                                  bool include_partials);

struct UnfoldingTraining {
  int unrolled_iterations = 100;  // T, the network's depth
  int steps = 100;                // Adam steps
  double learning_rate = 0.05;    // the authors' rate for supervised and for cold self-supervised training
  int lr_step = 100;              // StepLR: the rate is multiplied by lr_decay every lr_step steps
  double lr_decay = 0.7;
  double gradient_clip = 100.0;   // infinity-norm clip of the 4 gradients (NaN gradients are zeroed first)
  rpca::Hyperparameters initial = rpca::unfolding_initial_hyperparameters();
};

struct UnfoldingResult {
  // Self-supervised: the parameters with the lowest training loss over all steps and after the
  // last one (the loss is the fixed objective on the tensor itself, and Adam at a constant rate
  // can climb out of its minimum again); supervised: after the last step (its per-step loss is
  // on a different problem each step, so its minimum says little).
  rpca::Hyperparameters learned;
  std::vector<double> loss;                      // per step, before that step's update
  std::vector<rpca::Hyperparameters> trajectory; // per step, before that step's update
  double seconds = 0.0;
};

// Self-supervised: minimises ||Y - X_T||_1 / ||Y||_F^2 on the tensor being denoised, no ground
// truth. Throws ebsd::Error for bad ranks, non-finite values or non-positive step counts;
// ebsd::Cancelled when cancelled (checked every step).
UnfoldingResult train_unfolded_self_supervised(const tensor::Tensor<double>& observed,
                                               const std::vector<std::int64_t>& ranks, const UnfoldingTraining& training,
                                               Device device, Progress& progress);

// Supervised reference: minimises ||X_T - X*||_F^2 / ||X*||_F^2 over a stream of synthetic
// problems, one fresh problem per step with seeds spec.seed + 1, spec.seed + 2, ... (evaluate
// on a problem whose seed lies outside that range).
UnfoldingResult train_unfolded_supervised(const rpca::SyntheticProblemSpec& spec, const UnfoldingTraining& training,
                                          Device device, Progress& progress);

// Self-supervised unfolding on `observed` (T = settings.iterations unrolled iterations, starting
// from training.initial; training.unrolled_iterations is ignored), then ScaledGD on `device`
// with the learned hyperparameters for settings.iterations iterations: the trained network's
// output. `truth` as in scaled_gd (errors of the final run; never used for training).
struct UnfoldedRpcaResult {
  UnfoldingResult training;
  rpca::ScaledGdResult result;
};
UnfoldedRpcaResult unfolded_rpca(const tensor::Tensor<double>& observed, const rpca::ScaledGdSettings& settings,
                                 const UnfoldingTraining& training, Device device, Progress& progress,
                                 const tensor::Tensor<double>* truth = nullptr);

// Bytes one LibTorch ScaledGD iteration moves over an n1 x n2 x n3 tensor at least: X_t written,
// X_t - Y (two reads, one write), the clamp in place (one read, one write) and the two
// contractions R x_1 U^T and R x_3 W^T (one read each): 8 passes of 8 bytes per entry. The
// O(n^2 r) intermediates are left out.
double torch_iteration_bytes(const tensor::Shape& shape);
// Streaming bandwidth of the device (bytes/s): best of several copies of a `bytes`-sized
// float64 buffer, counting the read and the write.
double device_copy_bandwidth(Device device, std::size_t bytes);

// Solvers for ebsd::rpca::denoise_volume and the CLI: ScaledGD on `device` with the settings'
// hyperparameters; or unfolded_rpca on each tensor (settings.hyper is ignored: training starts
// from training.initial).
rpca::RpcaSolver scaled_gd_solver(Device device);
rpca::RpcaSolver unfolded_solver(Device device, UnfoldingTraining training);

}  // namespace ebsd::gpu

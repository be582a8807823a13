#pragma once
// Private to ebsd_gpu: the bridge from the LibTorch solver (rpca_scaled_gd.cpp) to our fused CUDA
// kernels (cuda/rpca_kernels.hpp). Compiled with or without them (EBSD_HAVE_CUDA_KERNELS), like
// nn_cuda_quantized_linear.cpp: without, the fused path reports itself unavailable.
#include <string>
#include <vector>

#include "ebsd/gpu/rpca.hpp"
#include "rpca_torch.hpp"

namespace ebsd::gpu::detail {

// "" when scaled_gd can run this problem on the fused kernels; else why not (no kernels in this
// build, no device, ranks above 32, rows too long for the device's shared memory, not 3-way).
std::string fused_cuda_unavailable_reason(const tensor::Shape& shape, const std::vector<std::int64_t>& ranks);

// The iterations of scaled_gd on the fused kernels, prepared in the constructor (workspace,
// stream, the CUDA graph) so that iterations() times the iterations alone.
struct FusedIterations {
  bool singular = false;             // a Gram matrix was numerically singular: result unusable
  int iterations = 0;
  double zeta = 0.0;                 // threshold after the last update
  std::vector<double> relative_errors;  // with a truth, one per iteration run (plus the stopping one)
  TorchTucker x;                     // the final iterate, on CUDA
};

class FusedCudaSolve {
public:
  // y [n3, n2, n1] and truth (or undefined) on CUDA, float64, contiguous; x the initial iterate.
  FusedCudaSolve(const torch::Tensor& y, const torch::Tensor& truth, const TorchTucker& x,
                 const rpca::ScaledGdSettings& settings, double truth_norm);
  ~FusedCudaSolve();
  FusedCudaSolve(const FusedCudaSolve&) = delete;
  FusedCudaSolve& operator=(const FusedCudaSolve&) = delete;
  // Runs settings.iterations iterations (or up to the early stop); progress is checked between
  // batches of enqueued iterations (ebsd::Cancelled passes through).
  FusedIterations run(Progress& progress);

private:
  struct State;
  State* state_ = nullptr;
};

// Bytes one fused iteration moves (FusedScaledGd::iteration_bytes) for this problem on the
// current device; throws ebsd::Error where the fused path is unavailable.
double fused_cuda_bytes(const tensor::Shape& shape, const std::vector<std::int64_t>& ranks, bool with_truth,
                        bool include_partials);

}  // namespace ebsd::gpu::detail

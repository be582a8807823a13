// The fused CUDA ScaledGD path (rpca_cuda_fused.hpp): torch tensors in, raw device pointers and
// the current stream handed to cuda/rpca_kernels.cu, torch tensors out.
#include "rpca_cuda_fused.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>

#include "ebsd/core/error.hpp"

#ifdef EBSD_HAVE_CUDA_KERNELS
#include <c10/cuda/CUDAStream.h>

#include "cuda/rpca_kernels.hpp"
#endif

namespace ebsd::gpu::detail {

#ifdef EBSD_HAVE_CUDA_KERNELS

namespace {

cuda::RpcaSizes sizes_of(const tensor::Shape& shape, const std::vector<std::int64_t>& ranks) {
  return {shape[0], shape[1], shape[2], static_cast<int>(ranks[0]), static_cast<int>(ranks[1]), static_cast<int>(ranks[2])};
}

// Tuning knobs for measurements (docs/rpca.md): EBSD_RPCA_CUDA_ZSPLITS (blocks per y row),
// EBSD_RPCA_CUDA_GRAPH=0 (plain launches instead of a CUDA graph), EBSD_RPCA_CUDA_VARIANT=1 (the
// first kernel design; 2, the second; 3, the Gram work in its own kernel beside the row pass; 4,
// one persistent cooperative kernel; 5, variant 4 with wider row blocks and update items, measured
// no faster; 7, the default: variant 4 with its row items on the FP64 tensor cores; 8, variant 7
// with Y's slabs staged in shared memory, measured slower; 9, variant 7 with the core update
// deferred to the next iteration's readers of G, not yet run),
// EBSD_RPCA_CUDA_PDL=1 (variant 2 with programmatic dependent launch).
cuda::RpcaTuning tuning_from_env() {
  cuda::RpcaTuning t;
  if (const char* e = std::getenv("EBSD_RPCA_CUDA_VARIANT"))
    t.variant = std::string(e) == "1"   ? 1
                : std::string(e) == "3" ? 3
                : std::string(e) == "4" ? 4
                : std::string(e) == "5" ? 5
                : std::string(e) == "7" ? 7
                : std::string(e) == "8" ? 8
                : std::string(e) == "9" ? 9
                                        : 2;
  if (const char* e = std::getenv("EBSD_RPCA_CUDA_PDL")) t.programmatic_launch = std::string(e) == "1";
  if (const char* e = std::getenv("EBSD_RPCA_CUDA_ZSPLITS")) t.z_splits = std::max(0, std::atoi(e));
  if (const char* e = std::getenv("EBSD_RPCA_CUDA_GRAPH")) t.use_graph = std::string(e) != "0";
  return t;
}

void* current_stream() { return c10::cuda::getCurrentCUDAStream().stream(); }

// The default design (variant 7, one persistent cooperative kernel) needs cooperative launch and
// all its blocks resident at once; on a device that cannot, variant 3's launches do the same
// arithmetic. A variant named in EBSD_RPCA_CUDA_VARIANT is taken as asked (its error stands).
std::unique_ptr<cuda::FusedScaledGd> make_solver(const cuda::RpcaSizes& sizes, int max_iterations) {
  cuda::RpcaTuning t = tuning_from_env();
  try {
    return std::make_unique<cuda::FusedScaledGd>(sizes, max_iterations, current_stream(), t);
  } catch (const std::runtime_error&) {
    if (t.variant < 4 || std::getenv("EBSD_RPCA_CUDA_VARIANT")) throw;
    t.variant = 3;
    return std::make_unique<cuda::FusedScaledGd>(sizes, max_iterations, current_stream(), t);
  }
}

[[noreturn]] void rethrow_as_error(const std::exception& e) { throw Error(e.what(), "", "fused CUDA ScaledGD"); }

}  // namespace

std::string fused_cuda_unavailable_reason(const tensor::Shape& shape, const std::vector<std::int64_t>& ranks) {
  if (shape.size() != 3 || ranks.size() != 3) return "the fused CUDA kernels take 3-way tensors";
  if (!torch::cuda::is_available()) return "no CUDA device";
  for (const auto r : ranks)
    if (r < 1 || r > 32) return "the fused CUDA kernels take ranks 1 to 32";
  return cuda::rpca_fused_unsupported_reason(sizes_of(shape, ranks));
}

struct FusedCudaSolve::State {
  rpca::ScaledGdSettings settings;
  double truth_norm = 0.0;
  bool has_truth = false;
  torch::Tensor y, truth;  // kept alive: the kernels hold their pointers
  TorchTucker shape_of;    // for the output tensors' sizes
  std::unique_ptr<cuda::FusedScaledGd> solver;
};

FusedCudaSolve::FusedCudaSolve(const torch::Tensor& y, const torch::Tensor& truth, const TorchTucker& x,
                               const rpca::ScaledGdSettings& settings, double truth_norm) {
  auto st = std::make_unique<State>();
  st->settings = settings;
  st->truth_norm = truth_norm;
  st->has_truth = truth.defined();
  st->y = y.contiguous();
  if (st->has_truth) st->truth = truth.contiguous();
  const tensor::Shape shape{y.size(2), y.size(1), y.size(0)};
  try {
    st->solver = make_solver(sizes_of(shape, settings.ranks), settings.iterations);
    st->solver->set_observed(st->y.data_ptr<double>(), st->has_truth ? st->truth.data_ptr<double>() : nullptr);
    TorchTucker c;
    for (int k = 0; k < 3; ++k) c.factors[static_cast<std::size_t>(k)] = x.factors[static_cast<std::size_t>(k)].contiguous();
    c.core = x.core.contiguous();
    st->solver->set_iterate(c.factors[0].data_ptr<double>(), c.factors[1].data_ptr<double>(), c.factors[2].data_ptr<double>(),
                            c.core.data_ptr<double>());
    st->solver->prepare(settings.iterations);
    st->shape_of = c;
  } catch (const std::runtime_error& e) {
    rethrow_as_error(e);
  }
  state_ = st.release();
}

FusedCudaSolve::~FusedCudaSolve() { delete state_; }

FusedIterations FusedCudaSolve::run(Progress& progress) {
  State& st = *state_;
  const rpca::Hyperparameters& h = st.settings.hyper;
  cuda::RpcaStepParams p;
  p.zeta1 = h.zeta1;
  p.eta = h.eta;
  p.rho = h.decay;
  if (st.has_truth && st.settings.stop_below_error > 0.0) {
    const double level = st.settings.stop_below_error * st.truth_norm;
    p.stop_below_squared_error = level * level;
  }
  const int total = std::max(1, st.settings.iterations);
  FusedIterations out;
  try {
    st.solver->run(st.settings.iterations, p, [&](int launched) {
      progress.check();
      progress.report(0.05 + 0.95 * launched / total,
                      "ScaledGD (CUDA kernels): " + std::to_string(launched) + " of " + std::to_string(total) + " iterations queued");
    });
    const cuda::RpcaRunStatus s = st.solver->status();
    out.singular = s.singular;
    out.iterations = s.iterations;
    out.zeta = s.zeta;
    for (const double e : s.squared_errors) out.relative_errors.push_back(std::sqrt(e) / st.truth_norm);
    for (int k = 0; k < 3; ++k) out.x.factors[static_cast<std::size_t>(k)] = torch::empty_like(st.shape_of.factors[static_cast<std::size_t>(k)]);
    out.x.core = torch::empty_like(st.shape_of.core);
    st.solver->get_iterate(out.x.factors[0].data_ptr<double>(), out.x.factors[1].data_ptr<double>(),
                           out.x.factors[2].data_ptr<double>(), out.x.core.data_ptr<double>());
  } catch (const Cancelled&) {
    throw;  // a cancellation from progress.check(), not a CUDA failure: it leaves as itself
  } catch (const std::runtime_error& e) {
    rethrow_as_error(e);
  }
  return out;
}

double fused_cuda_bytes(const tensor::Shape& shape, const std::vector<std::int64_t>& ranks, bool with_truth,
                        bool include_partials) {
  const std::string why = fused_cuda_unavailable_reason(shape, ranks);
  if (!why.empty()) throw Error(why, "", "fused CUDA ScaledGD");
  try {
    const auto s = make_solver(sizes_of(shape, ranks), 1);
    // Any valid device pointer will do: only whether a truth is read matters here.
    const auto dummy = torch::zeros({1}, torch::TensorOptions().dtype(torch::kFloat64).device(torch::kCUDA));
    s->set_observed(dummy.data_ptr<double>(), with_truth ? dummy.data_ptr<double>() : nullptr);
    return s->iteration_bytes(include_partials);
  } catch (const std::runtime_error& e) {
    rethrow_as_error(e);
  }
}

#else  // no CUDA kernels in this build

std::string fused_cuda_unavailable_reason(const tensor::Shape&, const std::vector<std::int64_t>&) {
  return "this build has no CUDA kernels for tensor RPCA (needs nvcc and a CUDA LibTorch)";
}

namespace {
[[noreturn]] void unavailable() {
  throw Error("this build has no CUDA kernels for tensor RPCA (needs nvcc and a CUDA LibTorch)", "", "fused CUDA ScaledGD");
}
}  // namespace

struct FusedCudaSolve::State {};
FusedCudaSolve::FusedCudaSolve(const torch::Tensor&, const torch::Tensor&, const TorchTucker&, const rpca::ScaledGdSettings&,
                               double) {
  unavailable();
}
FusedCudaSolve::~FusedCudaSolve() { delete state_; }
FusedIterations FusedCudaSolve::run(Progress&) { unavailable(); }
double fused_cuda_bytes(const tensor::Shape&, const std::vector<std::int64_t>&, bool, bool) { unavailable(); }

#endif

}  // namespace ebsd::gpu::detail

#include "ebsd/rpca/scaled_gd.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <thread>

#include "ebsd/core/error.hpp"
#include "fused_residual_pass.hpp"
#include "generic_gradients.hpp"

namespace ebsd::rpca {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace

void check_scaled_gd_input(const tensor::Tensor<double>& y, const ScaledGdSettings& s, const tensor::Tensor<double>* truth) {
  const std::string where = "scaled_gd";
  if (y.empty()) throw Error("the observed tensor is empty", "", where);
  const int order = y.order();
  if (static_cast<int>(s.ranks.size()) != order)
    throw Error("need one rank per mode: " + std::to_string(order) + " expected, got " + std::to_string(s.ranks.size()),
                "", where);
  for (int k = 0; k < order; ++k) {
    const std::int64_t r = s.ranks[static_cast<std::size_t>(k)];
    if (r < 1 || r > y.dim(k))
      throw Error("rank " + std::to_string(r) + " of mode " + std::to_string(k) + " must lie in [1, " +
                      std::to_string(y.dim(k)) + "]",
                  "", where);
    std::int64_t others = 1;
    for (int j = 0; j < order; ++j)
      if (j != k) others *= s.ranks[static_cast<std::size_t>(j)];
    if (order > 1 && r > others)
      throw Error("rank " + std::to_string(r) + " of mode " + std::to_string(k) +
                      " exceeds the product of the other ranks (" + std::to_string(others) +
                      "): no Tucker core has that rank",
                  "", where);
  }
  const Hyperparameters& h = s.hyper;
  if (!(h.zeta0 >= 0.0) || !(h.zeta1 >= 0.0) || !std::isfinite(h.zeta0) || !std::isfinite(h.zeta1))
    throw Error("thresholds zeta0 and zeta1 must be finite and >= 0", "", where);
  if (!(h.eta > 0.0) || !std::isfinite(h.eta)) throw Error("step size eta must be > 0", "", where);
  if (!(h.decay > 0.0 && h.decay <= 1.0)) throw Error("threshold decay rho must lie in (0, 1]", "", where);
  if (s.iterations < 0) throw Error("the iteration count must be >= 0", "", where);
  if (!tensor::all_finite(y)) throw Error("the observed tensor holds NaN or infinite values", "", where);
  if (truth && truth->shape() != y.shape()) throw Error("the truth tensor has another shape than the observed one", "", where);
  if (truth && tensor::frobenius_norm(*truth) == 0.0) throw Error("the truth tensor is zero", "", where);
}

namespace {

detail::RowKernel row_kernel_for(ScaledGdKernel k) {
  switch (k) {
    case ScaledGdKernel::FusedPortable:
      return detail::RowKernel::Portable;
    case ScaledGdKernel::FusedAvx2:
      return detail::RowKernel::Avx2;
    case ScaledGdKernel::FusedAvx512:
      return detail::RowKernel::Avx512;
    case ScaledGdKernel::FusedAvx512Blocked:
      return detail::RowKernel::Avx512Blocked;
    default:
      return detail::best_row_kernel();
  }
}

ScaledGdKernel resolve_kernel(ScaledGdKernel k, const std::vector<std::int64_t>& ranks) {
  const int order = static_cast<int>(ranks.size());
  if (k == ScaledGdKernel::Generic) return k;
  if (k == ScaledGdKernel::Auto) {
    if (order != 3) return ScaledGdKernel::Generic;
    switch (detail::best_row_kernel()) {
      case detail::RowKernel::Avx512:
      case detail::RowKernel::Avx512Blocked:
        return ranks[2] <= detail::kSlabMaxRank3 ? ScaledGdKernel::FusedAvx512Blocked : ScaledGdKernel::FusedAvx512;
      case detail::RowKernel::Avx2:
        return ScaledGdKernel::FusedAvx2;
      case detail::RowKernel::Portable:
        return ScaledGdKernel::FusedPortable;
    }
  }
  if (order != 3) throw Error("the fused kernels need a 3-way tensor", "", "scaled_gd kernel");
  if (!detail::row_kernel_supported(row_kernel_for(k)))
    throw Error("this CPU lacks the instruction set of the requested kernel", "", "scaled_gd kernel");
  if (k == ScaledGdKernel::FusedAvx512Blocked && ranks[2] > detail::kSlabMaxRank3)
    throw Error("the blocked AVX-512 kernel takes mode-3 ranks up to " + std::to_string(detail::kSlabMaxRank3) +
                    ", not " + std::to_string(ranks[2]),
                "", "scaled_gd kernel");
  return k;
}

}  // namespace

Hyperparameters tuned_synthetic_hyperparameters() { return {0.03, 0.02, 0.45, 0.85}; }

Hyperparameters unfolding_initial_hyperparameters() {
  const auto softplus = [](double v) { return std::log1p(std::exp(v)); };
  return {0.01 * softplus(0.0), 0.01 * softplus(0.0), softplus(0.1), 1.0 / (1.0 + std::exp(-0.8))};
}

int iterations_to_reach(const std::vector<double>& relative_errors, double level) {
  for (std::size_t t = 0; t < relative_errors.size(); ++t)
    if (relative_errors[t] < level) return static_cast<int>(t);
  return -1;
}

ScaledGdResult scaled_gd(const tensor::Tensor<double>& observed, const ScaledGdSettings& settings, Progress& progress,
                         const tensor::Tensor<double>* truth) {
  check_scaled_gd_input(observed, settings, truth);
  const Hyperparameters& h = settings.hyper;
  ScaledGdResult result;
  result.kernel = resolve_kernel(settings.kernel, settings.ranks);
  const double truth_norm = truth ? tensor::frobenius_norm(*truth) : 0.0;

  // Spectral initialisation: Y - T_zeta0(Y) = clamp(Y, -zeta0, zeta0).
  progress.check();
  progress.report(0.0, "ScaledGD: spectral initialisation");
  const auto t_init = Clock::now();
  tensor::Tucker<double> x;
  {
    tensor::Tensor<double> clipped = observed;
    for (double& v : clipped.values()) v = std::clamp(v, -h.zeta0, h.zeta0);
    // The HOSVD's own reports map onto the first 5 % of this run; cancellation passes through.
    Progress init_progress(
        [&progress](double f, const std::string& m) {
          progress.check();
          progress.report(0.05 * f, "ScaledGD initialisation: " + m);
        },
        nullptr);
    x = tensor::hosvd(clipped, settings.ranks, init_progress);
  }
  std::unique_ptr<detail::FusedResidualPass> fused;
  if (result.kernel != ScaledGdKernel::Generic) {
    const int threads =
        settings.threads > 0 ? settings.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    fused = std::make_unique<detail::FusedResidualPass>(observed, truth, settings.ranks, threads,
                                                        row_kernel_for(result.kernel));
  }
  result.init_seconds = seconds_since(t_init);

  const auto t_iter = Clock::now();
  detail::ScaledGradients g;
  double zeta = h.zeta1;
  int t = 0;
  for (; t < settings.iterations; ++t) {
    progress.check();
    const double squared_error = fused ? fused->gradients(x, zeta, g)
                                       : detail::generic_gradients(observed, x, zeta, truth, g);
    if (truth) {
      result.relative_errors.push_back(std::sqrt(squared_error) / truth_norm);
      if (result.relative_errors.back() < settings.stop_below_error) break;
    }
    detail::apply_scaled_step(x, g, h.eta);
    zeta *= h.decay;
    progress.report(0.05 + 0.95 * (t + 1) / std::max(1, settings.iterations),
                    "ScaledGD: iteration " + std::to_string(t + 1) + " of " + std::to_string(settings.iterations));
  }
  result.iterations = t;
  result.iteration_seconds = seconds_since(t_iter);

  result.low_rank = tensor::reconstruct(x);
  if (truth && static_cast<int>(result.relative_errors.size()) == t)
    result.relative_errors.push_back(tensor::relative_distance(result.low_rank, *truth));
  result.sparse = tensor::Tensor<double>(observed.shape());
  const double* y = observed.data();
  const double* l = result.low_rank.data();
  double* s = result.sparse.data();
  for (std::int64_t i = 0; i < observed.size(); ++i) s[i] = soft_threshold(y[i] - l[i], zeta);
  result.factors = std::move(x);
  return result;
}

}  // namespace ebsd::rpca

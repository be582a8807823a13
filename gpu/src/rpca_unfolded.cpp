// Deep-unfolded tensor RPCA (Dong, Shah, Donegan, Chi, ICASSP 2023; METHODS.md section 7): T
// ScaledGD iterations as a network with four scalar parameters, trained with Adam by
// back-propagating through all T iterations and the spectral initialisation.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>

#include "ebsd/core/error.hpp"
#include "ebsd/gpu/rpca.hpp"
#include "rpca_torch.hpp"

namespace ebsd::gpu {
namespace {

// The authors' scaling of the thresholds ("softplus_factor"): it keeps them in the range of
// data whose entries are of order 1e-3 (see kWorkingRms).
constexpr double kThresholdFactor = 0.01;

// The four raw parameters: zeta0 = c softplus(t0), zeta1 = c softplus(t1), eta = softplus(te),
// rho = sigmoid(tr).
struct Parameters {
  torch::Tensor t0, t1, te, tr;

  Parameters(const rpca::Hyperparameters& h, const torch::Device& dev) {
    if (!(h.zeta0 > 0 && h.zeta1 > 0 && h.eta > 0 && h.decay > 0 && h.decay < 1))
      throw Error("the unfolding needs zeta0, zeta1, eta > 0 and decay in (0, 1)", "", "unfolded RPCA");
    const auto raw = [&](double v) {
      return torch::scalar_tensor(v, torch::TensorOptions().dtype(torch::kFloat64).device(dev)).requires_grad_(true);
    };
    const auto inverse_softplus = [](double v) { return std::log(std::expm1(v)); };
    t0 = raw(inverse_softplus(h.zeta0 / kThresholdFactor));
    t1 = raw(inverse_softplus(h.zeta1 / kThresholdFactor));
    te = raw(inverse_softplus(h.eta));
    tr = raw(std::log(h.decay / (1.0 - h.decay)));
  }
  std::vector<torch::Tensor> list() const { return {t0, t1, te, tr}; }
  torch::Tensor zeta0() const { return kThresholdFactor * torch::softplus(t0); }
  torch::Tensor zeta1() const { return kThresholdFactor * torch::softplus(t1); }
  torch::Tensor eta() const { return torch::softplus(te); }
  torch::Tensor decay() const { return torch::sigmoid(tr); }
  rpca::Hyperparameters values() const {
    torch::NoGradGuard no_grad;
    return {zeta0().item<double>(), zeta1().item<double>(), eta().item<double>(), decay().item<double>()};
  }
};

// X_T of the unrolled network.
torch::Tensor unrolled(const torch::Tensor& y, const std::vector<std::int64_t>& ranks, const Parameters& p, int depth) {
  detail::TorchTucker x = detail::spectral_init(y, ranks, p.zeta0(), /*differentiable=*/true);
  const torch::Tensor zeta1 = p.zeta1(), eta = p.eta(), decay = p.decay();
  for (int t = 0; t < depth; ++t)
    x = detail::scaled_step(x, detail::residual(detail::reconstruct(x), y, zeta1 * torch::pow(decay, t)), eta);
  return detail::reconstruct(x);
}

void check_training(const UnfoldingTraining& tr) {
  if (tr.unrolled_iterations < 1 || tr.steps < 1 || !(tr.learning_rate > 0) || tr.lr_step < 1 || !(tr.lr_decay > 0))
    throw Error("training needs >= 1 unrolled iteration, >= 1 step, a positive rate and a positive decay", "",
                "unfolded RPCA training");
}

// One Adam run; `loss_of(step)` builds the loss of that step from the current parameters.
// keep_best: return the parameters with the lowest loss seen (for a fixed objective), else the last.
template <class LossOf>
UnfoldingResult train(const UnfoldingTraining& tr, Progress& progress, const std::string& what, LossOf loss_of,
                      Parameters& p, bool keep_best) {
  const auto t0 = std::chrono::steady_clock::now();
  torch::optim::Adam adam(p.list(), torch::optim::AdamOptions(tr.learning_rate));
  UnfoldingResult out;
  for (int step = 0; step < tr.steps; ++step) {
    progress.check();
    if (step > 0 && step % tr.lr_step == 0)
      for (auto& group : adam.param_groups()) {
        auto& o = static_cast<torch::optim::AdamOptions&>(group.options());
        o.lr(o.lr() * tr.lr_decay);
      }
    out.trajectory.push_back(p.values());
    adam.zero_grad();
    const torch::Tensor loss = loss_of(step);
    loss.backward();
    // The authors' gradient processing: NaN gradients (e.g. from nearly equal singular values)
    // are zeroed, then the gradients are clipped in the infinity norm.
    for (auto& t : p.list())
      if (t.grad().defined() && torch::isnan(t.grad()).any().item<bool>()) t.mutable_grad().zero_();
    torch::nn::utils::clip_grad_norm_(p.list(), tr.gradient_clip, std::numeric_limits<double>::infinity());
    adam.step();
    out.loss.push_back(loss.item<double>());
    progress.report(static_cast<double>(step + 1) / tr.steps,
                    what + ": step " + std::to_string(step + 1) + " of " + std::to_string(tr.steps) + ", loss " +
                        std::to_string(out.loss.back()));
  }
  out.learned = p.values();
  if (keep_best) {
    // The parameters after the last update are evaluated too; then the lowest loss wins.
    double last_loss = 0.0;
    {
      torch::NoGradGuard no_grad;
      const torch::Tensor final_loss = loss_of(tr.steps);
      last_loss = final_loss.item<double>();
    }
    const auto best = std::min_element(out.loss.begin(), out.loss.end());
    if (*best < last_loss) out.learned = out.trajectory[static_cast<std::size_t>(best - out.loss.begin())];
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace

UnfoldingResult train_unfolded_self_supervised(const tensor::Tensor<double>& observed,
                                               const std::vector<std::int64_t>& ranks, const UnfoldingTraining& training,
                                               Device device, Progress& progress) {
  detail::validate_problem(observed, ranks);
  check_training(training);
  const torch::Device dev = detail::torch_device(device);
  const torch::Tensor y = detail::to_torch(observed, dev);
  const torch::Tensor y_energy = y.pow(2).sum();  // ||Y||_F^2
  Parameters p(training.initial, dev);
  return train(
      training, progress, "self-supervised unfolding",
      [&](int) { return (y - unrolled(y, ranks, p, training.unrolled_iterations)).abs().sum() / y_energy; }, p,
      /*keep_best=*/true);
}

UnfoldingResult train_unfolded_supervised(const rpca::SyntheticProblemSpec& spec, const UnfoldingTraining& training,
                                          Device device, Progress& progress) {
  check_training(training);
  const torch::Device dev = detail::torch_device(device);
  const std::vector<std::int64_t> ranks(3, spec.rank);
  Parameters p(training.initial, dev);
  return train(training, progress, "supervised unfolding",
               [&](int step) {
                 rpca::SyntheticProblemSpec s = spec;
                 s.seed = spec.seed + static_cast<std::uint64_t>(step) + 1;
                 const rpca::SyntheticProblem problem = rpca::make_synthetic_problem(s);
                 const torch::Tensor y = detail::to_torch(problem.observed, dev);
                 const torch::Tensor x_star = detail::to_torch(problem.low_rank, dev);
                 return (unrolled(y, ranks, p, training.unrolled_iterations) - x_star).pow(2).sum() / x_star.pow(2).sum();
               },
               p, /*keep_best=*/false);
}

UnfoldedRpcaResult unfolded_rpca(const tensor::Tensor<double>& observed, const rpca::ScaledGdSettings& settings,
                                 const UnfoldingTraining& training, Device device, Progress& progress,
                                 const tensor::Tensor<double>* truth) {
  UnfoldingTraining t = training;
  t.unrolled_iterations = settings.iterations;
  Progress learn(
      [&progress](double f, const std::string& m) {
        progress.check();
        progress.report(0.9 * f, m);
      },
      nullptr);
  UnfoldedRpcaResult out;
  out.training = train_unfolded_self_supervised(observed, settings.ranks, t, device, learn);
  rpca::ScaledGdSettings run = settings;
  run.hyper = out.training.learned;
  Progress solve(
      [&progress](double f, const std::string& m) {
        progress.check();
        progress.report(0.9 + 0.1 * f, m);
      },
      nullptr);
  out.result = scaled_gd(observed, run, device, solve, truth);
  return out;
}

rpca::RpcaSolver unfolded_solver(Device device, UnfoldingTraining training) {
  return [device, training](const tensor::Tensor<double>& y, const rpca::ScaledGdSettings& s, Progress& progress) {
    return unfolded_rpca(y, s, training, device, progress).result;
  };
}

}  // namespace ebsd::gpu

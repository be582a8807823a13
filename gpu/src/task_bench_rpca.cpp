// Task "bench-rpca": the tensor RPCA papers' synthetic problem (size n, rank r, condition number
// kappa, corruption alpha) solved by ScaledGD or by the self-supervised unfolded model; reports
// the relative error, the iterations and the seconds (`ebsd bench rpca`).
#include <chrono>

#include "ebsd/gpu/rpca.hpp"
#include "ebsd/pipeline/task_registry.hpp"

namespace ebsd::gpu {
namespace {

nlohmann::json hyper_json(const rpca::Hyperparameters& h) {
  return {{"zeta0", h.zeta0}, {"zeta1", h.zeta1}, {"eta", h.eta}, {"decay", h.decay}};
}

nlohmann::json bench_rpca(const nlohmann::json& args, Progress& progress) {
  rpca::SyntheticProblemSpec spec;
  spec.size = args.value("size", std::int64_t{100});
  spec.rank = args.value("rank", std::int64_t{10});
  spec.condition_number = args.value("kappa", 5.0);
  spec.corruption = args.value("corruption", 0.2);
  spec.seed = args.value("seed", std::uint64_t{1});
  const std::string method = args.value("method", std::string("scaledgd"));
  const std::string device_name = args.value("device", std::string("cpu"));
  const int iterations = args.value("iterations", 150);
  if (method != "scaledgd" && method != "unfolded") throw Error("method must be scaledgd or unfolded, got '" + method + "'");
  if (iterations < 1 || iterations > 100000) throw Error("iterations must be in [1, 100000]");
  const Device device = parse_device(device_name);

  const auto t0 = std::chrono::steady_clock::now();
  const auto problem = rpca::make_synthetic_problem(spec);
  const double generate_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  rpca::ScaledGdSettings settings;
  settings.ranks = {spec.rank, spec.rank, spec.rank};
  settings.hyper = rpca::tuned_synthetic_hyperparameters();
  settings.iterations = iterations;
  nlohmann::json out{{"problem",
                      {{"size", spec.size},
                       {"rank", spec.rank},
                       {"kappa", spec.condition_number},
                       {"corruption", spec.corruption},
                       {"seed", spec.seed},
                       {"corrupted_entries", problem.corrupted}}},
                     {"method", method},
                     {"device", device_name},
                     {"generate_seconds", generate_seconds}};
  const auto t1 = std::chrono::steady_clock::now();
  if (method == "unfolded") {
    UnfoldingTraining training;
    training.steps = args.value("training_steps", training.steps);
    training.unrolled_iterations = args.value("unrolled_iterations", training.unrolled_iterations);
    Progress train_progress = progress.part(0.0, 0.8, "training");
    const auto learned = train_unfolded_self_supervised(problem.observed, settings.ranks, training, device, train_progress);
    settings.hyper = learned.learned;
    out["training"] = {{"steps", training.steps},
                       {"unrolled_iterations", training.unrolled_iterations},
                       {"seconds", learned.seconds},
                       {"final_loss", learned.loss.empty() ? 0.0 : learned.loss.back()}};
  }
  Progress solve_progress = progress.part(method == "unfolded" ? 0.8 : 0.0, 1.0, "solving");
  const auto r = device == Device::Cpu ? rpca::scaled_gd(problem.observed, settings, solve_progress, &problem.low_rank)
                                       : scaled_gd(problem.observed, settings, device, solve_progress, &problem.low_rank);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  out["hyperparameters"] = hyper_json(settings.hyper);
  out["iterations"] = r.iterations;
  out["relative_error"] = r.relative_errors.empty() ? -1.0 : r.relative_errors.back();
  out["iterations_to_1e-8"] = rpca::iterations_to_reach(r.relative_errors, 1e-8);
  out["iterations_to_1e-10"] = rpca::iterations_to_reach(r.relative_errors, 1e-10);
  out["init_seconds"] = r.init_seconds;
  out["iteration_seconds"] = r.iteration_seconds;
  out["ms_per_iteration"] = r.iterations > 0 ? 1e3 * r.iteration_seconds / r.iterations : 0.0;
  out["seconds"] = seconds;
  return out;
}

}  // namespace

pipeline::Task make_bench_rpca_task() {
  return {"bench-rpca", "Tensor RPCA on the papers' synthetic problem: error, iterations, seconds", bench_rpca};
}

}  // namespace ebsd::gpu

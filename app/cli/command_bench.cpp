// `ebsd bench rpca --size N --rank R --kappa K --corruption A --method scaledgd|unfolded
// --device cpu|cuda [--seed S] [--json]`: runs a task of the GPU module and prints its result.
#include <cstdio>

#include "cli_registry.hpp"
#include "cli_support.hpp"
#include "commands.hpp"

namespace ebsd::cli {

void register_bench(CLI::App& app, CommandList& out) {
  auto* bench = app.add_subcommand("bench", "Benchmarks that print their measurements");
  bench->require_subcommand(1);
  struct Args {
    std::int64_t size = 100, rank = 10;
    double kappa = 5.0, corruption = 0.2;
    std::string method = "scaledgd", device = "cpu";
    std::uint64_t seed = 1;
    int iterations = 150, training_steps = 100;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* sub = bench->add_subcommand("rpca", "Tensor RPCA on the papers' synthetic problem: relative error, iterations, seconds");
  sub->add_option("--size", a->size, "n: the tensor is n x n x n")->capture_default_str()->check(CLI::Range(1, 2000));
  sub->add_option("--rank", a->rank, "Multilinear rank r")->capture_default_str()->check(CLI::PositiveNumber);
  sub->add_option("--kappa", a->kappa, "Condition number of the low-rank part")->capture_default_str()->check(CLI::Range(1.0, 1e12));
  sub->add_option("--corruption", a->corruption, "Fraction of corrupted entries")->capture_default_str()->check(CLI::Range(0.0, 0.99));
  sub->add_option("--method", a->method, "scaledgd or unfolded")->capture_default_str()->check(CLI::IsMember({"scaledgd", "unfolded"}));
  sub->add_option("--device", a->device, "cpu or cuda")->capture_default_str();
  sub->add_option("--seed", a->seed, "Seed of the problem")->capture_default_str();
  sub->add_option("--iterations", a->iterations, "ScaledGD iterations")->capture_default_str()->check(CLI::Range(1, 100000));
  sub->add_option("--training-steps", a->training_steps, "Adam steps (unfolded)")->capture_default_str()->check(CLI::Range(1, 100000));
  sub->add_flag("--json", a->json, "Print the result as JSON");
  out.push_back({sub, [a]() {
                   const auto& task = task_registry().get("bench-rpca");
                   auto progress = make_progress("bench rpca");
                   const auto r = task.run({{"size", a->size},
                                            {"rank", a->rank},
                                            {"kappa", a->kappa},
                                            {"corruption", a->corruption},
                                            {"method", a->method},
                                            {"device", a->device},
                                            {"seed", a->seed},
                                            {"iterations", a->iterations},
                                            {"training_steps", a->training_steps}},
                                           progress);
                   if (a->json) {
                     print_json(r);
                     return 0;
                   }
                   std::printf("%s on %s, %lld^3 rank %lld kappa %g corruption %g: relative error %.3e after %d iterations\n",
                               a->method.c_str(), a->device.c_str(), static_cast<long long>(a->size),
                               static_cast<long long>(a->rank), a->kappa, a->corruption, r["relative_error"].get<double>(),
                               r["iterations"].get<int>());
                   std::printf("iterations to 1e-8: %d, to 1e-10: %d; %.2f ms per iteration, %.2f s in all\n",
                               r["iterations_to_1e-8"].get<int>(), r["iterations_to_1e-10"].get<int>(),
                               r["ms_per_iteration"].get<double>(), r["seconds"].get<double>());
                   return 0;
                 }});
}

}  // namespace ebsd::cli

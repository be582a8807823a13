// `ebsd denoise IN -o OUT --method scaledgd|unfolded [--rank r1,r2,r3] [--device cpu|cuda]`:
// tensor RPCA outlier removal (steps read -> denoise -> write).
#include <iostream>

#include "cli_support.hpp"
#include "commands.hpp"
#include "step_chain.hpp"

namespace ebsd::cli {

void register_denoise(CLI::App& app, CommandList& out) {
  struct Args {
    std::string input, output, method = "scaledgd", device = "cpu", ranks, channels, replace = "outliers";
    int iterations = 100, training_steps = 100;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand("denoise", "Tensor robust PCA: separate sparse corruption (spikes, bad pixels, dropped lines) into masks");
  sub->add_option("file", a->input, "Input volume")->required();
  sub->add_option("-o,--output", a->output, "Output volume (format from the extension)")->required();
  sub->add_option("--method", a->method, "scaledgd or unfolded (self-supervised deep unfolding)")->capture_default_str();
  sub->add_option("--rank", a->ranks, "Tucker ranks r1,r2,r3 (default: about a tenth of each dimension)");
  sub->add_option("--device", a->device, "cpu or cuda")->capture_default_str();
  sub->add_option("--channels", a->channels, "orientation, iq, ci or channel names, comma separated (default: all)");
  sub->add_option("--replace", a->replace, "none (mask only), outliers, or all")->capture_default_str();
  sub->add_option("--iterations", a->iterations, "ScaledGD iterations")->capture_default_str();
  sub->add_option("--training-steps", a->training_steps, "Adam steps of the unfolded model")->capture_default_str();
  sub->add_flag("--json", a->json, "Print what was done as JSON");
  out.push_back({sub, [a]() {
                   const nlohmann::json params{{"method", a->method},
                                               {"device", a->device},
                                               {"ranks", {{"$text", a->ranks}}},
                                               {"channels", {{"$text", a->channels}}},
                                               {"replace", a->replace},
                                               {"iterations", a->iterations},
                                               {"training_steps", a->training_steps}};
                   return run_read_step_write("denoise", params, a->input, a->output, a->json);
                 }});
}

}  // namespace ebsd::cli

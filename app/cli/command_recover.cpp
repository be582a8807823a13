// `ebsd recover IN -o OUT [--slices 10,11 | --auto] [--method transformer|nearest|interp|fill]
// [--device cpu|cuda] [--model PATH] [--json]`: steps read -> recover -> write (docs/recovery.md).
#include "cli_support.hpp"
#include "commands.hpp"
#include "step_chain.hpp"

namespace ebsd::cli {

void register_recover(CLI::App& app, CommandList& out) {
  struct Args {
    std::string input, output, slices, method = "transformer", device = "cpu", model;
    bool automatic = false, json = false;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand("recover", "Recover missing or damaged slices (transformer + projection, or a baseline)");
  sub->add_option("file", a->input, "Input volume")->required();
  sub->add_option("-o,--output", a->output, "Output volume (format from the extension)")->required();
  sub->add_option("--slices", a->slices, "z slices to recover, e.g. 10,11 or 10-12 (replaced even when they hold data)");
  sub->add_flag("--auto", a->automatic, "Also recover slices marked missing/damaged or whose CI, IQ or valid fraction drops");
  sub->add_option("--method", a->method, "transformer, nearest, interp or fill")->capture_default_str();
  sub->add_option("--device", a->device, "cpu or cuda")->capture_default_str();
  sub->add_option("--model", a->model, "Weights (.safetensors); default: the shipped model");
  sub->add_flag("--json", a->json, "Print what was done as JSON");
  out.push_back({sub, [a]() {
                   nlohmann::json params{{"method", a->method}, {"device", a->device}, {"auto", a->automatic}, {"model", a->model}};
                   if (!a->slices.empty()) params["slices"] = {{"$text", a->slices}};
                   return run_read_step_write("recover", params, a->input, a->output, a->json);
                 }});
}

}  // namespace ebsd::cli

#include "step_chain.hpp"

#include <iostream>

#include "cli_registry.hpp"
#include "cli_support.hpp"
#include "commands.hpp"

namespace ebsd::cli {

std::vector<pipeline::StepResult> run_chain(const std::string& label, const std::vector<ChainLink>& chain, bool quiet) {
  pipeline::Pipeline p;
  p.source = "";
  for (const auto& link : chain) p.steps.push_back({link.step, "", link.params});
  std::vector<pipeline::ResolvedStep> steps;
  try {
    // LibTorch is loaded only when a step of the chain lives in the GPU module.
    bool need_gpu = false;
    for (const auto& link : chain) need_gpu = need_gpu || plugin_registry().find(link.step) == nullptr;
    steps = pipeline::resolve_pipeline(p, need_gpu ? full_registry() : plugin_registry());
  } catch (const pipeline::PipelineError& e) {
    // An option that fails its declaration is bad usage of this subcommand.
    // Name the option as the user typed it: parameter 'min_size' is --min-size here.
    std::string where = e.place();
    if (const auto at = where.find("parameter '"); at != std::string::npos) {
      const auto end = where.find('\'', at + 11);
      std::string option = "--" + where.substr(at + 11, end - at - 11);
      for (auto& c : option)
        if (c == '_') c = '-';
      where = option;
    }
    throw UsageError(label, where.empty() ? e.problem() : where + ": " + e.problem());
  }
  pipeline::preflight_pipeline(steps);
  pipeline::Workspace ws;
  ws.log = [quiet](const std::string& line) { (quiet ? std::cerr : std::cout) << line << "\n"; };
  auto progress = make_progress(label);
  return pipeline::execute_pipeline(steps, ws, progress);
}

int run_read_step_write(const std::string& step, const nlohmann::json& params, const std::string& input,
                        const std::string& output, bool json) {
  const auto r = run_chain(step, {{"read", {{"paths", input}}}, {step, params}, {"write", {{"path", output}}}}, json);
  if (json) {
    nlohmann::json j = r[1].report;
    j["input"] = input;
    j["output"] = output;
    j["seconds"] = r[1].seconds;
    print_json(j);
  }
  return 0;
}

}  // namespace ebsd::cli

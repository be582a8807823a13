#pragma once
// Subcommands are thin layers over pipeline steps: they turn their options into step
// parameters and run a short chain (e.g. read -> segment -> write) through the same resolve,
// preflight and execute as `ebsd run`, so a bad option fails before any file is read.
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ebsd/pipeline/runner.hpp"

namespace ebsd::cli {

struct ChainLink {
  std::string step;
  nlohmann::json params;
};

// Runs the chain with a progress bar labelled `label`; step log lines go to stdout unless
// `quiet` (then stderr). Returns one result per step.
std::vector<pipeline::StepResult> run_chain(const std::string& label, const std::vector<ChainLink>& chain, bool quiet = false);

// The common subcommand shape: read INPUT -> STEP(params) -> write OUTPUT. With `json`, prints
// the step's report with input, output and seconds added; otherwise the steps' log lines.
int run_read_step_write(const std::string& step, const nlohmann::json& params, const std::string& input,
                        const std::string& output, bool json);

}  // namespace ebsd::cli

#pragma once
// Runs one step in a child `ebsd run` process: how the studio runs the GPU module's steps, which
// cannot be loaded into it (gpu_step_catalog.hpp). The current volume is written to a temporary
// .ebsd.h5, a one-step pipeline (read -> step -> write) is run with machine-readable progress,
// and the result is read back. Cancelling sends SIGINT: `ebsd run` stops at its next check,
// exits with 130 and writes nothing.
#include <QString>

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "ebsd/core/progress.hpp"
#include "ebsd/pipeline/step.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::studio {

struct ChildStepResult {
  Volume volume;
  nlohmann::json report;  // the step's report, as `ebsd run --json` prints it
};

// Called on the worker thread for each line the child logs.
using ChildLog = std::function<void(const QString& line)>;

// Runs on a worker thread (blocking). The result's provenance is what `ebsd run` recorded: the
// input's records, the child's read of the temporary file, the step's record and the pipeline
// it ran (the record of how the result was made, temporary paths included). Throws
// ebsd::Cancelled when progress asks to stop (the child was interrupted and left no file), and
// ebsd::Error naming the step with the child's last error lines when it failed.
ChildStepResult runStepInChildProcess(const QString& ebsdExecutable, const Volume& input, const pipeline::StepInfo& step,
                                      const nlohmann::json& parameters, Progress& progress, const ChildLog& log);

// The pipeline the child runs (exposed for tests and for the log): read `input`, run the step,
// write `output`.
nlohmann::json childPipeline(const std::string& input, const std::string& stepId, const nlohmann::json& parameters,
                             const std::string& output);

}  // namespace ebsd::studio

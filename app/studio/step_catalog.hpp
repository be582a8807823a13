#pragma once
// The steps the studio offers: core's and io's, and those of every plugin found (the registry
// the CLI uses too, app/common). Not the GPU module: on Debian its LibTorch pulls in OpenCV's
// highgui and with it Qt 5, which must not be loaded into this Qt 6 process (the same reason
// VTK's Qt module is not used). GPU steps belong in a separate process (`ebsd run`).
#include "ebsd/pipeline/step_registry.hpp"

namespace ebsd::studio {

// Process-wide; plugins are loaded at the first call.
const pipeline::StepRegistry& studioStepRegistry();

}  // namespace ebsd::studio

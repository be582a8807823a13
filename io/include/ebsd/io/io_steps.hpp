#pragma once
// The io steps: read (one file or a slice stack), write, add-side-image, export-png. With
// core's steps they make every file operation available to pipelines, the CLI and the GUI.
#include "ebsd/pipeline/step_registry.hpp"

namespace ebsd::io {

void register_io_steps(pipeline::StepRegistry& registry);

// Core steps plus io steps: the registry of everything that needs neither LibTorch nor plugins.
pipeline::StepRegistry& builtin_step_registry();

}  // namespace ebsd::io

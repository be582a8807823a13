#pragma once
// The steps that need the compute engine (LibTorch): denoise, recover, inpaint, ... They are
// built into a module (ebsd-gpu-steps) that applications load on first use, so commands that
// need none of them start without loading LibTorch (about 0.6 s and 160 MB).
#include "ebsd/pipeline/step_registry.hpp"
#include "ebsd/pipeline/task_registry.hpp"

namespace ebsd::gpu {

void register_gpu_steps(pipeline::StepRegistry& registry);
// Benchmarks, training and other non-volume operations of the engine.
void register_gpu_tasks(pipeline::TaskRegistry& registry);

}  // namespace ebsd::gpu

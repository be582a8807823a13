#include "ebsd/gpu/gpu_steps.hpp"

#include <memory>
#include <vector>

namespace ebsd::gpu {

// One factory per step, each in its own file.
std::vector<std::unique_ptr<pipeline::Step>> make_gpu_steps();
std::vector<pipeline::Task> make_gpu_tasks();

void register_gpu_steps(pipeline::StepRegistry& registry) {
  for (auto& s : make_gpu_steps()) registry.add(std::move(s));
}

void register_gpu_tasks(pipeline::TaskRegistry& registry) {
  for (auto& t : make_gpu_tasks()) registry.add(std::move(t));
}

}  // namespace ebsd::gpu

// The steps and tasks of the GPU module, one factory each (in their own files).
#include <memory>
#include <vector>

#include "ebsd/pipeline/step.hpp"
#include "ebsd/pipeline/task_registry.hpp"

namespace ebsd::gpu {

std::unique_ptr<pipeline::Step> make_denoise_step();
std::unique_ptr<pipeline::Step> make_recover_step();
std::unique_ptr<pipeline::Step> make_inpaint_step();
namespace recovery { pipeline::Task make_train_recovery_task(); }
namespace diffusion { pipeline::Task make_train_diffusion_task(); }
pipeline::Task make_bench_rpca_task();
pipeline::Task make_llm_run_task();
pipeline::Task make_llm_bench_task();

std::vector<std::unique_ptr<pipeline::Step>> make_gpu_steps() {
  std::vector<std::unique_ptr<pipeline::Step>> steps;
  steps.push_back(make_denoise_step());
  steps.push_back(make_recover_step());
  steps.push_back(make_inpaint_step());
  return steps;
}

std::vector<pipeline::Task> make_gpu_tasks() {
  std::vector<pipeline::Task> tasks;
  tasks.push_back(make_bench_rpca_task());
  tasks.push_back(recovery::make_train_recovery_task());
  tasks.push_back(diffusion::make_train_diffusion_task());
  tasks.push_back(make_llm_run_task());
  tasks.push_back(make_llm_bench_task());
  return tasks;
}

}  // namespace ebsd::gpu

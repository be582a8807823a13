// The steps core provides; io, gpu and plugins register theirs beside them.
#include "ebsd/pipeline/step_registry.hpp"

namespace ebsd::pipeline {

std::unique_ptr<Step> make_synth_step();
std::unique_ptr<Step> make_segment_step();
std::unique_ptr<Step> make_align_step();
std::unique_ptr<Step> make_damage_step();

void register_core_steps(StepRegistry& registry) {
  registry.add(make_synth_step());
  registry.add(make_segment_step());
  registry.add(make_align_step());
  registry.add(make_damage_step());
}

}  // namespace ebsd::pipeline

#include "ebsd/io/io_steps.hpp"

#include <memory>

namespace ebsd::io {

std::unique_ptr<pipeline::Step> make_read_step();
std::unique_ptr<pipeline::Step> make_write_step();
std::unique_ptr<pipeline::Step> make_side_image_step();
std::unique_ptr<pipeline::Step> make_export_png_step();
std::unique_ptr<pipeline::Step> make_evaluate_step();

void register_io_steps(pipeline::StepRegistry& registry) {
  registry.add(make_read_step());
  registry.add(make_write_step());
  registry.add(make_side_image_step());
  registry.add(make_export_png_step());
  registry.add(make_evaluate_step());
}

pipeline::StepRegistry& builtin_step_registry() {
  static pipeline::StepRegistry* registry = [] {
    auto* r = new pipeline::StepRegistry;  // lives for the process, like FormatRegistry
    pipeline::register_core_steps(*r);
    register_io_steps(*r);
    return r;
  }();
  return *registry;
}

}  // namespace ebsd::io

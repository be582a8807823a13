#include "step_catalog.hpp"

#include "ebsd/app/registries.hpp"

namespace ebsd::studio {

const pipeline::StepRegistry& studioStepRegistry() { return app::plugin_registry(); }

}  // namespace ebsd::studio

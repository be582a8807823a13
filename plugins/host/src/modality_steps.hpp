#pragma once
// A plugin's side modality as steps: "import-<name>" reads image files through the plugin and
// places them on the EBSD grid (affine transform, bilinear, NaN outside), and, when the plugin
// has a forward model, "predict-<name>" computes the channel from the orientations.
#include <memory>
#include <vector>

#include "ebsd/pipeline/step.hpp"
#include "plugin_call.hpp"
#include "registration.hpp"

namespace ebsd::plugins {

std::vector<std::unique_ptr<pipeline::Step>> make_modality_steps(const DeclaredModality& modality,
                                                                 const PluginIdentity& plugin);

}  // namespace ebsd::plugins

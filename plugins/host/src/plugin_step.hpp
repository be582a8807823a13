#pragma once
// A plugin's step as a pipeline::Step: parameters resolved by the host, preflight and execute
// forwarded to the plugin's C callbacks, their status turned into the step's error.
#include <memory>

#include "ebsd/pipeline/step.hpp"
#include "plugin_call.hpp"
#include "registration.hpp"

namespace ebsd::plugins {

// `declared.info.origin` must already name the plugin.
std::unique_ptr<pipeline::Step> make_plugin_step(const DeclaredStep& declared, const PluginIdentity& plugin);

}  // namespace ebsd::plugins

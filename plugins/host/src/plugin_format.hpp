#pragma once
// A plugin's file format as an io::FileFormat: sniff, read into a host-made volume, and write
// atomically (the plugin writes a temporary file that the host renames into place).
#include "ebsd/io/format_registry.hpp"
#include "plugin_call.hpp"
#include "registration.hpp"

namespace ebsd::plugins {

io::FileFormat make_plugin_format(const DeclaredFormat& declared, const PluginIdentity& plugin);

}  // namespace ebsd::plugins

#pragma once
// Calling into a plugin: the host guards every call, turns the returned status into
// ebsd::Error or ebsd::Cancelled, and names the plugin in every message.
#include <exception>
#include <filesystem>
#include <string>

#include "ebsd/core/error.hpp"
#include "host_handles.hpp"

namespace ebsd::plugins {

// Which plugin a callback belongs to, for messages.
struct PluginIdentity {
  std::string name;
  std::filesystem::path file;
};

// Runs `call` (which returns an ebsd_status). A C++ exception cannot cross the C boundary of a
// plugin built with plugin.hpp, but a plugin written without it could still throw: the
// exception is caught here and becomes an error status with a message saying so.
template <class Call>
ebsd_status guarded_call(ebsd_context& ctx, Call&& call) noexcept {
  try {
    return call();
  } catch (const std::exception& e) {
    ctx.error = std::string("the plugin let a C++ exception escape through its C interface: ") + e.what();
  } catch (...) {
    ctx.error = "the plugin let an unknown C++ exception escape through its C interface";
  }
  return EBSD_ERROR;
}

// Throws for anything but EBSD_OK: ebsd::Cancelled for EBSD_CANCELLED, otherwise an
// ebsd::Error with the plugin's message, `file` (the data file concerned, may be empty) and
// a place naming the plugin and `what` ("step 'kam'", "format 'xyz'").
void throw_on_failure(ebsd_status status, const ebsd_context& ctx, const PluginIdentity& plugin, const std::string& what,
                      const std::string& file = {});

}  // namespace ebsd::plugins

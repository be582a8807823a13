#include "plugin_call.hpp"

namespace ebsd::plugins {

void throw_on_failure(ebsd_status status, const ebsd_context& ctx, const PluginIdentity& plugin, const std::string& what,
                      const std::string& file) {
  if (status == EBSD_OK) return;
  if (status == EBSD_CANCELLED) throw Cancelled();
  std::string message = ctx.error;
  if (message.empty())
    message = status == EBSD_ERROR ? "failed without saying why"
                                   : "returned the unknown status " + std::to_string(status) + " (expected 0, 1 or 2)";
  throw Error(message, file, "plugin '" + plugin.name + "', " + what);
}

}  // namespace ebsd::plugins

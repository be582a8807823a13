#include "commands.hpp"

namespace ebsd::cli {

void register_all(CLI::App& app, CommandList& out) {
  (void)app;
  (void)out;
}

}  // namespace ebsd::cli

// The `ebsd` command. Each subcommand lives in its own file and registers itself here; this
// file only parses, dispatches, and turns errors into one line on stderr plus an exit code
// (1 bad input, 2 bad usage).
#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>

#include "cli_support.hpp"
#include "cli_registry.hpp"
#include "commands.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/core/version.hpp"
#include "ebsd/pipeline/pipeline_file.hpp"

int main(int argc, char** argv) {
  CLI::App app{"ebsd: read, repair, analyse and write 3D EBSD volumes (EBSD Studio " EBSD_VERSION ")", "ebsd"};
  app.set_version_flag("--version", std::string("ebsd (EBSD Studio) ") + EBSD_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  // Plugin folders apply to every subcommand that uses steps or formats: `ebsd --plugin-dir D run p.json`.
  std::vector<std::string> plugin_dirs;
  app.add_option("--plugin-dir", plugin_dirs, "Also load plugins from this folder (repeatable)")->check(CLI::ExistingDirectory);

  ebsd::cli::CommandList commands;
  ebsd::cli::register_all(app, commands);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "ebsd: " << e.what() << " (see ebsd --help)\n";
    return 2;
  }

  for (const auto& d : plugin_dirs) ebsd::cli::plugin_dirs().emplace_back(d);
  ebsd::cli::install_interrupt_handler();
  try {
    // Plugins are small and add formats every command may read; the GPU module (LibTorch) is
    // loaded only by the commands that need it.
    ebsd::cli::plugin_registry();
    for (auto& c : commands)
      if (c.sub->parsed()) return c.run();
  } catch (const ebsd::Cancelled&) {
    std::cerr << "ebsd: interrupted\n";
    return 130;
  } catch (const ebsd::pipeline::PipelineError& e) {
    // The pipeline file itself is wrong: nothing was run.
    std::cerr << "ebsd: invalid pipeline: " << e.what() << "\n";
    return 2;
  } catch (const ebsd::Error& e) {
    std::cerr << "ebsd: error: " << e.what() << "\n";
    return 1;
  } catch (const ebsd::cli::UsageError& e) {
    std::cerr << "ebsd: " << e.what() << " (see ebsd " << e.command << " --help)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "ebsd: error: " << e.what() << "\n";
    return 1;
  }
  return 2;
}

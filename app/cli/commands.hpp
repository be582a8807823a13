#pragma once
// Registration of the `ebsd` subcommands. Each command_*.cpp defines one register_* function
// that adds a CLI11 subcommand and the function that runs it.
#include <CLI/CLI.hpp>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ebsd::cli {

struct Command {
  CLI::App* sub = nullptr;
  std::function<int()> run;
};
using CommandList = std::vector<Command>;

// Bad usage that CLI11 cannot see (e.g. a malformed list): exit code 2.
struct UsageError : std::runtime_error {
  UsageError(std::string cmd, const std::string& what) : std::runtime_error(what), command(std::move(cmd)) {}
  std::string command;
};

void register_all(CLI::App& app, CommandList& out);

}  // namespace ebsd::cli

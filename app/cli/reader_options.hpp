#pragma once
// The reader options a command that reads a file offers (--scan, --hex-alignment), declared
// once so `convert`, `info` and the read step spell and check them the same way.
#include <CLI/CLI.hpp>

#include <string>

#include "ebsd/io/format_registry.hpp"

namespace ebsd::cli {

struct ReaderArgs {
  std::string scan;
  std::string hex_alignment = "as-written";  // or "tsl": the read step's hexagonal_alignment
};

void add_reader_options(CLI::App* sub, ReaderArgs& args);
io::ReadOptions to_read_options(const ReaderArgs& args);

}  // namespace ebsd::cli

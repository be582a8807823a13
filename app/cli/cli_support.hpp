#pragma once
// Small helpers shared by the subcommands: list parsing, the terminal progress sink, the
// process-wide cancellation token that Ctrl-C sets, and JSON output.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ebsd/core/progress.hpp"

namespace ebsd::cli {

// "10,11,12" -> {10,11,12}; "10-12" ranges are accepted too. Throws UsageError naming `option`.
std::vector<std::int64_t> parse_int_list(const std::string& text, const std::string& command, const std::string& option);
// "a,b,c" -> three doubles; throws UsageError naming `option`.
std::array<double, 3> parse_triple(const std::string& text, const std::string& command, const std::string& option);
std::vector<double> parse_double_list(const std::string& text, const std::string& command, const std::string& option);

// Ctrl-C requests cancellation through this token; long commands pass cli_progress() down.
CancelToken& interrupt_token();
void install_interrupt_handler();

// A progress sink that draws a bar on a terminal (stderr) and prints plain lines otherwise.
// `quiet` suppresses it (e.g. with --json on stdout it still goes to stderr, so it is kept).
Progress make_progress(const std::string& label, bool quiet = false);

// For programs that run ebsd (the studio): one JSON object per line on stderr,
// {"progress": 0.42, "message": "denoise: iteration 40"}, whenever the fraction moves by 0.001
// or the message changes (at most about 20 a second).
Progress make_json_progress();

// Prints JSON with two-space indentation and a trailing newline on stdout.
void print_json(const nlohmann::json& j);

}  // namespace ebsd::cli

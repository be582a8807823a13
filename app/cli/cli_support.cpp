#include "cli_support.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cmath>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>

#include "commands.hpp"

namespace ebsd::cli {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (c == sep) {
      out.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(trim(cur));
  return out;
}

bool to_int(const std::string& s, std::int64_t& v) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty();
}

bool to_double(const std::string& s, double& v) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty();
}

void on_interrupt(int) { interrupt_token().cancel(); }

}  // namespace

std::vector<std::int64_t> parse_int_list(const std::string& text, const std::string& command, const std::string& option) {
  std::vector<std::int64_t> out;
  if (trim(text).empty()) return out;
  for (const auto& item : split(text, ',')) {
    std::int64_t a = 0, b = 0;
    const auto dash = item.find('-', 1);
    if (dash != std::string::npos && to_int(trim(item.substr(0, dash)), a) && to_int(trim(item.substr(dash + 1)), b)) {
      if (b < a || b - a > 1'000'000)
        throw UsageError(command, option + ": bad range '" + item + "'");
      for (std::int64_t v = a; v <= b; ++v) out.push_back(v);
    } else if (to_int(item, a)) {
      out.push_back(a);
    } else {
      throw UsageError(command, option + ": expected a comma-separated list of integers, got '" + text + "'");
    }
  }
  return out;
}

std::vector<double> parse_double_list(const std::string& text, const std::string& command, const std::string& option) {
  std::vector<double> out;
  for (const auto& item : split(text, ',')) {
    double v = 0;
    if (!to_double(item, v) || !std::isfinite(v))
      throw UsageError(command, option + ": expected comma-separated numbers, got '" + text + "'");
    out.push_back(v);
  }
  return out;
}

std::array<double, 3> parse_triple(const std::string& text, const std::string& command, const std::string& option) {
  const auto v = parse_double_list(text, command, option);
  if (v.size() != 3) throw UsageError(command, option + ": expected three comma-separated numbers, got '" + text + "'");
  return {v[0], v[1], v[2]};
}

CancelToken& interrupt_token() {
  static CancelToken token;
  return token;
}

void install_interrupt_handler() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

Progress make_progress(const std::string& label, bool quiet) {
  if (quiet) return Progress({}, &interrupt_token());
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  // Shared state lives in the sink; it only prints when the visible value changes.
  auto last = std::make_shared<int>(-1);
  auto sink = [label, tty, last](double fraction, const std::string& message) {
    const int pct = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * 100.0 + 0.5);
    if (tty) {
      if (pct == *last && message.empty()) return;
      *last = pct;
      const int width = 30, filled = pct * width / 100;
      std::fprintf(stderr, "\r%s [%.*s%*s] %3d%% %-40.40s", label.c_str(), filled, "##############################",
                   width - filled, "", pct, message.c_str());
      if (pct >= 100) std::fprintf(stderr, "\n");
      std::fflush(stderr);
    } else {
      // Plain log lines every 10 %, so CI logs stay short.
      const int step = pct / 10;
      if (step == *last) return;
      *last = step;
      std::fprintf(stderr, "%s: %d%%%s%s\n", label.c_str(), pct, message.empty() ? "" : " ", message.c_str());
    }
  };
  return Progress(sink, &interrupt_token());
}

Progress make_json_progress() {
  struct State {
    int permille = -1;
    std::string message;
    std::chrono::steady_clock::time_point last{};
  };
  auto state = std::make_shared<State>();
  auto sink = [state](double fraction, const std::string& message) {
    const double f = std::clamp(fraction, 0.0, 1.0);
    const int permille = static_cast<int>(f * 1000.0);
    const auto now = std::chrono::steady_clock::now();
    const bool end = permille >= 1000;
    if (permille == state->permille && message == state->message) return;
    if (!end && state->permille >= 0 && now - state->last < std::chrono::milliseconds(50)) return;
    state->permille = permille;
    state->message = message;
    state->last = now;
    const nlohmann::json line{{"progress", f}, {"message", message}};
    std::fprintf(stderr, "%s\n", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    std::fflush(stderr);
  };
  return Progress(sink, &interrupt_token());
}

void print_json(const nlohmann::json& j) { std::cout << j.dump(2) << "\n"; }

}  // namespace ebsd::cli

#pragma once
// The standard output of a shell command, for benchmarks that time other programs (our CLI,
// llama.cpp's); a non-zero exit status is an error carrying the command and what it printed.
#include <array>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace ebsd::test {

inline std::string command_output(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + command);
  std::array<char, 65536> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int rc = ::pclose(pipe);
  if (rc != 0) throw std::runtime_error("failed (" + std::to_string(rc) + "): " + command + "\n" + out);
  return out;
}

}  // namespace ebsd::test

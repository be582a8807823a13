#pragma once
// One exception type for every failure a user can cause: it carries the file (or argument),
// the place inside it (line, dataset, field) and what was expected, so the CLI can print one
// line and the GUI one dialog without guessing.
#include <stdexcept>
#include <string>

namespace ebsd {

class Error : public std::runtime_error {
public:
  // what: the problem in words, e.g. "expected 10 columns, found 7".
  // file: the file or argument concerned (may be empty); place: line, dataset or field (may be empty).
  explicit Error(std::string what, std::string file = {}, std::string place = {});

  const std::string& file() const noexcept { return file_; }
  const std::string& place() const noexcept { return place_; }
  const std::string& problem() const noexcept { return problem_; }

private:
  std::string problem_;
  std::string file_;
  std::string place_;
};

// Raised when a long operation sees its cancellation token set.
class Cancelled : public std::runtime_error {
public:
  Cancelled() : std::runtime_error("cancelled") {}
};

}  // namespace ebsd

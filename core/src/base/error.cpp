#include "ebsd/core/error.hpp"

namespace ebsd {
namespace {
std::string compose(const std::string& what, const std::string& file, const std::string& place) {
  std::string s = file;
  if (!place.empty()) {
    if (!s.empty()) s.append(":");
    s.append(place);
  }
  if (!s.empty()) s.append(": ");
  s.append(what);
  return s;
}
}  // namespace

Error::Error(std::string what, std::string file, std::string place)
    : std::runtime_error(compose(what, file, place)),
      problem_(std::move(what)), file_(std::move(file)), place_(std::move(place)) {}

}  // namespace ebsd

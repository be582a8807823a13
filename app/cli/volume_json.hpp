#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "ebsd/volume/volume.hpp"

namespace ebsd::cli {
// The `ebsd info --json` description of a volume (schema in README.md, "JSON outputs").
nlohmann::json describe_volume(const Volume& v);
// The same as readable text.
std::string describe_volume_text(const Volume& v);
}  // namespace ebsd::cli

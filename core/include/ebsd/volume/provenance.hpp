#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace ebsd {

// What produced (part of) a volume: the step, its parameters, and when. Kept in order of
// application, so the list is the recipe that made the data.
struct ProvenanceRecord {
  std::string step;               // e.g. "synth", "segment", "read-ang"
  nlohmann::json parameters;      // every parameter, defaults included
  std::string software_version;   // EBSD Studio version that ran it
  std::string time_utc;           // ISO 8601
  std::string note;               // free text (e.g. the input file name)

  bool operator==(const ProvenanceRecord&) const = default;
};

// The current UTC time as ISO 8601 ("2026-11-27T09:32:19Z").
std::string utc_timestamp();

}  // namespace ebsd

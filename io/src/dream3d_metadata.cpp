// The "ebsd_studio" member of a .dream3d pipeline; see dream3d_metadata.hpp.
#include "dream3d_metadata.hpp"

#include <nlohmann/json.hpp>

#include "ebsd/core/error.hpp"
#include "ebsd/orientation/laue_group.hpp"

namespace ebsd::io::d3d {
namespace {

using nlohmann::json;

json provenance_json(const std::vector<ProvenanceRecord>& records) {
  json out = json::array();
  for (const ProvenanceRecord& r : records)
    out.push_back({{"step", r.step},
                   {"parameters", r.parameters},
                   {"software_version", r.software_version},
                   {"time_utc", r.time_utc},
                   {"note", r.note}});
  return out;
}

template <std::size_t N>
std::array<double, N> fixed(const json& j) {
  if (!j.is_array() || j.size() != N) throw Error("expected an array of " + std::to_string(N) + " numbers");
  std::array<double, N> out{};
  for (std::size_t k = 0; k < N; ++k) out[k] = j[k].get<double>();
  return out;
}

}  // namespace

StudioMetadata metadata_of(const Volume& v, std::vector<ChannelNote> channels) {
  StudioMetadata m;
  m.length_unit = v.length_unit();
  m.spacing = v.spacing();
  m.origin = v.origin();
  m.phases = v.phases();
  m.channels = std::move(channels);
  m.missing_slices.assign(v.missing_slices().begin(), v.missing_slices().end());
  m.damaged_slices.assign(v.damaged_slices().begin(), v.damaged_slices().end());
  m.provenance = v.provenance();
  return m;
}

std::string pipeline_text(const StudioMetadata& m) {
  json phases = json::array();
  for (const Phase& p : m.phases)
    phases.push_back({{"name", p.name}, {"laue_group", std::string(laue_symbol(p.laue))}, {"lattice", p.lattice}});
  json channels = json::array();
  for (const ChannelNote& c : m.channels)
    channels.push_back({{"dataset", c.dataset}, {"name", c.name}, {"unit", c.unit}, {"description", c.description}});
  const json studio = {{"version", kStudioMetadataVersion},
                       {"length_unit", m.length_unit},
                       {"spacing", m.spacing},
                       {"origin", m.origin},
                       {"phases", phases},
                       {"channels", channels},
                       {"missing_slices", m.missing_slices},
                       {"damaged_slices", m.damaged_slices},
                       {"provenance", provenance_json(m.provenance)}};
  // The members simplnx's Pipeline::toJson writes for an empty pipeline.
  const json doc = {{"name", "EBSD Studio export"},
                    {"isDisabled", false},
                    {"pinnedParams", json::array()},
                    {"pipeline", json::array()},
                    {"version", 1},
                    {"ebsd_studio", studio}};
  try {
    return doc.dump();
  } catch (const json::exception& e) {
    // Only invalid UTF-8 in a name or provenance string gets here.
    throw Error(std::string("cannot encode the metadata as JSON: ") + e.what());
  }
}

std::optional<StudioMetadata> metadata_from_pipeline(const std::string& text, const std::string& file,
                                                     const std::string& place) {
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("ebsd_studio")) return std::nullopt;
  const json& j = doc["ebsd_studio"];
  StudioMetadata m;
  try {
    const int version = j.at("version").get<int>();
    if (version < 1 || version > kStudioMetadataVersion)
      throw Error("ebsd_studio metadata version " + std::to_string(version) + ", expected 1.." +
                      std::to_string(kStudioMetadataVersion) + " (written by a newer EBSD Studio)",
                  file, place);
    m.length_unit = j.at("length_unit").get<std::string>();
    m.spacing = fixed<3>(j.at("spacing"));
    m.origin = fixed<3>(j.at("origin"));
    for (const json& p : j.at("phases")) {
      Phase ph;
      ph.name = p.at("name").get<std::string>();
      ph.laue = laue_from_symbol(p.at("laue_group").get<std::string>());
      ph.lattice = fixed<6>(p.at("lattice"));
      m.phases.push_back(std::move(ph));
    }
    for (const json& c : j.at("channels"))
      m.channels.push_back({c.at("dataset").get<std::string>(), c.at("name").get<std::string>(),
                            c.at("unit").get<std::string>(), c.at("description").get<std::string>()});
    m.missing_slices = j.at("missing_slices").get<std::vector<std::int64_t>>();
    m.damaged_slices = j.at("damaged_slices").get<std::vector<std::int64_t>>();
    for (const json& r : j.at("provenance"))
      m.provenance.push_back({r.at("step").get<std::string>(), r.at("parameters"), r.at("software_version").get<std::string>(),
                              r.at("time_utc").get<std::string>(), r.at("note").get<std::string>()});
  } catch (const json::exception& e) {
    throw Error(std::string("malformed ebsd_studio metadata: ") + e.what(), file, place);
  } catch (const Error& e) {
    if (!e.file().empty()) throw;
    throw Error("malformed ebsd_studio metadata: " + e.problem(), file, place);
  }
  return m;
}

}  // namespace ebsd::io::d3d

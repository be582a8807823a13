#include "volume_json.hpp"

#include <algorithm>
#include <cstdio>

namespace ebsd::cli {

nlohmann::json describe_volume(const Volume& v) {
  nlohmann::json j;
  j["dims"] = v.dims();
  j["spacing"] = v.spacing();
  j["origin"] = v.origin();
  j["length_unit"] = v.length_unit();
  j["voxels"] = v.voxel_count();
  j["indexed_fraction"] = v.indexed_fraction();
  j["phases"] = nlohmann::json::array();
  for (std::size_t k = 0; k < v.phases().size(); ++k) {
    const auto& p = v.phases()[k];
    j["phases"].push_back({{"id", k + 1}, {"name", p.name}, {"laue", std::string(laue_symbol(p.laue))}, {"lattice", p.lattice}});
  }
  j["channels"] = nlohmann::json::array();
  for (const auto& [name, c] : v.channels())
    j["channels"].push_back({{"name", name}, {"unit", c.unit}, {"description", c.description}});
  j["segmented"] = v.has_grain_ids();
  if (v.has_grain_ids()) {
    const auto ids = v.grain_ids();
    j["grain_count"] = ids.empty() ? 0 : *std::max_element(ids.begin(), ids.end());
  }
  j["missing_slices"] = v.missing_slices();
  j["damaged_slices"] = v.damaged_slices();
  j["provenance"] = nlohmann::json::array();
  for (const auto& r : v.provenance())
    j["provenance"].push_back({{"step", r.step}, {"parameters", r.parameters}, {"software_version", r.software_version},
                               {"time_utc", r.time_utc}, {"note", r.note}});
  return j;
}

std::string describe_volume_text(const Volume& v) {
  std::string s;
  char buf[256];
  std::snprintf(buf, sizeof buf, "dims        %lld x %lld x %lld (%lld voxels)\n", static_cast<long long>(v.nx()),
                static_cast<long long>(v.ny()), static_cast<long long>(v.nz()), static_cast<long long>(v.voxel_count()));
  s += buf;
  std::snprintf(buf, sizeof buf, "spacing     %g, %g, %g %s\norigin      %g, %g, %g %s\nindexed     %.2f %%\n",
                v.spacing()[0], v.spacing()[1], v.spacing()[2], v.length_unit().c_str(), v.origin()[0], v.origin()[1],
                v.origin()[2], v.length_unit().c_str(), 100.0 * v.indexed_fraction());
  s += buf;
  for (std::size_t k = 0; k < v.phases().size(); ++k) {
    const auto& p = v.phases()[k];
    std::snprintf(buf, sizeof buf, "phase %zu     %s (%s), a b c = %g %g %g A, angles %g %g %g deg\n", k + 1, p.name.c_str(),
                  std::string(laue_symbol(p.laue)).c_str(), p.lattice[0], p.lattice[1], p.lattice[2], p.lattice[3],
                  p.lattice[4], p.lattice[5]);
    s += buf;
  }
  for (const auto& [name, c] : v.channels()) s += "channel     " + name + (c.unit.empty() ? "" : " [" + c.unit + "]") + (c.description.empty() ? "" : ": " + c.description) + "\n";
  auto list = [](const std::set<std::int64_t>& set) {
    std::string r;
    for (auto z : set) r += (r.empty() ? "" : ",") + std::to_string(z);
    return r.empty() ? std::string("none") : r;
  };
  s += "missing     " + list(v.missing_slices()) + "\n";
  s += "damaged     " + list(v.damaged_slices()) + "\n";
  if (v.has_grain_ids()) {
    const auto ids = v.grain_ids();
    s += "grains      " + std::to_string(ids.empty() ? 0 : *std::max_element(ids.begin(), ids.end())) + "\n";
  }
  for (const auto& r : v.provenance()) s += "provenance  " + r.step + " " + r.parameters.dump() + "\n";
  return s;
}

}  // namespace ebsd::cli

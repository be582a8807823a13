// Preflight of the synthetic-microstructure options and their provenance record.
#include "ebsd/synth/synth_options.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "ebsd/core/error.hpp"

namespace ebsd::synth {
namespace {

const char* kWhere = "synth options";

[[noreturn]] void fail(const std::string& option, const std::string& what) { throw Error(what, kWhere, option); }

void require_range(double v, double lo, double hi, const std::string& option) {
  if (!(std::isfinite(v) && v >= lo && v <= hi))
    fail(option, option + " is " + std::to_string(v) + ", expected a value in [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "]");
}

bool is_cubic(LaueGroup g) { return g == LaueGroup::CubicHigh || g == LaueGroup::CubicLow; }

void require_slices(const std::vector<std::int64_t>& slices, std::int64_t nz, const std::string& option) {
  std::set<std::int64_t> seen;
  for (auto z : slices) {
    if (z < 0 || z >= nz)
      fail(option, "slice " + std::to_string(z) + " is outside 0.." + std::to_string(nz - 1));
    if (!seen.insert(z).second) fail(option, "slice " + std::to_string(z) + " is listed twice");
  }
}

const char* texture_name(TextureOptions::Kind k) {
  switch (k) {
    case TextureOptions::Kind::Random: return "random";
    case TextureOptions::Kind::Component: return "component";
    case TextureOptions::Kind::Fibre: return "fibre";
  }
  return "?";
}

}  // namespace

void validate(const SynthOptions& o) {
  for (int a = 0; a < 3; ++a) {
    if (o.dims[a] < 1) fail("dims", "dimension " + std::to_string(a) + " is " + std::to_string(o.dims[a]) + ", expected >= 1");
    if (!(std::isfinite(o.spacing[a]) && o.spacing[a] > 0.0))
      fail("spacing", "spacing " + std::to_string(a) + " is " + std::to_string(o.spacing[a]) + ", expected > 0");
    if (!(std::isfinite(o.grain_aspect[a]) && o.grain_aspect[a] > 0.0))
      fail("grain_aspect", "grain aspect " + std::to_string(a) + " is " + std::to_string(o.grain_aspect[a]) + ", expected > 0");
  }
  const double voxels = static_cast<double>(o.dims[0]) * static_cast<double>(o.dims[1]) * static_cast<double>(o.dims[2]);
  if (voxels > static_cast<double>(Volume::kMaxVoxels)) fail("dims", "the volume exceeds the voxel limit");
  if (o.grains < 1) fail("grains", "grains is " + std::to_string(o.grains) + ", expected >= 1");
  const auto max_grains = static_cast<std::int64_t>(voxels) / kMinVoxelsPerGrain;
  if (o.grains > max_grains)
    fail("grains", std::to_string(o.grains) + " grains in " + std::to_string(static_cast<std::int64_t>(voxels)) +
                       " voxels: expected at most " + std::to_string(max_grains) + " (" +
                       std::to_string(kMinVoxelsPerGrain) + " voxels per grain on average)");

  if (o.phases.empty()) fail("phases", "expected at least one phase");
  if (!o.phase_fractions.empty()) {
    if (o.phase_fractions.size() != o.phases.size())
      fail("phase_fractions", std::to_string(o.phase_fractions.size()) + " fractions for " + std::to_string(o.phases.size()) +
                                  " phases, expected one per phase");
    double sum = 0.0;
    for (double f : o.phase_fractions) {
      require_range(f, 0.0, 1e300, "phase_fractions");
      sum += f;
    }
    if (!(sum > 0.0)) fail("phase_fractions", "the phase fractions sum to 0, expected a positive sum");
  }

  require_range(o.size_sigma, 0.0, 1.5, "size_sigma");
  require_range(o.boundary_roughness, 0.0, 0.5, "boundary_roughness");
  require_range(o.twin_fraction, 0.0, 1.0, "twin_fraction");
  if (o.twin_fraction > 0.0)
    for (const auto& p : o.phases)
      if (!is_cubic(p.laue))
        fail("twin_fraction", "Sigma-3 annealing twins need cubic phases, but phase '" + p.name + "' is " +
                                  std::string(laue_symbol(p.laue)));
  require_range(o.min_neighbour_disorientation_deg, 0.0, 45.0, "min_neighbour_disorientation_deg");
  require_range(o.orientation_scatter_deg, 0.0, 10.0, "orientation_scatter_deg");

  const auto& t = o.texture;
  require_range(t.spread_deg, 0.0, 180.0, "texture.spread_deg");
  require_range(t.fraction, 0.0, 1.0, "texture.fraction");
  if (t.kind == TextureOptions::Kind::Component && std::fabs(t.component.norm() - 1.0) > 1e-6)
    fail("texture.component", "the texture component is not a unit quaternion");
  if (t.kind == TextureOptions::Kind::Fibre) {
    const Eigen::Vector3d c(t.fibre_crystal[0], t.fibre_crystal[1], t.fibre_crystal[2]);
    const Eigen::Vector3d s(t.fibre_sample[0], t.fibre_sample[1], t.fibre_sample[2]);
    if (!(c.norm() > 0.0 && s.norm() > 0.0 && c.allFinite() && s.allFinite()))
      fail("texture.fibre", "the fibre directions must be finite and non-zero");
  }

  const auto& q = o.quality;
  require_range(q.ci_interior, 0.0, 1.0, "quality.ci_interior");
  require_range(q.ci_boundary, 0.0, 1.0, "quality.ci_boundary");
  require_range(q.ci_noise, 0.0, 1.0, "quality.ci_noise");
  require_range(q.iq_interior, 0.0, 1e9, "quality.iq_interior");
  require_range(q.iq_boundary_ratio, 0.0, 1.0, "quality.iq_boundary_ratio");
  require_range(q.iq_noise, 0.0, 1e9, "quality.iq_noise");
  require_range(q.iq_grain_spread, 0.0, 0.9, "quality.iq_grain_spread");

  std::set<std::string> names;
  for (const auto& m : o.side_modalities) {
    if (m != "pl" && m != "bse" && m != "pl3")
      fail("side_modalities", "unknown side modality '" + m + "', expected pl, pl3 or bse");
    if (!names.insert(m).second) fail("side_modalities", "side modality '" + m + "' is listed twice");
  }
  require_range(o.side.pl_polarizer_deg, -360.0, 360.0, "side.pl_polarizer_deg");
  require_range(o.side.pl_noise, 0.0, 1.0, "side.pl_noise");
  require_range(o.side.bse_noise, 0.0, 1.0, "side.bse_noise");
  require_range(o.side.bse_boundary_darkening, 0.0, 1.0, "side.bse_boundary_darkening");

  require_slices(o.missing_slices, o.dims[2], "missing_slices");
  require_slices(o.damage.slices, o.dims[2], "damage.slices");
  for (auto z : o.damage.slices)
    if (std::find(o.missing_slices.begin(), o.missing_slices.end(), z) != o.missing_slices.end())
      fail("damage.slices", "slice " + std::to_string(z) + " is both missing and damaged");
  require_range(o.damage.speckle_fraction, 0.0, 1.0, "damage.speckle_fraction");
  require_range(o.damage.orientation_noise_deg, 0.0, 180.0, "damage.orientation_noise_deg");
  require_range(o.damage.ci_factor, 0.0, 1.0, "damage.ci_factor");
}

nlohmann::json to_json(const SynthOptions& o) {
  using nlohmann::json;
  json phases = json::array();
  for (const auto& p : o.phases)
    phases.push_back({{"name", p.name}, {"laue", std::string(laue_symbol(p.laue))}, {"lattice", p.lattice}});
  const auto& t = o.texture;
  const auto& q = o.quality;
  return {
      {"dims", o.dims},
      {"spacing", o.spacing},
      {"grains", o.grains},
      {"seed", o.seed},
      {"phases", phases},
      {"phase_fractions", o.phase_fractions},
      {"size_sigma", o.size_sigma},
      {"grain_aspect", o.grain_aspect},
      {"boundary_roughness", o.boundary_roughness},
      {"twin_fraction", o.twin_fraction},
      {"texture",
       {{"kind", texture_name(t.kind)},
        {"component", {t.component.w, t.component.x, t.component.y, t.component.z}},
        {"fibre_crystal", t.fibre_crystal},
        {"fibre_sample", t.fibre_sample},
        {"spread_deg", t.spread_deg},
        {"fraction", t.fraction}}},
      {"min_neighbour_disorientation_deg", o.min_neighbour_disorientation_deg},
      {"orientation_scatter_deg", o.orientation_scatter_deg},
      {"quality",
       {{"ci_interior", q.ci_interior},
        {"ci_boundary", q.ci_boundary},
        {"ci_noise", q.ci_noise},
        {"iq_interior", q.iq_interior},
        {"iq_boundary_ratio", q.iq_boundary_ratio},
        {"iq_noise", q.iq_noise},
        {"iq_grain_spread", q.iq_grain_spread}}},
      {"side_modalities", o.side_modalities},
      {"side",
       {{"pl_polarizer_deg", o.side.pl_polarizer_deg},
        {"pl_noise", o.side.pl_noise},
        {"bse_noise", o.side.bse_noise},
        {"bse_boundary_darkening", o.side.bse_boundary_darkening}}},
      {"missing_slices", o.missing_slices},
      {"damage",
       {{"slices", o.damage.slices},
        {"speckle_fraction", o.damage.speckle_fraction},
        {"orientation_noise_deg", o.damage.orientation_noise_deg},
        {"ci_factor", o.damage.ci_factor}}},
  };
}

}  // namespace ebsd::synth

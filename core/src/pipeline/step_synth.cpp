// Step "synth": a seeded synthetic microstructure (core/synth) as the pipeline's volume.
#include <memory>

#include "ebsd/orientation/laue_group.hpp"
#include "ebsd/pipeline/step_registry.hpp"
#include "ebsd/synth/microstructure.hpp"
#include "ebsd/synth/representative_phase.hpp"
#include "step_helpers.hpp"

namespace ebsd::pipeline {
namespace {

using namespace detail;

synth::SynthOptions options_from(const ParameterValues& p) {
  synth::SynthOptions o;
  const auto d = p.get_int_list("dims");
  o.dims = {d[0], d[1], d[2]};
  const auto s = p.get_double_list("spacing");
  o.spacing = {s[0], s[1], s[2]};
  o.grains = static_cast<int>(p.get_int("grains"));
  o.seed = static_cast<std::uint64_t>(p.get_int("seed"));
  o.phases = {synth::representative_phase(laue_from_symbol(p.get_string("laue")))};
  o.twin_fraction = p.get_double("twins");
  o.orientation_scatter_deg = p.get_double("orientation_scatter_deg");
  o.side_modalities = p.get_strings("side");
  o.missing_slices = p.get_int_list("missing_slices");
  o.damage.slices = p.get_int_list("damaged_slices");
  return o;
}

}  // namespace

std::unique_ptr<Step> make_synth_step() {
  StepInfo info;
  info.id = "synth";
  info.title = "Synthetic microstructure";
  info.category = "Synthetic data";
  info.description =
      "Generates a seeded 3D polycrystal (grains with a log-normal size distribution, optional Sigma-3 twins, "
      "CI and IQ like a real map, optional polarized-light and BSE side channels, missing or damaged slices). "
      "The same parameters and seed give the same bytes.";
  info.input = StepInput::None;
  std::vector<std::string> laue;
  for (auto g : all_laue_groups()) laue.emplace_back(laue_symbol(g));
  info.parameters = {
      sized(ranged(param("dims", ParamType::IntList, {64, 64, 32}, "Voxels along x, y, z"), 1, 4096), 3),
      sized(ranged(param("spacing", ParamType::FloatList, {1.0, 1.0, 1.0}, "Voxel spacing along x, y, z", "um"), 1e-6, 1e6), 3),
      ranged(param("grains", ParamType::Int, 100, "Number of parent grains (twin lamellae come on top)"), 1, 10'000'000),
      ranged(param("seed", ParamType::Int, 1, "Random seed"), 0, 9.0e15),
      choice("laue", laue, "m-3m", "Laue group of the single phase"),
      ranged(param("twins", ParamType::Float, 0.0, "Fraction of grains with Sigma-3 annealing twins (cubic only)"), 0, 1),
      ranged(param("orientation_scatter_deg", ParamType::Float, 0.0, "Point-to-point orientation scatter", "deg"), 0, 30),
      [] {
        auto s = param("side", ParamType::StringList, nlohmann::json::array(), "Side modalities to simulate");
        s.choices = {"pl", "pl3", "bse"};
        return s;
      }(),
      ranged(param("missing_slices", ParamType::IntList, nlohmann::json::array(), "Z slices to remove"), 0, 1e9),
      ranged(param("damaged_slices", ParamType::IntList, nlohmann::json::array(), "Z slices to damage (speckle, noise, low CI)"), 0, 1e9),
  };
  return std::make_unique<FunctionStep>(
      std::move(info),
      [](const ParameterValues& p, DataShape& shape) {
        const auto o = options_from(p);
        synth::validate(o);
        shape = DataShape{};
        shape.has_volume = shape.known = true;
        shape.dims = {o.dims[0], o.dims[1], o.dims[2]};
        shape.has_grain_ids = true;
        for (const auto& m : o.side_modalities) shape.channels.insert(m);
      },
      [](const ParameterValues& p, Workspace& ws, Progress& progress) {
        auto r = synth::generate_microstructure(options_from(p), progress);
        ws.volume = std::move(r.volume);
        const Volume& v = *ws.volume;
        ws.report = {{"grain_count", r.grain_count}, {"twin_count", r.twin_count}, {"dims", {v.nx(), v.ny(), v.nz()}}};
        ws.say("synthetic volume: " + std::to_string(r.grain_count) + " grains (" + std::to_string(r.twin_count) +
               " twin lamellae)");
      });
}

}  // namespace ebsd::pipeline

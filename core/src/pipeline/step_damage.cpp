// Step "damage": the damage models of core/synth applied to any volume, so methods can be
// evaluated on real data with known truth (remove slices, damage slices, add scatter).
#include <memory>

#include "ebsd/pipeline/step_registry.hpp"
#include "ebsd/synth/damage.hpp"
#include "step_helpers.hpp"

namespace ebsd::pipeline {

std::unique_ptr<Step> make_damage_step() {
  using namespace detail;
  StepInfo info;
  info.id = "damage";
  info.title = "Damage slices";
  info.category = "Synthetic data";
  info.description =
      "Removes slices (marked missing), damages slices (speckle of mis-indexed pixels, orientation noise, lower CI; "
      "marked damaged) and adds point-to-point orientation scatter. For evaluating repair methods against a known truth.";
  info.parameters = {
      ranged(param("remove_slices", ParamType::IntList, nlohmann::json::array(), "Z slices to remove"), 0, 1e9),
      ranged(param("damage_slices", ParamType::IntList, nlohmann::json::array(), "Z slices to damage"), 0, 1e9),
      ranged(param("speckle_fraction", ParamType::Float, 0.05, "Fraction of mis-indexed pixels on damaged slices"), 0, 1),
      ranged(param("noise_deg", ParamType::Float, 2.0, "Orientation noise on damaged slices", "deg"), 0, 90),
      ranged(param("ci_factor", ParamType::Float, 0.5, "CI of damaged slices multiplied by this"), 0, 1),
      ranged(param("scatter_deg", ParamType::Float, 0.0, "Orientation scatter added to every valid voxel", "deg"), 0, 30),
      ranged(param("seed", ParamType::Int, 1, "Random seed"), 0, 9.0e15),
  };
  return std::make_unique<FunctionStep>(
      std::move(info),
      [](const ParameterValues& p, DataShape& shape) {
        if (!shape.known) return;
        for (const char* key : {"remove_slices", "damage_slices"})
          for (auto z : p.get_int_list(key))
            if (z >= shape.dims[2])
              throw Error("slice " + std::to_string(z) + " is outside the volume (" + std::to_string(shape.dims[2]) + " slices)",
                          "", std::string("parameter '") + key + "'");
      },
      [](const ParameterValues& p, Workspace& ws, Progress&) {
        Volume& v = ws.require_volume("damage");
        const auto seed = static_cast<std::uint64_t>(p.get_int("seed"));
        const auto removed = p.get_int_list("remove_slices");
        const auto damaged = p.get_int_list("damage_slices");
        if (!removed.empty()) synth::remove_slices(v, removed);
        if (!damaged.empty()) {
          synth::DamageOptions d;
          d.slices = damaged;
          d.speckle_fraction = p.get_double("speckle_fraction");
          d.orientation_noise_deg = p.get_double("noise_deg");
          d.ci_factor = p.get_double("ci_factor");
          synth::damage_slices(v, d, seed);
        }
        if (p.get_double("scatter_deg") > 0) synth::add_orientation_scatter(v, p.get_double("scatter_deg"), seed + 1);
        ws.report = {{"removed", removed}, {"damaged", damaged}};
        ws.say("removed " + std::to_string(removed.size()) + " and damaged " + std::to_string(damaged.size()) + " slices");
      });
}

}  // namespace ebsd::pipeline

// Step "evaluate": compares the current volume with a truth file over chosen slices: the
// recovery metrics (misorientation error; voxel and boundary accuracy of grain ids) that judge
// every recovery and inpainting method (core/analysis/recovery_metrics.hpp).
#include <memory>
#include "ebsd/analysis/recovery_metrics.hpp"
#include "ebsd/io/volume_file.hpp"
#include "ebsd/pipeline/step_registry.hpp"

namespace ebsd::io {
using namespace pipeline;

std::unique_ptr<Step> make_evaluate_step() {
  StepInfo info;
  info.id = "evaluate";
  info.title = "Evaluate against a truth volume";
  info.category = "Analysis";
  info.description =
      "Compares the volume with a ground-truth file of the same size over the given slices (all when empty): "
      "symmetry-aware misorientation error (mean, median, fraction within 2 and 5 deg) and voxel and boundary "
      "accuracy of grain ids (ids matched by majority overlap; a volume without ids is segmented at 5 deg).";
  info.parameters = {
      ParameterSpec{"truth", ParamType::InputPath, nullptr, {}, {}, {}, "", "Ground-truth volume", {}},
      ParameterSpec{"slices", ParamType::IntList, nlohmann::json::array(), 0.0, 1e9, {}, "", "z slices to compare (empty: all)", {}},
  };
  return std::make_unique<FunctionStep>(
      std::move(info), [](const ParameterValues&, DataShape&) {},
      [](const ParameterValues& p, Workspace& ws, Progress& progress) {
        const Volume& test = ws.require_volume("evaluate");
        const Volume truth = read_volume(p.get_string("truth"), progress);
        const auto slices = p.get_int_list("slices");
        const auto m = analysis::evaluate_recovery(truth, test, slices);
        ws.report = m.to_json();
        ws.say("within 5 deg " + std::to_string(m.orientation.within_5deg) + ", voxel accuracy " +
               std::to_string(m.grains.voxel_accuracy) + ", boundary accuracy " + std::to_string(m.grains.boundary_accuracy));
      });
}

}  // namespace ebsd::io

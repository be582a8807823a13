// Step "segment": 3D grain segmentation by a symmetry-aware misorientation threshold.
#include <memory>
#include <numbers>

#include "ebsd/analysis/segmentation.hpp"
#include "ebsd/pipeline/step_registry.hpp"
#include "step_helpers.hpp"

namespace ebsd::pipeline {

std::unique_ptr<Step> make_segment_step() {
  using namespace detail;
  StepInfo info;
  info.id = "segment";
  info.title = "Segment grains";
  info.category = "Analysis";
  info.description =
      "Flood-fills face-connected voxels whose disorientation (with the phase's crystal symmetry) is below the "
      "threshold into grains; grains smaller than min_size get id 0. Reports the grain count and sizes.";
  info.parameters = {
      ranged(param("threshold_deg", ParamType::Float, 5.0, "Largest disorientation within a grain", "deg"), 0, 180),
      ranged(param("min_size", ParamType::Int, 1, "Grains with fewer voxels are dropped (id 0)", "voxels"), 1, 1e12),
  };
  return std::make_unique<FunctionStep>(
      std::move(info), [](const ParameterValues&, DataShape& shape) { shape.has_grain_ids = true; },
      [](const ParameterValues& p, Workspace& ws, Progress& progress) {
        Volume& v = ws.require_volume("segment");
        analysis::SegmentationOptions o;
        o.threshold_rad = p.get_double("threshold_deg") * std::numbers::pi / 180.0;
        o.min_grain_voxels = p.get_int("min_size");
        auto r = analysis::segment_grains(v, o, progress);
        v.set_grain_ids(std::move(r.grain_ids));
        const auto sum = analysis::summarize(analysis::grain_statistics(v, v.grain_ids()));
        ws.report = {{"grain_count", sum.grain_count},
                     {"length_unit", v.length_unit()},
                     {"equivalent_diameter",
                      {{"kind", sum.diameter_kind},
                       {"mean", sum.mean_diameter},
                       {"median", sum.median_diameter},
                       {"min", sum.min_diameter},
                       {"max", sum.max_diameter}}},
                     {"mean_voxels_per_grain", sum.mean_voxels}};
        char line[160];
        std::snprintf(line, sizeof line, "%d grains; equivalent diameter mean %.3g, median %.3g %s", sum.grain_count,
                      sum.mean_diameter, sum.median_diameter, v.length_unit().c_str());
        ws.say(line);
      });
}

}  // namespace ebsd::pipeline

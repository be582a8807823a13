// Step "align": serial-section alignment by misorientation (DREAM.3D's AlignSectionsMisorientation).
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <numbers>

#include "ebsd/analysis/align_sections.hpp"
#include "ebsd/pipeline/step_registry.hpp"
#include "step_helpers.hpp"

namespace ebsd::pipeline {
namespace {

analysis::AlignSectionsOptions options_from(const ParameterValues& p) {
  analysis::AlignSectionsOptions o;
  o.tolerance_rad = p.get_double("tolerance_deg") * std::numbers::pi / 180.0;
  o.max_shift = p.get_int("max_shift");
  o.min_overlap_fraction = p.get_double("min_overlap");
  o.search = p.get_string("search") == "exhaustive" ? analysis::ShiftSearch::Exhaustive : analysis::ShiftSearch::Descent;
  return o;
}

}  // namespace

std::unique_ptr<Step> make_align_step() {
  using namespace detail;
  StepInfo info;
  info.id = "align";
  info.title = "Align sections";
  info.category = "Repair";
  info.description =
      "Shifts each z slice in x and y to minimise the fraction of voxel pairs with the slice below whose "
      "disorientation exceeds the tolerance; reports the shift of every slice. Content moves by +dx, +dy; "
      "uncovered voxels become invalid; grain ids are cleared.";
  info.parameters = {
      ranged(param("tolerance_deg", ParamType::Float, 5.0, "Voxel pairs further apart than this are misfits (> 0)", "deg"), 0, 180),
      ranged(param("max_shift", ParamType::Int, 10, "Largest shift between consecutive slices, in x and y", "voxels"), 0, 100000),
      ranged(param("min_overlap", ParamType::Float, 0.25, "A shift counts only when compared pairs reach this fraction of the sparser slice (> 0)"), 0, 1),
      choice("search", {"descent", "exhaustive"}, "descent", "Descend from (0, 0), or try every shift within max_shift"),
  };
  return std::make_unique<FunctionStep>(
      std::move(info),
      [](const ParameterValues& p, DataShape& shape) {
        analysis::validate(options_from(p));
        shape.has_grain_ids = false;
      },
      [](const ParameterValues& p, Workspace& ws, Progress& progress) {
        Volume& v = ws.require_volume("align");
        const auto r = analysis::align_sections(v, options_from(p), progress);
        std::int64_t largest = 0, moved = 0;
        nlohmann::json slices = nlohmann::json::array();
        for (const auto& s : r.slices) {
          largest = std::max({largest, std::abs(s.dx), std::abs(s.dy)});
          moved += (s.dx != 0 || s.dy != 0);
          slices.push_back({{"z", s.z},
                            {"dx", s.dx},
                            {"dy", s.dy},
                            {"relative_dx", s.relative_dx},
                            {"relative_dy", s.relative_dy},
                            {"misfit", s.misfit},
                            {"compared", s.compared},
                            {"status", s.status}});
        }
        ws.report = {{"shift_convention", "aligned(x + dx, y + dy) = original(x, y); voxels, relative to the first slice"},
                     {"slices_moved", moved},
                     {"largest_shift", largest},
                     {"slices", slices}};
        ws.say("shifted " + std::to_string(moved) + " of " + std::to_string(r.slices.size()) + " slices (largest shift " +
               std::to_string(largest) + " voxels)");
      });
}

}  // namespace ebsd::pipeline

// `ebsd segment FILE -o OUT --threshold-deg 5`: 3D grain segmentation by misorientation.
#include <cstdio>
#include <numbers>

#include "cli_support.hpp"
#include "commands.hpp"
#include "ebsd/analysis/segmentation.hpp"
#include "ebsd/core/version.hpp"
#include "ebsd/io/volume_file.hpp"

namespace ebsd::cli {

void register_segment(CLI::App& app, CommandList& out) {
  struct Args {
    std::string input, output;
    double threshold_deg = 5.0;
    std::int64_t min_size = 1;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand("segment", "Segment 3D grains by a symmetry-aware misorientation threshold");
  sub->add_option("file", a->input, "Input volume")->required();
  sub->add_option("-o,--output", a->output, "Output volume with grain ids (.ebsd.h5)")->required();
  sub->add_option("--threshold-deg", a->threshold_deg, "Largest disorientation within a grain, degrees")
      ->capture_default_str()->check(CLI::Range(0.0, 180.0));
  sub->add_option("--min-size", a->min_size, "Grains with fewer voxels are dropped (id 0)")->capture_default_str()->check(CLI::PositiveNumber);
  sub->add_flag("--json", a->json, "Print grain statistics as JSON");
  out.push_back({sub, [a]() {
                   Volume v = io::read_volume(a->input);
                   analysis::SegmentationOptions o;
                   o.threshold_rad = a->threshold_deg * std::numbers::pi / 180.0;
                   o.min_grain_voxels = a->min_size;
                   auto progress = make_progress("segment");
                   auto r = analysis::segment_grains(v, o, progress);
                   v.set_grain_ids(std::move(r.grain_ids));
                   const auto stats = analysis::grain_statistics(v, v.grain_ids());
                   const auto sum = analysis::summarize(stats);
                   v.add_provenance({"segment",
                                     {{"threshold_deg", a->threshold_deg}, {"min_size", a->min_size}, {"connectivity", 6}},
                                     EBSD_VERSION, utc_timestamp(), "input: " + a->input});
                   io::write_volume(a->output, v);
                   if (a->json) {
                     print_json({{"input", a->input},
                                 {"output", a->output},
                                 {"threshold_deg", a->threshold_deg},
                                 {"min_size", a->min_size},
                                 {"grain_count", sum.grain_count},
                                 {"length_unit", v.length_unit()},
                                 {"equivalent_diameter",
                                  {{"kind", sum.diameter_kind},
                                   {"mean", sum.mean_diameter},
                                   {"median", sum.median_diameter},
                                   {"min", sum.min_diameter},
                                   {"max", sum.max_diameter}}},
                                 {"mean_voxels_per_grain", sum.mean_voxels}});
                   } else {
                     std::printf("%d grains; equivalent diameter mean %.3g, median %.3g %s; wrote %s\n", sum.grain_count,
                                 sum.mean_diameter, sum.median_diameter, v.length_unit().c_str(), a->output.c_str());
                   }
                   return 0;
                 }});
}

}  // namespace ebsd::cli

// `ebsd segment FILE -o OUT --threshold-deg 5`: 3D grain segmentation by misorientation
// (steps read -> segment -> write).
#include <cstdio>

#include "cli_support.hpp"
#include "commands.hpp"
#include "step_chain.hpp"

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
  sub->add_option("--threshold-deg", a->threshold_deg, "Largest disorientation within a grain, degrees")->capture_default_str();
  sub->add_option("--min-size", a->min_size, "Grains with fewer voxels are dropped (id 0)")->capture_default_str();
  sub->add_flag("--json", a->json, "Print grain statistics as JSON");
  out.push_back({sub, [a]() {
                   const auto r = run_chain("segment",
                                            {{"read", {{"paths", a->input}}},
                                             {"segment", {{"threshold_deg", a->threshold_deg}, {"min_size", a->min_size}}},
                                             {"write", {{"path", a->output}}}},
                                            a->json);
                   if (a->json) {
                     nlohmann::json j = r[1].report;
                     j["input"] = a->input;
                     j["output"] = a->output;
                     j["threshold_deg"] = a->threshold_deg;
                     j["min_size"] = a->min_size;
                     print_json(j);
                   }
                   return 0;
                 }});
}

}  // namespace ebsd::cli

// `ebsd align IN -o OUT [--tolerance-deg 5] [--max-shift 10] [--exhaustive] [--json]`: aligns
// serial sections by misorientation and reports the shift applied to every slice
// (steps read -> align -> write).
#include <cstdio>

#include "cli_support.hpp"
#include "commands.hpp"
#include "step_chain.hpp"

namespace ebsd::cli {

void register_align(CLI::App& app, CommandList& out) {
  struct Args {
    std::string input, output;
    double tolerance_deg = 5.0;
    std::int64_t max_shift = 10;
    double min_overlap = 0.25;
    bool exhaustive = false;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand("align", "Align serial sections by misorientation (like DREAM.3D's AlignSectionsMisorientation)");
  sub->add_option("file", a->input, "Input volume")->required();
  sub->add_option("-o,--output", a->output, "Output volume (format from the extension)")->required();
  sub->add_option("--tolerance-deg", a->tolerance_deg, "Voxel pairs further apart than this disorientation are misfits, degrees")
      ->capture_default_str();
  sub->add_option("--max-shift", a->max_shift, "Largest shift between consecutive slices, voxels (in x and in y)")->capture_default_str();
  sub->add_option("--min-overlap", a->min_overlap,
                  "A shift counts only when the compared pairs are at least this fraction of the sparser slice's valid voxels")
      ->capture_default_str();
  sub->add_flag("--exhaustive", a->exhaustive, "Try every shift within --max-shift instead of descending from (0, 0)");
  sub->add_flag("--json", a->json, "Print the shifts as JSON");
  out.push_back({sub, [a]() {
                   const nlohmann::json params{{"tolerance_deg", a->tolerance_deg},
                                               {"max_shift", a->max_shift},
                                               {"min_overlap", a->min_overlap},
                                               {"search", a->exhaustive ? "exhaustive" : "descent"}};
                   const auto r = run_chain("align", {{"read", {{"paths", a->input}}}, {"align", params}, {"write", {{"path", a->output}}}},
                                            true);
                   const auto& rep = r[1].report;
                   if (a->json) {
                     nlohmann::json j = rep;
                     j["input"] = a->input;
                     j["output"] = a->output;
                     j["tolerance_deg"] = a->tolerance_deg;
                     j["max_shift"] = a->max_shift;
                     j["search"] = params["search"];
                     print_json(j);
                     return 0;
                   }
                   std::printf("slice     dx     dy  misfit  status\n");
                   for (const auto& s : rep["slices"])
                     std::printf("%5lld %6lld %6lld  %6.4f  %s\n", s["z"].get<long long>(), s["dx"].get<long long>(),
                                 s["dy"].get<long long>(), s["misfit"].get<double>(), s["status"].get<std::string>().c_str());
                   std::printf("shifted %lld of %zu slices (largest shift %lld voxels, content moves by +dx, +dy); wrote %s\n",
                               rep["slices_moved"].get<long long>(), rep["slices"].size(), rep["largest_shift"].get<long long>(),
                               a->output.c_str());
                   return 0;
                 }});
}

}  // namespace ebsd::cli

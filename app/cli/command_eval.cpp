// `ebsd eval --truth A --test B [--slices ...] [--json]`: recovery metrics of B against A
// (steps read B -> evaluate truth=A).
#include <cstdio>
#include "cli_support.hpp"
#include "commands.hpp"
#include "step_chain.hpp"

namespace ebsd::cli {

void register_eval(CLI::App& app, CommandList& out) {
  struct Args {
    std::string truth, test, slices;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand("eval", "Compare a volume with the truth: misorientation error, voxel and boundary accuracy");
  sub->add_option("--truth", a->truth, "Ground-truth volume")->required();
  sub->add_option("--test", a->test, "Volume to judge")->required();
  sub->add_option("--slices", a->slices, "z slices to compare, e.g. 10,11 (default: all)");
  sub->add_flag("--json", a->json, "Print the metrics as JSON");
  out.push_back({sub, [a]() {
                   nlohmann::json params{{"truth", a->truth}};
                   if (!a->slices.empty()) params["slices"] = {{"$text", a->slices}};
                   const auto r = run_chain("eval", {{"read", {{"paths", a->test}}}, {"evaluate", params}}, a->json);
                   const auto& m = r[1].report;
                   if (a->json) {
                     print_json(m);
                     return 0;
                   }
                   const auto& o = m["orientation"];
                   const auto& g = m["grains"];
                   std::printf("misorientation: mean %.3f deg, median %.3f deg, within 2 deg %.4f, within 5 deg %.4f (%lld voxels, %lld unrecovered)\n",
                               o["mean_deg"].get<double>(), o["median_deg"].get<double>(), o["within_2deg"].get<double>(),
                               o["within_5deg"].get<double>(), o["voxels"].get<long long>(), o["unrecovered"].get<long long>());
                   std::printf("grain ids: voxel accuracy %.4f, boundary accuracy %.4f (%lld boundary voxels)\n",
                               g["voxel_accuracy"].get<double>(), g["boundary_accuracy"].get<double>(),
                               g["boundary_voxels"].get<long long>());
                   return 0;
                 }});
}

}  // namespace ebsd::cli

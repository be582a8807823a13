// `ebsd synth`: a seeded synthetic microstructure written as a volume (steps synth -> write).
#include <cstdio>

#include "cli_support.hpp"
#include "commands.hpp"
#include "step_chain.hpp"

namespace ebsd::cli {

namespace {
// Text options are handed to the step as text: its declared types parse and check them.
nlohmann::json text(const std::string& t) { return {{"$text", t}}; }
}  // namespace

void register_synth(CLI::App& app, CommandList& out) {
  struct Args {
    std::string output, dims = "64,64,32", spacing = "1,1,1", laue = "m-3m", side, missing;
    int grains = 100;
    std::uint64_t seed = 1;
    double twins = 0.0;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand("synth", "Generate a seeded synthetic 3D microstructure");
  sub->add_option("-o,--output", a->output, "Output volume (.ebsd.h5)")->required();
  sub->add_option("--dims", a->dims, "Voxels X,Y,Z")->capture_default_str();
  sub->add_option("--spacing", a->spacing, "Voxel spacing X,Y,Z in um")->capture_default_str();
  sub->add_option("--grains", a->grains, "Number of grains (twin lamellae come on top)")->capture_default_str()->check(CLI::PositiveNumber);
  sub->add_option("--seed", a->seed, "Random seed; the same seed gives the same bytes")->capture_default_str();
  sub->add_option("--laue", a->laue, "Laue group of the phase (m-3m, m-3, 6/mmm, 6/m, -3m, -3, 4/mmm, 4/m, mmm, 2/m, -1)")->capture_default_str();
  sub->add_option("--twins", a->twins, "Fraction of grains with Sigma-3 annealing twins (cubic only)")->capture_default_str()->check(CLI::Range(0.0, 1.0));
  sub->add_option("--side", a->side, "Side modalities to simulate: pl (polarized light), pl3 (pl0, pl30, pl60: three polarizers), bse");
  sub->add_option("--missing-slices", a->missing, "Z slices to remove, e.g. 10,11 or 10-12");
  sub->add_flag("--json", a->json, "Print a JSON summary");
  out.push_back({sub, [a]() {
                   nlohmann::json p{{"dims", text(a->dims)},   {"spacing", text(a->spacing)}, {"grains", a->grains},
                                    {"seed", a->seed},         {"twins", a->twins},           {"side", text(a->side)},
                                    {"missing_slices", text(a->missing)}};
                   // Aliases such as "cubic" or "m3m" are accepted by the Laue group parser.
                   p["laue"] = std::string(laue_symbol(laue_from_symbol(a->laue)));
                   const auto r = run_chain("synth", {{"synth", p}, {"write", {{"path", a->output}}}}, true);
                   const auto& rep = r[0].report;
                   if (a->json)
                     print_json({{"output", a->output},
                                 {"grain_count", rep["grain_count"]},
                                 {"twin_count", rep["twin_count"]},
                                 {"dims", rep["dims"]}});
                   else
                     std::printf("wrote %s: %d grains (%d twin lamellae)\n", a->output.c_str(), rep["grain_count"].get<int>(),
                                 rep["twin_count"].get<int>());
                   return 0;
                 }});
}

}  // namespace ebsd::cli

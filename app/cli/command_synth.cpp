// `ebsd synth`: a seeded synthetic microstructure written as a native volume.
#include <cstdio>

#include "cli_support.hpp"
#include "commands.hpp"
#include "ebsd/io/volume_file.hpp"
#include "ebsd/synth/microstructure.hpp"

namespace ebsd::cli {
namespace {

// A representative real material for each Laue group, so a synthetic file carries plausible
// names and lattice parameters (angstrom, degrees) rather than placeholders.
Phase representative_phase(LaueGroup g) {
  switch (g) {
    case LaueGroup::CubicHigh: return {"Nickel", g, {3.524, 3.524, 3.524, 90, 90, 90}};
    case LaueGroup::CubicLow: return {"Pyrite", g, {5.417, 5.417, 5.417, 90, 90, 90}};
    case LaueGroup::HexagonalHigh: return {"Magnesium", g, {3.209, 3.209, 5.211, 90, 90, 120}};
    case LaueGroup::HexagonalLow: return {"Apatite", g, {9.42, 9.42, 6.88, 90, 90, 120}};
    case LaueGroup::TrigonalHigh: return {"Calcite", g, {4.99, 4.99, 17.06, 90, 90, 120}};
    case LaueGroup::TrigonalLow: return {"Dolomite", g, {4.81, 4.81, 16.01, 90, 90, 120}};
    case LaueGroup::TetragonalHigh: return {"Tin", g, {5.832, 5.832, 3.182, 90, 90, 90}};
    case LaueGroup::TetragonalLow: return {"Scheelite", g, {5.24, 5.24, 11.38, 90, 90, 90}};
    case LaueGroup::Orthorhombic: return {"Forsterite", g, {4.75, 10.20, 5.98, 90, 90, 90}};
    case LaueGroup::Monoclinic: return {"Baddeleyite", g, {5.15, 5.21, 5.31, 90, 99.2, 90}};
    case LaueGroup::Triclinic: return {"Albite", g, {8.14, 12.79, 7.16, 94.3, 116.6, 87.7}};
  }
  return {};
}

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
  sub->add_option("--side", a->side, "Side modalities to simulate: pl (polarized light), bse");
  sub->add_option("--missing-slices", a->missing, "Z slices to remove, e.g. 10,11 or 10-12");
  sub->add_flag("--json", a->json, "Print a JSON summary");
  out.push_back({sub, [a]() {
                   const std::string cmd = "synth";
                   synth::SynthOptions o;
                   const auto d = parse_int_list(a->dims, cmd, "--dims");
                   if (d.size() != 3) throw UsageError(cmd, "--dims: expected X,Y,Z");
                   o.dims = {d[0], d[1], d[2]};
                   o.spacing = parse_triple(a->spacing, cmd, "--spacing");
                   o.grains = a->grains;
                   o.seed = a->seed;
                   o.twin_fraction = a->twins;
                   o.phases = {representative_phase(laue_from_symbol(a->laue))};
                   if (!a->side.empty()) {
                     std::string cur;
                     for (char ch : a->side + ",") {
                       if (ch == ',') {
                         if (cur != "pl" && cur != "bse") throw UsageError(cmd, "--side: unknown modality '" + cur + "' (expected pl, bse)");
                         o.side_modalities.push_back(cur);
                         cur.clear();
                       } else {
                         cur += ch;
                       }
                     }
                   }
                   o.missing_slices = parse_int_list(a->missing, cmd, "--missing-slices");
                   auto progress = make_progress("synth");
                   const auto r = synth::generate_microstructure(o, progress);
                   io::write_volume(a->output, r.volume);
                   if (a->json)
                     print_json({{"output", a->output}, {"grain_count", r.grain_count}, {"twin_count", r.twin_count},
                                 {"dims", r.volume.dims()}});
                   else
                     std::printf("wrote %s: %d grains (%d twin lamellae)\n", a->output.c_str(), r.grain_count, r.twin_count);
                   return 0;
                 }});
}

}  // namespace ebsd::cli

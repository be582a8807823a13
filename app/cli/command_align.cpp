// `ebsd align IN -o OUT [--tolerance-deg 5] [--max-shift 10] [--exhaustive] [--json]`: aligns
// serial sections by misorientation and reports the shift applied to every slice.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <numbers>

#include "cli_support.hpp"
#include "commands.hpp"
#include "ebsd/analysis/align_sections.hpp"
#include "ebsd/io/volume_file.hpp"

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
      ->capture_default_str()->check(CLI::Range(0.0, 180.0));
  sub->add_option("--max-shift", a->max_shift, "Largest shift between consecutive slices, voxels (in x and in y)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  sub->add_option("--min-overlap", a->min_overlap,
                  "A shift counts only when the compared pairs are at least this fraction of the sparser slice's valid voxels")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  sub->add_flag("--exhaustive", a->exhaustive, "Try every shift within --max-shift instead of descending from (0, 0)");
  sub->add_flag("--json", a->json, "Print the shifts as JSON");
  out.push_back({sub, [a]() {
                   analysis::AlignSectionsOptions o;
                   o.tolerance_rad = a->tolerance_deg * std::numbers::pi / 180.0;
                   o.max_shift = a->max_shift;
                   o.min_overlap_fraction = a->min_overlap;
                   o.search = a->exhaustive ? analysis::ShiftSearch::Exhaustive : analysis::ShiftSearch::Descent;
                   analysis::validate(o);  // before reading: a bad option costs nothing
                   Volume v = io::read_volume(a->input);
                   auto progress = make_progress("align");
                   const auto r = analysis::align_sections(v, o, progress);
                   io::write_volume(a->output, v);

                   std::int64_t largest = 0, moved = 0;
                   for (const auto& s : r.slices) {
                     largest = std::max({largest, std::abs(s.dx), std::abs(s.dy)});
                     moved += (s.dx != 0 || s.dy != 0);
                   }
                   if (a->json) {
                     nlohmann::json slices = nlohmann::json::array();
                     for (const auto& s : r.slices)
                       slices.push_back({{"z", s.z},
                                         {"dx", s.dx},
                                         {"dy", s.dy},
                                         {"relative_dx", s.relative_dx},
                                         {"relative_dy", s.relative_dy},
                                         {"misfit", s.misfit},
                                         {"compared", s.compared},
                                         {"status", s.status}});
                     print_json({{"input", a->input},
                                 {"output", a->output},
                                 {"tolerance_deg", a->tolerance_deg},
                                 {"max_shift", a->max_shift},
                                 {"search", a->exhaustive ? "exhaustive" : "descent"},
                                 {"shift_convention", "aligned(x + dx, y + dy) = original(x, y); voxels, relative to the first slice"},
                                 {"slices_moved", moved},
                                 {"largest_shift", largest},
                                 {"slices", slices}});
                   } else {
                     std::printf("slice     dx     dy  misfit  status\n");
                     for (const auto& s : r.slices)
                       std::printf("%5lld %6lld %6lld  %6.4f  %s\n", static_cast<long long>(s.z), static_cast<long long>(s.dx),
                                   static_cast<long long>(s.dy), s.misfit, s.status.c_str());
                     std::printf("shifted %lld of %lld slices (largest shift %lld voxels, content moves by +dx, +dy); wrote %s\n",
                                 static_cast<long long>(moved), static_cast<long long>(r.slices.size()), static_cast<long long>(largest),
                                 a->output.c_str());
                   }
                   return 0;
                 }});
}

}  // namespace ebsd::cli

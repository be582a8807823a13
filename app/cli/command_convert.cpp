// `ebsd convert IN... -o OUT [--z-step DZ] [--side NAME=PATTERN [--side-affine a,b,c,d,e,f]]`:
// one input is converted to the format of OUT's extension; several inputs (or a quoted glob
// such as 'S*.ANG', expanded here because the shell did not) are 2D slices stacked in natural
// order into one 3D volume. Side-modality images become named channels on the way.
#include <iostream>
#include <sstream>

#include "cli_support.hpp"
#include "commands.hpp"
#include "reader_options.hpp"
#include "step_chain.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/core/version.hpp"
#include "ebsd/io/side_image.hpp"
#include "ebsd/io/slice_stack.hpp"
#include "ebsd/io/volume_file.hpp"

namespace ebsd::cli {
namespace {

struct SideSpec {
  std::string name, pattern;
  std::optional<io::AffineTransform> transform;
};

std::vector<SideSpec> parse_sides(const std::vector<std::string>& sides, const std::vector<std::string>& affines) {
  if (!affines.empty() && affines.size() != 1 && affines.size() != sides.size())
    throw UsageError("convert", "--side-affine: give one transform for all side images or one per --side (" +
                                    std::to_string(sides.size()) + "), got " + std::to_string(affines.size()));
  if (sides.empty() && !affines.empty()) throw UsageError("convert", "--side-affine needs a --side image");
  std::vector<SideSpec> out;
  for (std::size_t k = 0; k < sides.size(); ++k) {
    const auto eq = sides[k].find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == sides[k].size())
      throw UsageError("convert", "--side: expected NAME=FILE or NAME=PATTERN, got '" + sides[k] + "'");
    SideSpec s{sides[k].substr(0, eq), sides[k].substr(eq + 1), std::nullopt};
    if (!affines.empty()) {
      const auto m = parse_double_list(affines[affines.size() == 1 ? 0 : k], "convert", "--side-affine");
      if (m.size() != 6) throw UsageError("convert", "--side-affine: expected six numbers a,b,c,d,e,f, got '" + affines[k] + "'");
      s.transform = io::AffineTransform{{m[0], m[1], m[2], m[3], m[4], m[5]}};
    }
    for (const auto& earlier : out)
      if (earlier.name == s.name) throw UsageError("convert", "--side: channel name '" + s.name + "' given twice");
    out.push_back(std::move(s));
  }
  return out;
}


}  // namespace

void register_convert(CLI::App& app, CommandList& out) {
  struct Args {
    std::vector<std::string> inputs;
    std::string output;
    double z_step = 0.0;
    bool keep_order = false;
    std::vector<std::string> sides, affines;
    ReaderArgs reader;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand("convert",
                                 "Convert a file, or stack 2D slice files (a list or a quoted glob, natural order) into one 3D volume");
  sub->add_option("inputs", a->inputs, "Input file(s) or glob pattern(s) such as 'S*.ang'")->required();
  sub->add_option("-o,--output", a->output, "Output file; the format follows the extension")->required();
  sub->add_option("--z-step", a->z_step, "Slice spacing of a stack, in the slices' length unit (um); required for several inputs")
      ->check(CLI::PositiveNumber);
  sub->add_flag("--keep-order", a->keep_order, "Stack the inputs in the order given instead of natural order (S2 before S10)");
  sub->add_option("--side", a->sides,
                  "Side-modality image(s) as a channel: NAME=FILE or NAME=PATTERN (8/16-bit grey PNG or TIFF; one page per z slice)");
  sub->add_option("--side-affine", a->affines,
                  "Sample (x, y) to pixel (u, v): u = a x + b y + c, v = d x + e y + f, as a,b,c,d,e,f; one for all --side or one "
                  "each (default: one pixel per voxel)");
  add_reader_options(sub, a->reader);
  sub->add_flag("--json", a->json, "Print what was done as JSON");
  out.push_back({sub, [a]() {
                   // Usage first: a bad option costs no file read.
                   const auto sides = parse_sides(a->sides, a->affines);
                   const auto files = io::expand_inputs(a->inputs, a->keep_order);
                   if (files.size() > 1 && a->z_step <= 0.0)
                     throw UsageError("convert", std::to_string(files.size()) +
                                                     " inputs are stacked into a 3D volume: give the slice spacing with --z-step");
                   nlohmann::json inputs = nlohmann::json::array();
                   for (const auto& f : files) inputs.push_back(f.string());
                   // The files as expanded here, in this order: the read step keeps it.
                   std::vector<ChainLink> chain{{"read",
                                                 {{"paths", inputs},
                                                  {"z_step", a->z_step},
                                                  {"keep_order", true},
                                                  {"scan", a->reader.scan},
                                                  {"hexagonal_alignment", a->reader.hex_alignment}}}};
                   for (const auto& sd : sides) {
                     nlohmann::json p{{"name", sd.name}, {"paths", sd.pattern}};
                     if (sd.transform) p["affine"] = sd.transform->m;
                     chain.push_back({"add-side-image", p});
                   }
                   chain.push_back({"write", {{"path", a->output}}});
                   const auto r = run_chain("convert", chain, true);

                   const auto& read = r.front().report;
                   std::vector<std::string> warnings = read["warnings"].get<std::vector<std::string>>();
                   nlohmann::json side_json = nlohmann::json::array();
                   for (std::size_t k = 1; k + 1 < r.size(); ++k) {
                     auto rep = r[k].report;
                     for (const auto& w : rep["warnings"]) warnings.push_back(w.get<std::string>());
                     rep.erase("warnings");
                     side_json.push_back(rep);
                   }
                   const bool stacked = files.size() > 1;
                   const std::string what =
                       stacked ? "stacked " + std::to_string(files.size()) + " slices, " + files.front().filename().string() + " to " +
                                     files.back().filename().string() + " (natural order" + (a->keep_order ? " off" : "") + ")"
                               : "read " + files.front().string() + " (" + read.value("format", std::string()) + ")";
                   if (a->json) {
                     print_json({{"inputs", inputs},
                                 {"output", a->output},
                                 {"format", r.back().report["format"]},
                                 {"dims", read["dims"]},
                                 {"spacing", read["spacing"]},
                                 {"length_unit", read["length_unit"]},
                                 {"stacked", stacked},
                                 {"side_images", side_json},
                                 {"warnings", warnings}});
                   } else {
                     const auto& d = read["dims"];
                     const auto& sp = read["spacing"];
                     std::cout << what << ": " << d[0] << " x " << d[1] << " x " << d[2] << " voxels, step " << sp[0].get<double>()
                               << " x " << sp[1].get<double>() << " x " << sp[2].get<double>() << " "
                               << read["length_unit"].get<std::string>() << "\n";
                     for (const auto& sd : side_json)
                       std::cout << "channel '" << sd["name"].get<std::string>() << "' from " << sd["pages"] << " image page(s), "
                                 << sd["bits"] << "-bit " << sd["width"] << " x " << sd["height"] << "\n";
                     for (const auto& w : warnings) std::cout << "warning: " << w << "\n";
                     std::cout << "wrote " << a->output << "\n";
                   }
                   return 0;
                 }});
}

}  // namespace ebsd::cli

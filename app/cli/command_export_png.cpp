// `ebsd export-png FILE --axis z --index 10 --color ipf-z -o out.png [--key key.png]`: one
// slice as a PNG, coloured by IPF along any direction, phase, CI, IQ, grain or any channel,
// with the IPF colour key as a separate PNG.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "cli_support.hpp"
#include "commands.hpp"
#include "step_chain.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/io/png.hpp"
#include "ebsd/io/volume_file.hpp"
#include "ebsd/orientation/ipf.hpp"
#include "ebsd/volume/slice_image.hpp"

namespace ebsd::cli {

void register_export_png(CLI::App& app, CommandList& out) {
  struct Args {
    std::string file, axis = "z", color = "ipf-z", output, key;
    std::int64_t index = 0;
    int key_size = 256;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand("export-png", "Write one slice as a PNG coloured by IPF, phase, CI, IQ, grain or a channel");
  sub->add_option("file", a->file, "Input volume (any readable format)")->required();
  sub->add_option("--axis", a->axis, "Slice normal: x, y or z")->capture_default_str();
  sub->add_option("--index", a->index, "Slice number along the axis, from 0")->capture_default_str();
  sub->add_option("--color", a->color,
                  "ipf-x, ipf-y, ipf-z, ipf:a,b,c (any sample direction), phase, ci, iq, grain, misorientation:x,y,z[,max_deg] (disorientation to a reference voxel), or a channel name")
      ->capture_default_str();
  sub->add_option("-o,--output", a->output, "Output PNG")->required();
  sub->add_option("--key", a->key, "Also write the IPF colour key as this PNG (one per Laue group: name_<group>.png after the first)");
  sub->add_option("--key-size", a->key_size, "Key width in pixels")->capture_default_str()->check(CLI::Range(32, 4096));
  out.push_back({sub, [a]() {
                   if (a->axis != "x" && a->axis != "y" && a->axis != "z")
                     throw UsageError("export-png", "--axis: expected x, y or z, got '" + a->axis + "'");
                   if (!a->key.empty() && a->color.rfind("ipf", 0) != 0)
                     throw UsageError("export-png", "--key goes with an IPF colouring (ipf-x, ipf-y, ipf-z, ipf:a,b,c)");
                   run_chain("export-png",
                             {{"read", {{"paths", a->file}}},
                              {"export-png",
                               {{"path", a->output},
                                {"axis", a->axis},
                                {"index", a->index},
                                {"color", a->color},
                                {"key", a->key},
                                {"key_size", a->key_size}}}},
                             true);
                   return 0;
                 }});
}

}  // namespace ebsd::cli

// `ebsd info FILE [--json]`: what a file holds.
#include <iostream>

#include "cli_support.hpp"
#include "commands.hpp"
#include "ebsd/io/volume_file.hpp"
#include "volume_json.hpp"

namespace ebsd::cli {

void register_info(CLI::App& app, CommandList& out) {
  struct Args {
    std::string file;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand("info", "Describe a volume file: dims, spacing, phases, channels, indexed fraction, missing slices");
  sub->add_option("file", a->file, "Input file")->required();
  sub->add_flag("--json", a->json, "Print JSON (schema in README.md)");
  out.push_back({sub, [a]() {
                   const Volume v = io::read_volume(a->file);
                   if (a->json) {
                     auto j = describe_volume(v);
                     j["file"] = a->file;
                     j["format"] = io::detect_format(a->file);
                     print_json(j);
                   } else {
                     std::cout << "file        " << a->file << " (" << io::detect_format(a->file) << ")\n" << describe_volume_text(v);
                   }
                   return 0;
                 }});
}

}  // namespace ebsd::cli

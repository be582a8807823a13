// `ebsd info FILE [--scan NAME] [--hex-alignment as-written|tsl] [--json]`: what a file holds.
#include <iostream>

#include "cli_support.hpp"
#include "commands.hpp"
#include "reader_options.hpp"
#include "ebsd/io/volume_file.hpp"
#include "volume_json.hpp"

namespace ebsd::cli {

void register_info(CLI::App& app, CommandList& out) {
  struct Args {
    std::string file;
    ReaderArgs reader;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand("info", "Describe a volume file: dims, spacing, phases, channels, indexed fraction, missing slices");
  sub->add_option("file", a->file, "Input file")->required();
  add_reader_options(sub, a->reader);
  sub->add_flag("--json", a->json, "Print JSON (schema in README.md)");
  out.push_back({sub, [a]() {
                   const auto r = io::read_volume_with_report(a->file, to_read_options(a->reader));
                   const Volume& v = r.volume;
                   if (a->json) {
                     auto j = describe_volume(v);
                     j["file"] = a->file;
                     j["format"] = io::detect_format(a->file);
                     j["import"] = r.report.to_json();
                     print_json(j);
                   } else {
                     std::cout << "file        " << a->file << " (" << io::detect_format(a->file) << ")\n" << describe_volume_text(v);
                     if (!r.report.angle_unit_in_file.empty())
                       std::cout << "import      Euler angles in " << r.report.angle_unit_in_file << ", " << r.report.grid << " grid"
                                 << (r.report.converted_to_square ? " (converted to square)" : "") << "\n";
                     for (const auto& w : r.report.warnings) std::cout << "warning     " << w << "\n";
                   }
                   return 0;
                 }});
}

}  // namespace ebsd::cli

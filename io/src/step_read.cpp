// Step "read": one file in any readable format, or 2D slice files (a list or glob, natural
// order) stacked into one 3D volume.
#include <memory>

#include "ebsd/io/format_registry.hpp"
#include "ebsd/io/slice_stack.hpp"
#include "ebsd/io/volume_file.hpp"
#include "ebsd/pipeline/step_registry.hpp"

namespace ebsd::io {

using namespace pipeline;

namespace {

std::vector<std::filesystem::path> input_files(const ParameterValues& p) {
  return expand_inputs(p.get_strings("paths"), p.get_bool("keep_order"));
}

ReadOptions read_options(const ParameterValues& p) {
  ReadOptions o;
  o.scan = p.get_string("scan");
  o.hexagonal_to_tsl_alignment = p.get_string("hexagonal_alignment") == "tsl";
  return o;
}

}  // namespace

std::unique_ptr<Step> make_read_step() {
  StepInfo info;
  info.id = "read";
  info.title = "Read volume";
  info.category = "Input/Output";
  info.description =
      "Reads a volume from any readable format (chosen by content: .ang, .ctf, H5EBSD, EDAX .h5, .h5oina, .osc, "
      ".dream3d, .ebsd.h5). Several files or a glob are 2D slices stacked in natural order (S2 before S10) with "
      "the given z step; all slices must share one grid.";
  info.input = StepInput::None;
  ParameterSpec paths{"paths", ParamType::InputPaths, nullptr, {}, {}, {}, "", "File, or slice files / glob pattern such as S*.ang", {}};
  ParameterSpec z_step{"z_step", ParamType::Float, 0.0, 0.0, 1e9, {}, "um",
                       "Slice spacing: required to stack several files; for one file, 0 keeps the file's", {}};
  ParameterSpec keep_order{"keep_order", ParamType::Bool, false, {}, {}, {}, "", "Stack in the order given instead of natural order", {}};
  ParameterSpec scan{"scan", ParamType::String, "", {}, {}, {}, "",
                     "HDF5 files with several scans (EDAX .h5, .h5oina): the scan to read; empty: the first", {}};
  ParameterSpec hex_alignment{"hexagonal_alignment", ParamType::Choice, "as-written", {}, {}, {"as-written", "tsl"}, "",
                              "Oxford data (.ctf, HKL H5EBSD, .h5oina), hexagonal and trigonal phases: keep the HKL axes "
                              "(crystal X along a) or turn to TSL's (X along a*, phi2 + 30 deg)",
                              {}};
  info.parameters = {paths, z_step, keep_order, scan, hex_alignment};
  return std::make_unique<FunctionStep>(
      std::move(info),
      [](const ParameterValues& p, DataShape& shape) {
        const auto files = input_files(p);  // throws naming a pattern that matches nothing
        for (const auto& f : files) {
          if (!std::filesystem::is_regular_file(f)) throw Error("no such file", f.string());
          if (!FormatRegistry::instance().for_reading(f))
            throw Error("not a format EBSD Studio reads (checked by content)", f.string());
        }
        if (files.size() > 1 && p.get_double("z_step") <= 0.0)
          throw Error(std::to_string(files.size()) + " files are stacked into a 3D volume: give the slice spacing z_step",
                      "", "parameter 'z_step'");
        shape = DataShape{};
        shape.has_volume = true;  // dims and channels are known only once the file is read
      },
      [](const ParameterValues& p, Workspace& ws, Progress& progress) {
        const auto files = input_files(p);
        const double z_step = p.get_double("z_step");
        nlohmann::json names = nlohmann::json::array();
        for (const auto& f : files) names.push_back(f.string());
        std::vector<std::string> warnings;
        if (files.size() == 1) {
          auto r = read_volume_with_report(files.front(), read_options(p), progress);
          if (z_step > 0.0) r.volume.set_spacing({r.volume.spacing()[0], r.volume.spacing()[1], z_step});
          warnings = r.report.warnings;
          ws.volume = std::move(r.volume);
          ws.report = {{"files", names}, {"format", r.report.format}, {"stacked", false}};
          ws.say("read " + files.front().string() + " (" + r.report.format + ")");
        } else {
          SliceStackOptions stack;
          stack.z_step = z_step;
          stack.read = read_options(p);
          auto r = read_slice_stack(files, stack, progress);
          warnings = r.warnings;
          ws.volume = std::move(r.volume);
          ws.report = {{"files", names}, {"stacked", true}};
          ws.say("stacked " + std::to_string(files.size()) + " slices, " + files.front().filename().string() + " to " +
                 files.back().filename().string());
        }
        const Volume& v = *ws.volume;
        ws.report["dims"] = {v.nx(), v.ny(), v.nz()};
        ws.report["spacing"] = {v.spacing()[0], v.spacing()[1], v.spacing()[2]};
        ws.report["length_unit"] = v.length_unit();
        ws.report["warnings"] = warnings;
        for (const auto& w : warnings) ws.say("warning: " + w);
      });
}

}  // namespace ebsd::io

// Step "export-png": one slice as a PNG coloured by IPF along any direction, phase, CI, IQ,
// grain or a channel, and optionally the IPF colour key of each Laue group.
#include <algorithm>
#include <memory>

#include "ebsd/io/png.hpp"
#include "ebsd/orientation/ipf.hpp"
#include "ebsd/pipeline/step_registry.hpp"
#include "ebsd/volume/slice_image.hpp"

namespace ebsd::io {

using namespace pipeline;

void check_output_folder(const std::filesystem::path& path);

std::unique_ptr<Step> make_export_png_step() {
  StepInfo info;
  info.id = "export-png";
  info.title = "Export slice PNG";
  info.category = "Input/Output";
  info.description =
      "Writes one slice as a PNG coloured by IPF (ipf-x, ipf-y, ipf-z or ipf:a,b,c), phase, ci, iq, grain or a "
      "channel name; with a key path, also the IPF colour key (one PNG per Laue group: name_<group>.png after the first).";
  info.writes_files = true;
  info.parameters = {
      ParameterSpec{"path", ParamType::OutputPath, nullptr, {}, {}, {}, "", "Output PNG", {}},
      ParameterSpec{"axis", ParamType::Choice, "z", {}, {}, {"x", "y", "z"}, "", "Slice normal", {}},
      ParameterSpec{"index", ParamType::Int, 0, 0.0, 1e9, {}, "", "Slice number along the axis, from 0", {}},
      ParameterSpec{"color", ParamType::String, "ipf-z", {}, {}, {}, "", "ipf-x, ipf-y, ipf-z, ipf:a,b,c, phase, ci, iq, grain, misorientation:x,y,z[,max_deg] (to a reference voxel) or a channel", {}},
      ParameterSpec{"key", ParamType::String, "", {}, {}, {}, "", "Also write the IPF key as this PNG (empty: no key)", {}},
      ParameterSpec{"key_size", ParamType::Int, 256, 32.0, 4096.0, {}, "px", "Key width", {}},
  };
  return std::make_unique<FunctionStep>(
      std::move(info),
      [](const ParameterValues& p, DataShape& shape) {
        check_output_folder(p.get_string("path"));
        const auto color = p.get_string("color");
        if (!p.get_string("key").empty() && color.rfind("ipf", 0) != 0)
          throw Error("a key goes with an IPF colouring (ipf-x, ipf-y, ipf-z, ipf:a,b,c)", "", "parameter 'key'");
        if (shape.known) {
          const int axis = p.get_string("axis") == "x" ? 0 : p.get_string("axis") == "y" ? 1 : 2;
          if (p.get_int("index") >= shape.dims[static_cast<std::size_t>(axis)])
            throw Error("slice " + std::to_string(p.get_int("index")) + " is outside the volume (" +
                            std::to_string(shape.dims[static_cast<std::size_t>(axis)]) + " along " + p.get_string("axis") + ")",
                        "", "parameter 'index'");
        }
      },
      [](const ParameterValues& p, Workspace& ws, Progress&) {
        const Volume& v = ws.require_volume("export-png");
        const SliceColoring coloring = slice_coloring_from_name(p.get_string("color"), v);
        const std::filesystem::path out = p.get_string("path");
        write_png(out, slice_image(v, slice_axis_from_name(p.get_string("axis")), p.get_int("index"), coloring));
        nlohmann::json keys = nlohmann::json::array();
        if (const std::filesystem::path key = p.get_string("key"); !key.empty()) {
          std::vector<LaueGroup> groups;
          for (const auto& ph : v.phases())
            if (std::find(groups.begin(), groups.end(), ph.laue) == groups.end()) groups.push_back(ph.laue);
          if (groups.empty()) groups.push_back(LaueGroup::CubicHigh);
          for (std::size_t k = 0; k < groups.size(); ++k) {
            std::string symbol(laue_symbol(groups[k]));
            for (auto& c : symbol)
              if (c == '/' || c == '-') c = '_';
            const auto target = k == 0 ? key : key.parent_path() / (key.stem().string() + "_" + symbol + key.extension().string());
            write_png(target, ipf_key_image(groups[k], static_cast<int>(p.get_int("key_size"))));
            keys.push_back({{"laue", std::string(laue_symbol(groups[k]))}, {"path", target.string()}});
            ws.say("key (" + std::string(laue_symbol(groups[k])) + "): " + target.string());
          }
        }
        ws.report = {{"path", out.string()}, {"keys", keys}};
        ws.say("wrote " + out.string());
      });
}

}  // namespace ebsd::io

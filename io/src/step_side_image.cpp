// Step "add-side-image": side-modality images (8/16-bit grey PNG or TIFF, one page per z slice)
// placed on the EBSD grid by an affine transform, as a named channel.
#include <memory>

#include "ebsd/io/side_image.hpp"
#include "ebsd/io/slice_stack.hpp"
#include "ebsd/pipeline/step_registry.hpp"

namespace ebsd::io {

using namespace pipeline;

std::unique_ptr<Step> make_side_image_step() {
  StepInfo info;
  info.id = "add-side-image";
  info.title = "Add side-modality image";
  info.category = "Input/Output";
  info.description =
      "Adds a BSE, SE, optical or other grey image stack as a channel: page k of the images goes to z slice k, "
      "sampled bilinearly at u = a x + b y + c, v = d x + e y + f (sample x, y in the volume's length unit to "
      "pixel u, v). Voxels outside the image get NaN.";
  ParameterSpec name{"name", ParamType::String, nullptr, {}, {}, {}, "", "Channel name, e.g. bse", {}};
  ParameterSpec paths{"paths", ParamType::InputPaths, nullptr, {}, {}, {}, "", "Image file(s) or glob, one page per z slice", {}};
  ParameterSpec affine{"affine", ParamType::FloatList, nlohmann::json::array(), {}, {}, {}, "",
                       "a,b,c,d,e,f (default: one pixel per voxel)", 6};
  info.parameters = {name, paths, affine};
  return std::make_unique<FunctionStep>(
      std::move(info),
      [](const ParameterValues& p, DataShape& shape) {
        const auto name = p.get_string("name");
        if (shape.known && shape.channels.count(name))
          throw Error("the volume already has a channel '" + name + "'", "", "parameter 'name'");
        for (const auto& f : expand_inputs(p.get_strings("paths"), false))
          if (!std::filesystem::is_regular_file(f)) throw Error("no such file", f.string());
        shape.channels.insert(name);
      },
      [](const ParameterValues& p, Workspace& ws, Progress& progress) {
        Volume& v = ws.require_volume("add-side-image");
        SideImageOptions o;
        o.name = p.get_string("name");
        if (const auto m = p.get_double_list("affine"); !m.empty()) o.transform = AffineTransform{{m[0], m[1], m[2], m[3], m[4], m[5]}};
        const auto r = add_side_image_channel(v, expand_inputs(p.get_strings("paths"), false), o, progress);
        nlohmann::json files = nlohmann::json::array();
        for (const auto& f : r.files) files.push_back(f.string());
        ws.report = {{"name", o.name},  {"files", files},       {"pages", r.pages},
                     {"width", r.width}, {"height", r.height}, {"bits", r.bits},
                     {"outside_voxels", r.outside_voxels}, {"warnings", r.warnings}};
        ws.say("channel '" + o.name + "' from " + std::to_string(r.pages) + " image page(s)");
        for (const auto& w : r.warnings) ws.say("warning: " + w);
      });
}

}  // namespace ebsd::io

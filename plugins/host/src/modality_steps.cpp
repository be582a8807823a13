#include "modality_steps.hpp"

#include <cmath>
#include <limits>
#include <optional>

#include "ebsd/io/side_image.hpp"
#include "ebsd/io/slice_stack.hpp"

namespace ebsd::plugins {
namespace {

using nlohmann::json;
using pipeline::ParameterSpec;
using pipeline::ParamType;

std::string join_names(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// The transform parameter: empty, or six finite numbers with an invertible linear part.
std::optional<io::AffineTransform> transform_from(const pipeline::ParameterValues& params) {
  const auto m = params.get_double_list("transform");
  if (m.empty()) return std::nullopt;
  if (m.size() != 6) throw Error("expected 6 numbers a,b,c,d,e,f (u = a x + b y + c, v = d x + e y + f), got " +
                                 std::to_string(m.size()), "", "parameter 'transform'");
  io::AffineTransform t;
  for (std::size_t k = 0; k < 6; ++k) {
    if (!std::isfinite(m[k])) throw Error("the transform has a value that is not finite", "", "parameter 'transform'");
    t.m[k] = m[k];
  }
  if (std::fabs(t.m[0] * t.m[4] - t.m[1] * t.m[3]) < 1e-12)
    throw Error("the transform is singular (a e - b d = 0): it maps the section onto a line", "", "parameter 'transform'");
  return t;
}

// The files `paths` designates: as given, with glob patterns expanded in natural order in place.
std::vector<std::string> input_files(const pipeline::ParameterValues& params) {
  std::vector<std::string> out;
  for (const auto& f : io::expand_inputs(params.get_strings("paths"), true)) out.push_back(f.string());
  return out;
}

class ImportStep final : public pipeline::Step {
public:
  ImportStep(DeclaredModality m, PluginIdentity plugin) : m_(std::move(m)), plugin_(std::move(plugin)) {
    info_.id = "import-" + m_.name;
    info_.title = "Import " + m_.title;
    info_.category = "Side modalities";
    info_.description =
        "Reads " + m_.title + " images" + (m_.extensions.empty() ? "" : " (" + join_names(m_.extensions) + ")") +
        " into a channel of the volume, one image per z slice in the order given. Each voxel centre (origin + index * "
        "spacing) is mapped to pixel coordinates by the affine transform and the image is sampled bilinearly; "
        "voxels outside the image get NaN. " + m_.description;
    info_.origin = plugin_.name;
    info_.parameters = {
        {"paths", ParamType::InputPaths, json(), {}, {}, {}, "",
         "image files in slice order, or glob patterns (expanded in natural order); a file holding several images supplies several slices", {}},
        {"transform", ParamType::FloatList, json::array(), {}, {}, {}, "",
         "sample (x, y) to pixel (u, v): u = a x + b y + c, v = d x + e y + f, given as a,b,c,d,e,f; empty: one "
         "pixel per voxel with pixel (0, 0) on voxel (0, 0)", {}},
        {"channel", ParamType::String, m_.name, {}, {}, {}, "", "name of the channel to create", {}},
    };
  }

  const pipeline::StepInfo& info() const override { return info_; }

  void preflight(const pipeline::ParameterValues& params, pipeline::DataShape& shape) const override {
    (void)transform_from(params);
    const std::string channel = params.get_string("channel");
    if (channel.empty()) throw Error("the channel needs a name", "", "parameter 'channel'");
    for (const auto& path : input_files(params)) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(path, ec)) throw Error("no such file", path, "parameter 'paths'");
    }
    shape.channels.insert(channel);
  }

  void execute(const pipeline::ParameterValues& params, pipeline::Workspace& ws, Progress& progress) const override {
    Volume& volume = ws.require_volume(info_.id);
    const auto files = input_files(params);
    const std::string channel_name = params.get_string("channel");
    const io::AffineTransform transform = transform_from(params).value_or(io::AffineTransform::pixel_per_voxel(volume));

    Channel channel;
    channel.values.assign(static_cast<std::size_t>(volume.voxel_count()), std::numeric_limits<float>::quiet_NaN());
    channel.unit = m_.unit;
    std::optional<io::GreyImage> first;  // every later image must match its size and depth
    std::string first_file;
    std::int64_t slice = 0, outside = 0;
    std::vector<std::string> warnings;

    for (std::size_t f = 0; f < files.size(); ++f) {
      const std::string& file = files[f];
      progress.check();
      ebsd_context ctx;
      const Progress part = progress.part(static_cast<double>(f) / files.size(), (f + 1.0) / files.size());
      ctx.progress = &part;
      ebsd_image_sink sink;
      sink.ctx = &ctx;
      const ebsd_status status = guarded_call(ctx, [&] { return m_.read_images(m_.user, file.c_str(), &sink, &ctx); });
      throw_on_failure(status, ctx, plugin_, "modality '" + m_.name + "'", file);
      if (sink.pages.empty()) throw Error("the reader found no image in the file", file, "plugin '" + plugin_.name + "'");
      for (const auto& w : ctx.warnings) warnings.push_back(file + ": " + w);

      for (std::size_t k = 0; k < sink.pages.size(); ++k) {
        const io::GreyImage& page = sink.pages[k];
        const std::string where = sink.pages.size() > 1 ? "image " + std::to_string(k + 1) : std::string();
        if (!first) {
          first = page;
          first_file = file;
        } else if (page.width != first->width || page.height != first->height || page.bits != first->bits) {
          throw Error("the image is " + describe(page) + " but the first image (" + first_file + ") is " + describe(*first) +
                          "; a stack must share one size and depth", file, where);
        }
        if (slice >= volume.nz())
          throw Error("more images than the volume's " + std::to_string(volume.nz()) + " z slices", file, where);
        outside += place_slice(page, transform, volume, slice, channel.values);
        ++slice;
      }
    }
    if (slice != volume.nz())
      throw Error(std::to_string(slice) + " image(s) in " + std::to_string(files.size()) + " file(s), but the volume has " +
                  std::to_string(volume.nz()) + " z slices: give one image per slice", files.front(), "parameter 'paths'");
    if (outside == volume.voxel_count())
      throw Error("the transform places no voxel inside the images (check its scale and offset)", files.front(),
                  "parameter 'transform'");

    channel.description = m_.title + " from " + std::to_string(files.size()) + " file(s) starting with " + files.front() +
                          ", bilinear, NaN outside the images (plugin " + plugin_.name + ")" +
                          (m_.description.empty() ? "" : ": " + m_.description);
    volume.set_channel(channel_name, std::move(channel));

    ws.report = {{"channel", channel_name}, {"files", files}, {"images", slice},          {"width", first->width},
                 {"height", first->height},  {"bits", first->bits}, {"outside_voxels", outside}};
    if (outside > 0)
      ws.say(std::to_string(outside) + " of " + std::to_string(volume.voxel_count()) +
             " voxels fall outside the images and are NaN in channel '" + channel_name + "'");
    for (const auto& w : warnings) {
      ws.say("warning: " + w);
      ws.report["warnings"].push_back(w);
    }
    progress.report(1.0, "imported " + std::to_string(slice) + " images");
  }

private:
  static std::string describe(const io::GreyImage& g) {
    return std::to_string(g.width) + " x " + std::to_string(g.height) + " pixels, " + std::to_string(g.bits) + "-bit";
  }

  // Samples one image onto z slice `z`; returns how many voxels fell outside it.
  static std::int64_t place_slice(const io::GreyImage& page, const io::AffineTransform& t, const Volume& v, std::int64_t z,
                                  std::vector<float>& out) {
    std::int64_t outside = 0;
    const auto& o = v.origin();
    const auto& s = v.spacing();
    for (std::int64_t j = 0; j < v.ny(); ++j) {
      const double y = o[1] + static_cast<double>(j) * s[1];
      for (std::int64_t i = 0; i < v.nx(); ++i) {
        const double x = o[0] + static_cast<double>(i) * s[0];
        const float value = io::sample_bilinear(page, t.u(x, y), t.v(x, y));
        if (std::isnan(value)) ++outside;
        out[static_cast<std::size_t>(v.index(i, j, z))] = value;
      }
    }
    return outside;
  }

  DeclaredModality m_;
  PluginIdentity plugin_;
  pipeline::StepInfo info_;
};

class PredictStep final : public pipeline::Step {
public:
  PredictStep(DeclaredModality m, PluginIdentity plugin) : m_(std::move(m)), plugin_(std::move(plugin)) {
    info_.id = "predict-" + m_.name;
    info_.title = "Predict " + m_.title;
    info_.category = "Side modalities";
    info_.description = "Predicts the " + m_.title + " channel from the orientations with the plugin's forward model. " +
                        m_.predict_description;
    info_.origin = plugin_.name;
    info_.parameters = m_.predict_parameters;
    info_.parameters.push_back({"output", ParamType::String, m_.name + "_predicted", {}, {}, {}, "",
                                "name of the channel to create", {}});
  }

  const pipeline::StepInfo& info() const override { return info_; }

  void preflight(const pipeline::ParameterValues& params, pipeline::DataShape& shape) const override {
    const std::string output = params.get_string("output");
    if (output.empty()) throw Error("the output channel needs a name", "", "parameter 'output'");
    shape.channels.insert(output);
  }

  void execute(const pipeline::ParameterValues& params, pipeline::Workspace& ws, Progress& progress) const override {
    Volume& volume = ws.require_volume(info_.id);
    Channel channel;
    channel.values.assign(static_cast<std::size_t>(volume.voxel_count()), std::numeric_limits<float>::quiet_NaN());
    ebsd_context ctx;
    ctx.progress = &progress;
    ctx.log = [&ws](const std::string& line) { ws.say(line); };
    ebsd_params p{&params};
    ebsd_volume handle{&volume, &ctx};
    const ebsd_status status =
        guarded_call(ctx, [&] { return m_.predict(m_.user, &p, &handle, channel.values.data(), &ctx); });
    throw_on_failure(status, ctx, plugin_, "step '" + info_.id + "'");

    std::int64_t predicted = 0;
    for (const float x : channel.values) predicted += std::isnan(x) ? 0 : 1;
    channel.unit = m_.predict_unit;
    channel.description = "predicted " + m_.title + " (plugin " + plugin_.name + ")" +
                          (m_.predict_description.empty() ? "" : ": " + m_.predict_description);
    const std::string output = params.get_string("output");
    volume.set_channel(output, std::move(channel));
    ctx.report["channel"] = output;
    ctx.report["predicted_voxels"] = predicted;
    for (const auto& w : ctx.warnings) {
      ws.say("warning: " + w);
      ctx.report["warnings"].push_back(w);
    }
    ws.report = std::move(ctx.report);
  }

private:
  DeclaredModality m_;
  PluginIdentity plugin_;
  pipeline::StepInfo info_;
};

}  // namespace

std::vector<std::unique_ptr<pipeline::Step>> make_modality_steps(const DeclaredModality& m, const PluginIdentity& plugin) {
  std::vector<std::unique_ptr<pipeline::Step>> out;
  out.push_back(std::make_unique<ImportStep>(m, plugin));
  if (m.predict) out.push_back(std::make_unique<PredictStep>(m, plugin));
  return out;
}

}  // namespace ebsd::plugins

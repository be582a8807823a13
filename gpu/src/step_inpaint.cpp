// Step "inpaint": multimodal diffusion inpainting of sparse EBSD slices from side channels
// (METHODS.md section 3; ebsd/gpu/inpainting.hpp; docs/inpainting.md).
#include <cmath>
#include <memory>

#include "ebsd/gpu/device.hpp"
#include "ebsd/gpu/inpainting.hpp"
#include "ebsd/pipeline/step_registry.hpp"

namespace ebsd::gpu {
using namespace pipeline;

std::unique_ptr<Step> make_inpaint_step() {
  StepInfo info;
  info.id = "inpaint";
  info.title = "Inpaint sparse EBSD from a side modality";
  info.category = "Repair";
  info.origin = "gpu";
  info.description =
      "Fills the unmeasured pixels of sparse EBSD slices with a diffusion model trained on joint images of orientations "
      "and a cheap side modality (polarized light for hexagonal, BSE for cubic phases): linear inpainting by RePaint "
      "or DPS, several samples, the side image registered first. Adds inpaint_uncertainty (deg) and inpaint_observed.";
  info.parameters = {
      ParameterSpec{"side", ParamType::StringList, nlohmann::json::array(), {}, {}, {}, "",
                    "Volume channels fed as the model's side inputs, in order (empty: the model's names)", {}},
      ParameterSpec{"observed", ParamType::String, "", {}, {}, {}, "",
                    "Channel marking the measured EBSD pixels (> 0.5); or give fraction", {}},
      ParameterSpec{"fraction", ParamType::Float, 0.0, 0.0, 1.0, {}, "",
                    "Simulate a sparse scan: keep this fraction of the pixels, discard the rest", {}},
      ParameterSpec{"pattern", ParamType::Choice, "random", {}, {}, {"random", "grid"}, "", "Sparse scan pattern", {}},
      ParameterSpec{"sampler", ParamType::Choice, "repaint", {}, {}, {"repaint", "dps"}, "", "Inpainting sampler", {}},
      ParameterSpec{"samples", ParamType::Int, 4, 1.0, 64.0, {}, "", "Samples per slice (uncertainty from their spread)", {}},
      ParameterSpec{"steps", ParamType::Int, 50, 2.0, 1000.0, {}, "", "Reverse diffusion steps", {}},
      ParameterSpec{"resample", ParamType::Int, 2, 1.0, 20.0, {}, "", "RePaint resampling per step", {}},
      ParameterSpec{"dps_scale", ParamType::Float, 1.0, 0.0, 100.0, {}, "", "DPS step size zeta", {}},
      ParameterSpec{"use_side", ParamType::Bool, true, {}, {}, {}, "", "Observe the side channels (false: ablation)", {}},
      ParameterSpec{"register", ParamType::Bool, true, {}, {}, {}, "", "Estimate and correct an offset of the side image", {}},
      ParameterSpec{"consistency", ParamType::Float, 0.6, 0.01, 1.0, {}, "",
                    "3D: start each slice at this fraction of the noise levels from the previous slice (1: independent)", {}},
      ParameterSpec{"snap_deg", ParamType::Float, 10.0, 0.0, 30.0, {}, "deg",
                    "Evidence projection: generated pixels take the nearby measured orientation most samples are this close to (0: off)", {}},
      ParameterSpec{"side_weight", ParamType::Float, 1.0, 0.0, 100.0, {}, "",
                    "Projection: weight of the side image's likelihood against the samples' votes (0: votes alone)", {}},
      ParameterSpec{"smoothness", ParamType::Float, 1.0, 0.0, 100.0, {}, "",
                    "Projection: cost of a grain boundary per neighbour pair (0: every pixel on its own)", {}},
      ParameterSpec{"slices", ParamType::IntList, nlohmann::json::array(), 0.0, 1e9, {}, "", "z slices (empty: all)", {}},
      ParameterSpec{"seed", ParamType::Int, 1, 0.0, 1e15, {}, "", "Seed of the scan pattern and the sampler", {}},
      ParameterSpec{"device", ParamType::Choice, "cpu", {}, {}, {"cpu", "cuda"}, "", "Where the model runs", {}},
      ParameterSpec{"model", ParamType::String, "", {}, {}, {}, "",
                    "Weights (.safetensors); empty: the shipped model of the volume's phase", {}},
  };
  return std::make_unique<FunctionStep>(
      std::move(info),
      [](const ParameterValues& p, DataShape& shape) {
        parse_device(p.get_string("device"));
        if (p.get_string("observed").empty() && !(p.get_double("fraction") > 0.0))
          throw Error("give observed=CHANNEL or fraction in (0, 1]", "", "parameter 'observed'");
        if (!p.get_string("observed").empty() && !shape.may_have_channel(p.get_string("observed")))
          throw Error("the volume has no channel '" + p.get_string("observed") + "'", "", "parameter 'observed'");
        for (const auto& s : p.get_strings("side"))
          if (!shape.may_have_channel(s)) throw Error("the volume has no channel '" + s + "'", "", "parameter 'side'");
        shape.channels.insert(kInpaintUncertaintyChannel);
        shape.channels.insert(kInpaintObservedChannel);
      },
      [](const ParameterValues& p, Workspace& ws, Progress& progress) {
        Volume& v = ws.require_volume("inpaint");
        std::filesystem::path model = p.get_string("model");
        if (model.empty()) {
          // The shipped model of the first phase that has one.
          for (const auto& ph : v.phases())
            if (ph.laue == LaueGroup::CubicHigh || ph.laue == LaueGroup::HexagonalHigh) {
              model = default_diffusion_model_path(ph.laue);
              break;
            }
          if (model.empty()) throw Error("no m-3m or 6/mmm phase in the volume: no inpainting model applies", "", "model");
        }
        InpaintOptions o;
        o.side = p.get_strings("side");
        o.observed_channel = p.get_string("observed");
        o.sample_fraction = p.get_double("fraction");
        o.pattern = p.get_string("pattern");
        o.sampler = p.get_string("sampler");
        o.samples = p.get_int("samples"), o.steps = p.get_int("steps"), o.resample = p.get_int("resample");
        o.dps_scale = p.get_double("dps_scale");
        o.use_side = p.get_bool("use_side");
        o.register_side = p.get_bool("register");
        o.consistency = p.get_double("consistency");
        o.snap_deg = p.get_double("snap_deg");
        o.side_weight = p.get_double("side_weight");
        o.smoothness = p.get_double("smoothness");
        o.slices = p.get_int_list("slices");
        o.seed = static_cast<std::uint64_t>(p.get_int("seed"));
        const VolumeInpainter engine(model, parse_device(p.get_string("device")));
        const auto r = engine.run(v, o, progress);
        double unc = 0, shift = 0;
        for (const auto& s : r.slices) unc += s.mean_uncertainty_deg, shift = std::max(shift, std::hypot(s.dx, s.dy));
        ws.say("inpainted " + std::to_string(r.slices.size()) + " slice(s) by " + o.sampler + " (" + std::to_string(o.samples) +
               " samples), mean uncertainty " + std::to_string(r.slices.empty() ? 0.0 : unc / static_cast<double>(r.slices.size())) +
               " deg, largest side offset " + std::to_string(shift) + " px");
        ws.report = r.to_json();
      });
}

}  // namespace ebsd::gpu

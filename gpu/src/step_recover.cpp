// Step "recover": fills missing or distrusted z slices (METHODS.md section 6; docs/recovery.md).
// transformer = the axial transformer's prediction snapped by the symmetry-aware orientation
// projection; nearest, interp and fill are the baselines (core/analysis/slice_recovery).
#include <memory>
#include "ebsd/analysis/slice_recovery.hpp"
#include "ebsd/gpu/device.hpp"
#include "ebsd/pipeline/step_registry.hpp"
#include "recovery/recovery_engine.hpp"

namespace ebsd::gpu {
using namespace pipeline;

std::unique_ptr<Step> make_recover_step() {
  StepInfo info;
  info.id = "recover";
  info.title = "Recover missing slices";
  info.category = "Repair";
  info.origin = "gpu";
  info.description =
      "Recovers missing or damaged z slices: the axial transformer (Dong et al. 2023) with a symmetry-aware "
      "orientation projection, or a baseline (nearest slice, symmetry-aware interpolation, neighbour fill). "
      "Given slices are treated as missing even when they hold data. Adds the channel recovery_confidence.";
  info.parameters = {
      ParameterSpec{"method", ParamType::Choice, "transformer", {}, {}, {"transformer", "nearest", "interp", "fill"}, "",
                    "Transformer with projection, or a baseline", {}},
      ParameterSpec{"slices", ParamType::IntList, nlohmann::json::array(), 0.0, 1e9, {}, "",
                    "z slices to recover (treated as missing even when they hold data)", {}},
      ParameterSpec{"auto", ParamType::Bool, false, {}, {}, {}, "",
                    "Also recover slices marked missing or damaged, or whose CI, IQ or valid fraction drops", {}},
      ParameterSpec{"device", ParamType::Choice, "cpu", {}, {}, {"cpu", "cuda"}, "", "Where the transformer runs", {}},
      ParameterSpec{"model", ParamType::String, "", {}, {}, {}, "",
                    "Weights (.safetensors); empty: the shipped model (EBSD_RECOVERY_MODEL overrides)", {}},
  };
  return std::make_unique<FunctionStep>(
      std::move(info),
      [](const ParameterValues& p, DataShape& shape) {
        if (p.get_string("method") == "transformer") {
          parse_device(p.get_string("device"));
          if (p.get_string("model").empty()) recovery::default_model_path();
        }
        if (!p.get_bool("auto") && p.get_int_list("slices").empty())
          throw Error("give slices or auto=true", "", "parameter 'slices'");
        if (shape.known)
          for (auto z : p.get_int_list("slices"))
            if (z >= shape.dims[2])
              throw Error("slice " + std::to_string(z) + " is outside the volume (nz = " + std::to_string(shape.dims[2]) + ")",
                          "", "parameter 'slices'");
        shape.channels.insert(analysis::kRecoveryConfidenceChannel);
      },
      [](const ParameterValues& p, Workspace& ws, Progress& progress) {
        Volume& v = ws.require_volume("recover");
        std::vector<std::int64_t> slices = p.get_int_list("slices");
        if (p.get_bool("auto"))
          for (auto z : analysis::detect_bad_slices(v)) slices.push_back(z);
        const std::string method = p.get_string("method");
        analysis::RecoveryOptions o;
        o.method = method == "nearest"  ? analysis::RecoveryMethod::Nearest
                   : method == "interp" ? analysis::RecoveryMethod::Interp
                   : method == "fill"   ? analysis::RecoveryMethod::Fill
                                        : analysis::RecoveryMethod::Projection;
        std::string model;
        if (o.method == analysis::RecoveryMethod::Projection) {
          recovery::PredictorOptions po;
          po.model = p.get_string("model").empty() ? recovery::default_model_path() : std::filesystem::path(p.get_string("model"));
          po.device = parse_device(p.get_string("device"));
          model = po.model.string();
          o.predictor = recovery::make_transformer_predictor(po, progress);
        }
        const auto r = analysis::recover_slices(v, slices, o, progress);
        ws.say("recovered " + std::to_string(r.slices.size()) + " slice(s) by " + method + ", mean confidence " +
               std::to_string(r.mean_confidence));
        ws.report = {{"method", method}, {"slices", r.slices}, {"voxels", r.voxels}, {"mean_confidence", r.mean_confidence}};
        if (!model.empty()) ws.report["model"] = model;
      });
}

}  // namespace ebsd::gpu

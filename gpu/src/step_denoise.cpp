// Step "denoise": tensor robust PCA of a volume's channels (ScaledGD on Tucker factors, or its
// self-supervised deep unfolding), separating sparse corruption into a mask channel per
// channel. docs/rpca.md says what it is good for and where it is not.
#include <cstdio>
#include <memory>

#include "ebsd/gpu/device.hpp"
#include "ebsd/gpu/rpca.hpp"
#include "ebsd/pipeline/step_registry.hpp"

namespace ebsd::gpu {

using namespace pipeline;

namespace {

// Above this share of flagged voxels the step warns that the model does not fit (the synthetic
// polycrystals of docs/rpca.md: 2 % with 4 grains, 43-69 % with 20-100 grains at default ranks).
constexpr double kImplausibleOutlierFraction = 0.2;

rpca::VolumeDenoiseOptions options_from(const ParameterValues& p) {
  rpca::VolumeDenoiseOptions o;
  o.denoise.ranks = p.get_int_list("ranks");
  o.denoise.iterations = static_cast<int>(p.get_int("iterations"));
  o.denoise.scalar_outlier_factor = p.get_double("outlier_factor");
  o.denoise.orientation_outlier_deg = p.get_double("orientation_outlier_deg");
  o.channels = p.get_strings("channels");
  const auto replace = p.get_string("replace");
  o.replace = replace == "none" ? rpca::ReplaceMode::None : replace == "all" ? rpca::ReplaceMode::All : rpca::ReplaceMode::Outliers;
  return o;
}

rpca::RpcaSolver solver_from(const ParameterValues& p) {
  const Device device = parse_device(p.get_string("device"));
  if (p.get_string("method") == "unfolded") {
    UnfoldingTraining t;
    t.steps = static_cast<int>(p.get_int("training_steps"));
    t.unrolled_iterations = static_cast<int>(p.get_int("iterations"));
    return unfolded_solver(device, t);
  }
  // On the CPU our own fused kernels beat LibTorch's CPU path (docs/benchmarks.md).
  return device == Device::Cpu ? rpca::cpu_solver() : scaled_gd_solver(device);
}

}  // namespace

std::unique_ptr<Step> make_denoise_step() {
  StepInfo info;
  info.id = "denoise";
  info.title = "Denoise (tensor RPCA)";
  info.category = "Repair";
  info.origin = "gpu";
  info.description =
      "Splits each chosen channel (orientation, iq, ci or any extra channel) into a low-rank part and sparse "
      "corruption by tensor robust PCA (ScaledGD on Tucker factors, or its deep unfolding trained self-supervised "
      "on this volume). Adds a mask channel <name>_rpca_outliers per channel and, by default, replaces the "
      "outlier voxels by the low-rank estimate. NaN voxels (no value: outside an image, a KAM without "
      "neighbours) are left out of the model, never flagged and kept as NaN.";
  info.parameters = {
      ParameterSpec{"method", ParamType::Choice, "scaledgd", {}, {}, {"scaledgd", "unfolded"}, "",
                    "ScaledGD with tuned hyperparameters, or self-supervised unfolding (learns the 4 hyperparameters)", {}},
      ParameterSpec{"device", ParamType::Choice, "cpu", {}, {}, {"cpu", "cuda"}, "", "Where to compute", {}},
      ParameterSpec{"channels", ParamType::StringList, nlohmann::json::array(), {}, {}, {}, "",
                    "orientation, iq, ci or extra channel names (empty: all)", {}},
      ParameterSpec{"ranks", ParamType::IntList, nlohmann::json::array(), 1.0, 1e6, {}, "",
                    "Tucker ranks r1,r2,r3 (empty: about a tenth of each dimension)", 3},
      ParameterSpec{"iterations", ParamType::Int, 100, 1.0, 100000.0, {}, "", "ScaledGD iterations (unfolding depth)", {}},
      ParameterSpec{"training_steps", ParamType::Int, 100, 1.0, 100000.0, {}, "", "Adam steps of the unfolded model", {}},
      ParameterSpec{"replace", ParamType::Choice, "outliers", {}, {}, {"none", "outliers", "all"}, "",
                    "Keep the data (mask only), replace outlier voxels, or replace every voxel by the low-rank part", {}},
      ParameterSpec{"outlier_factor", ParamType::Float, 6.0, 0.0, 1000.0, {}, "",
                    "Scalar outlier: |Y - X| above this many times the median |Y - X|", {}},
      ParameterSpec{"orientation_outlier_deg", ParamType::Float, 5.0, 0.0, 180.0, {}, "deg",
                    "Orientation outlier: disorientation from the low-rank estimate above this", {}},
  };
  return std::make_unique<FunctionStep>(
      std::move(info),
      [](const ParameterValues& p, DataShape& shape) {
        parse_device(p.get_string("device"));  // "cuda" without a usable GPU fails here, before any work
        const auto ranks = p.get_int_list("ranks");
        if (shape.known) {
          for (std::size_t k = 0; k < ranks.size(); ++k)
            if (ranks[k] > shape.dims[k])
              throw Error("rank " + std::to_string(ranks[k]) + " exceeds dimension " + std::to_string(shape.dims[k]), "",
                          "parameter 'ranks'");
          for (const auto& c : p.get_strings("channels"))
            if (c != "orientation" && c != "iq" && c != "ci" && !shape.channels.count(c))
              throw Error("the volume has no channel '" + c + "'", "", "parameter 'channels'");
        }
        for (const auto& c : p.get_strings("channels")) shape.channels.insert(c + "_rpca_outliers");
      },
      [](const ParameterValues& p, Workspace& ws, Progress& progress) {
        Volume& v = ws.require_volume("denoise");
        const auto reports = rpca::denoise_volume(v, options_from(p), solver_from(p), progress);
        const double voxels = static_cast<double>(v.dims()[0]) * static_cast<double>(v.dims()[1]) * static_cast<double>(v.dims()[2]);
        nlohmann::json channels = nlohmann::json::array();
        for (const auto& r : reports) {
          if (!r.skipped.empty()) {
            channels.push_back({{"channel", r.channel}, {"skipped", r.skipped}});
            ws.say(r.channel + ": left as it is (" + r.skipped + ")");
            continue;
          }
          // The share among the voxels that have a value (NaN voxels are never outliers).
          const double fraction =
              static_cast<double>(r.outlier_count) / std::max(1.0, voxels - static_cast<double>(r.missing_count));
          channels.push_back({{"channel", r.channel},
                              {"mask_channel", r.mask_channel},
                              {"outliers", r.outlier_count},
                              {"outlier_fraction", fraction},
                              {"missing", r.missing_count},
                              {"iterations", r.iterations},
                              {"seconds", r.seconds}});
          ws.say(r.channel + ": " + std::to_string(r.outlier_count) + " outlier voxels (mask " + r.mask_channel + ")" +
                 (r.missing_count > 0 ? "; " + std::to_string(r.missing_count) + " NaN voxels left out and kept" : ""));
          // Outliers are sparse by the model's own assumption: a large share flagged means the
          // low-rank model does not fit the channel (a fine-grained polycrystal's orientations are
          // not low rank), and the mask then marks structure such as grain boundaries.
          if (fraction > kImplausibleOutlierFraction) {
            char percent[16];
            std::snprintf(percent, sizeof percent, "%.0f %%", 100.0 * fraction);
            ws.say("warning: " + r.channel + ": " + percent +
                   " of the voxels flagged: a low-rank model does not fit this channel at these ranks (fine-grained "
                   "polycrystals are not low rank; docs/rpca.md), so the mask marks structure, not only outliers");
          }
        }
        ws.report = {{"channels", channels}, {"method", p.get_string("method")}, {"device", p.get_string("device")}};
      });
}

}  // namespace ebsd::gpu

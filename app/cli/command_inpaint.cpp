// `ebsd inpaint IN -o OUT --side CHANNEL[,CHANNEL...] (--observed MASK_CHANNEL | --sample-fraction F)
// [--pattern random|grid] [--sampler repaint|dps] [--samples N] [--steps S] [--resample R]
// [--no-side] [--no-register] [--consistency C] [--snap DEG] [--side-weight W] [--smoothness S] [--slices LIST] [--seed S] [--device cpu|cuda]
// [--model PATH] [--json]`: steps read -> inpaint -> write (docs/inpainting.md).
#include "cli_support.hpp"
#include "commands.hpp"
#include "step_chain.hpp"

namespace ebsd::cli {

void register_inpaint(CLI::App& app, CommandList& out) {
  struct Args {
    std::string input, output, side, observed, pattern = "random", sampler = "repaint", device = "cpu", model, slices;
    double fraction = 0.0, consistency = 0.6, dps_scale = 1.0, snap = 10.0, side_weight = 1.0, smoothness = 1.0;
    std::int64_t samples = 4, steps = 50, resample = 2, seed = 1;
    bool no_side = false, no_register = false, json = false;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand("inpaint", "Fill sparse EBSD slices from a side modality with the diffusion model");
  sub->add_option("file", a->input, "Input volume")->required();
  sub->add_option("-o,--output", a->output, "Output volume (format from the extension)")->required();
  sub->add_option("--side", a->side, "Side channel(s) of the volume, in the model's order, e.g. bse or pl0,pl30,pl60 "
                                     "(default: the model's names)");
  auto* obs = sub->add_option("--observed", a->observed, "Channel marking the measured EBSD pixels (> 0.5)");
  auto* frac = sub->add_option("--sample-fraction", a->fraction, "Simulate a sparse scan keeping this fraction of a full map")
                   ->check(CLI::Range(0.0, 1.0));
  obs->excludes(frac);
  sub->add_option("--pattern", a->pattern, "Sparse scan pattern: random or grid")->capture_default_str();
  sub->add_option("--sampler", a->sampler, "repaint or dps")->capture_default_str();
  sub->add_option("--samples", a->samples, "Samples per slice (their spread gives inpaint_uncertainty)")->capture_default_str();
  sub->add_option("--steps", a->steps, "Reverse diffusion steps")->capture_default_str();
  sub->add_option("--resample", a->resample, "RePaint resampling per step")->capture_default_str();
  sub->add_option("--dps-scale", a->dps_scale, "DPS step size")->capture_default_str();
  sub->add_flag("--no-side", a->no_side, "Do not observe the side channels (ablation: EBSD pixels only)");
  sub->add_flag("--no-register", a->no_register, "Do not estimate and correct an offset of the side image");
  sub->add_option("--consistency", a->consistency, "3D: start each slice from the previous one at this noise fraction (1: independent)")
      ->capture_default_str();
  sub->add_option("--snap", a->snap, "Evidence projection: the samples vote for the nearby measured grain they are within this many degrees of (0: off, the raw output)")
      ->capture_default_str();
  sub->add_option("--side-weight", a->side_weight, "Evidence projection: weight of the side image's likelihood against the samples' votes (0: votes alone)")
      ->capture_default_str()->check(CLI::Range(0.0, 100.0));
  sub->add_option("--smoothness", a->smoothness, "Evidence projection: cost of a grain boundary per neighbour pair (0: each pixel on its own)")
      ->capture_default_str()->check(CLI::Range(0.0, 100.0));
  sub->add_option("--slices", a->slices, "z slices, e.g. 0-9 (default: all)");
  sub->add_option("--seed", a->seed, "Seed of the scan pattern and the sampler")->capture_default_str();
  sub->add_option("--device", a->device, "cpu or cuda")->capture_default_str();
  sub->add_option("--model", a->model, "Weights (.safetensors); default: the shipped model of the volume's phase");
  sub->add_flag("--json", a->json, "Print what was done as JSON");
  out.push_back({sub, [a]() {
                   if (a->observed.empty() && !(a->fraction > 0.0))
                     throw UsageError("inpaint", "give --observed MASK_CHANNEL or --sample-fraction F");
                   nlohmann::json params{{"observed", a->observed}, {"fraction", a->fraction}, {"pattern", a->pattern},
                                         {"sampler", a->sampler},   {"samples", a->samples},   {"steps", a->steps},
                                         {"resample", a->resample}, {"dps_scale", a->dps_scale}, {"use_side", !a->no_side},
                                         {"register", !a->no_register}, {"consistency", a->consistency}, {"snap_deg", a->snap},
                                         {"side_weight", a->side_weight}, {"smoothness", a->smoothness}, {"seed", a->seed},
                                         {"device", a->device},     {"model", a->model}};
                   if (!a->side.empty()) params["side"] = {{"$text", a->side}};
                   if (!a->slices.empty()) params["slices"] = {{"$text", a->slices}};
                   return run_read_step_write("inpaint", params, a->input, a->output, a->json);
                 }});
}

}  // namespace ebsd::cli

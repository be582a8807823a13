// `ebsd train recovery --steps N --out DIR [--device cuda] [--resume CKPT] [--seed S] [--batch B]
// [--dim D --depth L] [--max-seconds T] [--stop-after T] [--json]`: the GPU module's "train-recovery" task.
// `ebsd train diffusion --laue 6/mmm|m-3m --out DIR [--steps N] [--device cuda] [--resume CKPT] [--batch B]
// [--crop C] [--base W] [--volumes V] [--max-seconds T] [--stop-after T] [--json]`: the "train-diffusion" task.
#include <cstdio>
#include "cli_registry.hpp"
#include "cli_support.hpp"
#include "commands.hpp"

namespace ebsd::cli {

namespace {

// `ebsd train diffusion`: DDPM training of the inpainting U-Net (docs/inpainting.md).
void register_train_diffusion(CLI::App* train, CommandList& out) {
  struct Args {
    std::string laue = "6/mmm", out = "diffusion-model", device = "cpu", resume;
    std::int64_t steps = 100000, batch = 32, crop = 64, base = 32, volumes = 8, volume_size = 128, volume_slices = 24,
                 val_every = 500;
    std::uint64_t seed = 1;
    double max_seconds = 0, stop_after = 0, lr = 2e-4;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* sub = train->add_subcommand("diffusion", "DDPM training of the multimodal inpainting U-Net on synthetic joint images");
  sub->add_option("--laue", a->laue, "Laue group of the phase: 6/mmm (polarized light) or m-3m (BSE)")->capture_default_str();
  sub->add_option("--steps", a->steps, "Optimiser steps")->capture_default_str()->check(CLI::Range(1, 100000000));
  sub->add_option("--out", a->out, "Output folder (weights, checkpoint, log.jsonl)")->capture_default_str();
  sub->add_option("--device", a->device, "cpu or cuda")->capture_default_str();
  sub->add_option("--resume", a->resume, "Checkpoint folder to continue from (an earlier --out)");
  sub->add_option("--seed", a->seed, "Seed of data and initialisation")->capture_default_str();
  sub->add_option("--batch", a->batch, "Crops per step")->capture_default_str()->check(CLI::Range(1, 4096));
  sub->add_option("--crop", a->crop, "Crop size in pixels (a multiple of 8)")->capture_default_str();
  sub->add_option("--base", a->base, "U-Net width of the first level")->capture_default_str();
  sub->add_option("--volumes", a->volumes, "Synthetic training volumes")->capture_default_str();
  sub->add_option("--volume-size", a->volume_size, "In-plane size of each volume")->capture_default_str();
  sub->add_option("--volume-slices", a->volume_slices, "Slices per volume")->capture_default_str();
  sub->add_option("--val-every", a->val_every, "Validate (and save) every this many steps")->capture_default_str();
  sub->add_option("--lr", a->lr, "Maximum learning rate")->capture_default_str();
  sub->add_option("--max-seconds", a->max_seconds, "Training time in all, resumed runs included (0: no limit)");
  sub->add_option("--stop-after", a->stop_after, "End this run after so many seconds, resumable (0: no limit)");
  sub->add_flag("--json", a->json, "Print the summary as JSON");
  out.push_back({sub, [a]() {
                   nlohmann::json args{{"laue", a->laue},       {"steps", a->steps},     {"out", a->out},
                                       {"device", a->device},   {"seed", a->seed},       {"batch", a->batch},
                                       {"crop", a->crop},       {"base", a->base},       {"volumes", a->volumes},
                                       {"volume_size", a->volume_size}, {"volume_slices", a->volume_slices},
                                       {"val_every", a->val_every}, {"lr", a->lr},    {"max_seconds", a->max_seconds},
                                       {"stop_after_seconds", a->stop_after}};
                   if (!a->resume.empty()) args["resume"] = a->resume;
                   auto progress = make_progress("train diffusion", a->json);
                   const auto r = task_registry().get("train-diffusion").run(args, progress);
                   if (a->json) {
                     print_json(r);
                     return 0;
                   }
                   std::printf("%lld steps in %.1f s: loss %.4f -> %.4f, validation loss %.4f; weights in %s\n",
                               r["steps_run"].get<long long>(), r["seconds"].get<double>(), r["first_loss"].get<double>(),
                               r["loss_ema"].get<double>(), r["val_loss"].get<double>(), r["out"].get<std::string>().c_str());
                   return 0;
                 }});
}

}  // namespace

void register_train(CLI::App& app, CommandList& out) {
  auto* train = app.add_subcommand("train", "Train models of the compute engine");
  train->require_subcommand(1);
  struct Args {
    std::int64_t steps = 1000, batch = 4, dim = 64, depth = 4, heads = 8, val_every = 200, volumes = 6;
    std::string ff = "conv", out = "recovery-model", device = "cpu", resume, optimizer = "adamw";
    std::uint64_t seed = 1;
    double max_seconds = 0, stop_after = 0, lr = 0;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* sub = train->add_subcommand("recovery", "Self-supervised training of the slice-recovery transformer on synthetic volumes");
  sub->add_option("--steps", a->steps, "Optimiser steps")->capture_default_str()->check(CLI::Range(1, 100000000));
  sub->add_option("--out", a->out, "Output folder (weights, checkpoint, log.jsonl)")->capture_default_str();
  sub->add_option("--device", a->device, "cpu or cuda")->capture_default_str();
  sub->add_option("--resume", a->resume, "Checkpoint folder to continue from (an earlier --out)");
  sub->add_option("--seed", a->seed, "Seed of data and initialisation")->capture_default_str();
  sub->add_option("--batch", a->batch, "Blocks per step")->capture_default_str()->check(CLI::Range(1, 1024));
  sub->add_option("--dim", a->dim, "Model width D")->capture_default_str();
  sub->add_option("--depth", a->depth, "Transformer blocks")->capture_default_str();
  sub->add_option("--heads", a->heads, "Attention heads (must divide --dim)")->capture_default_str();
  sub->add_option("--ff", a->ff, "Feed-forward of each block: conv (the paper's) or depthwise (cheap)")
      ->capture_default_str()
      ->check(CLI::IsMember({"conv", "depthwise"}));
  sub->add_option("--volumes", a->volumes, "Synthetic training volumes")->capture_default_str();
  sub->add_option("--val-every", a->val_every, "Validate every this many steps")->capture_default_str();
  sub->add_option("--optimizer", a->optimizer, "adamw or sgd (the paper's)")->capture_default_str();
  sub->add_option("--lr", a->lr, "Maximum learning rate (0: the optimizer's default)");
  sub->add_option("--max-seconds", a->max_seconds,
                  "Training time in all, resumed runs included; the learning rate anneals over it (0: no limit)");
  sub->add_option("--stop-after", a->stop_after,
                  "End this run after so many seconds, resumable, the schedule still spanning --max-seconds (0: no limit)");
  sub->add_flag("--json", a->json, "Print the summary as JSON");
  out.push_back({sub, [a]() {
                   nlohmann::json args{{"steps", a->steps},     {"out", a->out},         {"device", a->device},
                                       {"seed", a->seed},       {"batch", a->batch},     {"dim", a->dim},
                                       {"depth", a->depth},     {"heads", a->heads},     {"ff", a->ff},
                                       {"volumes", a->volumes}, {"val_every", a->val_every},
                                       {"optimizer", a->optimizer}, {"max_seconds", a->max_seconds},
                                       {"stop_after_seconds", a->stop_after}};
                   if (a->lr > 0) args["lr"] = a->lr;
                   if (!a->resume.empty()) args["resume"] = a->resume;
                   auto progress = make_progress("train recovery", a->json);
                   const auto r = task_registry().get("train-recovery").run(args, progress);
                   if (a->json) {
                     print_json(r);
                     return 0;
                   }
                   std::printf("%lld steps in %.1f s: loss %.4f -> %.4f, best validation boundary accuracy %.4f; weights in %s\n",
                               r["steps_run"].get<long long>(), r["seconds"].get<double>(), r["first_loss"].get<double>(),
                               r["loss_ema"].get<double>(), r["best_val_boundary_accuracy"].get<double>(),
                               r["out"].get<std::string>().c_str());
                   return 0;
                 }});
  register_train_diffusion(train, out);
}

}  // namespace ebsd::cli

// Task "train-diffusion": DDPM training of the inpainting U-Net on joint images of synthetic
// microstructures (METHODS.md section 3(a), steps 1-2; docs/inpainting.md). Arguments (JSON, all
// optional):
//   laue ("6/mmm" | "m-3m"), steps (100000), batch (32), crop (64), out ("diffusion-model"),
//   device ("cpu"), seed (1), resume (checkpoint folder), base (32), mults ([1,2,2,4]),
//   res_blocks (2), volumes (8), volume_size (128: x and y), volume_slices (24), grain_diameter
//   ([8, 24] voxels: the volumes' mean diameters spread over this range), side_noise (0.02),
//   timesteps (1000), lr (2e-4), ema (0.999), val_every (500), max_seconds (0 = none: training
//   time in all, resumed runs included; the learning rate decays over whichever of steps and
//   max_seconds comes first), stop_after_seconds (0 = none: end this run, resumable).
// Writes out/model.safetensors (EMA weights, F16), out/last.safetensors + out/ema.safetensors (F32)
// + out/optimizer.pt + out/state.json (resumable), out/log.jsonl; returns a summary.
#include <chrono>
#include <cstring>
#include <cmath>
#include <fstream>
#include <future>
#include <numbers>
#include <random>

#include "diffusion/unet.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/gpu/device.hpp"
#include "ebsd/orientation/orientation_embedding.hpp"
#include "ebsd/pipeline/task_registry.hpp"
#include "ebsd/synth/inpainting_data.hpp"
#include "ebsd/synth/microstructure.hpp"
#include "ebsd/synth/representative_phase.hpp"

namespace ebsd::gpu::diffusion {
namespace {

// All joint images of one synthetic volume: [slices, C, ny, nx].
torch::Tensor make_slices(LaueGroup laue, std::int64_t n, std::int64_t nz, double diameter, double noise, std::uint64_t seed) {
  synth::SynthOptions o;
  o.dims = {n, n, nz};
  o.seed = seed;
  o.phases = {synth::representative_phase(laue)};
  o.size_sigma = 0.4;
  o.twin_fraction = laue == LaueGroup::CubicHigh ? 0.3 : 0.0;
  // Grain count from the mean diameter: volume / volume of a sphere of that diameter.
  o.grains = std::max(8, static_cast<int>(static_cast<double>(n * n * nz) / (std::numbers::pi / 6.0 * std::pow(diameter, 3))));
  auto r = synth::generate_microstructure(o);
  Volume& v = r.volume;
  synth::add_inpainting_side_channels(v, laue, noise, seed * 31 + 7);
  const auto& emb = orientation_embedding(laue);
  const auto side = synth::inpainting_side_channels(laue);
  const std::int64_t C = emb.dims() + static_cast<std::int64_t>(side.size());
  auto t = torch::empty({nz, C, n, n});
  for (std::int64_t z = 0; z < nz; ++z) {
    const auto img = synth::joint_image(v, z, emb, side);
    std::memcpy(t[z].data_ptr<float>(), img.data(), img.size() * sizeof(float));
  }
  return t;
}

double learning_rate(double max_lr, double f, std::int64_t step, std::int64_t steps) {
  // Linear warm-up over 200 steps (a tenth of a shorter run), then cosine to a tenth of the maximum.
  const double warm = std::min(1.0, static_cast<double>(step + 1) / static_cast<double>(std::clamp<std::int64_t>(steps / 10, 1, 200)));
  return warm * (0.1 * max_lr + 0.9 * max_lr * 0.5 * (1 + std::cos(std::numbers::pi * std::min(1.0, f))));
}

}  // namespace

nlohmann::json train_diffusion(const nlohmann::json& args, Progress& progress) {
  namespace fs = std::filesystem;
  const LaueGroup laue = laue_from_symbol(args.value("laue", std::string("6/mmm")));
  const auto steps = args.value("steps", std::int64_t{100000});
  const auto batch = args.value("batch", std::int64_t{32});
  const auto crop = args.value("crop", std::int64_t{64});
  const fs::path out = args.value("out", std::string("diffusion-model"));
  const Device device = parse_device(args.value("device", std::string("cpu")));
  const auto seed = args.value("seed", std::uint64_t{1});
  const auto nvol = args.value("volumes", 8);
  const auto vsize = args.value("volume_size", std::int64_t{128});
  const auto vslices = args.value("volume_slices", std::int64_t{24});
  const auto diam = args.value("grain_diameter", std::vector<double>{8.0, 24.0});
  const double noise = args.value("side_noise", 0.02);
  const double max_lr = args.value("lr", 2e-4);
  const double ema_decay = args.value("ema", 0.999);
  const auto val_every = args.value("val_every", std::int64_t{500});
  const double max_seconds = args.value("max_seconds", 0.0);
  const double stop_after = args.value("stop_after_seconds", 0.0);
  const auto& emb = orientation_embedding(laue);
  const auto side = synth::inpainting_side_channels(laue);
  UNetConfig cfg;
  cfg.channels = emb.dims() + static_cast<std::int64_t>(side.size());
  cfg.base = args.value("base", cfg.base);
  cfg.mults = args.value("mults", cfg.mults);
  cfg.res_blocks = args.value("res_blocks", cfg.res_blocks);
  cfg = UNetConfig::from_json(cfg.to_json());
  ModelMeta meta;
  meta.config = cfg;
  meta.laue = std::string(laue_symbol(laue));
  meta.side = side;
  meta.orientation_dims = emb.dims();
  meta.timesteps = args.value("timesteps", std::int64_t{1000});
  meta.embedding_fingerprint = emb.fingerprint();
  if (steps < 1 || batch < 1 || nvol < 1 || crop < cfg.multiple() || crop % cfg.multiple() || vsize < crop || vslices < 1 ||
      diam.size() != 2 || !(diam[0] >= 2 && diam[1] >= diam[0]) || meta.timesteps < 10)
    throw Error("bad training arguments (steps, batch, volumes >= 1; crop a multiple of " + std::to_string(cfg.multiple()) +
                    " and <= volume_size; grain_diameter [lo, hi] >= 2; timesteps >= 10)",
                "", "train-diffusion");
  fs::create_directories(out);
  torch::manual_seed(seed);
  const auto dev = device == Device::Cuda ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);

  // Data: volumes in parallel on the CPU (the generator is single-threaded), one held out.
  progress.report(0.0, "generating synthetic volumes");
  const auto t_data = std::chrono::steady_clock::now();
  std::vector<std::future<torch::Tensor>> jobs;
  for (int i = 0; i <= nvol; ++i) {
    const double d = nvol > 1 ? diam[0] + (diam[1] - diam[0]) * (i % nvol) / (nvol - 1) : 0.5 * (diam[0] + diam[1]);
    jobs.push_back(std::async(std::launch::async, [=] {
      return make_slices(laue, vsize, vslices, i == nvol ? 0.5 * (diam[0] + diam[1]) : d, noise, seed * 1000 + static_cast<std::uint64_t>(i));
    }));
  }
  std::vector<torch::Tensor> parts;
  for (int i = 0; i < nvol; ++i) parts.push_back(jobs[static_cast<std::size_t>(i)].get());
  const auto data = torch::cat(parts).to(dev);  // [S, C, n, n]
  const auto val_data = jobs.back().get().to(dev);
  const double data_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_data).count();
  progress.check();

  auto alpha_bar = cosine_alpha_bar(meta.timesteps).to(torch::kFloat32).to(dev);
  std::mt19937_64 rng(seed + 17);
  auto random_crops = [&](const torch::Tensor& src, std::int64_t count, std::mt19937_64& g) {
    std::uniform_int_distribution<std::int64_t> sd(0, src.size(0) - 1), od(0, src.size(2) - crop), pd(0, src.size(3) - crop);
    std::vector<torch::Tensor> xs;
    for (std::int64_t b = 0; b < count; ++b) xs.push_back(src[sd(g)].narrow(1, od(g), crop).narrow(2, pd(g), crop));
    return torch::stack(xs);
  };
  // Validation: fixed crops, timesteps and noise of the held-out volume.
  std::mt19937_64 vrng(seed + 99);
  const std::int64_t nval = 64;
  const auto val_x0 = random_crops(val_data, nval, vrng);
  torch::manual_seed(seed + 5);
  const auto val_t = torch::randint(0, meta.timesteps, {nval}, torch::TensorOptions().dtype(torch::kInt64)).to(dev);
  const auto val_eps = torch::randn_like(val_x0);

  UNet model(cfg), ema(cfg);
  std::int64_t start = 0;
  double seconds_before = 0.0, best = 1e300;
  const bool resume = args.contains("resume") && !args["resume"].is_null();
  if (resume) {
    const fs::path r = args["resume"].get<std::string>();
    ModelMeta m1, m2;
    model = load_unet(r / "last.safetensors", m1);
    ema = load_unet(r / "ema.safetensors", m2);
    if (m1.laue != meta.laue) throw Error("the checkpoint is for " + m1.laue, r.string(), "resume");
    std::ifstream s(r / "state.json");
    if (!s) throw Error("no state.json in the checkpoint folder", r.string(), "resume");
    const auto st = nlohmann::json::parse(s);
    start = st.at("step"), seconds_before = st.value("seconds", 0.0), best = st.value("best_val_loss", 1e300);
  } else {
    torch::NoGradGuard g;
    auto src = model->parameters(), dst = ema->parameters();
    for (std::size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
  }
  model->to(dev), ema->to(dev);
  model->train();
  for (auto& p : ema->parameters()) p.set_requires_grad(false);
  torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(max_lr).weight_decay(0.0));
  bool fresh_moments = false;
  if (resume) {
    const auto o = fs::path(args["resume"].get<std::string>()) / "optimizer.pt";
    if (fs::exists(o)) torch::load(opt, o.string());
    else fresh_moments = true;
  }
  std::int64_t params = 0;
  for (const auto& p : model->parameters()) params += p.numel();

  std::ofstream log(out / "log.jsonl", std::ios::app);
  const auto t0 = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  auto loss_of = [&](UNet& net, const torch::Tensor& x0, const torch::Tensor& t, const torch::Tensor& eps) {
    auto a = alpha_bar.index_select(0, t).view({-1, 1, 1, 1});
    auto xt = a.sqrt() * x0 + (1 - a).sqrt() * eps;
    return (net->forward(xt, t) - eps).pow(2).mean();
  };
  auto validate = [&] {
    torch::NoGradGuard g;
    ema->eval();
    double l = 0;
    for (std::int64_t b = 0; b < nval; b += 16)
      l += loss_of(ema, val_x0.narrow(0, b, 16), val_t.narrow(0, b, 16), val_eps.narrow(0, b, 16)).item<double>() * 16;
    return l / static_cast<double>(nval);
  };
  auto checkpoint = [&](std::int64_t step) {
    save_unet(model, meta, out / "last.safetensors");
    save_unet(ema, meta, out / "ema.safetensors");
    torch::save(opt, (out / "optimizer.pt").string());
    std::ofstream(out / "state.json") << nlohmann::json{{"step", step}, {"seconds", seconds_before + seconds()}, {"best_val_loss", best}}.dump(2);
  };
  auto save_final = [&](std::int64_t step, double val) {
    ModelMeta m = meta;
    m.extra = {{"step", std::to_string(step)}, {"val_loss", std::to_string(val)}, {"seed", std::to_string(seed)},
               {"training_seconds", std::to_string(seconds_before + seconds())}};
    save_unet(ema, m, out / "model.safetensors", true);
  };
  torch::manual_seed(seed + static_cast<std::uint64_t>(start) * 7919);
  rng.seed(seed + static_cast<std::uint64_t>(start) * 7919);
  double first_loss = -1, last_loss = 0, ema_loss = 0, last_val = -1;
  std::int64_t step = start;
  for (; step < steps; ++step) {
    progress.check();
    if (max_seconds > 0 && seconds_before + seconds() > max_seconds) break;
    if (stop_after > 0 && seconds() > stop_after) break;
    double f = static_cast<double>(step) / static_cast<double>(steps);
    if (max_seconds > 0) f = std::max(f, (seconds_before + seconds()) / max_seconds);
    const double lr = learning_rate(max_lr, f, step, steps);
    for (auto& group : opt.param_groups()) group.options().set_lr(lr);
    auto x0 = random_crops(data, batch, rng);
    // Random 180-degree turns of the crop would need the orientations turned with it, so the only
    // augmentation is the choice of crop; the data are many slices of several volumes.
    auto t = torch::randint(0, meta.timesteps, {batch}, torch::TensorOptions().dtype(torch::kInt64).device(dev));
    auto loss = loss_of(model, x0, t, torch::randn_like(x0));
    opt.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
    opt.step();
    {
      // EMA with a warm-up (the decay grows with the step) so short runs still average.
      torch::NoGradGuard g;
      const double d = std::min(ema_decay, (1.0 + static_cast<double>(step)) / (10.0 + static_cast<double>(step)));
      auto src = model->parameters(), dst = ema->parameters();
      for (std::size_t i = 0; i < src.size(); ++i) dst[i].mul_(d).add_(src[i].detach(), 1.0 - d);
    }
    last_loss = loss.item<double>();
    if (first_loss < 0) first_loss = last_loss, ema_loss = last_loss;
    ema_loss = 0.98 * ema_loss + 0.02 * last_loss;
    const bool val_now = (step + 1) % val_every == 0 || step + 1 == steps;
    nlohmann::json line{{"step", step + 1}, {"loss", last_loss}, {"loss_ema", ema_loss}, {"lr", lr}, {"seconds", seconds()}};
    if (val_now) {
      last_val = validate();
      line["val_loss"] = last_val;
      best = std::min(best, last_val);
      save_final(step + 1, last_val);
      checkpoint(step + 1);
    }
    if (val_now || (step + 1) % 50 == 0 || steps <= 200) log << line.dump() << "\n" << std::flush;
    progress.report(static_cast<double>(step + 1) / static_cast<double>(steps), "loss " + std::to_string(ema_loss));
  }
  if (step > start && (step % val_every != 0)) {
    last_val = validate();
    best = std::min(best, last_val);
    log << nlohmann::json{{"step", step}, {"val_loss", last_val}, {"seconds", seconds()}}.dump() << "\n";
    save_final(step, last_val);
  }
  checkpoint(step);
  return {{"steps_run", step - start},
          {"step", step},
          {"first_loss", first_loss},
          {"last_loss", last_loss},
          {"loss_ema", ema_loss},
          {"val_loss", last_val},
          {"best_val_loss", best},
          {"seconds", seconds()},
          {"data_seconds", data_seconds},
          {"training_images", data.size(0)},
          {"parameters", params},
          {"config", cfg.to_json()},
          {"laue", meta.laue},
          {"side", side},
          {"device", device == Device::Cuda ? "cuda" : "cpu"},
          {"seed", seed},
          {"resumed_with_fresh_optimizer_moments", fresh_moments},
          {"out", out.string()}};
}

pipeline::Task make_train_diffusion_task() {
  return {"train-diffusion",
          "DDPM training of the multimodal inpainting U-Net on synthetic joint images (METHODS.md 3)",
          [](const nlohmann::json& args, Progress& progress) { return train_diffusion(args, progress); }};
}

}  // namespace ebsd::gpu::diffusion

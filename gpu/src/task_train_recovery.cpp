// Task "train-recovery": self-supervised training of the axial transformer on synthetic volumes
// (METHODS.md section 6(a), training). Arguments (JSON, all optional):
//   steps (int, 1000), batch (4), out (folder, "recovery-model"), device ("cpu"), seed (1),
//   resume (checkpoint folder), dim/depth/heads (64/4/8), ff ("conv" | "depthwise"), block (64: crop size in-plane),
//   volumes (6), volume_size (64), optimizer ("adamw" | "sgd" = the paper's), lr (max LR of the
//   one-cycle schedule; 2e-3 adamw, 1e-2 sgd), val_every (200), max_seconds (0 = none: training time
//   in all, resumed runs included; the learning-rate schedule ends with whichever of steps and
//   max_seconds comes first), stop_after_seconds (0 = none: end this run after so many seconds,
//   resumable, the schedule still spanning max_seconds; for runs split over several sessions).
// Writes out/model.safetensors (best validation boundary accuracy, F16), out/last.safetensors (F32) +
// out/optimizer.pt + out/state.json (resumable), out/log.jsonl; returns a summary.
#include <chrono>
#include <fstream>
#include <random>
#include "ebsd/analysis/segmentation.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "ebsd/pipeline/task_registry.hpp"
#include "ebsd/synth/microstructure.hpp"
#include "recovery/axial_transformer.hpp"
#include "recovery/recovery_engine.hpp"

namespace ebsd::gpu::recovery {
namespace {

struct TrainVolume {
  torch::Tensor cu;        // [X, Y, Z, 3] normalised cubochoric
  torch::Tensor ids;       // [X, Y, Z] feature ids (int64)
  torch::Tensor boundary;  // [X, Y, Z] bool
};

// Training data: cubic (m-3m) volumes with the paper's size spread (sigma 0.4), mean grain
// diameters of about 7 to 12 voxels and 0 to 50 % twinned grains; one held-out validation volume.
TrainVolume make_volume(std::int64_t n, std::uint64_t seed, int grains, double twins) {
  synth::SynthOptions o;
  o.dims = {n, n, n};
  o.grains = grains;
  o.seed = seed;
  o.twin_fraction = twins;
  o.size_sigma = 0.4;
  const auto r = synth::generate_microstructure(o);
  const Volume& v = r.volume;
  const auto boundary = analysis::grain_boundary_mask(v, r.feature_ids);
  TrainVolume t;
  t.cu = torch::zeros({n, n, n, 3});
  t.ids = torch::zeros({n, n, n}, torch::kInt64);
  t.boundary = torch::zeros({n, n, n}, torch::kBool);
  auto a = t.cu.accessor<float, 4>();
  auto ia = t.ids.accessor<std::int64_t, 3>();
  auto ba = t.boundary.accessor<bool, 3>();
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    const auto c = v.coords(i);
    const auto cu = cubochoric_from_quat(v.orientation(i));
    for (int k = 0; k < 3; ++k) a[c[0]][c[1]][c[2]][k] = (static_cast<float>(cu[k]) - kCuMean[k]) / kCuStd[k];
    ia[c[0]][c[1]][c[2]] = r.feature_ids[static_cast<std::size_t>(i)];
    ba[c[0]][c[1]][c[2]] = boundary[static_cast<std::size_t>(i)] != 0;
  }
  return t;
}

struct Sample {
  torch::Tensor input, target, loss_mask, ids;  // [X, W, Y, 3], [X, W, Y, 3], [X, Y], [X, W, Y]
  std::int64_t pos = 3;
};

// The paper's sampling: random axis permutation, a window of lw slices, random crop (volume
// zero-padded by 3 in-plane), 90 deg rotation, flip, cubochoric sign flip, per-channel affine
// jitter; one slice masked (and, half of the time, the next one too: runs of two missing slices).
Sample sample_block(const TrainVolume& v, const AxialConfig& c, std::mt19937_64& rng, bool augment) {
  std::uniform_int_distribution<int> perm_d(0, 5);
  static const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  const int* p = augment ? perms[perm_d(rng)] : perms[0];
  // Our sectioning axis is the volume's last: model axes (x, w, y) = (p0, p2, p1).
  auto cu = v.cu.permute({p[0], p[2], p[1], 3});
  auto ids = v.ids.permute({p[0], p[2], p[1]});
  auto bd = v.boundary.permute({p[0], p[2], p[1]});
  // Crop first, then pad: the block is cut from the volume as if it were zero-padded by 3 voxels
  // in-plane, without building the padded volume (which made the data, not the model, the
  // bottleneck of a training step).
  constexpr std::int64_t pad = 3;
  std::uniform_int_distribution<std::int64_t> wd(0, cu.size(1) - c.lw), xd(0, cu.size(0) + 2 * pad - c.lx),
      yd(0, cu.size(2) + 2 * pad - c.ly);
  const std::int64_t w0 = wd(rng), x0 = augment ? xd(rng) : pad, y0 = augment ? yd(rng) : pad;
  auto crop = [&](const torch::Tensor& t) {
    auto shape = t.sizes().vec();
    shape[0] = c.lx, shape[1] = c.lw, shape[2] = c.ly;
    auto out = torch::zeros(shape, t.options());
    const std::int64_t xa = std::max<std::int64_t>(0, x0 - pad), xb = std::min(t.size(0), x0 - pad + c.lx);
    const std::int64_t ya = std::max<std::int64_t>(0, y0 - pad), yb = std::min(t.size(2), y0 - pad + c.ly);
    if (xb > xa && yb > ya)
      out.narrow(0, xa - (x0 - pad), xb - xa)
          .narrow(2, ya - (y0 - pad), yb - ya)
          .copy_(t.narrow(0, xa, xb - xa).narrow(1, w0, c.lw).narrow(2, ya, yb - ya));
    return out;
  };
  cu = crop(cu), ids = crop(ids), bd = crop(bd);
  if (augment) {
    std::uniform_int_distribution<int> r4(0, 3), r2(0, 1);
    const int k = c.lx == c.ly ? r4(rng) : 2 * r2(rng);
    if (k) cu = torch::rot90(cu, k, {0, 2}), ids = torch::rot90(ids, k, {0, 2}), bd = torch::rot90(bd, k, {0, 2});
    if (r2(rng)) cu = cu.flip({0}), ids = ids.flip({0}), bd = bd.flip({0});
    if (r2(rng)) cu = -cu;
    std::uniform_real_distribution<float> sc(0.5f, 1.5f), sh(-0.5f, 0.5f);
    auto a = torch::tensor({sc(rng), sc(rng), sc(rng)}), b = torch::tensor({sh(rng), sh(rng), sh(rng)});
    cu = cu * a + b;
  }
  Sample s;
  std::uniform_int_distribution<std::int64_t> posd(1, c.lw - 2);
  s.pos = augment ? posd(rng) : c.lw / 2;
  s.target = cu.contiguous();
  s.input = cu.clone();
  s.input.select(1, s.pos).zero_();
  std::uniform_int_distribution<int> two(0, 1);
  if (augment && two(rng) && s.pos + 1 <= c.lw - 2) s.input.select(1, s.pos + 1).zero_();
  s.loss_mask = bd.select(1, s.pos).to(torch::kFloat32);
  s.ids = ids;
  return s;
}

// Validation boundary accuracy of a simplified projection: on boundary voxels of the masked slice,
// the candidate (voxel below or above) whose cubochoric is nearest to the prediction supplies the
// id; correct when it is the truth id. Exactly the paper's rule where only the two slices vote.
double boundary_accuracy(const torch::Tensor& pred, const Sample& s) {
  auto below = s.target.select(1, s.pos - 1), above = s.target.select(1, s.pos + 1);
  auto db = (pred - below).pow(2).sum(-1), da = (pred - above).pow(2).sum(-1);
  auto ib = s.ids.select(1, s.pos - 1), ia = s.ids.select(1, s.pos + 1), it = s.ids.select(1, s.pos);
  auto chosen = torch::where(db <= da, ib, ia);
  auto m = s.loss_mask > 0.5;
  const auto n = m.sum().item<std::int64_t>();
  return n ? (chosen.eq(it) & m).sum().item<double>() / static_cast<double>(n) : 1.0;
}

// One-cycle schedule over a fraction f in [0, 1] of the run: 5 % linear warm-up from max/25, then
// cosine annealing to max/1e4.
double one_cycle_lr(double max_lr, double f) {
  constexpr double warm = 0.05;
  if (f < warm) return max_lr / 25.0 + (max_lr - max_lr / 25.0) * f / warm;
  const double t = std::min(1.0, (f - warm) / (1.0 - warm));
  return max_lr / 1e4 + 0.5 * (max_lr - max_lr / 1e4) * (1 + std::cos(std::numbers::pi * t));
}

}  // namespace

nlohmann::json train_recovery(const nlohmann::json& args, Progress& progress) {
  namespace fs = std::filesystem;
  const auto steps = args.value("steps", std::int64_t{1000});
  const auto batch = args.value("batch", std::int64_t{4});
  const fs::path out = args.value("out", std::string("recovery-model"));
  const Device device = parse_device(args.value("device", std::string("cpu")));
  const auto seed = args.value("seed", std::uint64_t{1});
  const auto nvol = args.value("volumes", 6);
  const auto vsize = args.value("volume_size", std::int64_t{64});
  const auto optimizer_name = args.value("optimizer", std::string("adamw"));
  const double max_lr = args.value("lr", optimizer_name == "sgd" ? 1e-2 : 2e-3);
  const auto val_every = args.value("val_every", std::int64_t{200});
  const double max_seconds = args.value("max_seconds", 0.0);
  const double stop_after = args.value("stop_after_seconds", 0.0);
  AxialConfig cfg;
  cfg.dim = args.value("dim", cfg.dim), cfg.depth = args.value("depth", cfg.depth), cfg.heads = args.value("heads", cfg.heads);
  cfg.lx = cfg.ly = args.value("block", cfg.lx);
  cfg.ff = args.value("ff", cfg.ff);
  cfg = AxialConfig::from_json(cfg.to_json());
  if (steps < 1 || batch < 1 || nvol < 1 || vsize < cfg.lw + 1)
    throw Error("steps, batch and volumes must be >= 1 and volume_size > the window", "", "train-recovery");
  if (optimizer_name != "adamw" && optimizer_name != "sgd") throw Error("optimizer must be adamw or sgd", "", "optimizer");
  fs::create_directories(out);
  torch::manual_seed(seed);
  const auto dev = device == Device::Cuda ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);

  progress.report(0.0, "generating synthetic volumes");
  std::vector<TrainVolume> train;
  // Mean grain diameter from the grain count: n^3 / grains voxels per grain.
  for (int i = 0; i < nvol; ++i) {
    const double diameter = 7.0 + 5.0 * (i % 3) / 2.0;  // 7, 9.5, 12 voxels
    const int grains = std::max(8, static_cast<int>(std::pow(static_cast<double>(vsize), 3) /
                                                    (std::numbers::pi / 6.0 * std::pow(diameter, 3))));
    train.push_back(make_volume(vsize, seed * 1000 + static_cast<std::uint64_t>(i), grains, 0.25 * (i % 3)));
    progress.check();
  }
  const auto val_grains = std::max(8, static_cast<int>(std::pow(static_cast<double>(vsize), 3) / (std::numbers::pi / 6.0 * 729.0)));
  const TrainVolume val = make_volume(vsize, seed * 1000 + 999, val_grains, 0.2);
  std::mt19937_64 vrng(seed + 7);
  std::vector<Sample> val_samples;
  for (int i = 0; i < 48; ++i) val_samples.push_back(sample_block(val, cfg, vrng, false));

  AxialTransformer model(cfg);
  std::int64_t start = 0;
  double best = -1.0;
  double seconds_before = 0;  // training time of the runs this one resumes
  if (args.contains("resume") && !args["resume"].is_null()) {
    const fs::path r = args["resume"].get<std::string>();
    model = load_model(r / "last.safetensors");
    cfg = model->config();
    std::ifstream s(r / "state.json");
    if (!s) throw Error("no state.json in the checkpoint folder", r.string(), "resume");
    const auto st = nlohmann::json::parse(s);
    start = st.at("step"), best = st.at("best_val_boundary_accuracy");
    seconds_before = st.value("seconds", 0.0);
  }
  model->to(dev);
  std::unique_ptr<torch::optim::Optimizer> opt;
  if (optimizer_name == "sgd")
    opt = std::make_unique<torch::optim::SGD>(model->parameters(),
                                              torch::optim::SGDOptions(max_lr).momentum(0.9).weight_decay(1e-5));
  else
    opt = std::make_unique<torch::optim::AdamW>(model->parameters(), torch::optim::AdamWOptions(max_lr).weight_decay(1e-5));
  bool fresh_moments = false;
  if (args.contains("resume") && !args["resume"].is_null()) {
    // Without optimizer.pt (too large to carry between machines) the run goes on with fresh
    // optimizer moments; the learning-rate schedule still continues where it was.
    const auto o = fs::path(args["resume"].get<std::string>()) / "optimizer.pt";
    if (fs::exists(o)) torch::load(*opt, o.string());
    else fresh_moments = true;
  }

  std::ofstream log(out / "log.jsonl", std::ios::app);
  std::mt19937_64 rng(seed + static_cast<std::uint64_t>(start) * 7919);
  const auto t0 = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  double first_loss = -1, last_loss = 0, ema = 0, last_val = 0;
  std::int64_t step = start;
  auto validate = [&] {
    model->eval();
    torch::NoGradGuard g;
    double acc = 0;
    for (const auto& s : val_samples) {
      auto pred = model->forward(s.input.unsqueeze(0).to(dev))[0].to(torch::kCPU);
      acc += boundary_accuracy(pred.select(1, s.pos), s);
    }
    model->train();
    return acc / static_cast<double>(val_samples.size());
  };
  auto checkpoint = [&] {
    save_model(model, out / "last.safetensors");
    torch::save(*opt, (out / "optimizer.pt").string());
    std::ofstream(out / "state.json") << nlohmann::json{{"step", step}, {"best_val_boundary_accuracy", best}, {"seconds", seconds_before + seconds()}}.dump(2);
  };
  model->train();
  for (; step < steps; ++step) {
    progress.check();
    if (max_seconds > 0 && seconds_before + seconds() > max_seconds) break;
    if (stop_after > 0 && seconds() > stop_after) break;
    // The run ends at `steps` or at max_seconds, whichever comes first; the schedule follows the
    // one that is further along, so a time-limited run still anneals (the first shipped model's
    // run was cut at 12 % of its steps with the learning rate still at its maximum).
    double f = static_cast<double>(step) / static_cast<double>(steps);
    if (max_seconds > 0) f = std::max(f, (seconds_before + seconds()) / max_seconds);
    const double lr = one_cycle_lr(max_lr, f);
    for (auto& group : opt->param_groups()) group.options().set_lr(lr);
    std::vector<torch::Tensor> xs, ys, ms;
    std::vector<std::int64_t> poss;
    std::uniform_int_distribution<std::size_t> vd(0, train.size() - 1);
    for (std::int64_t b = 0; b < batch; ++b) {
      auto s = sample_block(train[vd(rng)], cfg, rng, true);
      xs.push_back(s.input), ys.push_back(s.target.select(1, s.pos)), ms.push_back(s.loss_mask), poss.push_back(s.pos);
    }
    auto pred = model->forward(torch::stack(xs).to(dev));
    std::vector<torch::Tensor> ps;
    for (std::int64_t b = 0; b < batch; ++b) ps.push_back(pred[b].select(1, poss[static_cast<std::size_t>(b)]));
    auto p = torch::stack(ps), y = torch::stack(ys).to(dev), m = torch::stack(ms).to(dev).unsqueeze(-1);
    // MSE on the boundary voxels of the masked slice, normalised by their count (the paper's loss).
    auto loss = ((p - y).pow(2) * m).sum() / (m.sum() * 3).clamp_min(1.0);
    opt->zero_grad();
    loss.backward();
    opt->step();
    last_loss = loss.item<double>();
    if (first_loss < 0) first_loss = last_loss, ema = last_loss;
    ema = 0.98 * ema + 0.02 * last_loss;
    const bool val_now = (step + 1) % val_every == 0 || step + 1 == steps;
    nlohmann::json line{{"step", step + 1}, {"loss", last_loss}, {"loss_ema", ema}, {"lr", lr}, {"seconds", seconds()}};
    if (val_now) {
      last_val = validate();
      line["val_boundary_accuracy"] = last_val;
      if (last_val > best) {
        best = last_val;
        save_model(model, out / "model.safetensors",
                   {{"step", std::to_string(step + 1)}, {"val_boundary_accuracy", std::to_string(last_val)}}, true);
      }
      checkpoint();
    }
    if (val_now || steps <= 200 || (step + 1) % 10 == 0) log << line.dump() << "\n" << std::flush;
    progress.report(static_cast<double>(step + 1) / static_cast<double>(steps), "loss " + std::to_string(ema));
  }
  // A run that ends on time has not validated its last (annealed, usually best) weights yet.
  if (step > start && step % val_every != 0 && step != steps) {
    last_val = validate();
    log << nlohmann::json{{"step", step}, {"val_boundary_accuracy", last_val}, {"seconds", seconds()}}.dump() << "\n";
    if (last_val > best) {
      best = last_val;
      save_model(model, out / "model.safetensors",
                 {{"step", std::to_string(step)}, {"val_boundary_accuracy", std::to_string(last_val)}}, true);
    }
  }
  checkpoint();
  if (best < 0) save_model(model, out / "model.safetensors", {}, true);
  return {{"steps_run", step - start},
          {"step", step},
          {"first_loss", first_loss},
          {"last_loss", last_loss},
          {"loss_ema", ema},
          {"val_boundary_accuracy", last_val},
          {"best_val_boundary_accuracy", best},
          {"seconds", seconds()},
          {"config", cfg.to_json()},
          {"device", device == Device::Cuda ? "cuda" : "cpu"},
          {"seed", seed},
          {"resumed_with_fresh_optimizer_moments", fresh_moments},
          {"out", out.string()}};
}

pipeline::Task make_train_recovery_task() {
  return {"train-recovery",
          "Self-supervised training of the slice-recovery axial transformer on synthetic volumes (METHODS.md 6)",
          [](const nlohmann::json& args, Progress& progress) { return train_recovery(args, progress); }};
}

}  // namespace ebsd::gpu::recovery

// Seconds to recover one 512x512 slice with the shipped transformer (label bench; issue 7's
// goals: under 30 s on 2 CPU cores, under 1 s on one H100). docs/benchmarks.md has the rows.
//
//   bench_recovery_timing [--size N] [--device cpu|cuda|all] [--repeat R] [--batch B]
//
// A synthetic N x N x 8 cubic volume (mean grain diameter about 10 voxels); slice 4 is recovered
// with the default method (transformer + evidence projection). Reported per device: the first
// run (model load and warm-up included) and the best of R further runs, split into prediction
// (the tiled forward passes) and projection.
#include <algorithm>
#include <chrono>
#include <memory>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "../../gpu/src/recovery/recovery_engine.hpp"
#include "ebsd/analysis/slice_recovery.hpp"
#include "ebsd/gpu/device.hpp"
#include "ebsd/synth/microstructure.hpp"

using namespace ebsd;

namespace {
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
}  // namespace

int main(int argc, char** argv) {
  std::int64_t size = 512;
  int repeat = 2;
  std::int64_t batch = 0;  // 0: the predictor's default
  std::string device = "all";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--size") size = std::stoll(v);
    else if (k == "--device") device = v;
    else if (k == "--repeat") repeat = std::stoi(v);
    else if (k == "--batch") batch = std::stoll(v);
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  try {
    synth::SynthOptions so;
    so.dims = {size, size, 8};
    so.grains = static_cast<int>(static_cast<double>(size * size * 8) / 524.0);  // (pi/6) 10^3 voxels a grain
    so.seed = 5;
    const double t0 = now();
    const Volume truth = synth::generate_microstructure(so).volume;
    std::printf("volume %lldx%lldx8, %d grains, made in %.1f s; %s; %u hardware threads\n", static_cast<long long>(size),
                static_cast<long long>(size), so.grains, now() - t0, gpu::describe_compute().c_str(),
                std::thread::hardware_concurrency());
    std::vector<gpu::Device> devices;
    if (device == "cpu" || device == "all") devices.push_back(gpu::Device::Cpu);
    if ((device == "cuda" || device == "all") && gpu::cuda_available()) devices.push_back(gpu::Device::Cuda);
    if (device == "cuda" && devices.empty()) throw std::runtime_error("no CUDA device");
    std::printf("| device | run | predict s | project s | total s |\n|---|---|---|---|---|\n");
    const std::vector<std::int64_t> slices{4};
    for (auto d : devices) {
      const char* name = d == gpu::Device::Cuda ? "cuda" : "cpu";
      double best_total = 1e300, best_pred = 0, best_proj = 0;
      gpu::recovery::PredictorTimings best_parts;
      auto parts_row = [&](const char* run, const gpu::recovery::PredictorTimings& t) {
        std::printf("|   %s: window %.2f, forward %.2f, blend %.2f, output %.2f | | | |\n", run, t.window_s, t.forward_s,
                    t.blend_s, t.output_s);
      };
      for (int r = 0; r <= repeat; ++r) {
        const double a = now();
        gpu::recovery::PredictorOptions po;
        po.model = gpu::recovery::default_model_path();
        po.device = d;
        if (batch > 0) po.batch = batch;
        po.timings = std::make_shared<gpu::recovery::PredictorTimings>();
        const auto inner = gpu::recovery::make_transformer_predictor(po, Progress::none());
        double predict_s = 0;
        analysis::RecoveryOptions ro;
        ro.method = analysis::RecoveryMethod::Projection;
        ro.predictor = [&](const Volume& v, std::int64_t z) {
          const double b = now();
          auto q = inner(v, z);
          predict_s += now() - b;
          return q;
        };
        Volume v = truth;
        analysis::recover_slices(v, slices, ro);
        const double total = now() - a;
        if (r == 0) {
          std::printf("| %s | first (load + warm-up) | %.2f | %.2f | %.2f |\n", name, predict_s, total - predict_s, total);
          parts_row("first", *po.timings);
          std::fflush(stdout);
          continue;
        }
        if (total < best_total) best_total = total, best_pred = predict_s, best_proj = total - predict_s, best_parts = *po.timings;
      }
      if (repeat > 0)
        std::printf("| %s | best of %d | %.2f | %.2f | %.2f |\n", name, repeat, best_pred, best_proj, best_total);
      if (repeat > 0) parts_row("best", best_parts);
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_recovery_timing: %s\n", e.what());
    return 1;
  }
  return 0;
}

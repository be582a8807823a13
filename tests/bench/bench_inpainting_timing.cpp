// Seconds to inpaint one 256x256 slice with the diffusion model (label bench; issue 8: CPU
// inference completes, the GPU path is timed on the H100). docs/benchmarks.md has the rows.
//
//   bench_inpainting_timing [--model PATH] [--size 256] [--device cpu|cuda|all] [--samples 4]
//                           [--steps 50] [--resample 2] [--sampler repaint|dps] [--repeat 1]
//
// A synthetic N x N x 1 volume of the model's phase with its side channels, 10 % of the EBSD
// pixels observed (random). Per device: the first run (warm-up included) and the best of R more.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>
#include <thread>
#include <vector>

#include "ebsd/gpu/device.hpp"
#include "ebsd/gpu/inpainting.hpp"
#include "ebsd/synth/inpainting_data.hpp"
#include "ebsd/synth/microstructure.hpp"
#include "ebsd/synth/representative_phase.hpp"

using namespace ebsd;

namespace {
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
}  // namespace

int main(int argc, char** argv) {
  std::string model, device = "all", sampler = "repaint";
  std::int64_t size = 256, samples = 4, steps = 50, resample = 2;
  int repeat = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--model") model = v;
    else if (k == "--size") size = std::stoll(v);
    else if (k == "--device") device = v;
    else if (k == "--samples") samples = std::stoll(v);
    else if (k == "--steps") steps = std::stoll(v);
    else if (k == "--resample") resample = std::stoll(v);
    else if (k == "--sampler") sampler = v;
    else if (k == "--repeat") repeat = std::stoi(v);
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  try {
    if (model.empty()) model = gpu::default_diffusion_model_path(LaueGroup::HexagonalHigh).string();
    std::vector<gpu::Device> devices;
    if (device == "cpu" || device == "all") devices.push_back(gpu::Device::Cpu);
    if ((device == "cuda" || device == "all") && gpu::cuda_available()) devices.push_back(gpu::Device::Cuda);
    if (device == "cuda" && devices.empty()) throw std::runtime_error("no CUDA device");
    std::printf("%s; %u hardware threads; %lldx%lld slice, %s, %lld samples, %lld steps, resample %lld\n",
                gpu::describe_compute().c_str(), std::thread::hardware_concurrency(), static_cast<long long>(size),
                static_cast<long long>(size), sampler.c_str(), static_cast<long long>(samples), static_cast<long long>(steps),
                static_cast<long long>(resample));
    std::printf("| device | first run s | best run s |\n|---|---|---|\n");
    for (auto d : devices) {
      const gpu::VolumeInpainter engine(model, d);
      synth::SynthOptions so;
      so.dims = {size, size, 1};
      so.seed = 7;
      so.phases = {synth::representative_phase(engine.laue())};
      so.grains = std::max(8, static_cast<int>(static_cast<double>(size * size) / (std::numbers::pi / 6.0 * 4096.0)));
      Volume truth = synth::generate_microstructure(so).volume;
      synth::add_inpainting_side_channels(truth, engine.laue(), 0.02, 3);
      gpu::InpaintOptions o;
      o.sample_fraction = 0.1, o.sampler = sampler, o.samples = samples, o.steps = steps, o.resample = resample;
      double first = 0, best = 1e300;
      for (int r = 0; r <= repeat; ++r) {
        Volume v = truth;
        const double t0 = now();
        engine.run(v, o, Progress::none());
        const double s = now() - t0;
        if (r == 0) first = s;
        else best = std::min(best, s);
      }
      std::printf("| %s | %.2f | %.2f |\n", d == gpu::Device::Cuda ? "cuda" : "cpu", first, repeat > 0 ? best : first);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_inpainting_timing: %s\n", e.what());
    return 1;
  }
  return 0;
}

// Disorientation throughput: pairs per second for m-3m and 6/mmm on one CPU core (the scalar
// ebsd::disorientation_angle that segmentation calls per voxel pair), and, where available, the
// batched LibTorch path (ebsd::gpu::disorientation_angles) on its CPU thread pool and on CUDA,
// checked against the scalar result to 1e-9 rad.
//
// Run: ninja -C build bench_disorientation && build/tests/bench_disorientation [pairs] [repetitions]
// Prints one table row per (group, path): pairs, median seconds over the repetitions, pairs/s.
// Exits 1 when a batched path disagrees with the scalar one.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "ebsd/gpu/batch_disorientation.hpp"
#include "ebsd/gpu/device.hpp"
#include "ebsd/orientation/disorientation.hpp"

namespace {

using ebsd::LaueGroup;
using ebsd::Quat;
using Clock = std::chrono::steady_clock;

std::vector<Quat> random_quats(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g;
  std::vector<Quat> q(n);
  for (auto& x : q) x = Quat{g(rng), g(rng), g(rng), g(rng)}.normalized().positive();
  return q;
}

template <class F>
double median_seconds(int repetitions, F&& run) {
  std::vector<double> t;
  for (int r = 0; r < repetitions; ++r) {
    const auto start = Clock::now();
    run();
    t.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

void row(const char* group, const char* path, std::size_t pairs, double seconds) {
  std::printf("%-6s  %-22s  %10zu  %9.4f  %12.3e\n", group, path, pairs, seconds, static_cast<double>(pairs) / seconds);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t pairs = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2'000'000;
  const int repetitions = argc > 2 ? std::atoi(argv[2]) : 5;
  const auto a = random_quats(pairs, 1);
  const auto b = random_quats(pairs, 2);
  const bool cuda = ebsd::gpu::cuda_available();

  std::printf("%s\n", ebsd::gpu::describe_compute().c_str());
  std::printf("%-6s  %-22s  %10s  %9s  %12s\n", "group", "path", "pairs", "seconds", "pairs/s");
  int status = 0;
  for (LaueGroup g : {LaueGroup::CubicHigh, LaueGroup::HexagonalHigh}) {
    const char* name = ebsd::laue_symbol(g).data();
    std::vector<double> scalar(pairs);
    const double t_scalar = median_seconds(repetitions, [&] {
      for (std::size_t i = 0; i < pairs; ++i) scalar[i] = ebsd::disorientation_angle(a[i], b[i], g);
    });
    row(name, "scalar, 1 core", pairs, t_scalar);

    std::vector<std::pair<const char*, ebsd::gpu::Device>> devices{{"libtorch cpu", ebsd::gpu::Device::Cpu}};
    if (cuda) devices.push_back({"libtorch cuda", ebsd::gpu::Device::Cuda});
    for (const auto& [label, device] : devices) {
      std::vector<double> batched = ebsd::gpu::disorientation_angles(a, b, g, device);  // warm-up and check
      const double t = median_seconds(repetitions, [&] { batched = ebsd::gpu::disorientation_angles(a, b, g, device); });
      row(name, label, pairs, t);
      double worst = 0.0;
      for (std::size_t i = 0; i < pairs; ++i) worst = std::max(worst, std::fabs(batched[i] - scalar[i]));
      std::printf("        %s vs scalar: max |difference| = %.3e rad%s\n", label, worst, worst <= 1e-9 ? "" : "  (> 1e-9: FAIL)");
      if (!(worst <= 1e-9)) status = 1;
    }
  }
  if (!cuda) std::printf("CUDA not available: GPU path not timed\n");
  return status;
}

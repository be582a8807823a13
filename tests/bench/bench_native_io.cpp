// Native .ebsd.h5 write and read time for a 256^3 volume (issue 5: the studio opens a 256^3
// volume through this reader, open + first frame under 2 s).
//
//   bench_native_io [N] [--synth] [--keep]
//
// N (default 256) gives an N^3 volume. Two volumes, the ones app/studio/bench/bench_studio.cpp
// opens: "grains" is a grain structure (the cells of a jittered grid of 16-voxel cells, 4096
// grains at 256^3, one orientation per grain as in synthetic or cleaned-up data) with grain
// ids, random CI and IQ; "scatter" is the same with every voxel's orientation turned by about
// 1 degree more (raw measurements: no two voxels share an orientation, so the quaternions
// hardly compress). --synth uses instead what `ebsd synth --dims N,N,N --grains 4096` makes
// (core's generator; minutes at 256^3 on a small machine) and its scattered twin.
//
// Each volume is written once with write_native into the temporary folder, then read whole with
// read_native three times by each method, file in the page cache, best of 3: the default
// parallel-chunk reader and the H5Dread reader it replaced; every result is checked equal to the
// written volume. "cpu s" is the process's CPU time (all threads) of the best read.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <array>
#include <cmath>
#include <numbers>
#include <vector>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>
#include <algorithm>
#include <string>

#include "ebsd/io/native_file.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "ebsd/synth/microstructure.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Bytes of the per-voxel arrays and channels of a volume.
double memory_bytes(const ebsd::Volume& v) {
  double per_voxel = 4 * 4 + 4 + 4 + 4 + 1 + (v.has_grain_ids() ? 4 : 0) + 4.0 * static_cast<double>(v.channels().size());
  return per_voxel * static_cast<double>(v.voxel_count());
}

// Grains as the cells of a jittered grid of 16-voxel cells (nearest seed among the 27
// neighbouring cells), each with a random orientation; random CI and IQ; grain ids.
ebsd::Volume grain_volume(std::int64_t n) {
  constexpr std::int64_t cell = 16;
  const std::int64_t cells = (n + cell - 1) / cell;
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<std::array<double, 3>> seeds(static_cast<std::size_t>(cells * cells * cells));
  std::vector<ebsd::Quat> orientation(seeds.size());
  for (std::size_t k = 0; k < seeds.size(); ++k) {
    const auto c = static_cast<std::int64_t>(k);
    seeds[k] = {(static_cast<double>(c % cells) + u(rng)) * cell, (static_cast<double>((c / cells) % cells) + u(rng)) * cell,
                (static_cast<double>(c / (cells * cells)) + u(rng)) * cell};
    orientation[k] = ebsd::quat_from_euler({2 * std::numbers::pi * u(rng), std::acos(2 * u(rng) - 1), 2 * std::numbers::pi * u(rng)});
  }
  ebsd::Volume v({n, n, n});
  v.phases() = {ebsd::Phase{"Nickel", ebsd::LaueGroup::CubicHigh, {3.52, 3.52, 3.52, 90, 90, 90}}};
  std::vector<std::int32_t> grains(static_cast<std::size_t>(v.voxel_count()));
  for (std::int64_t z = 0; z < n; ++z)
    for (std::int64_t y = 0; y < n; ++y)
      for (std::int64_t x = 0; x < n; ++x) {
        double best = 1e300;
        std::int64_t best_seed = 0;
        for (std::int64_t dz = -1; dz <= 1; ++dz)
          for (std::int64_t dy = -1; dy <= 1; ++dy)
            for (std::int64_t dx = -1; dx <= 1; ++dx) {
              const std::int64_t sx = x / cell + dx, sy = y / cell + dy, sz = z / cell + dz;
              if (sx < 0 || sy < 0 || sz < 0 || sx >= cells || sy >= cells || sz >= cells) continue;
              const std::int64_t s = sx + cells * (sy + cells * sz);
              const auto& p = seeds[static_cast<std::size_t>(s)];
              const double d = (p[0] - x) * (p[0] - x) + (p[1] - y) * (p[1] - y) + (p[2] - z) * (p[2] - z);
              if (d < best) best = d, best_seed = s;
            }
        const std::int64_t i = v.index(x, y, z);
        const auto k = static_cast<std::size_t>(i);
        v.set_orientation(i, orientation[static_cast<std::size_t>(best_seed)]);
        v.phase_ids()[k] = 1;
        v.valid()[k] = 1;
        v.confidence()[k] = static_cast<float>(0.5 + 0.5 * u(rng));
        v.image_quality()[k] = static_cast<float>(150 + 50 * u(rng));
        grains[k] = static_cast<std::int32_t>(best_seed + 1);
      }
  v.set_grain_ids(std::move(grains));
  return v;
}

struct Timing {
  double wall = 1e300, cpu = 0;
};

Timing best_read(const fs::path& file, ebsd::io::NativeReadMethod method, const ebsd::Volume& expected, bool& equal) {
  Timing best;
  equal = true;
  for (int run = 0; run < 3; ++run) {
    const double c0 = process_cpu_seconds();
    const auto t0 = Clock::now();
    ebsd::Volume v = ebsd::io::read_native(file, ebsd::Progress::none(), method);
    const double wall = seconds_since(t0), cpu = process_cpu_seconds() - c0;
    if (wall < best.wall) best = {wall, cpu};
    equal = equal && v == expected;  // outside the timing, and the volume freed after it
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t n = 256;
  bool keep = false, use_synth = false;
  for (int k = 1; k < argc; ++k) {
    const std::string a = argv[k];
    if (a == "--keep")
      keep = true;
    else if (a == "--synth")
      use_synth = true;
    else
      n = std::atoll(argv[k]);
  }
  if (n < 8) {
    std::fprintf(stderr, "usage: bench_native_io [N >= 8] [--synth] [--keep]\n");
    return 2;
  }
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::printf("native .ebsd.h5 write and read, %lld^3 voxels, %u hardware threads, load average %.2f at start\n",
              static_cast<long long>(n), std::thread::hardware_concurrency(), load[0]);

  auto t0 = Clock::now();
  ebsd::Volume synth;
  if (use_synth) {
    ebsd::synth::SynthOptions options;
    options.dims = {n, n, n};
    options.grains = static_cast<int>(std::min<std::int64_t>(4096, n * n * n / 64));
    synth = ebsd::synth::generate_microstructure(options).volume;
  } else {
    synth = grain_volume(n);
  }
  std::printf("generated the volume in %.1f s\n", seconds_since(t0));
  ebsd::Volume scatter = synth;
  {
    std::mt19937_64 rng(7);
    std::normal_distribution<double> noise(0.0, 0.01);  // radians per axis, about 1 degree in all
    for (std::int64_t i = 0; i < scatter.voxel_count(); ++i)
      scatter.set_orientation(i, ebsd::Quat{1.0, noise(rng), noise(rng), noise(rng)}.normalized() * scatter.orientation(i));
  }

  const fs::path folder = fs::temp_directory_path() / ("bench_native_io-" + std::to_string(::getpid()));
  fs::create_directories(folder);
  std::printf("\n| volume | MB in memory | file MB | write s | read s, H5Dread (cpu s) | read s, parallel chunks (cpu s) | MB/s | speed-up | read == written |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  bool all_equal = true;
  for (const auto& [name, volume] : {std::pair<const char*, const ebsd::Volume*>{use_synth ? "synth" : "grains", &synth}, {"scatter", &scatter}}) {
    const fs::path file = folder / (std::string(name) + ".ebsd.h5");
    t0 = Clock::now();
    ebsd::io::write_native(file, *volume);
    const double write_s = seconds_since(t0);
    const double mb = memory_bytes(*volume) / 1e6, file_mb = static_cast<double>(fs::file_size(file)) / 1e6;
    bool equal_old = false, equal_new = false;
    const Timing old_read = best_read(file, ebsd::io::NativeReadMethod::Hdf5, *volume, equal_old);
    const Timing new_read = best_read(file, ebsd::io::NativeReadMethod::ParallelChunks, *volume, equal_new);
    all_equal = all_equal && equal_old && equal_new;
    std::printf("| %lld³ %s | %.1f | %.1f | %.2f | %.3f (%.2f) | %.3f (%.2f) | %.0f | %.1fx | %s |\n",
                static_cast<long long>(n), name, mb, file_mb, write_s, old_read.wall, old_read.cpu, new_read.wall,
                new_read.cpu, mb / new_read.wall, old_read.wall / new_read.wall,
                equal_old && equal_new ? "yes" : "NO");
    std::fflush(stdout);
    if (!keep) fs::remove(file);
  }
  if (!keep) fs::remove(folder);
  getloadavg(load, 3);
  std::printf("\nload average %.2f at the end%s\n", load[0], keep ? ("; files kept in " + folder.string()).c_str() : "");
  return all_equal ? 0 : 1;
}

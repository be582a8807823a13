// .ang and .ctf parse throughput (MB/s, one core, file in the page cache) against
// numpy.loadtxt on the same file in the same run (issue 3, Performance).
//
//   bench_text_parse [MB] [--keep]   (default 150: the size of each synthetic file; --keep
//                                     leaves the files in the temporary folder)
//   bench_text_parse --read FILE [N] reads one .ang or .ctf file N times (default once) and
//                                     says so with the thread CPU seconds of the fastest read
//                                     (for profilers: callgrind, perf record, where N > 1
//                                     makes the process start-up a small share)
//
// The files are synthetic maps written by our own writers into the temporary folder (random
// orientations, 5 % unindexed points, SEM and Fit columns; Oxford's 11 columns), so they have
// the digits and widths of real TSL and Oxford files. read_ang / read_ctf are timed whole:
// parsing, grid placement, volume building and the round-trip check of every value. numpy
// times only its text-to-array parse (it builds no grid); the ratio flatters numpy, not us.
// Debian's python3-numpy is looked for at /usr/bin/python3 first; without numpy that column
// says so and the run still reports our numbers. "cpu MB/s" divides by the reading thread's
// CPU time (best of 3), which a busy shared machine disturbs less than the wall clock.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <random>
#include <string>
#include <utility>

#include "ebsd/io/ang.hpp"
#include "ebsd/io/ctf.hpp"
#include "ebsd/orientation/rotations.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A square map of about `mb` MB of text: ~88 bytes a row for .ang, ~70 for .ctf.
ebsd::Volume synthetic_map(double mb, double bytes_per_row, unsigned seed) {
  const auto side = static_cast<std::int64_t>(std::sqrt(mb * 1e6 / bytes_per_row));
  ebsd::Volume v({side, side, 1}, {0.25, 0.25, 0.25});
  v.phases() = {ebsd::Phase{"Nickel", ebsd::LaueGroup::CubicHigh, {3.52, 3.52, 3.52, 90, 90, 90}}};
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  ebsd::Channel sem{std::vector<float>(static_cast<std::size_t>(v.voxel_count())), "", "SEM"};
  ebsd::Channel fit{std::vector<float>(static_cast<std::size_t>(v.voxel_count())), "deg", "fit"};
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    const auto k = static_cast<std::size_t>(i);
    const bool indexed = u(rng) > 0.05;
    v.valid()[k] = indexed;
    v.phase_ids()[k] = indexed ? 1 : 0;
    // Orientation from Euler angles rounded to 5 decimals, as a file would carry them.
    auto r5 = [](double x) { return std::round(x * 1e5) / 1e5; };
    if (indexed) v.set_orientation(i, ebsd::quat_from_euler({r5(u(rng) * 6.283), r5(std::acos(1 - 2 * u(rng))), r5(u(rng) * 6.283)}));
    v.confidence()[k] = indexed ? static_cast<float>(std::round(u(rng) * 1000) / 1000) : -1.0f;
    v.image_quality()[k] = static_cast<float>(std::round(u(rng) * 3000) / 10);
    sem.values[k] = static_cast<float>(std::round(u(rng) * 4000 - 1000));
    fit.values[k] = static_cast<float>(std::round(u(rng) * 3000) / 1000);
  }
  v.set_channel("sem_signal", std::move(sem));
  v.set_channel("fit", std::move(fit));
  return v;
}

double megabytes(const fs::path& p) { return static_cast<double>(fs::file_size(p)) / 1e6; }

void warm_page_cache(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::vector<char> buf(1 << 22);
  while (f.read(buf.data(), static_cast<std::streamsize>(buf.size())) || f.gcount() > 0) {
  }
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Best wall-clock and best thread-CPU seconds of `repeats` runs.
template <class F>
std::pair<double, double> best_seconds(int repeats, F&& f) {
  double best = 1e300, best_cpu = 1e300;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = Clock::now();
    const double c0 = thread_cpu_seconds();
    f();
    best_cpu = std::min(best_cpu, thread_cpu_seconds() - c0);
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return {best, best_cpu};
}

std::string python_with_numpy() {
  for (const char* py : {"/usr/bin/python3", "python3"})
    if (std::system((std::string(py) + " -c 'import numpy' >/dev/null 2>&1").c_str()) == 0) return py;
  return "";
}

// Seconds numpy.loadtxt takes for the file (best of `repeats` inside one interpreter), or < 0.
double numpy_seconds(const std::string& python, const fs::path& file, const std::string& loadtxt_args, int repeats) {
  if (python.empty()) return -1;
  const fs::path out = fs::temp_directory_path() / "ebsd_bench_numpy.txt";
  const std::string script = "import numpy, time\n"
                             "best = 1e300\n"
                             "for _ in range(" + std::to_string(repeats) + "):\n"
                             "    t = time.perf_counter(); a = numpy.loadtxt('" + file.string() + "'" + loadtxt_args + ")\n"
                             "    best = min(best, time.perf_counter() - t)\n"
                             "open('" + out.string() + "', 'w').write(repr(best))\n";
  const fs::path py = fs::temp_directory_path() / "ebsd_bench_numpy.py";
  std::ofstream(py) << script;
  if (std::system((python + " " + py.string()).c_str()) != 0) return -1;
  double s = -1;
  std::ifstream(out) >> s;
  fs::remove(out);
  fs::remove(py);
  return s;
}

// Header lines before the data rows of a .ctf file (for numpy's skiprows).
int ctf_header_lines(const fs::path& p) {
  std::ifstream f(p);
  std::string line;
  int n = 0;
  while (std::getline(f, line)) {
    ++n;
    if (line.rfind("Phase\tX\t", 0) == 0) return n;
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  if ((argc == 3 || argc == 4) && std::string(argv[1]) == "--read") {
    const fs::path file = argv[2];
    const int repeats = argc == 4 ? std::max(1, std::atoi(argv[3])) : 1;
    long long rows = 0;
    const double cpu = best_seconds(repeats, [&] {
                         rows = file.extension() == ".ctf" ? ebsd::io::read_ctf(file).volume.voxel_count() : ebsd::io::read_ang(file).volume.voxel_count();
                       }).second;
    std::printf("%s: %lld rows, best of %d: %.4f s thread CPU\n", file.c_str(), rows, repeats, cpu);
    return 0;
  }
  const double mb = argc > 1 ? std::atof(argv[1]) : 150.0;
  const bool keep = argc > 2 && std::string(argv[2]) == "--keep";
  const fs::path dir = fs::temp_directory_path();
  const fs::path ang = dir / "ebsd_bench_parse.ang", ctf = dir / "ebsd_bench_parse.ctf";
  std::printf("writing synthetic maps of about %.0f MB into %s ...\n", mb, dir.c_str());
  ebsd::io::write_ang(ang, synthetic_map(mb, 88.0, 1));
  ebsd::io::write_ctf(ctf, synthetic_map(mb, 70.0, 2));
  const std::string python = python_with_numpy();

  std::printf("\n%-6s %9s %9s %12s %12s %8s %10s\n", "format", "MB", "rows", "ebsd MB/s", "numpy MB/s", "ratio", "cpu MB/s");
  struct Case {
    const char* name;
    fs::path file;
    std::string loadtxt_args;
  };
  for (const Case& c : {Case{"ang", ang, ", comments='#'"},
                        Case{"ctf", ctf, ", delimiter='\\t', skiprows=" + std::to_string(ctf_header_lines(ctf))}}) {
    warm_page_cache(c.file);
    std::size_t rows = 0;
    const auto [ours, ours_cpu] = best_seconds(3, [&] {
      if (std::string(c.name) == "ang") rows = static_cast<std::size_t>(ebsd::io::read_ang(c.file).volume.voxel_count());
      else rows = static_cast<std::size_t>(ebsd::io::read_ctf(c.file).volume.voxel_count());
    });
    const double np = numpy_seconds(python, c.file, c.loadtxt_args, 1);
    const double size = megabytes(c.file);
    if (np > 0)
      std::printf("%-6s %9.1f %9zu %12.0f %12.1f %7.1fx %10.0f\n", c.name, size, rows, size / ours, size / np, np / ours, size / ours_cpu);
    else
      std::printf("%-6s %9.1f %9zu %12.0f %12s %8s %10.0f\n", c.name, size, rows, size / ours, "n/a", "-", size / ours_cpu);
  }
  if (python.empty()) std::printf("\nnumpy column skipped: no python3 with numpy (Debian: apt-get install python3-numpy)\n");
  std::printf("\none core, files in the page cache, best of 3 for ebsd (read_ang/read_ctf whole), one numpy.loadtxt run\n");
  if (keep) {
    std::printf("kept %s and %s\n", ang.c_str(), ctf.c_str());
  } else {
    fs::remove(ang);
    fs::remove(ctf);
  }
  return 0;
}

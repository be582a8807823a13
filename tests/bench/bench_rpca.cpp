// Tensor RPCA benchmarks (label bench; docs/rpca.md "Benchmark rows" has the commands).
//
//   bench_rpca [--size N] [--rank R] [--kappa K] [--corruption A] [--seed S] [--iterations T]
//              [--threads P] [--python PATH|none] [--device cpu|cuda|all] [--fidelity] [--unfolding]
//              [--skip-cpu]
//
// Default: time per iteration of our ScaledGD on the CPU (every kernel, 1 and P threads) and of
// the LibTorch version, against the faithful PyTorch float64 reference (rpca_reference.py, run
// with the given python on the same problem in the same run), and the memory-traffic floor of
// our fused iteration: the bytes it must move (Y read once) over the streaming bandwidth
// measured here, on a buffer the size of Y (as hot as Y is between iterations) and on one far
// larger than any cache. On CUDA both paths are timed, LibTorch operations and our fused kernels
// (gpu/src/cuda/rpca_kernels.cu), each against the memory floor of its own iteration: its bytes
// over the copy bandwidth measured on the device. --skip-cpu leaves out the CPU kernels' rows.
// --fidelity: iterations to reach 1e-8 and 1e-10 and the error after 150 iterations for
// kappa 1, 5, 10, 20 (and the reference's error curve for the given kappa).
// --unfolding: self-supervised vs supervised unfolding vs ScaledGD at the unfolding's
// starting hyperparameters, errors ||X_T - X*||^2/||X*||^2.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <utility>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "ebsd/gpu/device.hpp"
#include "ebsd/gpu/rpca.hpp"
#include "ebsd/rpca/scaled_gd.hpp"
#include "ebsd/rpca/synthetic_problem.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using ebsd::rpca::ScaledGdKernel;

struct Args {
  ebsd::rpca::SyntheticProblemSpec spec;
  int iterations = 100;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string python = "/usr/bin/python3";
  std::string device = "all";
  bool fidelity = false, unfolding = false, skip_cpu = false;
  int unfolding_steps = 100, unfolding_depth = 100;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    const auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value after %s\n", k.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (k == "--size") a.spec.size = std::stoll(next());
    else if (k == "--rank") a.spec.rank = std::stoll(next());
    else if (k == "--kappa") a.spec.condition_number = std::stod(next());
    else if (k == "--corruption") a.spec.corruption = std::stod(next());
    else if (k == "--seed") a.spec.seed = std::stoull(next());
    else if (k == "--iterations") a.iterations = std::stoi(next());
    else if (k == "--threads") a.threads = std::stoi(next());
    else if (k == "--python") a.python = next();
    else if (k == "--device") a.device = next();
    else if (k == "--fidelity") a.fidelity = true;
    else if (k == "--unfolding") a.unfolding = true;
    else if (k == "--skip-cpu") a.skip_cpu = true;
    else if (k == "--unfolding-steps") a.unfolding_steps = std::stoi(next());
    else if (k == "--unfolding-depth") a.unfolding_depth = std::stoi(next());
    else {
      std::fprintf(stderr, "unknown argument %s\n", k.c_str());
      std::exit(2);
    }
  }
  return a;
}

const char* kernel_name(ScaledGdKernel k) {
  switch (k) {
    case ScaledGdKernel::Generic: return "generic (unfused, Eigen)";
    case ScaledGdKernel::FusedPortable: return "fused, portable C++";
    case ScaledGdKernel::FusedAvx2: return "fused, AVX2+FMA";
    case ScaledGdKernel::FusedAvx512: return "fused, AVX-512";
    case ScaledGdKernel::FusedAvx512Blocked: return "fused, AVX-512 blocked";
    default: return "auto";
  }
}

// Best of `repeats` runs, ms per iteration (initialisation excluded).
template <class Run>
double best_ms_per_iteration(int repeats, int iterations, Run run) {
  double best = 1e300;
  for (int r = 0; r < repeats; ++r) best = std::min(best, 1e3 * run() / iterations);
  return best;
}

// Streaming read bandwidth (bytes/s) of `threads` threads summing disjoint parts of a buffer of
// `bytes` bytes, best of several passes.
double read_bandwidth(std::size_t bytes, int threads) {
  std::vector<double> buffer(bytes / sizeof(double), 1.0);
  std::vector<double> partial(static_cast<std::size_t>(threads) * 8, 0.0);
  double best = 1e300;
  const int passes = bytes > (std::size_t{64} << 20) ? 5 : 50;
  for (int pass = 0; pass < passes; ++pass) {
    const auto t0 = Clock::now();
    std::vector<std::thread> team;
    for (int m = 0; m < threads; ++m)
      team.emplace_back([&, m] {
        const std::size_t n = buffer.size(), b = n * static_cast<std::size_t>(m) / threads,
                          e = n * static_cast<std::size_t>(m + 1) / threads;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        std::size_t i = b;
        for (; i + 4 <= e; i += 4) s0 += buffer[i], s1 += buffer[i + 1], s2 += buffer[i + 2], s3 += buffer[i + 3];
        for (; i < e; ++i) s0 += buffer[i];
        partial[static_cast<std::size_t>(m) * 8] = s0 + s1 + s2 + s3;
      });
    for (auto& t : team) t.join();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  double check = 0;
  for (double v : partial) check += v;
  if (check < 0) std::printf("impossible\n");
  return static_cast<double>(bytes) / best;
}

#if defined(__x86_64__)
#include <immintrin.h>
// Peak multiply-add rate of one core with AVX-512 (12 independent chains in registers, no
// memory): the arithmetic ceiling of the fused iteration, next to its memory floor. Distinct
// starting values keep the compiler from merging the chains.
__attribute__((target("avx512f"))) double avx512_fma_per_second_one_core() {
  const __m512d a = _mm512_set1_pd(0.999999999), b = _mm512_set1_pd(1e-12);
  __m512d c0 = _mm512_set1_pd(1.00), c1 = _mm512_set1_pd(1.01), c2 = _mm512_set1_pd(1.02), c3 = _mm512_set1_pd(1.03);
  __m512d c4 = _mm512_set1_pd(1.04), c5 = _mm512_set1_pd(1.05), c6 = _mm512_set1_pd(1.06), c7 = _mm512_set1_pd(1.07);
  __m512d c8 = _mm512_set1_pd(1.08), c9 = _mm512_set1_pd(1.09), c10 = _mm512_set1_pd(1.10), c11 = _mm512_set1_pd(1.11);
  const long rounds = 50000000;
  const auto t0 = Clock::now();
  for (long r = 0; r < rounds; ++r) {
    c0 = _mm512_fmadd_pd(c0, a, b), c1 = _mm512_fmadd_pd(c1, a, b), c2 = _mm512_fmadd_pd(c2, a, b);
    c3 = _mm512_fmadd_pd(c3, a, b), c4 = _mm512_fmadd_pd(c4, a, b), c5 = _mm512_fmadd_pd(c5, a, b);
    c6 = _mm512_fmadd_pd(c6, a, b), c7 = _mm512_fmadd_pd(c7, a, b), c8 = _mm512_fmadd_pd(c8, a, b);
    c9 = _mm512_fmadd_pd(c9, a, b), c10 = _mm512_fmadd_pd(c10, a, b), c11 = _mm512_fmadd_pd(c11, a, b);
  }
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  const __m512d sum = _mm512_add_pd(
      _mm512_add_pd(_mm512_add_pd(_mm512_add_pd(c0, c1), _mm512_add_pd(c2, c3)),
                    _mm512_add_pd(_mm512_add_pd(c4, c5), _mm512_add_pd(c6, c7))),
      _mm512_add_pd(_mm512_add_pd(c8, c9), _mm512_add_pd(c10, c11)));
  alignas(64) double lanes[8];
  _mm512_store_pd(lanes, sum);
  if (lanes[0] == 42.0) std::printf(" ");
  return 12.0 * 8.0 * static_cast<double>(rounds) / s;
}
#endif

// Multiply-adds per second of `threads` cores running the loop above at once (0 without AVX-512).
double peak_fma_per_second(int threads) {
#if defined(__x86_64__)
  if (!__builtin_cpu_supports("avx512f")) return 0.0;
  std::vector<double> rate(static_cast<std::size_t>(threads));
  std::vector<std::thread> team;
  for (int m = 0; m < threads; ++m) team.emplace_back([&, m] { rate[static_cast<std::size_t>(m)] = avx512_fma_per_second_one_core(); });
  for (auto& t : team) t.join();
  double sum = 0;
  for (double r : rate) sum += r;
  return sum;
#else
  (void)threads;
  return 0.0;
#endif
}

struct Reference {
  bool ran = false;
  double ms = 0, error = -1;
  int threads = 0;
  std::string torch, note;
  std::vector<double> errors;
};

// torch_threads: torch's own (OpenMP) threads; blas_threads: OpenBLAS's. Both at once
// oversubscribe the cores (each torch thread's GEMM starts OpenBLAS threads), so the bench runs
// the two sensible splits and compares against the faster.
Reference run_reference(const Args& a, const ebsd::rpca::SyntheticProblem& p, const ebsd::rpca::Hyperparameters& h,
                        int iterations, bool track_errors, int torch_threads = 1, int blas_threads = 1) {
  Reference r;
  if (a.python == "none") {
    r.note = "not run (--python none)";
    return r;
  }
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("bench_rpca_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto write = [&](const char* name, const ebsd::tensor::Tensor<double>& t) {
    std::ofstream f(dir / name, std::ios::binary);
    f.write(reinterpret_cast<const char*>(t.data()), static_cast<std::streamsize>(t.size() * sizeof(double)));
  };
  write("observed.f64", p.observed);
  write("truth.f64", p.low_rank);
  const std::int64_t r3 = a.spec.rank;
  nlohmann::json problem = {{"shape", p.observed.shape()},
                            {"ranks", {r3, r3, r3}},
                            {"hyper", {{"zeta0", h.zeta0}, {"zeta1", h.zeta1}, {"eta", h.eta}, {"decay", h.decay}}},
                            {"iterations", iterations},
                            {"threads", torch_threads},
                            {"repeats", track_errors ? 1 : 3},
                            {"track_errors", track_errors}};
  std::ofstream(dir / "problem.json") << problem.dump();
  // Beside this file, found from the source directory CMake names: __FILE__ is a relative path
  // where ccache rewrites paths under CCACHE_BASEDIR (CI), and then only resolved from build/.
  const fs::path script = fs::path(EBSD_SOURCE_DIR) / "tests" / "bench" / "rpca_reference.py";
  const std::string cmd = "OPENBLAS_NUM_THREADS=" + std::to_string(blas_threads) + " " + a.python + " " +
                          script.string() + " " + dir.string() + " 2>&1";
  std::string out;
  if (FILE* pipe = popen(cmd.c_str(), "r")) {
    char buf[4096];
    while (std::fgets(buf, sizeof buf, pipe)) out += buf;
    pclose(pipe);
  }
  fs::remove_all(dir);
  const auto brace = out.rfind('{');
  try {
    const auto j = nlohmann::json::parse(out.substr(brace == std::string::npos ? 0 : brace));
    r.ran = true;
    r.ms = j.at("ms_per_iteration").get<double>();
    r.threads = j.at("threads").get<int>();
    r.torch = j.at("torch").get<std::string>();
    if (j.contains("relative_error")) r.error = j.at("relative_error").get<double>();
    if (j.contains("relative_errors")) r.errors = j.at("relative_errors").get<std::vector<double>>();
  } catch (const std::exception&) {
    r.note = "failed: " + out.substr(0, 300);
  }
  return r;
}

std::string blas_of(const std::string& python) {
  if (python == "none") return "-";
  std::string out;
  const std::string cmd = python +
                          " -c \"import torch;print([l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l][:1])\" 2>&1";
  if (FILE* pipe = popen(cmd.c_str(), "r")) {
    char buf[1024];
    while (std::fgets(buf, sizeof buf, pipe)) out += buf;
    pclose(pipe);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

double load_average() {
  std::ifstream f("/proc/loadavg");
  double l = -1;
  f >> l;
  return l;
}

void timing(const Args& a) {
  const auto p = ebsd::rpca::make_synthetic_problem(a.spec);
  const auto h = ebsd::rpca::tuned_synthetic_hyperparameters();
  const std::int64_t r = a.spec.rank, n = a.spec.size;
  const double n3 = static_cast<double>(n) * n * n;
  std::printf("# ScaledGD tensor RPCA, %lld^3, rank %lld, kappa %g, corruption %g, %d iterations; load %.2f\n",
              static_cast<long long>(n), static_cast<long long>(r), a.spec.condition_number, a.spec.corruption,
              a.iterations, load_average());
  std::printf("# %s; %d hardware threads\n", ebsd::gpu::describe_compute().c_str(),
              static_cast<int>(std::thread::hardware_concurrency()));

  std::printf("%-44s %8s %12s %10s\n", "implementation", "threads", "ms/iteration", "speed-up");
  Reference ref;
  for (const auto& [torch_threads, blas_threads] : {std::pair{a.threads, 1}, std::pair{1, a.threads}}) {
    const Reference r = run_reference(a, p, h, a.iterations, false, torch_threads, blas_threads);
    if (!r.ran) {
      std::printf("%-44s reference %s\n", "PyTorch float64 reference", r.note.c_str());
      break;
    }
    std::printf("%-44s %8s %12.3f %10s   (torch %s, %s)\n", "PyTorch float64 reference (rpca_reference.py)",
                (std::to_string(torch_threads) + "+" + std::to_string(blas_threads) + "b").c_str(), r.ms, "", r.torch.c_str(),
                blas_of(a.python).c_str());
    if (!ref.ran || r.ms < ref.ms) ref = r;
  }
  if (ref.ran) std::printf("# speed-ups below are against the faster reference run, %.3f ms\n", ref.ms);

  double ours_best = 1e300;
  if (!a.skip_cpu)
  for (const auto k : {ScaledGdKernel::Generic, ScaledGdKernel::FusedPortable, ScaledGdKernel::FusedAvx2,
                       ScaledGdKernel::FusedAvx512, ScaledGdKernel::FusedAvx512Blocked})
    for (const int threads : {1, a.threads}) {
      if (k == ScaledGdKernel::Generic && threads != 1) continue;  // the generic kernel is single-threaded
      ebsd::rpca::ScaledGdSettings s;
      s.ranks = {r, r, r};
      s.iterations = a.iterations;
      s.kernel = k;
      s.threads = threads;
      double ms = 0;
      try {
        ms = best_ms_per_iteration(3, a.iterations, [&] {
          return ebsd::rpca::scaled_gd(p.observed, s, ebsd::Progress::none()).iteration_seconds;
        });
      } catch (const ebsd::Error&) {
        continue;  // instruction set missing
      }
      if (k != ScaledGdKernel::Generic) ours_best = std::min(ours_best, ms);
      std::printf("%-44s %8d %12.3f %10s\n", (std::string("ours, ") + kernel_name(k)).c_str(), threads, ms,
                  ref.ran ? std::to_string(ref.ms / ms).substr(0, 5).c_str() : "-");
      if (a.threads == 1) break;
    }
  std::array<double, 3> gpu_floor{0, 0, 0};  // bytes, bandwidth, ms
  double fused_ms = 0;
  for (const std::string dev : {"cpu", "cuda"}) {
    if (a.device != "all" && a.device != dev) continue;
    if (dev == "cuda" && !ebsd::gpu::cuda_available()) continue;
    ebsd::rpca::ScaledGdSettings s;
    s.ranks = {r, r, r};
    s.iterations = a.iterations;
    const auto d = dev == "cuda" ? ebsd::gpu::Device::Cuda : ebsd::gpu::Device::Cpu;
    const double ms = best_ms_per_iteration(3, a.iterations, [&] {
      return ebsd::gpu::scaled_gd(p.observed, s, d, ebsd::Progress::none(), nullptr, ebsd::gpu::CudaRpcaPath::LibTorch)
          .iteration_seconds;
    });
    std::printf("%-44s %8s %12.3f %10s\n", ("ours on LibTorch, " + dev).c_str(), "-", ms,
                ref.ran ? std::to_string(ref.ms / ms).substr(0, 5).c_str() : "-");
    if (dev == "cuda") {
      const double bytes = ebsd::gpu::torch_iteration_bytes(p.observed.shape());
      const double bw = ebsd::gpu::device_copy_bandwidth(d, std::size_t{1} << 30);
      gpu_floor = {bytes, bw, ms};
      const std::string why = ebsd::gpu::fused_cuda_rpca_unavailable_reason(p.observed.shape(), s.ranks);
      if (!why.empty()) {
        std::printf("%-44s not run: %s\n", "ours, fused CUDA kernels", why.c_str());
        continue;
      }
      fused_ms = best_ms_per_iteration(5, a.iterations, [&] {
        return ebsd::gpu::scaled_gd(p.observed, s, d, ebsd::Progress::none(), nullptr, ebsd::gpu::CudaRpcaPath::FusedKernels)
            .iteration_seconds;
      });
      std::printf("%-44s %8s %12.4f %10s   (vs LibTorch CUDA: %.1fx)\n", "ours, fused CUDA kernels", "-", fused_ms,
                  ref.ran ? std::to_string(ref.ms / fused_ms).substr(0, 5).c_str() : "-", ms / fused_ms);
    }
  }
  if (gpu_floor[0] > 0)
    std::printf("# CUDA: %.1f MB per LibTorch iteration, copy bandwidth %.0f GB/s: floor %.4f ms, ours/floor %.1f\n",
                gpu_floor[0] / 1e6, gpu_floor[1] / 1e9, 1e3 * gpu_floor[0] / gpu_floor[1],
                gpu_floor[2] / (1e3 * gpu_floor[0] / gpu_floor[1]));
  if (fused_ms > 0) {
    // Our fused iteration reads Y once and the factors, writes the factors, and writes and reads
    // back its per-block partial gradients (which stay in the H100's 50 MB L2). The strict floor
    // counts the first two only; the second line counts the partials as if they went to memory.
    const std::vector<std::int64_t> ranks{r, r, r};
    const double strict = ebsd::gpu::fused_cuda_iteration_bytes(p.observed.shape(), ranks, false, false);
    const double all = ebsd::gpu::fused_cuda_iteration_bytes(p.observed.shape(), ranks, false, true);
    const double bw = gpu_floor[1];
    std::printf("# CUDA fused: %.2f MB per iteration (Y, factors): floor %.4f ms at %.0f GB/s, ours %.4f ms = %.2fx the floor\n",
                strict / 1e6, 1e3 * strict / bw, bw / 1e9, fused_ms, fused_ms / (1e3 * strict / bw));
    std::printf("# CUDA fused: %.2f MB per iteration with the partial gradients: floor %.4f ms, ours = %.2fx\n", all / 1e6,
                1e3 * all / bw, fused_ms / (1e3 * all / bw));
  }
  if (a.skip_cpu) {
    std::printf("# load average at the end: %.2f\n", load_average());
    return;
  }

  // Memory-traffic floor of the iteration, whatever the kernel: Y read once (8 n^3 bytes) and the
  // gradients written (three n x r factors and the r^3 core). Our kernels move more: the row
  // kernel its per-thread accumulators (2 n r^2 each), the blocked one its padded copy of Y and
  // its per-block terms; the floor does not count them.
  const double bytes = 8.0 * n3 + 8.0 * (3.0 * static_cast<double>(n) * r + static_cast<double>(r) * r * r);
  const double bw_hot = read_bandwidth(static_cast<std::size_t>(8.0 * n3), a.threads);
  const double bw_dram = read_bandwidth(std::size_t{1} << 30, a.threads);
  std::printf("\n# memory-traffic floor of our fused iteration: %.2f MB per iteration\n", bytes / 1e6);
  std::printf("%-44s %10.1f GB/s  floor %7.3f ms  ours/floor %6.2f\n", "read bandwidth, buffer the size of Y (hot)",
              bw_hot / 1e9, 1e3 * bytes / bw_hot, ours_best / (1e3 * bytes / bw_hot));
  std::printf("%-44s %10.1f GB/s  floor %7.3f ms  ours/floor %6.2f\n", "read bandwidth, 1 GiB buffer (DRAM)",
              bw_dram / 1e9, 1e3 * bytes / bw_dram, ours_best / (1e3 * bytes / bw_dram));
  const double fma = 3.0 * n3 * static_cast<double>(r);
  std::printf("# arithmetic: %.3g multiply-adds per iteration over the tensor = %.1f GFLOP/s at our best time\n", fma,
              2.0 * fma / (ours_best * 1e-3) / 1e9);
  const double peak = peak_fma_per_second(a.threads);
  if (peak > 0)
    std::printf("%-44s %10.1f GFMA/s floor %7.3f ms  ours/floor %6.2f\n", "AVX-512 peak, register-only FMA loop", peak / 1e9,
                1e3 * fma / peak, ours_best / (1e3 * fma / peak));
  std::printf("# load average at the end: %.2f\n", load_average());
}

void fidelity(const Args& a) {
  const auto h = ebsd::rpca::tuned_synthetic_hyperparameters();
  std::printf("# fidelity: %lld^3, rank %lld, corruption %g, hyperparameters zeta0 %g zeta1 %g eta %g rho %g, no ridge\n",
              static_cast<long long>(a.spec.size), static_cast<long long>(a.spec.rank), a.spec.corruption, h.zeta0,
              h.zeta1, h.eta, h.decay);
  std::printf("%-8s %16s %17s %22s\n", "kappa", "iters to 1e-8", "iters to 1e-10", "error after 150 iters");
  for (const double kappa : {1.0, 5.0, 10.0, 20.0}) {
    auto spec = a.spec;
    spec.condition_number = kappa;
    const auto p = ebsd::rpca::make_synthetic_problem(spec);
    ebsd::rpca::ScaledGdSettings s;
    s.ranks = {spec.rank, spec.rank, spec.rank};
    s.iterations = 150;
    const auto r = ebsd::rpca::scaled_gd(p.observed, s, ebsd::Progress::none(), &p.low_rank);
    std::printf("%-8g %16d %17d %22.3e\n", kappa, ebsd::rpca::iterations_to_reach(r.relative_errors, 1e-8),
                ebsd::rpca::iterations_to_reach(r.relative_errors, 1e-10), r.relative_errors.back());
  }
  if ((a.device == "cuda" || a.device == "all") && ebsd::gpu::cuda_available()) {
    const std::vector<std::int64_t> ranks(3, a.spec.rank);
    const std::string why = ebsd::gpu::fused_cuda_rpca_unavailable_reason({a.spec.size, a.spec.size, a.spec.size}, ranks);
    if (!why.empty()) std::printf("fused CUDA kernels: not run: %s\n", why.c_str());
    else
      for (const double kappa : {1.0, 5.0, 10.0, 20.0}) {
        auto spec = a.spec;
        spec.condition_number = kappa;
        const auto p = ebsd::rpca::make_synthetic_problem(spec);
        ebsd::rpca::ScaledGdSettings s;
        s.ranks = ranks;
        s.iterations = 150;
        const auto r = ebsd::gpu::scaled_gd(p.observed, s, ebsd::gpu::Device::Cuda, ebsd::Progress::none(), &p.low_rank,
                                            ebsd::gpu::CudaRpcaPath::FusedKernels);
        std::printf("%-8s %16d %17d %22.3e\n", ("cuda " + std::to_string(static_cast<int>(kappa))).c_str(),
                    ebsd::rpca::iterations_to_reach(r.relative_errors, 1e-8),
                    ebsd::rpca::iterations_to_reach(r.relative_errors, 1e-10), r.relative_errors.back());
      }
  }
  const auto p = ebsd::rpca::make_synthetic_problem(a.spec);
  const Reference ref = run_reference(a, p, h, 150, true);
  if (ref.ran)
    std::printf("reference (kappa %g): iters to 1e-8 %d, to 1e-10 %d, error after 150 iters %.3e\n",
                a.spec.condition_number, ebsd::rpca::iterations_to_reach(ref.errors, 1e-8),
                ebsd::rpca::iterations_to_reach(ref.errors, 1e-10), ref.error);
  else
    std::printf("reference %s\n", ref.note.c_str());
  for (const std::string dev : {"cpu", "cuda"}) {
    if (a.device != "all" && a.device != dev) continue;
    if (dev == "cuda" && !ebsd::gpu::cuda_available()) continue;
    ebsd::rpca::ScaledGdSettings s;
    s.ranks = {a.spec.rank, a.spec.rank, a.spec.rank};
    s.iterations = 150;
    const auto d = dev == "cuda" ? ebsd::gpu::Device::Cuda : ebsd::gpu::Device::Cpu;
    const auto cpu = ebsd::rpca::scaled_gd(p.observed, s, ebsd::Progress::none(), &p.low_rank);
    for (const int its : {20, 150}) {
      s.iterations = its;
      const auto ours = ebsd::rpca::scaled_gd(p.observed, s, ebsd::Progress::none());
      const auto torch =
          ebsd::gpu::scaled_gd(p.observed, s, d, ebsd::Progress::none(), nullptr, ebsd::gpu::CudaRpcaPath::LibTorch);
      std::printf("LibTorch %s vs CPU after %3d iterations: relative difference of X %.3e\n", dev.c_str(), its,
                  ebsd::tensor::relative_distance(torch.low_rank, ours.low_rank));
      if (dev == "cuda" && ebsd::gpu::fused_cuda_rpca_unavailable_reason(p.observed.shape(), s.ranks).empty()) {
        const auto fused =
            ebsd::gpu::scaled_gd(p.observed, s, d, ebsd::Progress::none(), nullptr, ebsd::gpu::CudaRpcaPath::FusedKernels);
        std::printf("fused CUDA kernels vs CPU after %3d iterations: relative difference of X %.3e\n", its,
                    ebsd::tensor::relative_distance(fused.low_rank, ours.low_rank));
      }
    }
    (void)cpu;
  }
}

void unfolding(const Args& a) {
  const bool cuda = a.device == "cuda" || (a.device == "all" && ebsd::gpu::cuda_available());
  const auto d = cuda ? ebsd::gpu::Device::Cuda : ebsd::gpu::Device::Cpu;
  const auto p = ebsd::rpca::make_synthetic_problem(a.spec);
  ebsd::gpu::UnfoldingTraining tr;
  tr.unrolled_iterations = a.unfolding_depth;
  tr.steps = a.unfolding_steps;
  const std::vector<std::int64_t> ranks(3, a.spec.rank);
  const auto squared = [&](const ebsd::rpca::Hyperparameters& h) {
    ebsd::rpca::ScaledGdSettings s;
    s.ranks = ranks;
    s.iterations = tr.unrolled_iterations;
    s.hyper = h;
    const auto r = ebsd::rpca::scaled_gd(p.observed, s, ebsd::Progress::none(), &p.low_rank);
    return r.relative_errors.back() * r.relative_errors.back();
  };
  std::printf("# unfolding: %lld^3, rank %lld, kappa %g, corruption %g, T = %d, %d Adam steps at %g, on %s\n",
              static_cast<long long>(a.spec.size), static_cast<long long>(a.spec.rank), a.spec.condition_number,
              a.spec.corruption, tr.unrolled_iterations, tr.steps, tr.learning_rate, cuda ? "cuda" : "cpu");
  const auto show = [&](const char* what, const ebsd::rpca::Hyperparameters& h, double seconds) {
    std::printf("%-34s zeta0 %.4f zeta1 %.4f eta %.3f rho %.3f  ||X_T-X*||^2/||X*||^2 = %.3e  (%.1f s)\n", what, h.zeta0,
                h.zeta1, h.eta, h.decay, squared(h), seconds);
  };
  show("ScaledGD, unfolding start values", tr.initial, 0.0);
  const auto self = ebsd::gpu::train_unfolded_self_supervised(p.observed, ranks, tr, d, ebsd::Progress::none());
  show("self-supervised (this tensor only)", self.learned, self.seconds);
  auto train_spec = a.spec;
  train_spec.seed = a.spec.seed + 1000000;
  const auto sup = ebsd::gpu::train_unfolded_supervised(train_spec, tr, d, ebsd::Progress::none());
  show("supervised (other problems)", sup.learned, sup.seconds);
  show("ScaledGD, tuned values", ebsd::rpca::tuned_synthetic_hyperparameters(), 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  if (a.fidelity) fidelity(a);
  if (a.unfolding) unfolding(a);
  if (!a.fidelity && !a.unfolding) timing(a);
  return 0;
}

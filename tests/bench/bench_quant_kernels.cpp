// Microbenchmark of the quantized CPU products (core/quant) at the matrix shapes of
// Qwen2.5-0.5B: weight GB/s for decode (one token) and GMAC/s for prefill (128 tokens), per
// format and instruction set, on 1 and 2 threads (rows split in two halves, one std::thread
// each). Prints a table; numbers go to docs/benchmarks.md with the CPU.
//   bench_quant_kernels [--tokens N] [--seconds S] [--only TEXT]
// --only keeps the rows whose "matrix fmt isa threads" text contains TEXT (e.g. "head Q8_0"), so
// one product can be timed alone under `perf stat` (cycles, which load on a shared box barely moves).
#include <time.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ebsd/quant/quant_matmul.hpp"

namespace {

using namespace ebsd::quant;
using clock_type = std::chrono::steady_clock;

struct Shape {
  const char* name;
  std::int64_t rows, cols;
};

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Wall seconds per product; cpu_per_rep gets the CPU seconds (all threads) per product, which
// a busy machine moves far less than the wall time.
double run(const QuantMatrix& w, const ActivationBlocks& x, std::vector<float>& y, int threads, Isa isa, double seconds,
           double& cpu_per_rep) {
  int reps = 0;
  const double c0 = process_cpu_seconds();
  const auto t0 = clock_type::now();
  double elapsed = 0;
  while (elapsed < seconds || reps < 3) {
    if (threads == 1) {
      quant_matmul(w, x, y.data(), w.rows, 0, w.rows, isa);
    } else {
      const std::int64_t half = (w.rows / 2 + 15) / 16 * 16;
      std::thread other([&] { quant_matmul(w, x, y.data(), w.rows, half, w.rows, isa); });
      quant_matmul(w, x, y.data(), w.rows, 0, half, isa);
      other.join();
    }
    ++reps;
    elapsed = std::chrono::duration<double>(clock_type::now() - t0).count();
  }
  cpu_per_rep = (process_cpu_seconds() - c0) / reps;
  return elapsed / reps;
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t prefill_tokens = 128;
  double seconds = 0.5;
  std::string only;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--tokens")) prefill_tokens = std::stoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::stod(argv[i + 1]);
    if (!std::strcmp(argv[i], "--only")) only = argv[i + 1];
  }
  const Shape shapes[] = {{"q/o 896x896", 896, 896}, {"gate/up 4864x896", 4864, 896}, {"down 896x4864", 896, 4864},
                          {"head 151936x896", 151936, 896}};
  std::printf("best ISA here: %s; prefill tile: %lld tokens\n", isa_name(best_isa()), static_cast<long long>(prefill_tokens));
  std::printf("%-18s %-5s %-18s %3s %14s %16s %16s %18s\n", "matrix", "fmt", "isa (il: interleaved)", "thr", "decode GB/s", "decode GB/cpu-s",
              "prefill GMAC/s", "prefill GMAC/cpu-s");
  std::mt19937 rng(1);
  std::normal_distribution<float> g(0.0f, 1.0f);
  for (const auto& s : shapes)
    for (BlockFormat f : {BlockFormat::Q8_0, BlockFormat::Q4_0}) {
      bool wanted = only.empty();
      for (Isa isa : {Isa::Portable, Isa::Avx2, Isa::Avx512Vnni, Isa::Avx512Amx})
        for (int threads : {1, 2})
          for (const char* il : {"", " il"})
            wanted = wanted || (std::string(s.name) + " " + block_traits(f).name + " " + isa_name(isa) + il + " " +
                                std::to_string(threads)).find(only) != std::string::npos;
      if (!wanted) continue;
      const auto rb = row_bytes(f, s.cols);
      std::vector<std::uint8_t> wq(rb * static_cast<std::size_t>(s.rows));
      std::vector<float> row(static_cast<std::size_t>(s.cols));
      for (std::int64_t r = 0; r < s.rows; ++r) {
        for (auto& v : row) v = g(rng);
        quantize_row(f, row.data(), wq.data() + r * rb, s.cols);
      }
      const QuantMatrix file_layout{f, wq.data(), s.rows, s.cols, rb};
      // The engine's layout on AVX-512 machines: the interleaved copy made at load.
      std::vector<std::uint8_t> il_bytes(interleaved_bytes(f, s.rows, s.cols) + 64);
      QuantMatrix interleaved = file_layout;
      interleaved.interleaved = reinterpret_cast<std::uint8_t*>((reinterpret_cast<std::uintptr_t>(il_bytes.data()) + 63) & ~std::uintptr_t{63});
      interleave_rows(file_layout, const_cast<std::uint8_t*>(interleaved.interleaved), 0, s.rows / 16);
      std::vector<float> xs(static_cast<std::size_t>(prefill_tokens * s.cols));
      for (auto& v : xs) v = g(rng);
      ActivationBlocks one, many;
      one.quantize(f, xs.data(), 1, s.cols, s.cols);
      const bool head = s.rows > 100000;
      if (!head) many.quantize(f, xs.data(), prefill_tokens, s.cols, s.cols);
      std::vector<float> y(static_cast<std::size_t>(prefill_tokens * s.rows));
      for (Isa isa : {Isa::Portable, Isa::Avx2, Isa::Avx512Vnni, Isa::Avx512Amx}) {
        if (!isa_supported(isa)) continue;
        for (bool il : {false, true})
        for (int threads : {1, 2}) {
          if (il && !reads_interleaved(isa)) continue;
          const QuantMatrix& w = il ? interleaved : file_layout;
          const std::string isa_label = std::string(isa_name(isa)) + (il ? " il" : "");
          const std::string key = std::string(s.name) + " " + block_traits(f).name + " " + isa_label + " " + std::to_string(threads);
          if (!only.empty() && key.find(only) == std::string::npos) continue;
          double cpu = 0, cpu_prefill = 0;
          const double td = run(w, one, y, threads, isa, seconds, cpu);
          const double gbs = static_cast<double>(wq.size()) / td / 1e9;
          double gmacs = 0, gmacs_cpu = 0;
          if (!head && isa != Isa::Portable) {
            const double tp = run(w, many, y, threads, isa, seconds, cpu_prefill);
            gmacs = static_cast<double>(s.rows * s.cols * prefill_tokens) / tp / 1e9;
            gmacs_cpu = static_cast<double>(s.rows * s.cols * prefill_tokens) / cpu_prefill / 1e9;
          }
          std::printf("%-18s %-5s %-18s %3d %14.2f %16.2f %16.2f %18.2f\n", s.name, block_traits(f).name, isa_label.c_str(), threads, gbs,
                      static_cast<double>(wq.size()) / cpu / 1e9, gmacs, gmacs_cpu);
          std::fflush(stdout);
        }
      }
    }
  return 0;
}

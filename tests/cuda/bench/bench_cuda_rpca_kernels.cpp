// Our fused CUDA ScaledGD kernels alone (gpu/src/cuda/rpca_kernels.hpp, no LibTorch): time per
// iteration on the paper's problem (default 100^3, rank 10, kappa 5, 20 % corruption) split into
// the row pass (and its row blocks and side blocks launched alone) and the update, with plain
// launches and in the CUDA graph, for the kernel variants and several numbers of blocks per y
// row; against the memory floor of the iteration (its bytes over the device-to-device copy
// bandwidth measured here). Timed with CUDA events over back-to-back launches.
//   bench_cuda_rpca_kernels [--size N] [--rank R] [--repetitions K] [--variant C | --variants C,C..]
//                           [--splits S]   (codes C below; S blocks per y row, 0: the automatic choice)
//                           [--timeline K] (persistent variants: where an iteration's time goes, K iterations)
//                           [--isolate]    (with --timeline: also phase A's kinds of items alone, one side
//                                           part alone, 1, 8, 66 and 132 row items alone: are they
//                                           slower beside each other? and no item: a grid barrier)
//                           [--latencies]  (the steps the kernel's chains are made of, each timed alone)
// Skips (exit 0) without a CUDA device.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "cuda/rpca_kernels.hpp"
#include "ebsd/rpca/scaled_gd.hpp"
#include "ebsd/rpca/synthetic_problem.hpp"
#include "ebsd/tensor/hosvd.hpp"
#include "cuda_bench_check.hpp"

namespace {

namespace k = ebsd::gpu::cuda;


// Device-to-device copy bandwidth (bytes read + written per second), best of 10, 1 GiB.
double copy_bandwidth() {
  const std::size_t bytes = std::size_t{1} << 30;
  void *a = nullptr, *b = nullptr;
  CHECK(cudaMalloc(&a, bytes));
  CHECK(cudaMalloc(&b, bytes));
  CHECK(cudaMemset(a, 0, bytes));
  cudaEvent_t t0, t1;
  CHECK(cudaEventCreate(&t0));
  CHECK(cudaEventCreate(&t1));
  float best = 1e30f;
  for (int i = 0; i < 10; ++i) {
    CHECK(cudaEventRecord(t0));
    CHECK(cudaMemcpyAsync(b, a, bytes, cudaMemcpyDeviceToDevice));
    CHECK(cudaEventRecord(t1));
    CHECK(cudaEventSynchronize(t1));
    float ms = 0;
    CHECK(cudaEventElapsedTime(&ms, t0, t1));
    best = std::min(best, ms);
  }
  cudaFree(a);
  cudaFree(b);
  return 2.0 * static_cast<double>(bytes) / (best * 1e-3);
}

void print_timeline(const k::FusedScaledGd::Timeline& tl, bool with_update) {
  std::printf("  timeline over %d iterations: period %.2f us; barrier A left by the first block at %.2f, the last at %.2f us;\n",
              tl.iterations, tl.period_us, tl.a_barrier_first_us, tl.a_barrier_last_us);
  if (with_update)
    std::printf("  phase B (from the first block out of barrier A): items start at %.2f, barrier B left at %.2f / %.2f us\n",
                tl.b_start_us, tl.b_barrier_first_us, tl.b_barrier_last_us);
  std::printf("  %-6s %-22s %8s %10s %10s %10s %10s\n", "phase", "items", "count", "mean end", "max end", "mean dur",
              "max dur");
  for (const auto& kd : tl.kinds) {
    std::printf("  %-6s %-22s %8.1f %10.2f %10.2f %10.2f %10.2f", kd.phase.c_str(), kd.name.c_str(),
                static_cast<double>(kd.items) / std::max(1, tl.iterations), kd.mean_end_us, kd.max_end_us,
                kd.mean_duration_us, kd.max_duration_us);
    if (!kd.steps_us.empty()) {  // the item's steps (rpca_kernels.cu), from its start
      std::printf("   steps:");
      for (const double st : kd.steps_us) std::printf(" %.2f", st);
    }
    std::printf("\n");
  }
}

std::vector<double> row_major(const ebsd::tensor::Matrix<double>& m) {
  std::vector<double> v(static_cast<std::size_t>(m.size()));
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index a = 0; a < m.cols(); ++a) v[static_cast<std::size_t>(i * m.cols() + a)] = m(i, a);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  ebsd::rpca::SyntheticProblemSpec spec;
  int repetitions = 200;
  // Codes: 1, 2, 3 the kernel variants (RpcaTuning::variant); 4 variant 2 with programmatic
  // dependent launch ("2 ... pdl"); 5 variant 2 with variant 1's rank padding (multiples of 4), to
  // separate the effect of the padding from the rest. (Before 2026-11-28 02:00 UTC code 3 was
  // the padding and variant 3 did not exist.) 6: variant 4, the persistent cooperative kernel
  // (row pass = its row phase with the side parts, row / side blks = the row phase with only
  // those, iteration = one launch per iteration, graph iter = all repetitions in one launch).
  // 7: variant 5 (variant 4 with the wide row blocks and update items), columns as for code 6.
  // 8: variant 7 (variant 4 with the row items on the FP64 tensor cores), columns as for code 6.
  // 9: variant 8 (variant 7 with Y's slabs staged in shared memory; "sy" where they are).
  // 10: variant 9 (variant 7 with the core update deferred to the next phase A; "dc" where it is).
  std::vector<int> variants{1, 2, 3, 4, 5, 6, 7, 8, 9};
  int timeline_iterations = 0;
  bool isolate = false, latencies = false;
  std::vector<int> split_list{1, 2, 3, 4, 6, 8, 0};
  for (int i = 1; i < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--isolate" || a == "--latencies") {  // flags without a value
      (a == "--isolate" ? isolate : latencies) = true;
      --i;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "unknown argument, or one without its value: %s\n", a.c_str());
      return 2;
    }
    if (a == "--size") spec.size = std::atoll(argv[i + 1]);
    else if (a == "--rank") spec.rank = std::atoll(argv[i + 1]);
    else if (a == "--repetitions") repetitions = std::atoi(argv[i + 1]);
    else if (a == "--timeline") timeline_iterations = std::atoi(argv[i + 1]);
    else if (a == "--variant") variants = {std::atoi(argv[i + 1])};  // a code (above)
    else if (a == "--variants") {  // a comma-separated list of codes
      variants.clear();
      for (const char* c = argv[i + 1]; *c;) {
        variants.push_back(std::atoi(c));
        while (*c && *c != ',') ++c;
        if (*c == ',') ++c;
      }
    } else if (a == "--splits") split_list = {std::atoi(argv[i + 1])};  // blocks per y row, 0: auto
    else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices < 1) {
    std::printf("no CUDA device: skipped\n");
    return 0;
  }
  cudaDeviceProp prop{};
  CHECK(cudaGetDeviceProperties(&prop, 0));
  if (latencies) {
    std::printf("# %s: each step timed alone in one block of 256 threads (rpca_latency_probe)\n", prop.name);
    std::printf("%-46s %10s %10s %8s\n", "step", "cycles", "ns", "GHz");
    for (const auto& l : k::rpca_latency_probe())
      std::printf("%-46s %10.1f %10.1f %8.2f\n", l.step.c_str(), l.cycles, l.ns, l.clock_ghz);
    std::fflush(stdout);
  }
  const auto p = ebsd::rpca::make_synthetic_problem(spec);
  const auto h = ebsd::rpca::tuned_synthetic_hyperparameters();
  const std::vector<std::int64_t> ranks(3, spec.rank);
  ebsd::tensor::Tensor<double> clipped = p.observed;
  for (double& v : clipped.values()) v = std::clamp(v, -h.zeta0, h.zeta0);
  const auto init = ebsd::tensor::hosvd(clipped, ranks, ebsd::Progress::none());
  const auto u = row_major(init.factors[0]), v = row_major(init.factors[1]), w = row_major(init.factors[2]);
  double* y = nullptr;
  const std::size_t ybytes = static_cast<std::size_t>(p.observed.size()) * sizeof(double);
  CHECK(cudaMalloc(&y, ybytes));
  CHECK(cudaMemcpy(y, p.observed.data(), ybytes, cudaMemcpyHostToDevice));
  const double bw = copy_bandwidth();
  const int r = static_cast<int>(spec.rank);
  const k::RpcaSizes sizes{spec.size, spec.size, spec.size, r, r, r};
  std::printf("# fused CUDA ScaledGD kernels, %lld^3, rank %d, %s (%d SMs), copy bandwidth %.0f GB/s, %d launches each\n",
              static_cast<long long>(spec.size), r, prop.name, prop.multiProcessorCount, bw / 1e9, repetitions);
  std::printf("# row blocks / side blocks: the two kinds of blocks of the row pass launched alone; update = iteration - row pass (variant 4: graph iter - row pass)\n");
  std::printf("# variant: 1, 2 or 3, R: the rank the row kernel runs with, st: the side blocks staged in shared memory\n");
  std::printf("# variant 3: row pass = row blocks with the side kernel beside them; side blks = the side kernel alone\n");
  std::printf("# variant 4 (code 6, persistent, gN: N blocks): row pass / row blks / side blks = its row phase (+ grid barrier)\n");
  std::printf("#   with both / only the row blocks / only the side parts; iteration = one launch per iteration;\n");
  std::printf("#   graph iter = all repetitions in one launch (as run does, in chunks)\n");
  std::printf("# variant 5 (code 7): variant 4 with the wide row blocks and update items, columns as variant 4\n");
  std::printf("# variant 7 (code 8): variant 4 with the row items on the FP64 tensor cores, columns as variant 4\n");
  std::printf("# variant 8 (code 9): variant 7 with Y's slabs staged in shared memory (sy), columns as variant 4\n");
  std::printf("# variant 9 (code 10): variant 7 with the core update deferred to the next phase A (dc), columns as variant 4\n");
  std::printf("%-14s %-8s %10s %10s %10s %10s %12s %12s %10s %8s %8s\n", "variant", "splits", "row pass", "row blks",
              "side blks", "update", "iteration", "graph iter", "floor", "ratio", "MB/iter");
  k::RpcaStepParams params;
  params.zeta1 = h.zeta1;
  params.eta = h.eta;
  params.rho = h.decay;
  for (const int variant : variants) {
    for (const int splits : split_list) {
      k::RpcaTuning t;
      t.variant = variant == 1   ? 1
                  : variant == 3 ? 3
                  : variant == 6 ? 4
                  : variant == 7 ? 5
                  : variant == 8 ? 7
                  : variant == 9 ? 8
                  : variant == 10 ? 9
                                 : 2;
      t.rank_padding = variant == 5 ? 4 : 0;
      t.programmatic_launch = variant == 4;
      t.z_splits = splits;
      try {  // a configuration that fails (say, a launch mode the driver lacks) leaves the others
        k::FusedScaledGd solver(sizes, 1, nullptr, t);
        solver.set_observed(y, nullptr);
        solver.set_iterate(u.data(), v.data(), w.data(), init.core.data());
        const auto times = solver.profile(repetitions, params);
        const double bytes = solver.iteration_bytes(false);
        const double floor_us = 1e6 * bytes / bw;
        const std::string label = std::to_string(solver.variant()) + " R" + std::to_string(solver.row_kernel_rank()) +
                              (solver.side_blocks_staged() ? " st" : "") + (variant == 4 ? " pdl" : "") +
                              (solver.row_items_stage_y() ? " sy" : "") + (solver.core_update_deferred() ? " dc" : "") +
                              (variant >= 6 ? " g" + std::to_string(solver.persistent_grid()) : "");
        std::printf("%-14s %-8s %10.2f %10.2f %10.2f %10.2f %12.2f %12.2f %10.2f %8.2f %8.2f\n", label.c_str(),
                    (splits == 0 ? "auto=" + std::to_string(solver.z_splits()) : std::to_string(splits)).c_str(),
                    times.row_pass_us, times.row_blocks_us, times.side_blocks_us,
                    (variant >= 6 ? times.iteration_graph_us : times.iteration_plain_us) - times.row_pass_us,
                    times.iteration_plain_us, times.iteration_graph_us,
                    floor_us, times.iteration_graph_us / floor_us, bytes / 1e6);
        if (timeline_iterations > 0 && variant >= 6) {
          // Where the iteration's time goes (global-timer stamps per block and item).
          std::fflush(stdout);
          solver.set_iterate(u.data(), v.data(), w.data(), init.core.data());
          print_timeline(solver.timeline(timeline_iterations, params), true);
          if (isolate) {
            // Phase A's kinds of items alone, one side part (mode 0's A^T A and its inverse),
            // then 1, 8, 66 and 132 row items alone (no phase B), and no item at all: the period
            // is then one grid barrier and the loop around it (an iteration needs two barriers:
            // the gradients summed over all rows, the new iterate seen by every block).
            const k::RpcaTimelineScope scopes[] = {{-1, 0}, {0, -1}, {0, 1}, {1, 0}, {8, 0}, {66, 0}, {132, 0}, {0, 0}};
            for (const auto& sc : scopes) {
              std::printf("  -- alone: %s row items, %s side parts\n",
                          sc.row_items < 0 ? "all" : std::to_string(sc.row_items).c_str(),
                          sc.side_parts < 0 ? "all" : std::to_string(sc.side_parts).c_str());
              std::fflush(stdout);
              solver.set_iterate(u.data(), v.data(), w.data(), init.core.data());
              const auto tl = solver.timeline(timeline_iterations, params, sc);
              print_timeline(tl, false);
              if (sc.row_items == 0 && sc.side_parts == 0)  // the period of one grid barrier
                std::printf("  two grid barriers (an iteration's): %.2f us; the goal, 2x the floor: %.2f us\n",
                            2.0 * tl.period_us, 2.0 * floor_us);
            }
          }
        }
      } catch (const std::exception& e) {
        std::printf("variant code %d, splits %d: failed: %s\n", variant, splits, e.what());
      }
      std::fflush(stdout);
    }
  }
  cudaFree(y);
  return 0;
}

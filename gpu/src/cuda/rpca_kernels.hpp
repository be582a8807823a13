#pragma once
// ScaledGD tensor RPCA iterations as our own CUDA kernels (docs/rpca.md "CUDA kernels"): the
// design of the CPU's fused pass (core/src/rpca/fused_residual_pass.hpp) on the GPU. Each
// iteration is two kernels and no host synchronisation:
//   1. the row pass: one thread block per (y row, z range) forms X_t on the fly from the Tucker
//      factors, R = clamp(X_t - Y, -zeta, zeta) and every projection of R the gradients need, in
//      one read of Y; nothing of size n^3 is written, only per-block partial gradients. Three
//      more blocks of the same launch form the Gram matrices of the current iterate and invert
//      them (they do not depend on R). The last block to finish adds up the error. (Variant 3:
//      these Gram blocks are a kernel of their own on a second stream, beside the row pass.)
//   2. the update: blocks add up the partial gradients and apply the scaled step to U, V, W and
//      the core; the last one finishes the core, the threshold schedule zeta_{k+1} = rho zeta_k
//      and the iteration count.
// Iterations are captured into a CUDA graph and replayed. The state (iteration, threshold,
// early stop) lives on the device, so the host only enqueues work.
//
// Plain C++ declarations, like cuda/quant_kernels.hpp: the .cu includes no LibTorch, the bridge
// (gpu/src/rpca_cuda_fused.cpp) hands raw device pointers over, and the kernels are tested
// without LibTorch (tests/cuda/test_cuda_rpca_kernels.cpp).
//
// Layouts (those of the LibTorch solver, rpca_torch.hpp): Y and the truth n1 x n2 x n3 with x
// fastest; factors row-major [n_k][r_k] (entry (i, a) at i * r_k + a); the core r1 x r2 x r3
// with the first index fastest (entry (a, b, c) at a + r1 (b + r2 c)). Doubles only.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ebsd::gpu::cuda {

struct RpcaSizes {
  std::int64_t n1 = 0, n2 = 0, n3 = 0;
  int r1 = 0, r2 = 0, r3 = 0;
};

struct RpcaTuning {
  // Kernel design (docs/rpca.md "CUDA kernels"): 1, the first one (measured on an H100 on
  // 2026-11-28: side blocks and update kernel bound by chains of dependent global loads);
  // 2, side blocks staged in shared memory and scheduled first, an update kernel with short
  // dependent chains (core blocks first, one factor row per block). Same algebra, sums in another
  // fixed order: both follow the CPU reference to round-off.
  // 3, variant 2 with the Gram matrices and their inverses taken out of the row pass: a separate
  // kernel of six blocks (each with one inversion and the Gram matrices it needs) runs on a second
  // stream beside the row pass, whose launch then holds only row blocks; the update waits for
  // both. Same arithmetic as variant 2 (the same iterates). The default: 42.3 us per graph
  // iteration against variant 2's 46.6 on an H100 (docs/rpca.md).
  // 4, one persistent cooperative kernel (all blocks resident) running whole iterations: variant
  // 3's row blocks and side parts, a grid barrier, variant 2's update blocks, a grid barrier; no
  // launches or last-block tickets between the phases. Same work items and sums as variant 3
  // (the same iterates). graph_iterations is then the iterations per launch; use_graph is ignored.
  // The default in session 9: 36.2 us per iteration against variant 3's 40.6 on an H200
  // (2026-11-28), and 35.9-36.1 against 41.3 in a second run (2026-11-28, 08:20 UTC).
  // 5, variant 4 with row blocks that issue fewer shared-memory instructions and shorter chains
  // (batched staging loads, two z values per thread in the U^T R product at ranks up to 10),
  // batched loads in the update's core slices, and two rows of V per update item where that keeps
  // the update in one round of the grid. The same arithmetic in the same order: variant 4's
  // iterates bit for bit. Measured no faster than variant 4 (36.3-36.6 us against 35.9-36.1 on an
  // H200, alternated twice in one run).
  // 7, variant 4 with the row items on the FP64 tensor cores (mma.m8n8k4; rpca_row_block_mma.cuh):
  // a warp sweeps 8 x 8 tiles of X_t, R and their products P3 and U^T R, instead of a thread per
  // x with a serial chain per z value. Ranks up to 16 (above, variant 4's row items). Sums in
  // another fixed order: variant 4's iterates to round-off (2.5e-16 relative after 40 iterations
  // on 100^3). The default since session 10: 33.0 us per iteration against variant 4's 36.6-36.7
  // on an H200 (alternated twice in one run, 2026-11-28 10:45 UTC).
  // 8, variant 7 with each row item's slab of Y copied into shared memory asynchronously at the
  // item's start (cp.async), so that all of it is in flight while the item stages its factors,
  // instead of one tile of loads at a time during the pass. Where that layout does not fit two
  // blocks an SM (or n1 > 204), variant 7's row items. The same arithmetic in the same order:
  // variant 7's iterates bit for bit. Written in session 11 without a GPU; measured in session
  // 12: slower than variant 7 (33.5-34.1 us against 32.4-33.0 on an H200).
  // 9, variant 7 with the core's update deferred: phase B no longer waits for one block to apply
  // (W^T W)^-1 across the core slices after a ticket (4.3 us of its 14 in session 12's timeline);
  // every reader of G in the next phase A forms G = G_prev - eta (W^T W)^-1 x_3 tc itself, row
  // item 0 stores it for phase B's rows of V and the next iteration, and get_iterate applies the
  // pending update on the host. Needs variant 7's row items and staged side parts; elsewhere it
  // runs variant 7. The core update's sums in another order (iterates to round-off). Written in
  // session 12 after the GPU time was spent: not yet run.
  int variant = 7;
  // Zero columns pad the ranks in the row kernel: 0, the variant's choice (1: a multiple of 4;
  // 2: even up to 16, multiples of 4 above); 4 forces multiples of 4 (for measurements).
  int rank_padding = 0;
  // Variant 2 only (variant 3 ignores it): launch both kernels with programmatic dependent launch (sm_90), so that each
  // may start while the previous one finishes. Off by default until measured.
  bool programmatic_launch = false;
  int z_splits = 0;        // thread blocks per y row (0: chosen from the number of SMs)
  bool use_graph = true;   // capture the iterations into a CUDA graph (else plain launches)
  int graph_iterations = 16;  // iterations per captured graph (rounded up to even)
};

// Why the fused kernels cannot run this problem on the current device, or "" when they can:
// no CUDA device, a rank above 32, or per-block buffers larger than the device's shared memory.
std::string rpca_fused_unsupported_reason(const RpcaSizes& s);

struct RpcaStepParams {
  double zeta1 = 0.0;            // threshold of the first iteration
  double eta = 0.0;              // step
  double rho = 1.0;              // threshold decay per iteration
  double stop_below_squared_error = 0.0;  // stop once ||X_t - truth||^2 falls below (0: never)
};

struct RpcaRunStatus {
  int iterations = 0;        // updates applied
  bool stopped = false;      // stopped early by stop_below_squared_error
  bool singular = false;     // a Gram matrix was numerically singular (the iterates are not valid)
  double zeta = 0.0;         // threshold after the last update (zeta1 rho^iterations)
  std::vector<double> squared_errors;  // ||X_t - truth||^2 for t = 0 .. (with a truth)
};

// Which work a timed launch of FusedScaledGd::timeline holds: all of it (the default), or the
// first `row_items` row items and the first `side_parts` side parts of phase A alone (-1: all of
// that kind), so that their times can be compared with and without the rest of the phase beside
// them. A launch that leaves any item out leaves phase B out as well (its inputs would be
// incomplete): every iteration then runs from the set iterate, and the phase-B fields of the
// Timeline stay 0.
struct RpcaTimelineScope {
  int row_items = -1;
  int side_parts = -1;
};

// One ScaledGD solve on the GPU. Owns its device workspace (allocated once, in the constructor)
// and its own stream; `caller_stream` (a cudaStream_t, nullptr: the legacy default stream) is
// where the caller produced Y and the initial iterate: the work waits for it, and the caller's
// stream waits for the results. Every method throws std::runtime_error with CUDA's message on
// failure, and for an unsupported problem (rpca_fused_unsupported_reason).
class FusedScaledGd {
public:
  FusedScaledGd(const RpcaSizes& sizes, int max_iterations, void* caller_stream, const RpcaTuning& tuning = {});
  ~FusedScaledGd();
  FusedScaledGd(const FusedScaledGd&) = delete;
  FusedScaledGd& operator=(const FusedScaledGd&) = delete;

  // Device pointers, kept (not copied): they must stay valid until the last run returns.
  // `truth` may be nullptr (no errors, no early stop).
  void set_observed(const double* y, const double* truth);
  // The iterate to start from; host or device pointers (copied).
  void set_iterate(const double* u, const double* v, const double* w, const double* core);
  // Captures the CUDA graph for a run of `iterations` iterations ahead of the run (optional:
  // run captures it when needed), so that its cost falls outside the timed iterations.
  void prepare(int iterations);
  // Runs up to `iterations` iterations (at most max_iterations in all per set_iterate).
  // `between_chunks(launched)` is called on the host after each batch of enqueued iterations
  // (cancellation: throw from it; the device is drained before the exception leaves).
  void run(int iterations, const RpcaStepParams& params, const std::function<void(int)>& between_chunks = {});
  // Waits for the device and reads the state.
  RpcaRunStatus status();
  // The current iterate into host or device pointers.
  void get_iterate(double* u, double* v, double* w, double* core);

  // Microseconds per launch, for tuning (bench_cuda_rpca_kernels): the row pass alone, a whole
  // iteration (row pass + update) with plain launches, and an iteration in the CUDA graph, each
  // averaged over `repetitions` back-to-back launches from the set iterate (no truth is read).
  // Consumes the iterate: call set_iterate again before a run.
  // Also the row pass's two kinds of blocks launched alone: the row blocks (the pass over Y) and
  // the three side blocks (Gram matrices and their inverses), which otherwise run side by side.
  // Variant 3: row_pass_us is the row pass with the side kernel beside it (fork and join),
  // side_blocks_us the side kernel alone.
  struct KernelTimes {
    double row_pass_us = 0, iteration_plain_us = 0, iteration_graph_us = 0;
    double row_blocks_us = 0, side_blocks_us = 0;
  };
  KernelTimes profile(int repetitions, const RpcaStepParams& params);

  // Where an iteration's time goes inside the persistent kernel (variants 4, 5, 7 and 8): one launch
  // of `iterations` iterations from the set iterate (no truth read, like profile), every block
  // stamping the global timer at its work items' ends and at the two grid barriers; averaged over
  // the iterations after the first two. Phase A times count from the iteration's start (the first
  // block's), phase B times from the first block leaving the first barrier. Consumes the iterate.
  struct TimelineKind {
    std::string phase, name;  // "A" (side parts, row items) or "B" (core slices, U / V / W rows)
    long long items = 0;      // items of this kind over the averaged iterations
    double mean_end_us = 0, max_end_us = 0, mean_duration_us = 0, max_duration_us = 0;
    // Mean time from an item's start to the end of each of its steps (the last iteration; empty
    // where the item records none; the steps are listed where each item is defined in the .cu).
    std::vector<double> steps_us;
  };
  struct Timeline {
    int iterations = 0;  // averaged
    std::vector<TimelineKind> kinds;
    double a_barrier_first_us = 0, a_barrier_last_us = 0;  // first / last block out of barrier A
    double b_start_us = 0;                                  // mean start of phase B's items
    double b_barrier_first_us = 0, b_barrier_last_us = 0;  // out of barrier B (from barrier A)
    double period_us = 0;                                   // iteration start to the next one's
  };
  // `scope`: which work the timed launch holds (RpcaTimelineScope; by default all of it).
  Timeline timeline(int iterations, const RpcaStepParams& params, const RpcaTimelineScope& scope = {});

  // Bytes one iteration moves at least: Y (and the truth) read once, the factors and core read
  // and written once, and the per-block partial gradients written and read back (these stay in
  // L2 on an H100; `include_partials` false leaves them out).
  double iteration_bytes(bool include_partials) const;
  int z_splits() const { return z_splits_; }
  int variant() const;
  bool side_blocks_staged() const;
  int persistent_grid() const;      // variants 4, 5, 7, 8: blocks of the persistent kernel (0 otherwise)
  bool row_items_stage_y() const;   // variant 8 with Y's slabs staged in shared memory (its layout fits)
  bool core_update_deferred() const;  // variant 9 where its readers of G allow it (else variant 7)
  int row_kernel_rank() const;      // the padded rank the row kernel runs with (RpcaTuning::rank_padding)

private:
  struct Impl;
  static void release(Impl* im);
  Impl* impl_ = nullptr;
  int z_splits_ = 1;
};

// What the persistent kernel's chains are made of, each step timed alone in one block of 256
// threads on an otherwise idle device (clock64; nanoseconds from the global timer over the same
// loop): single operations in dependent chains (FP64 multiply-add, division, shared-memory load,
// warp shuffle, FP64 tensor-core mma), a block barrier, an L2 round trip, the global timer's
// resolution, and the 10 x 10 SPD inversion and the 10^3 mode product of the side parts (the
// same device functions). The timeline says how long the chains take inside the kernel; this
// says what their steps cost without anything beside them. For bench_cuda_rpca_kernels
// --latencies; throws std::runtime_error without a CUDA device.
struct RpcaLatency {
  std::string step;
  double cycles = 0;  // per operation (per step of a chain, per inversion, ...)
  double ns = 0;
  double clock_ghz = 0;  // the SM clock over that measurement
};
std::vector<RpcaLatency> rpca_latency_probe();

}  // namespace ebsd::gpu::cuda

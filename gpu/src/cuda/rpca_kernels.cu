// ScaledGD tensor RPCA on our own CUDA kernels (cuda/rpca_kernels.hpp). The algebra is that of
// the CPU's fused pass (core/src/rpca/fused_residual_pass.cpp, residual_rows_body.inc), with
// R = clamp(X_t - Y, -zeta, zeta), GV_j(a, c) = sum_b G(a, b, c) V(j, b) (the core contracted
// with row j of V) and, per row y = j:
//   X_t(x, j, z) = sum_c C_j(x, c) W(z, c),        C_j = U GV_j
//   P3_j(x, c)   = sum_z R(x, j, z) W(z, c)          (R x_3 W^T at row j)
//   P1_j(z, a)   = sum_x U(x, a) R(x, j, z)          (R x_1 U^T at row j)
// from which the gradients of scaled_step.hpp follow as sums over rows of small products:
//   grad U (x, a) = sum_j sum_c P3_j(x, c) GV_j(a, c)
//   grad W (z, c) = sum_j sum_a P1_j(z, a) GV_j(a, c)
//   grad V (j, b) = sum_{a, c} Q13_j(a, c) G(a, b, c),  Q13_j(a, c) = sum_z P1_j(z, a) W(z, c)
//   grad G (a, b, c) = sum_j V(j, b) Q13_j(a, c)
// The row pass writes the per-block terms of these sums (partials), the update kernel adds them
// up in a fixed order (the iterates do not depend on scheduling) and applies
//   A_k <- A_k - eta grad_k (Ab_k^T Ab_k)^-1,  G <- G - eta grad_G x_k (A_k^T A_k)^-1,
// with the Gram matrices and their inverses formed by three extra blocks of the row pass.
#include "cuda/rpca_kernels.hpp"

#include <cooperative_groups.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace ebsd::gpu::cuda {
namespace {

namespace cg = cooperative_groups;

constexpr int kThreads = 256;
constexpr int kTileZ = 32;                      // z values per residual tile
constexpr int kXGroups = kThreads / kTileZ;     // threads sharing one z in the U^T R product
constexpr int kMaxRank = 32;
constexpr int kRankSlot = kMaxRank * kMaxRank;  // one r x r matrix slot in the workspace
constexpr int kRowsU = 4;                       // factor rows per update block (U and W)
constexpr int kRowsV = 2;                       // V rows per update block
constexpr int kChunkJ = 32;                     // rows of V staged at once for the core gradient
constexpr int kUpdateShared = 4096;             // doubles of static shared memory in the update kernel
constexpr int kSideShared = 3 * kRankSlot + 2 * kMaxRank * kMaxRank + 3 * kMaxRank + 8;
// Variant 2 stages the side blocks' inputs in shared memory when they fit in this many doubles
// (or in what the row blocks take anyway): 100^3 at rank 10 needs about 11 200.
constexpr int kSideStageBudget = 12288;
constexpr int kUpdateShared2 = 5632;  // doubles of static shared memory in the variant-2 update kernel

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string("CUDA tensor RPCA, ") + what + ": " + cudaGetErrorString(e));
}

// Device-side state of a solve: the host writes it once per run, the kernels advance it.
struct Control {
  int iter;       // updates applied so far
  int max_iter;   // updates to apply in this run
  int stopped;    // the error fell below stop_sq: no more updates
  int apply;      // written by the row pass's last block: the update kernel applies this step
  int singular;   // a Gram matrix was numerically singular
  int has_truth;
  unsigned counter_a, counter_b;  // last-block tickets of the two kernels (reset by the last block)
  double zeta, rho, eta, stop_sq;
};

struct Dims {
  int n1, n2, n3, r1, r2, r3;
  int splits;  // blocks per y row (z ranges)
  int nb;      // row blocks: n2 * splits
};

struct RowArgs {
  Dims d;
  int side_first;    // variant 2: the side blocks are blocks 0-2 (scheduled first), else the last three
  int side_staged;   // variant 2: the side blocks work on copies in shared memory (side_layout)
  int block_offset;  // added to blockIdx.x (profiling launches only the row or only the side blocks)
  int pdl;           // launched with programmatic dependent launch: wait for the previous kernel first
  int tx;      // threads along x in the residual pass (multiple of 32); kThreads / tx z groups
  int nz_max;  // largest z range of a block
  const double* y;
  const double* truth;
  const double *u, *v, *w, *g;  // current iterate
  double* fu_part;   // [nb][n1][r1]
  double* fw_part;   // [n2][n3][r3]
  double* q13_part;  // [nb][r1][r3]
  double* err_part;  // [nb]
  double* pinv;      // [3] slots: (A_k^T A_k)^-1
  double* binv;      // [3] slots: (Ab_k^T Ab_k)^-1
  double* scratch;   // [3][2][r1 r2 r3]
  double* errors;    // [max_iter + 1]
  Control* ctl;
  long long* sub;    // timeline only (else null): [block][kSubSlots] stamps inside a work item
  // Variant 9 (the core update deferred to the next phase A; the persistent kernel's kDefer): g
  // holds the previous iteration's core; with the previous iteration's (W^T W)^-1 (prev_pinv's
  // third slot) and its core step tc the readers form this iteration's core
  // (deferred_core_entry); row item 0 stores it in g_out.
  const double* prev_pinv;
  const double* tc;
  double* g_out;
};

struct UpdateArgs {
  Dims d;
  const double *u, *v, *w, *g;
  double *u_next, *v_next, *w_next, *g_next;
  const double* fu_part;
  const double* fw_part;
  const double* q13_part;
  const double* pinv;
  const double* binv;
  double* tc;  // [r3][r1 r2]: slices of the core step before the mode-3 product
  Control* ctl;
  int blocks_u, blocks_v, blocks_w;  // then r3 core blocks (variant 2: the core blocks first)
  int rows_u, rows_v;                // factor rows per block (U and W; V)
  long long* sub;                    // timeline only (else null): [block][kSubSlots] stamps inside an item
};

// Variant 9: entry e of the core G = G_prev - eta pw x_3 tc, where pw = (W^T W)^-1 and tc the
// core step of the previous iteration (tc[c][ab]: slice c, ab = a + r1 b). One fma chain in a
// fixed order, the same on the device (every reader of G) and on the host (get_iterate), so all
// of them hold the same G to the last bit.
__host__ __device__ inline double deferred_core_entry(const double* g, const double* pw, const double* tc, int e, int rr,
                                                      int r3, double eta) {
  const int C = e / rr, ab = e - C * rr;
  double acc = 0.0;
  for (int c = 0; c < r3; ++c) acc = fma(pw[C * r3 + c], tc[c * rr + ab], acc);
  return fma(-eta, acc, g[e]);
}

__host__ __device__ inline int z_begin(int n3, int s, int splits) {
  return static_cast<int>(static_cast<long long>(n3) * s / splits);
}

// Shared memory of a row block, in doubles (R: the rank padded for registers).
struct RowLayout {
  int us, ws, gv, vj, rt, p1, p3, red, total;
};
__host__ __device__ inline RowLayout row_layout(int n1, int nz_max, int tx, int R) {
  RowLayout l{};
  l.us = 0;
  l.ws = l.us + n1 * R;
  l.gv = l.ws + nz_max * R;
  l.vj = l.gv + R * R;
  l.rt = l.vj + kMaxRank;
  l.p1 = l.rt + tx * (kTileZ + 1);
  l.p3 = l.p1 + nz_max * R;
  l.red = l.p3 + tx * R;
  l.total = l.red + 32;
  return l;
}

// With programmatic dependent launch (RpcaTuning::programmatic_launch) a kernel may start while
// the previous one in the stream is still finishing; this waits until that one has completed and
// its writes are visible. Without such a launch it returns at once.
__device__ inline void wait_for_previous_kernel() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

// Stamps inside a work item for FusedScaledGd::timeline: slot 0 at the item's start, then the
// ends of its steps (which steps: see each item). One store by thread 0 where `sub` is set.
constexpr int kSubSlots = 8;
// The GPU's global timer, in nanoseconds.
__device__ inline long long global_ns() {
  long long t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}
__device__ inline void sub_stamp(long long* sub, int slot) {
  if (sub && threadIdx.x == 0) sub[blockIdx.x * kSubSlots + slot] = global_ns();
}

// A staged load's value t of flat index i, written to the one of four shared arrays whose
// range of the flat index holds it: [0, e0) to a, [e0, e1) to b, [e1, e2) to c, [e2, end) to d;
// indices past end are dropped. (The staging loops load several indices first, then store.)
__device__ inline void store_staged(int i, double t, double* a, int e0, double* b, int e1, double* c, int e2, double* d,
                                    int end) {
  if (i < e0) a[i] = t;
  else if (i < e1) b[i - e0] = t;
  else if (i < e2) c[i - e1] = t;
  else if (i < end) d[i - e2] = t;
}

__device__ inline double warp_sum(double v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// Sum over the block in a fixed order; the result is valid in thread 0.
__device__ double block_sum(double v, double* red) {
  v = warp_sum(v);
  if ((threadIdx.x & 31) == 0) red[threadIdx.x >> 5] = v;
  __syncthreads();
  double s = 0.0;
  if (threadIdx.x == 0)
    for (int i = 0; i < kThreads / 32; ++i) s += red[i];
  __syncthreads();
  return s;
}

// ---- the small work: Gram matrices and their inverses --------------------------------------

// out (global, n x n) = m^-1 for a symmetric positive definite m (shared, n x n), by Gauss-Jordan
// elimination without pivoting (stable for such m). A pivot at round-off level marks the matrix
// singular (the CPU falls back to a pseudo-inverse there; the caller of these kernels falls back
// to another solver). All threads of the block call this.
// Pivots at or below n eps max|m_ii| mark the SPD matrix m (n x n) numerically singular.
__device__ inline double pivot_cut(const double* m, int n) {
  double max_diag = 0.0;
  for (int i = 0; i < n; ++i) max_diag = fmax(max_diag, fabs(m[i * n + i]));
  return n * DBL_EPSILON * max_diag;
}
// The pivot p, or 1 after flagging the solve singular where p is not above the cut.
__device__ inline double checked_pivot(double p, double cut, Control* ctl) {
  if (p > cut) return p;
  if (threadIdx.x == 0) ctl->singular = 1;
  return 1.0;
}

// x / p for a pivot p > 0, with a zero x returned as it is (the same value, sign included). Why:
// CUDA's double division leaves its fast path for a zero quotient (its exponent check takes it
// for a denormal one) and runs a slow subroutine; most of the identity half of [m | I] is zero,
// so in the session-12 profile of the inversion every pivot's division took that path.
__device__ inline double pivot_quotient(double x, double p) { return x == 0.0 ? x : x / p; }

// The same elimination for n = N <= 16 on one warp, in registers: lane c holds column c of
// [m | I] (2 N <= 32 columns). Pivot k takes column k from lane k by shuffles; each entry is then
// computed by the same operations as below (the pivot row divided by the pivot, the others one
// fma), so the inverse is the same to the last bit. N is a template parameter so that the
// column lives in registers and the loops carry no bound checks: with n at run time the unrolled
// loops held a branch per entry (about 2 500 instructions an inversion; session 12).
// Why one warp: the version with the augmented matrix in shared memory and a block barrier per
// pivot took 9 000 cycles for n = 10 alone in a block (the session-12 latency probe), 4.6 us of
// each side part's critical path.
template <int N>
__device__ void spd_inverse_warp_n(const double* m, double* out, double cut, Control* ctl) {
  const int c = threadIdx.x & 31;
  double col[N];
#pragma unroll
  for (int r = 0; r < N; ++r) col[r] = c < N ? m[r * N + c] : (c - N == r ? 1.0 : 0.0);
#pragma unroll
  for (int k = 0; k < N; ++k) {
    double ck[N];  // column k (lane k's entries), taken before any lane updates its own
#pragma unroll
    for (int r = 0; r < N; ++r) ck[r] = __shfl_sync(0xffffffffu, col[r], k);
    const double p = checked_pivot(ck[k], cut, ctl);
    const double rowc = pivot_quotient(col[k], p);
#pragma unroll
    for (int r = 0; r < N; ++r) col[r] = r == k ? rowc : fma(-ck[r], rowc, col[r]);
  }
  if (c >= N && c < 2 * N)
#pragma unroll
    for (int r = 0; r < N; ++r) out[r * N + c - N] = col[r];
}
template <int N>
__device__ void spd_inverse_warp_dispatch(const double* m, int n, double* out, double cut, Control* ctl) {
  if (n == N) spd_inverse_warp_n<N>(m, out, cut, ctl);
  else if constexpr (N < 16) spd_inverse_warp_dispatch<N + 1>(m, n, out, cut, ctl);
}
// Not inlined: five call sites in the persistent kernel, sixteen sizes each.
__device__ __noinline__ void spd_inverse_warp(const double* m, int n, double* out, Control* ctl) {
  spd_inverse_warp_dispatch<1>(m, n, out, pivot_cut(m, n), ctl);
}
// All threads of the block call this; warp 0 inverts. m must be visible to warp 0 (written before
// a barrier); out is visible to the block on return.
__device__ void spd_inverse_small(const double* m, int n, double* out, Control* ctl) {
  if (threadIdx.x < 32) spd_inverse_warp(m, n, out, ctl);
  __syncthreads();
}

__device__ void spd_inverse(const double* m, int n, double* out, double* aug, double* row, double* col, Control* ctl) {
  if (n <= 16) {
    spd_inverse_small(m, n, out, ctl);
    return;
  }
  const int w = 2 * n;
  for (int i = threadIdx.x; i < n * w; i += kThreads) {
    const int r = i / w, c = i % w;
    aug[i] = c < n ? m[r * n + c] : (c - n == r ? 1.0 : 0.0);
  }
  const double cut = pivot_cut(m, n);
  __syncthreads();
  for (int k = 0; k < n; ++k) {
    const double p = checked_pivot(aug[k * w + k], cut, ctl);
    for (int c = threadIdx.x; c < w; c += kThreads) row[c] = pivot_quotient(aug[k * w + c], p);
    for (int r = threadIdx.x; r < n; r += kThreads) col[r] = aug[r * w + k];
    __syncthreads();
    for (int i = threadIdx.x; i < n * w; i += kThreads) {
      const int r = i / w, c = i % w;
      aug[i] = r == k ? row[c] : fma(-col[r], row[c], aug[i]);
    }
    __syncthreads();
  }
  for (int i = threadIdx.x; i < n * n; i += kThreads) out[i] = aug[(i / n) * w + n + i % n];
  __syncthreads();
}

// out = in x_mode m for a symmetric r_mode x r_mode m (global in/out, block-wide).
// A thread's outputs (four at rank 10) are formed side by side, so that their chains of rm
// multiply-adds interleave; each output's sum is the same as one at a time (same order).
__device__ void mode_product(const double* in, double* out, const double* m, int mode, const int* r) {
  const int total = r[0] * r[1] * r[2];
  const int stride = mode == 0 ? 1 : mode == 1 ? r[0] : r[0] * r[1];
  const int rm = r[mode];
  constexpr int kU = 4;
  for (int e0 = threadIdx.x; e0 < total; e0 += kU * kThreads) {
    int mrow[kU], base[kU];
    double acc[kU];
#pragma unroll
    for (int u = 0; u < kU; ++u) {
      const int e = min(e0 + u * kThreads, total - 1);  // (past the end: a duplicate, not stored)
      const int i = (e / stride) % rm;
      mrow[u] = i * rm;
      base[u] = e - i * stride;
      acc[u] = 0.0;
    }
    for (int q = 0; q < rm; ++q)
#pragma unroll
      for (int u = 0; u < kU; ++u) acc[u] = fma(m[mrow[u] + q], in[base[u] + q * stride], acc[u]);
#pragma unroll
    for (int u = 0; u < kU; ++u)
      if (e0 + u * kThreads < total) out[e0 + u * kThreads] = acc[u];
  }
}

// out (r_k x r_k) = M_k(t) M_k(g)^T.
__device__ void unfolding_product(const double* t, const double* g, int k, const int* r, double* out) {
  const int stride = k == 0 ? 1 : k == 1 ? r[0] : r[0] * r[1];
  const int rk = r[k];
  const int others = r[0] * r[1] * r[2] / rk;
  for (int p = threadIdx.x; p < rk * rk; p += kThreads) {
    const int i = p / rk, ii = p % rk;
    double acc = 0.0;
    for (int o = 0; o < others; ++o) {
      const int base = o % stride + (o / stride) * stride * rk;
      acc = fma(t[base + i * stride], g[base + ii * stride], acc);
    }
    out[p] = acc;
  }
}

// Side block k of the row pass: (A_k^T A_k)^-1 and (Ab_k^T Ab_k)^-1 with
// Ab_k^T Ab_k = M_k(G x_{j != k} A_j^T A_j) M_k(G)^T, from the current iterate.
__device__ void side_block(const RowArgs& a, int k, double* sm) {
  const int r[3] = {a.d.r1, a.d.r2, a.d.r3};
  const int n[3] = {a.d.n1, a.d.n2, a.d.n3};
  const double* f[3] = {a.u, a.v, a.w};
  double* gram = sm;                         // 3 slots
  double* aug = gram + 3 * kRankSlot;        // n x 2n
  double* row = aug + 2 * kMaxRank * kMaxRank;
  double* col = row + 2 * kMaxRank;
  for (int m = 0; m < 3; ++m)
    for (int i = threadIdx.x; i < r[m] * r[m]; i += kThreads) {
      const int p = i / r[m], q = i % r[m];
      double acc = 0.0;
      for (int x = 0; x < n[m]; ++x) acc = fma(f[m][x * r[m] + p], f[m][x * r[m] + q], acc);
      gram[m * kRankSlot + i] = acc;
    }
  __syncthreads();
  spd_inverse(gram + k * kRankSlot, r[k], a.pinv + k * kRankSlot, aug, row, col, a.ctl);
  const int o1 = (k + 1) % 3, o2 = (k + 2) % 3;
  const int core = r[0] * r[1] * r[2];
  double* t1 = a.scratch + static_cast<std::ptrdiff_t>(2 * k) * core;
  double* t2 = t1 + core;
  mode_product(a.g, t1, gram + o1 * kRankSlot, o1, r);
  __syncthreads();
  mode_product(t1, t2, gram + o2 * kRankSlot, o2, r);
  __syncthreads();
  unfolding_product(t2, a.g, k, r, gram + k * kRankSlot);  // P_k is no longer needed
  __syncthreads();
  spd_inverse(gram + k * kRankSlot, r[k], a.binv + k * kRankSlot, aug, row, col, a.ctl);
}

// Variant 2 of the side block: the factors, the core and the two mode products live in shared
// memory (side_layout), and the long dot products (Gram matrices over n_k rows, the unfolding
// product over r^2 terms) run with four accumulators instead of one dependent chain of global
// loads. Why: in variant 1 these three blocks run chains of about n dependent global loads per
// Gram entry and per unfolding-product entry, which we estimate (not yet measured: see the side
// blocks column of bench_cuda_rpca_kernels) to outlast the row blocks.
struct SideLayout {
  int f[3], g, t1, t2, gram, aug, row, col, total;
};
__host__ __device__ inline SideLayout side_layout(int n1, int n2, int n3, int r1, int r2, int r3) {
  SideLayout l{};
  int at = 0;
  l.f[0] = at, at += n1 * r1;
  l.f[1] = at, at += n2 * r2;
  l.f[2] = at, at += n3 * r3;
  const int core = r1 * r2 * r3;
  l.g = at, at += core;
  l.t1 = at, at += core;
  l.t2 = at, at += core;
  l.gram = at, at += 3 * kRankSlot;
  l.aug = at, at += 2 * kRankSlot;
  l.row = at, at += 2 * kMaxRank;
  l.col = at, at += kMaxRank;
  l.total = at;
  return l;
}

// Dot product of n terms a[i * sa] b[i * sb] with four accumulators (a fixed order of the sums).
__device__ inline double dot4(const double* a, int sa, const double* b, int sb, int n) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  int i = 0;
  for (; i + 3 < n; i += 4) {
    s0 = fma(a[i * sa], b[i * sb], s0);
    s1 = fma(a[(i + 1) * sa], b[(i + 1) * sb], s1);
    s2 = fma(a[(i + 2) * sa], b[(i + 2) * sb], s2);
    s3 = fma(a[(i + 3) * sa], b[(i + 3) * sb], s3);
  }
  for (; i < n; ++i) s0 = fma(a[i * sa], b[i * sb], s0);
  return (s0 + s1) + (s2 + s3);
}

// The side work's last step for mode k, shared by side_block_staged and side_block_part: with
// the other two modes' Gram matrices in their slots and the core staged at l.g, t2 = G x_o1
// gram_o1 x_o2 gram_o2, then gram_k = M_k(t2) M_k(G)^T and its inverse into a.binv.
__device__ void core_gram_inverse(const RowArgs& a, int k, const int* r, const SideLayout& l, double* sm) {
  const int core = r[0] * r[1] * r[2];
  const int o1 = (k + 1) % 3, o2 = (k + 2) % 3;
  double* gram = sm + l.gram;
  double* aug = sm + l.aug;
  double* row = sm + l.row;
  double* col = sm + l.col;
  mode_product(sm + l.g, sm + l.t1, gram + o1 * kRankSlot, o1, r);
  __syncthreads();
  mode_product(sm + l.t1, sm + l.t2, gram + o2 * kRankSlot, o2, r);
  __syncthreads();
  sub_stamp(a.sub, 3);
  {  // gram_k = M_k(t2) M_k(G)^T (unfolding_product with four accumulators per entry)
    const int stride = k == 0 ? 1 : k == 1 ? r[0] : r[0] * r[1];
    const int rk = r[k];
    const int outer = core / (stride * rk);  // the indices after k; those before k run inside
    const double* t = sm + l.t2;
    const double* g = sm + l.g;
    for (int p = threadIdx.x; p < rk * rk; p += kThreads) {
      const int i = p / rk, ii = p % rk;
      double acc = 0.0;
      if (stride == 1) {
        acc = dot4(t + i, rk, g + ii, rk, outer);
      } else {
        for (int o = 0; o < outer; ++o) {
          const int base = o * stride * rk;
          acc += dot4(t + base + i * stride, 1, g + base + ii * stride, 1, stride);
        }
      }
      gram[k * kRankSlot + p] = acc;
    }
  }
  __syncthreads();
  sub_stamp(a.sub, 4);
  spd_inverse(gram + k * kRankSlot, r[k], a.binv + k * kRankSlot, aug, row, col, a.ctl);
  sub_stamp(a.sub, 5);
}

__device__ void side_block_staged(const RowArgs& a, int k, double* sm) {
  const int r1 = a.d.r1, r2 = a.d.r2, r3 = a.d.r3, n1 = a.d.n1, n2 = a.d.n2, n3 = a.d.n3;
  const int r[3] = {r1, r2, r3};
  const SideLayout l = side_layout(n1, n2, n3, r1, r2, r3);
  const int core = r1 * r2 * r3;
  // U, V, W and the core lie back to back from sm[0] (side_layout): one copy loop, its loads
  // independent of each other.
  const int e1 = n1 * r1, e2 = e1 + n2 * r2;
#pragma unroll 4
  for (int i = threadIdx.x; i < l.g + core; i += kThreads)
    sm[i] = i < e1 ? a.u[i] : i < e2 ? a.v[i - e1] : i < l.g ? a.w[i - e2] : a.g[i - l.g];
  __syncthreads();
  double* gram = sm + l.gram;
  const int s1 = r1 * r1, s2 = s1 + r2 * r2, items = s2 + r3 * r3;
  for (int it = threadIdx.x; it < items; it += kThreads) {
    const int m = it < s1 ? 0 : it < s2 ? 1 : 2;
    const int i = it - (m == 0 ? 0 : m == 1 ? s1 : s2);
    const int rm = m == 0 ? r1 : m == 1 ? r2 : r3, nm = m == 0 ? n1 : m == 1 ? n2 : n3;
    const double* fm = sm + (m == 0 ? 0 : m == 1 ? n1 * r1 : n1 * r1 + n2 * r2);
    gram[m * kRankSlot + i] = dot4(fm + i / rm, rm, fm + i % rm, rm, nm);
  }
  __syncthreads();
  double* aug = sm + l.aug;
  double* row = sm + l.row;
  double* col = sm + l.col;
  spd_inverse(gram + k * kRankSlot, r[k], a.pinv + k * kRankSlot, aug, row, col, a.ctl);
  core_gram_inverse(a, k, r, l, sm);
}

// Variant 3: the same side work as its own kernel (gram_kernel), launched on a second stream
// beside the row pass, so that the row pass launch holds only row blocks, and split over six
// blocks: part 0 of mode k forms A_k^T A_k and inverts it (pinv), part 1 forms the two other Gram
// matrices, the core-weighted Gram matrix and inverts that (binv). Each block stages only what
// it reads. The arithmetic is that of side_block_staged (the same dot4 calls, mode products and
// inversion in the same order), so variants 2 and 3 give the same iterates; what changes is the
// length of the longest chain: one inversion and one Gram round fewer per block.
// kDefer: variant 9 (the core formed from the pending update while staged; RowArgs::prev_pinv).
template <bool kDefer = false>
__device__ void side_block_part(const RowArgs& a, int k, int part, double* sm) {
  const int r1 = a.d.r1, r2 = a.d.r2, r3 = a.d.r3, n1 = a.d.n1, n2 = a.d.n2, n3 = a.d.n3;
  const int r[3] = {r1, r2, r3};
  const int n[3] = {n1, n2, n3};
  const double* src[3] = {a.u, a.v, a.w};
  const SideLayout l = side_layout(n1, n2, n3, r1, r2, r3);
  const int core = r1 * r2 * r3;
  const int o1 = (k + 1) % 3, o2 = (k + 2) % 3;
  // Timeline steps: 1 staged, 2 Gram matrices, then part 0: 3 inverted; part 1: 3 mode
  // products, 4 unfolding product, 5 inverted.
  sub_stamp(a.sub, 0);
  // Stage the factors this part reads (k, or the two others) and, for part 1, the core; the
  // loads of one loop are independent of each other.
  const int m0 = part == 0 ? k : o1, m1 = part == 0 ? k : o2;
  const int e0 = n[m0] * r[m0], e1 = part == 0 ? 0 : n[m1] * r[m1];
  const int total = e0 + e1 + (part == 0 ? 0 : core);
  double* d0 = sm + l.f[m0];
  double* d1 = sm + l.f[m1];
  const double* s0p = src[m0];
  const double* s1p = src[m1];
  // All loads of a batch issued before any store (rank 10: 4 or 12 per thread, one batch).
  constexpr int kBatch = 16;
  for (int i0 = threadIdx.x; i0 < total; i0 += kBatch * kThreads) {
    double v[kBatch];
#pragma unroll
    for (int q = 0; q < kBatch; ++q) {
      const int i = i0 + q * kThreads;
      v[q] = i >= total     ? 0.0
             : i < e0      ? s0p[i]
             : i < e0 + e1 ? s1p[i - e0]
             : kDefer      ? deferred_core_entry(a.g, a.prev_pinv + 2 * kRankSlot, a.tc, i - e0 - e1, r[0] * r[1], r[2],
                                                 a.ctl->eta)
                           : a.g[i - e0 - e1];
    }
#pragma unroll
    for (int q = 0; q < kBatch; ++q) {
      const int i = i0 + q * kThreads;
      if (i < e0) d0[i] = v[q];
      else if (i < e0 + e1) d1[i - e0] = v[q];
      else if (i < total) sm[l.g + i - e0 - e1] = v[q];
    }
  }
  __syncthreads();
  sub_stamp(a.sub, 1);
  double* gram = sm + l.gram;
  {  // Gram matrices of the staged factors: slot m0 (and m1), as side_block_staged forms them
    const int s0 = r[m0] * r[m0], items = s0 + (part == 0 ? 0 : r[m1] * r[m1]);
    for (int it = threadIdx.x; it < items; it += kThreads) {
      const int m = it < s0 ? m0 : m1;
      const int i = it < s0 ? it : it - s0;
      const int rm = r[m];
      const double* fm = sm + l.f[m];
      gram[m * kRankSlot + i] = dot4(fm + i / rm, rm, fm + i % rm, rm, n[m]);
    }
  }
  __syncthreads();
  sub_stamp(a.sub, 2);
  double* aug = sm + l.aug;
  double* row = sm + l.row;
  double* col = sm + l.col;
  if (part == 0) {
    spd_inverse(gram + k * kRankSlot, r[k], a.pinv + k * kRankSlot, aug, row, col, a.ctl);
    sub_stamp(a.sub, 3);
    return;
  }
  core_gram_inverse(a, k, r, l, sm);
}

// Variant 3's side kernel: six blocks (side_block_part; mode k = block % 3, part = block / 3)
// when the inputs fit in shared memory, else the three unstaged side blocks of variant 1.
// It reads the current iterate only and writes pinv / binv, which only the update kernel reads:
// it runs beside the row pass and the update waits for both. At most 128 registers a thread (two
// blocks an SM): a block then fits on an SM beside a row block, which holds the other half.
__global__ void __launch_bounds__(kThreads, 2) gram_kernel(RowArgs a) {
  extern __shared__ double sm[];
  const Control* ctl = a.ctl;
  if (ctl->stopped || ctl->iter >= ctl->max_iter) return;
  const int b = static_cast<int>(blockIdx.x);
  if (a.side_staged) side_block_part(a, b % 3, b / 3, sm);
  else side_block(a, b, sm);
}

// ---- the row pass ------------------------------------------------------------------------------

// Block (j, s): row y = j, z in [zb, ze). R >= max(r1, r3), multiple of 4: buffers are padded
// with zeros to R columns so the register loops have a fixed length (zero terms add nothing).
// kShortChains (variant 4's persistent kernel): the same arithmetic in the same order with two
// chains of dependent loads cut: the core is staged in shared memory (in the residual tile's
// space, before the tiles) with the factors, so GV_j is not r2 dependent global loads in a row;
// and each thread issues its loads of Y (and the truth) eight at a time before the multiply-adds
// (variant 3: four).
// kWide (variant 5, with kShortChains): again the same arithmetic in the same order, with shorter
// chains and fewer shared-memory instructions (by our count from the PTX, not measured): the
// staging copies issue a thread's loads eight at a time; and in the U^T R product (padded ranks
// up to 10) a thread takes two z values of the tile (zz and zz + 16) against one read of U's row
// (as pairs of doubles: R is even, the rows start at multiples of 16 bytes), on half the block's
// warps. Per thread and entry the sums run over the same terms in the same order and the
// warp-shuffle tree is the same, so the iterates are variant 4's bit for bit. (Taking the z values
// of the pass over Y in pairs, two X_t dot products interleaved, spilled 64-88 bytes at rank 10
// under the 128-register cap: left out.)
template <int R, bool kShortChains = false, bool kWide = false>
__device__ void row_block(const RowArgs& a, int blk, double* sm) {
  static_assert(!kWide || (kShortChains && R % 2 == 0), "the wide row block reads pairs of doubles");
  const Dims d = a.d;
  const int tid = threadIdx.x;
  const int j = blk / d.splits, s = blk % d.splits;
  const int zb = z_begin(d.n3, s, d.splits), ze = z_begin(d.n3, s + 1, d.splits), nz = ze - zb;
  const int n1 = d.n1, r1 = d.r1, r2 = d.r2, r3 = d.r3;
  constexpr int kT = kTileZ + 1;
  const RowLayout l = row_layout(n1, a.nz_max, a.tx, R);
  double* us = sm + l.us;
  double* ws = sm + l.ws;
  double* gv = sm + l.gv;
  double* vj = sm + l.vj;
  double* rt = sm + l.rt;
  double* p1 = sm + l.p1;
  double* p3s = sm + l.p3;
  double* red = sm + l.red;
  const double zeta = a.ctl->zeta;

  const int core = r1 * r2 * r3;
  const bool stage_core = kShortChains && core <= a.tx * kT;  // rt is free until the first tile
  if constexpr (kWide) {
    // The same copies as below, with a thread's loads (U, its rows of W, V(j, :), the core: ten
    // per thread at 100^3 rank 10) issued eight at a time before their stores, instead of one
    // L2 round trip per element in a row.
    constexpr int kStage = 8;
    const int nu = n1 * R, nw = nz * R, nv = nu + nw + r2, total = nv + (stage_core ? core : 0);
    for (int i0 = tid; i0 < total; i0 += kStage * kThreads) {
      double t[kStage];
#pragma unroll
      for (int k = 0; k < kStage; ++k) {
        const int i = i0 + k * kThreads;
        double v = 0.0;
        if (i < nu) {
          const int x = i / R, c = i % R;
          if (c < r1) v = a.u[x * r1 + c];
        } else if (i < nu + nw) {
          const int z = (i - nu) / R, c = (i - nu) % R;
          if (c < r3) v = a.w[(zb + z) * r3 + c];
        } else if (i < nv) {
          v = a.v[j * r2 + (i - nu - nw)];
        } else if (i < total) {
          v = a.g[i - nv];
        }
        t[k] = v;
      }
#pragma unroll
      for (int k = 0; k < kStage; ++k)
        store_staged(i0 + k * kThreads, t[k], us, nu, ws, nu + nw, vj, nv, rt, total);
    }
    for (int i = tid; i < nw; i += kThreads) p1[i] = 0.0;
  } else {
    for (int i = tid; i < n1 * R; i += kThreads) {
      const int x = i / R, c = i % R;
      us[i] = c < r1 ? a.u[x * r1 + c] : 0.0;
    }
    for (int i = tid; i < nz * R; i += kThreads) {
      const int z = i / R, c = i % R;
      ws[i] = c < r3 ? a.w[(zb + z) * r3 + c] : 0.0;
      p1[i] = 0.0;
    }
    if (tid < r2) vj[tid] = a.v[j * r2 + tid];
    if (stage_core)
      for (int i = tid; i < core; i += kThreads) rt[i] = a.g[i];
  }
  __syncthreads();
  const double* gsrc = stage_core ? rt : a.g;
  for (int i = tid; i < R * R; i += kThreads) {
    const int aa = i / R, c = i % R;
    double acc = 0.0;
    if (aa < r1 && c < r3)
      for (int b = 0; b < r2; ++b) acc = fma(gsrc[aa + r1 * (b + r2 * c)], vj[b], acc);
    gv[i] = acc;
  }
  __syncthreads();

  const int tx = a.tx, groups = kThreads / tx;
  const int lx = tid % tx, g = tid / tx;
  const long long plane = static_cast<long long>(n1) * d.n2;
  double err = 0.0;
  for (int xc0 = 0; xc0 < n1; xc0 += tx) {
    const int xcount = min(tx, n1 - xc0);
    const int x = xc0 + lx;
    const bool own = g < groups && lx < xcount;
    double creg[R], p3[R];
#pragma unroll
    for (int c = 0; c < R; ++c) creg[c] = 0.0, p3[c] = 0.0;
    if (own)
      for (int aa = 0; aa < r1; ++aa) {
        const double uxa = us[x * R + aa];
#pragma unroll
        for (int c = 0; c < R; ++c) creg[c] = fma(uxa, gv[aa * R + c], creg[c]);
      }
    const double* yx = a.y + static_cast<long long>(n1) * j + x;
    const double* tr = a.truth ? a.truth + static_cast<long long>(n1) * j + x : nullptr;
    for (int z0 = zb; z0 < ze; z0 += kTileZ) {
      const int tz = min(kTileZ, ze - z0);
      if (kShortChains && own) {
        // The same per-z work as below, in the same order, with the loads of a batch first.
        constexpr int kB = R <= 16 ? 8 : 4;  // 16 spilled 88 bytes at rank 10 (128-register cap)
        for (int zz0 = g; zz0 < tz; zz0 += kB * groups) {
          double yb[kB], tb[kB];
#pragma unroll
          for (int q = 0; q < kB; ++q) {
            const int zz = zz0 + q * groups;
            const bool in = zz < tz;
            yb[q] = in ? __ldg(yx + plane * (z0 + zz)) : 0.0;
            tb[q] = in && tr ? __ldg(tr + plane * (z0 + zz)) : 0.0;
          }
#pragma unroll
          for (int q = 0; q < kB; ++q) {
            const int zz = zz0 + q * groups;
            if (zz < tz) {
              const double* wr = ws + (z0 + zz - zb) * R;
              double xt = 0.0;
#pragma unroll
              for (int c = 0; c < R; ++c) xt = fma(creg[c], wr[c], xt);
              if (tr) {
                const double e = xt - tb[q];
                err = fma(e, e, err);
              }
              const double r = fmin(fmax(xt - yb[q], -zeta), zeta);
              rt[lx * kT + zz] = r;
#pragma unroll
              for (int c = 0; c < R; ++c) p3[c] = fma(r, wr[c], p3[c]);
            }
          }
        }
      } else if (own) {
#pragma unroll 4
        for (int zz = g; zz < tz; zz += groups) {
          const int z = z0 + zz;
          const double* wr = ws + (z - zb) * R;
          double xt = 0.0;
#pragma unroll
          for (int c = 0; c < R; ++c) xt = fma(creg[c], wr[c], xt);
          const double yv = __ldg(yx + plane * z);
          if (tr) {
            const double e = xt - __ldg(tr + plane * z);
            err = fma(e, e, err);
          }
          const double r = fmin(fmax(xt - yv, -zeta), zeta);
          rt[lx * kT + zz] = r;
#pragma unroll
          for (int c = 0; c < R; ++c) p3[c] = fma(r, wr[c], p3[c]);
        }
      }
      __syncthreads();
      if constexpr (kWide && R <= 10) {
        // The same sums as below, two z values (zz, zz + 16) per thread on threads 0-127. (Up to
        // padded rank 10: at 16 the second row of accumulators spilled 520 bytes by ptxas -v.)
        static_assert(kTileZ == 32 && kXGroups == 8, "the wide U^T R product assumes 32 z by 8 x groups");
        if (tid < kThreads / 2) {
          const int zz = tid / kXGroups, xg = tid % kXGroups, zz1 = zz + kTileZ / 2;
          double acc0[R], acc1[R];
#pragma unroll
          for (int c = 0; c < R; ++c) acc0[c] = 0.0, acc1[c] = 0.0;
          if (zz < tz) {  // (zz1 < tz implies zz < tz)
            // (unrolled twice: left to nvcc, the rank-10 kernel spilled 4 bytes; so none)
#pragma unroll 2
            for (int xl = xg; xl < xcount; xl += kXGroups) {
              const double rv0 = rt[xl * kT + zz];
              const double rv1 = zz1 < tz ? rt[xl * kT + zz1] : 0.0;
              const double2* u2 = reinterpret_cast<const double2*>(us + (xc0 + xl) * R);
#pragma unroll
              for (int c2 = 0; c2 < R / 2; ++c2) {
                const double2 uv = u2[c2];
                acc0[2 * c2] = fma(rv0, uv.x, acc0[2 * c2]);
                acc0[2 * c2 + 1] = fma(rv0, uv.y, acc0[2 * c2 + 1]);
                acc1[2 * c2] = fma(rv1, uv.x, acc1[2 * c2]);
                acc1[2 * c2 + 1] = fma(rv1, uv.y, acc1[2 * c2 + 1]);
              }
            }
          }
#pragma unroll
          for (int c = 0; c < R; ++c) {
            double v0 = acc0[c], v1 = acc1[c];
#pragma unroll
            for (int o = 1; o < kXGroups; o <<= 1) {
              v0 += __shfl_xor_sync(0xffffffffu, v0, o);
              v1 += __shfl_xor_sync(0xffffffffu, v1, o);
            }
            acc0[c] = v0, acc1[c] = v1;
          }
          if (zz < tz) {
            double* dst = p1 + (z0 - zb + zz) * R;
#pragma unroll
            for (int c = 0; c < R; ++c)
              if (c % kXGroups == xg) dst[c] += acc0[c];
          }
          if (zz1 < tz) {
            double* dst = p1 + (z0 - zb + zz1) * R;
#pragma unroll
            for (int c = 0; c < R; ++c)
              if (c % kXGroups == xg) dst[c] += acc1[c];
          }
        }
      } else {  // P1(z, :) += U(x, :)^T R(x, z) over the x of this chunk: kXGroups threads per z
        const int zz = tid / kXGroups, xg = tid % kXGroups;
        double acc[R];
#pragma unroll
        for (int c = 0; c < R; ++c) acc[c] = 0.0;
        if (zz < tz)
          for (int xl = xg; xl < xcount; xl += kXGroups) {
            const double rv = rt[xl * kT + zz];
            const double* ur = us + (xc0 + xl) * R;
#pragma unroll
            for (int c = 0; c < R; ++c) acc[c] = fma(rv, ur[c], acc[c]);
          }
#pragma unroll
        for (int c = 0; c < R; ++c) {
          double v = acc[c];
#pragma unroll
          for (int o = 1; o < kXGroups; o <<= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
          acc[c] = v;
        }
        if (zz < tz) {
          double* dst = p1 + (z0 - zb + zz) * R;
#pragma unroll
          for (int c = 0; c < R; ++c)
            if (c % kXGroups == xg) dst[c] += acc[c];
        }
      }
      __syncthreads();
    }
    // P3 of this chunk, the z groups added in a fixed order.
    for (int gg = 0; gg < groups; ++gg) {
      if (own && g == gg) {
#pragma unroll
        for (int c = 0; c < R; ++c) p3s[lx * R + c] = gg == 0 ? p3[c] : p3s[lx * R + c] + p3[c];
      }
      __syncthreads();
    }
    for (int i = tid; i < xcount * r1; i += kThreads) {
      const int xl = i / r1, aa = i % r1;
      double acc = 0.0;
#pragma unroll
      for (int c = 0; c < R; ++c) acc = fma(p3s[xl * R + c], gv[aa * R + c], acc);
      a.fu_part[(static_cast<long long>(blk) * n1 + xc0 + xl) * r1 + aa] = acc;
    }
    __syncthreads();
  }
  for (int i = tid; i < nz * r3; i += kThreads) {
    const int zl = i / r3, c = i % r3;
    double acc = 0.0;
    for (int aa = 0; aa < r1; ++aa) acc = fma(p1[zl * R + aa], gv[aa * R + c], acc);
    a.fw_part[(static_cast<long long>(j) * d.n3 + zb + zl) * r3 + c] = acc;
  }
  for (int i = tid; i < r1 * r3; i += kThreads) {
    const int aa = i / r3, c = i % r3;
    double acc = 0.0;
    for (int zl = 0; zl < nz; ++zl) acc = fma(p1[zl * R + aa], ws[zl * R + c], acc);
    a.q13_part[static_cast<long long>(blk) * r1 * r3 + i] = acc;
  }
  err = block_sum(err, red);
  if (tid == 0) a.err_part[blk] = err;
}

#include "rpca_row_block_mma.cuh"

template <int R>
__global__ void __launch_bounds__(kThreads, (R <= 16 ? 2 : 1)) row_pass_kernel(RowArgs a) {
  extern __shared__ double sm[];
  __shared__ bool last;
  Control* ctl = a.ctl;
  if (a.pdl) wait_for_previous_kernel();
  if (ctl->stopped || ctl->iter >= ctl->max_iter) {
    if (blockIdx.x == 0 && threadIdx.x == 0) ctl->apply = 0;
    return;
  }
  const int vb = static_cast<int>(blockIdx.x) + a.block_offset;  // 0 .. nb + 2
  const int side = a.side_first ? (vb < 3 ? vb : -1) : (vb >= a.d.nb ? vb - a.d.nb : -1);
  if (side >= 0) {
    if (a.side_staged) side_block_staged(a, side, sm);
    else side_block(a, side, sm);
  } else {
    row_block<R>(a, a.side_first ? vb - 3 : vb, sm);
  }
  // The last block to finish adds up the error and decides whether the step applies.
  __threadfence();
  __syncthreads();
  if (threadIdx.x == 0) last = atomicAdd(&ctl->counter_a, 1u) == gridDim.x - 1;
  __syncthreads();
  if (!last || threadIdx.x >= 32) return;
  __threadfence();
  double e = 0.0;
  // Unrolled: the loads in flight together, not one L2 round trip per 32 blocks (the sum keeps
  // its order).
#pragma unroll 8
  for (int i = threadIdx.x; i < a.d.nb; i += 32) e += __ldcg(a.err_part + i);
  e = warp_sum(e);
  if (threadIdx.x == 0) {
    if (ctl->has_truth) a.errors[ctl->iter] = e;
    if (ctl->has_truth && ctl->stop_sq > 0.0 && e < ctl->stop_sq) {
      ctl->stopped = 1;
      ctl->apply = 0;
    } else {
      ctl->apply = 1;
    }
    ctl->counter_a = 0;
  }
}

// ---- the update --------------------------------------------------------------------------------

// Rows [row0, row0 + per_block) of a factor: grad = sum over `count` partials (stride `pstride`),
// next = cur - eta grad binv. Variant 1 takes kRowsU rows per block, variant 2 one row, so that
// more threads share the sum over the partials and each issues only a few loads.
__device__ void factor_rows(const double* part, int count, long long pstride, int n, int r, int row0, int per_block,
                            const double* cur, double* next, const double* binv, double eta, double* sm) {
  const int rows = min(per_block, n - row0), cnt = rows * r, groups = kThreads / cnt;
  const int o = threadIdx.x % cnt, grp = threadIdx.x / cnt;
  double* red = sm;               // [groups][cnt]
  double* grad = sm + kThreads;   // [cnt]
  if (grp < groups) {
    double s0 = 0.0;
    const double* p = part + static_cast<long long>(row0) * r + o;
    // Unrolled so that the loads (independent of each other) are in flight together rather than
    // one L2 round trip per partial (U: 200 partials over 25 groups at rank 10); the sum keeps
    // its order.
#pragma unroll 8
    for (int q = grp; q < count; q += groups) s0 += __ldcg(p + q * pstride);
    red[grp * cnt + o] = s0;
  }
  __syncthreads();
  if (threadIdx.x < cnt) {
    double s0 = 0.0;
    for (int gg = 0; gg < groups; ++gg) s0 += red[gg * cnt + threadIdx.x];
    grad[threadIdx.x] = s0;
  }
  __syncthreads();
  if (threadIdx.x < cnt) {
    const int xl = threadIdx.x / r, c0 = threadIdx.x % r;
    double acc = 0.0;
    for (int c = 0; c < r; ++c) acc = fma(grad[xl * r + c], binv[c * r + c0], acc);
    const long long at = static_cast<long long>(row0 + xl) * r + c0;
    next[at] = cur[at] - eta * acc;
  }
}

__device__ void v_rows(const UpdateArgs& a, int j0, double* sm) {
  const Dims d = a.d;
  const int rows = min(kRowsV, d.n2 - j0), rr = d.r1 * d.r3;
  double* q = sm;                      // [rows][r1 r3]
  double* grad = sm + kRowsV * kRankSlot;  // [rows][r2]
  for (int i = threadIdx.x; i < rows * rr; i += kThreads) {
    const int jl = i / rr, e = i % rr;
    double s0 = 0.0;
    for (int sp = 0; sp < d.splits; ++sp) s0 += __ldcg(a.q13_part + (static_cast<long long>(j0 + jl) * d.splits + sp) * rr + e);
    q[i] = s0;
  }
  __syncthreads();
  for (int i = threadIdx.x; i < rows * d.r2; i += kThreads) {
    const int jl = i / d.r2, b = i % d.r2;
    double acc = 0.0;
    for (int aa = 0; aa < d.r1; ++aa)
      for (int c = 0; c < d.r3; ++c) acc = fma(q[jl * rr + aa * d.r3 + c], a.g[aa + d.r1 * (b + d.r2 * c)], acc);
    grad[i] = acc;
  }
  __syncthreads();
  const double* binv = a.binv + kRankSlot;
  for (int i = threadIdx.x; i < rows * d.r2; i += kThreads) {
    const int jl = i / d.r2, b = i % d.r2;
    double acc = 0.0;
    for (int bb = 0; bb < d.r2; ++bb) acc = fma(grad[jl * d.r2 + bb], binv[bb * d.r2 + b], acc);
    const long long at = static_cast<long long>(j0 + jl) * d.r2 + b;
    a.v_next[at] = a.v[at] - a.ctl->eta * acc;
  }
}

// Core block c: slice c of grad G, multiplied by (U^T U)^-1 and (V^T V)^-1; the last core block
// applies (W^T W)^-1 across the slices, updates the core and advances the schedule.
__device__ void core_slice(const UpdateArgs& a, int c, double* sm) {
  const Dims d = a.d;
  const int r1 = d.r1, r2 = d.r2, r3 = d.r3, rr = r1 * r2;
  double* vs = sm;                    // [kChunkJ][r2]
  double* qs = vs + kChunkJ * kMaxRank;  // [kChunkJ][r1]
  double* gc = qs + kChunkJ * kMaxRank;  // [r1 r2], (a, b) at a + r1 b
  double* tmp = gc + kRankSlot;       // [r1 r2]
  __shared__ bool last;
  for (int o = threadIdx.x; o < rr; o += kThreads) gc[o] = 0.0;
  for (int j0 = 0; j0 < d.n2; j0 += kChunkJ) {
    const int jc = min(kChunkJ, d.n2 - j0);
    __syncthreads();
    for (int i = threadIdx.x; i < jc * r2; i += kThreads) vs[i] = a.v[static_cast<long long>(j0) * r2 + i];
    for (int i = threadIdx.x; i < jc * r1; i += kThreads) {
      const int jl = i / r1, aa = i % r1;
      double s0 = 0.0;
      for (int sp = 0; sp < d.splits; ++sp)
        s0 += __ldcg(a.q13_part + (static_cast<long long>(j0 + jl) * d.splits + sp) * r1 * r3 + aa * r3 + c);
      qs[i] = s0;
    }
    __syncthreads();
    for (int o = threadIdx.x; o < rr; o += kThreads) {
      const int aa = o % r1, b = o / r1;
      double acc = gc[o];
      for (int jl = 0; jl < jc; ++jl) acc = fma(qs[jl * r1 + aa], vs[jl * r2 + b], acc);
      gc[o] = acc;
    }
  }
  __syncthreads();
  const double* pu = a.pinv;
  const double* pv = a.pinv + kRankSlot;
  const double* pw = a.pinv + 2 * kRankSlot;
  for (int o = threadIdx.x; o < rr; o += kThreads) {
    const int A = o % r1, b = o / r1;
    double acc = 0.0;
    for (int aa = 0; aa < r1; ++aa) acc = fma(pu[A * r1 + aa], gc[aa + r1 * b], acc);
    tmp[o] = acc;
  }
  __syncthreads();
  for (int o = threadIdx.x; o < rr; o += kThreads) {
    const int A = o % r1, B = o / r1;
    double acc = 0.0;
    for (int b = 0; b < r2; ++b) acc = fma(tmp[A + r1 * b], pv[b * r2 + B], acc);
    a.tc[static_cast<long long>(c) * rr + o] = acc;
  }
  __threadfence();
  __syncthreads();
  if (threadIdx.x == 0) last = atomicAdd(&a.ctl->counter_b, 1u) == static_cast<unsigned>(r3 - 1);
  __syncthreads();
  if (!last) return;
  __threadfence();
  const double eta = a.ctl->eta;
  for (int e = threadIdx.x; e < rr * r3; e += kThreads) {
    const int ab = e % rr, C = e / rr;
    double acc = 0.0;
    for (int cc = 0; cc < r3; ++cc) acc = fma(pw[C * r3 + cc], __ldcg(a.tc + static_cast<long long>(cc) * rr + ab), acc);
    a.g_next[e] = a.g[e] - eta * acc;
  }
  if (threadIdx.x == 0) {
    a.ctl->iter += 1;
    a.ctl->zeta *= a.ctl->rho;
    a.ctl->counter_b = 0;
  }
}

__global__ void __launch_bounds__(kThreads) update_kernel(UpdateArgs a) {
  __shared__ double sm[kUpdateShared];
  if (!a.ctl->apply) return;
  const Dims d = a.d;
  const double eta = a.ctl->eta;
  int b = blockIdx.x;
  if (b < a.blocks_u) {
    factor_rows(a.fu_part, d.nb, static_cast<long long>(d.n1) * d.r1, d.n1, d.r1, b * kRowsU, kRowsU, a.u, a.u_next, a.binv,
                eta, sm);
    return;
  }
  b -= a.blocks_u;
  if (b < a.blocks_v) {
    v_rows(a, b * kRowsV, sm);
    return;
  }
  b -= a.blocks_v;
  if (b < a.blocks_w) {
    factor_rows(a.fw_part, d.n2, static_cast<long long>(d.n3) * d.r3, d.n3, d.r3, b * kRowsU, kRowsU, a.w, a.w_next,
                a.binv + 2 * kRankSlot, eta, sm);
    return;
  }
  b -= a.blocks_w;
  core_slice(a, b, sm);
}

// ---- the update, variant 2 ---------------------------------------------------------------------
// The same algebra with shorter dependent chains: the core blocks (by our estimate the longest
// path: partial sums, two small products, then the last block's mode-3 product) come first, keep
// the Gram inverses and their slice of the step in shared memory and sum with four accumulators;
// the V gradient is a warp per entry instead of a thread running over r1 r3 global loads; U and W
// take one row per block.

// A load of the iterate or of the Gram inverses. Separate kernels read them through the
// read-only cache (__ldg); variant 4's persistent kernel rewrites them between grid barriers, so
// it loads them through L2 (__ldcg): the non-coherent cache could still hold an older iteration's
// values of the same (alternating) buffer.
template <bool kCoherent>
__device__ inline double load_iterate(const double* p) {
  if constexpr (kCoherent) return __ldcg(p);
  else return __ldg(p);
}

// V rows [j0, j0 + rows_v): grad V (j, b) = sum_{a, c} Q13_j(a, c) G(a, b, c), a warp per entry.
template <bool kCoherent = false>
__device__ void v_rows_v2(const UpdateArgs& a, int j0, double* sm) {
  const Dims d = a.d;
  const int rows = min(a.rows_v, d.n2 - j0), rr = d.r1 * d.r3;
  double* q = sm;                            // [rows][r1 r3]
  double* grad = sm + a.rows_v * kRankSlot;  // [rows][r2]
#pragma unroll 4
  for (int i = threadIdx.x; i < rows * rr; i += kThreads) {
    const int jl = i / rr, e = i % rr;
    const double* src = a.q13_part + static_cast<long long>(j0 + jl) * d.splits * rr + e;
    double s0 = __ldcg(src);
    for (int sp = 1; sp < d.splits; ++sp) s0 += __ldcg(src + static_cast<long long>(sp) * rr);
    q[i] = s0;
  }
  __syncthreads();
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  for (int item = warp; item < rows * d.r2; item += kThreads / 32) {
    const int jl = item / d.r2, b = item % d.r2;
    double acc = 0.0;
    for (int e = lane; e < rr; e += 32) {
      const int aa = e / d.r3, c = e % d.r3;
      acc = fma(q[jl * rr + e], load_iterate<kCoherent>(a.g + aa + d.r1 * (b + d.r2 * c)), acc);
    }
    acc = warp_sum(acc);
    if (lane == 0) grad[item] = acc;
  }
  __syncthreads();
  const double* binv = a.binv + kRankSlot;
  for (int i = threadIdx.x; i < rows * d.r2; i += kThreads) {
    const int jl = i / d.r2, b = i % d.r2;
    double acc = 0.0;
    for (int bb = 0; bb < d.r2; ++bb) acc = fma(grad[jl * d.r2 + bb], load_iterate<kCoherent>(binv + bb * d.r2 + b), acc);
    const long long at = static_cast<long long>(j0 + jl) * d.r2 + b;
    a.v_next[at] = a.v[at] - a.ctl->eta * acc;
  }
}

// kBatch (variant 5): the same values staged with each thread's loads issued together (the
// inverses, V, the summed Q13 slice; in the last block its inputs) instead of one copy loop, and
// one L2 round trip per element, after another; the arithmetic is unchanged.
// kDefer: variant 9 (the last block leaves the core's update to the next phase A).
template <bool kCoherent = false, bool kBatch = false, bool kDefer = false>
__device__ void core_slice_v2(const UpdateArgs& a, int c, double* sm) {
  const Dims d = a.d;
  const int r1 = d.r1, r2 = d.r2, r3 = d.r3, rr = r1 * r2;
  double* gc = sm;            // [r1 r2], (a, b) at a + r1 b
  double* tmp = gc + rr;      // [r1 r2]
  double* pu = tmp + rr;      // (U^T U)^-1
  double* pv = pu + r1 * r1;  // (V^T V)^-1
  double* vs = pv + r2 * r2;  // [jmax][r2]
  const int jmax = max(1, static_cast<int>((kUpdateShared2 - (vs - sm)) / (r1 + r2)));
  double* qs = vs + jmax * r2;  // [jmax][r1]
  __shared__ bool last;
  // Timeline steps: 1 the slice of grad G summed, 2 its products written and the ticket taken,
  // 3 (the last block) the core updated.
  sub_stamp(a.sub, 0);
  if constexpr (kBatch) {
    for (int o = threadIdx.x; o < rr; o += kThreads) gc[o] = 0.0;
  } else {
    for (int i = threadIdx.x; i < r1 * r1; i += kThreads) pu[i] = load_iterate<kCoherent>(a.pinv + i);
    for (int i = threadIdx.x; i < r2 * r2; i += kThreads) pv[i] = load_iterate<kCoherent>(a.pinv + kRankSlot + i);
    for (int o = threadIdx.x; o < rr; o += kThreads) gc[o] = 0.0;
  }
  for (int j0 = 0; j0 < d.n2; j0 += jmax) {
    const int jc = min(jmax, d.n2 - j0);
    __syncthreads();
    if constexpr (kBatch) {
      // Index space: (U^T U)^-1 and (V^T V)^-1 (first chunk only), rows j0.. of V, the Q13 slice
      // summed over the z splits in the order sp = 0, 1, .. (as below).
      constexpr int kLoads = 8;
      const int npu = j0 == 0 ? r1 * r1 : 0, npv = j0 == 0 ? r2 * r2 : 0;
      const int nv = npu + npv + jc * r2, total = nv + jc * r1;
      const long long sstride = static_cast<long long>(r1) * r3;
      for (int i0 = threadIdx.x; i0 < total; i0 += kLoads * kThreads) {
        double t[kLoads];
        const double* q13[kLoads];
#pragma unroll
        for (int k = 0; k < kLoads; ++k) {
          const int i = i0 + k * kThreads;
          q13[k] = nullptr;
          double v = 0.0;
          if (i < npu) {
            v = load_iterate<kCoherent>(a.pinv + i);
          } else if (i < npu + npv) {
            v = load_iterate<kCoherent>(a.pinv + kRankSlot + (i - npu));
          } else if (i < nv) {
            v = load_iterate<kCoherent>(a.v + static_cast<long long>(j0) * r2 + (i - npu - npv));
          } else if (i < total) {
            const int jl = (i - nv) / r1, aa = (i - nv) % r1;
            q13[k] = a.q13_part + static_cast<long long>(j0 + jl) * d.splits * sstride + aa * r3 + c;
            v = __ldcg(q13[k]);
          }
          t[k] = v;
        }
        for (int sp = 1; sp < d.splits; ++sp) {
          double p[kLoads];
#pragma unroll
          for (int k = 0; k < kLoads; ++k) p[k] = q13[k] ? __ldcg(q13[k] + sp * sstride) : 0.0;
#pragma unroll
          for (int k = 0; k < kLoads; ++k)
            if (q13[k]) t[k] += p[k];
        }
#pragma unroll
        for (int k = 0; k < kLoads; ++k)
          store_staged(i0 + k * kThreads, t[k], pu, npu, pv, npu + npv, vs, nv, qs, total);
      }
    } else {
      for (int i = threadIdx.x; i < jc * r2; i += kThreads) vs[i] = load_iterate<kCoherent>(a.v + static_cast<long long>(j0) * r2 + i);
#pragma unroll 4
      for (int i = threadIdx.x; i < jc * r1; i += kThreads) {
        const int jl = i / r1, aa = i % r1;
        const double* src = a.q13_part + static_cast<long long>(j0 + jl) * d.splits * r1 * r3 + aa * r3 + c;
        double s0 = __ldcg(src);
        for (int sp = 1; sp < d.splits; ++sp) s0 += __ldcg(src + static_cast<long long>(sp) * r1 * r3);
        qs[i] = s0;
      }
    }
    __syncthreads();
    for (int o = threadIdx.x; o < rr; o += kThreads) gc[o] += dot4(qs + o % r1, r1, vs + o / r1, r2, jc);
  }
  __syncthreads();
  sub_stamp(a.sub, 1);
  for (int o = threadIdx.x; o < rr; o += kThreads) {
    const int A = o % r1, b = o / r1;
    tmp[o] = dot4(pu + A * r1, 1, gc + r1 * b, 1, r1);
  }
  __syncthreads();
  for (int o = threadIdx.x; o < rr; o += kThreads) {
    const int A = o % r1, B = o / r1;
    a.tc[static_cast<long long>(c) * rr + o] = dot4(tmp + A, r1, pv + B, r2, r2);
  }
  __threadfence();
  __syncthreads();
  if (threadIdx.x == 0) last = atomicAdd(&a.ctl->counter_b, 1u) == static_cast<unsigned>(r3 - 1);
  __syncthreads();
  sub_stamp(a.sub, 2);
  if (!last) return;
  __threadfence();
  if constexpr (kDefer) {  // variant 9: the readers of G in the next phase A apply tc
    if (threadIdx.x == 0) {
      a.ctl->iter += 1;
      a.ctl->zeta *= a.ctl->rho;
      a.ctl->counter_b = 0;
    }
    sub_stamp(a.sub, 3);
    return;
  }
  const double eta = a.ctl->eta;
  // The last block: G_next(:, :, C) = G(:, :, C) - eta sum_c (W^T W)^-1 (C, c) tc(c), from shared
  // copies where they fit (rank 10: 1 100 doubles).
  const bool staged = r3 * r3 + r3 * rr <= kUpdateShared2;
  const double* pw = a.pinv + 2 * kRankSlot;
  const double* tcs = a.tc;
  if (staged) {
    double* pws = sm;
    double* t = sm + r3 * r3;
    if constexpr (kBatch) {
      // pws and t are contiguous: one copy of r3 r3 + r3 r1 r2 values, eight loads at a time.
      const int npw = r3 * r3, total = npw + r3 * rr;
      for (int i0 = threadIdx.x; i0 < total; i0 += 8 * kThreads) {
        double v[8];
#pragma unroll
        for (int k = 0; k < 8; ++k) {
          const int i = i0 + k * kThreads;
          v[k] = i < npw ? __ldcg(pw + i) : i < total ? __ldcg(a.tc + (i - npw)) : 0.0;
        }
#pragma unroll
        for (int k = 0; k < 8; ++k)
          if (i0 + k * kThreads < total) sm[i0 + k * kThreads] = v[k];
      }
    } else {
      for (int i = threadIdx.x; i < r3 * r3; i += kThreads) pws[i] = __ldcg(pw + i);
      for (int i = threadIdx.x; i < r3 * rr; i += kThreads) t[i] = __ldcg(a.tc + i);
    }
    __syncthreads();
    pw = pws;
    tcs = t;
  }
  for (int e = threadIdx.x; e < rr * r3; e += kThreads) {
    const int ab = e % rr, C = e / rr;
    double acc = 0.0;
    if (staged) {
      acc = dot4(pw + C * r3, 1, tcs + ab, rr, r3);
    } else {
      for (int cc = 0; cc < r3; ++cc) acc = fma(__ldcg(pw + C * r3 + cc), __ldcg(tcs + static_cast<long long>(cc) * rr + ab), acc);
    }
    a.g_next[e] = a.g[e] - eta * acc;
  }
  if (threadIdx.x == 0) {
    a.ctl->iter += 1;
    a.ctl->zeta *= a.ctl->rho;
    a.ctl->counter_b = 0;
  }
  sub_stamp(a.sub, 3);
}

// Block b of variant 2's update: the r3 core blocks first, then the rows of U, V and W.
// kBatch: variant 5's core blocks (core_slice_v2).
template <bool kCoherent = false, bool kBatch = false, bool kDefer = false>
__device__ void update_block_v2(const UpdateArgs& a, int b, double* sm) {
  const Dims d = a.d;
  const double eta = a.ctl->eta;
  if (b < d.r3) {
    core_slice_v2<kCoherent, kBatch, kDefer>(a, b, sm);
    return;
  }
  b -= d.r3;
  if (b < a.blocks_u) {
    factor_rows(a.fu_part, d.nb, static_cast<long long>(d.n1) * d.r1, d.n1, d.r1, b * a.rows_u, a.rows_u, a.u, a.u_next,
                a.binv, eta, sm);
    return;
  }
  b -= a.blocks_u;
  if (b < a.blocks_v) {
    v_rows_v2<kCoherent>(a, b * a.rows_v, sm);
    return;
  }
  b -= a.blocks_v;
  factor_rows(a.fw_part, d.n2, static_cast<long long>(d.n3) * d.r3, d.n3, d.r3, b * a.rows_u, a.rows_u, a.w, a.w_next,
              a.binv + 2 * kRankSlot, eta, sm);
}

__global__ void __launch_bounds__(kThreads) update_kernel_v2(UpdateArgs a) {
  __shared__ double sm[kUpdateShared2];
  wait_for_previous_kernel();
  if (!a.ctl->apply) return;
  update_block_v2(a, static_cast<int>(blockIdx.x), sm);
}

// ---- variant 4: one persistent cooperative kernel ----------------------------------------------
// Variant 3 spends an iteration in four dependent launches (fork, row pass beside the Gram
// kernel, join, update), each with its launch gap and its tail of a last block. Variant 4 runs
// the same work items (variant 3's row blocks and side parts, variant 2's update blocks, the same
// functions, hence the same sums in the same order and the same iterates) as one cooperative
// launch of as many blocks as fit on the device at once, which loops over iterations with two
// grid-wide barriers per iteration:
//   phase A: the side parts (Gram matrices and inverses) and the row blocks, as virtual blocks
//            over the grid (at 100^3 rank 10 on an H100: 6 + 200 items on 264 blocks, one wave);
//   barrier;
//   phase B: every block adds up the error partials (the same order as variant 3's last block:
//            identical sums, so all blocks take the same stop decision without another barrier),
//            then the update blocks (core slices first) run as virtual blocks;
//   barrier.
// The iteration count, threshold and stop flag stay in Control, written only in phase B and read
// only after a barrier, so every block leaves the loop at the same iteration. Y stays in L2
// between iterations of one launch (8 MB of the H100's 50 MB).
struct PersistentArgs {
  RowArgs row[2];     // the row phase reading buffer 0 / 1
  UpdateArgs upd[2];  // the update from buffer 0 / 1 into the other
  int side_items;     // side parts in phase A (6 staged, 3 unstaged); 0 leaves them out (profiling)
  int row_items;      // row blocks in phase A (d.nb); 0 leaves them out (profiling)
  int update;         // 0: phase A only, always from buffer 0 (profiling the row phase)
  int iterations;     // iterations this launch runs at most (Control may stop it sooner)
  // Timeline (FusedScaledGd::timeline): when non-null, thread 0 of each block writes
  // kTraceSlots global-timer stamps and item numbers per block for the first trace_iterations
  // iterations of the launch ([iteration][block][slot], TraceSlot). One store per event.
  long long* trace;
  int trace_iterations;
};

// Slots of a block's trace record of one iteration (-1 where the block had no such item).
enum TraceSlot {
  kTraceStart,      // the iteration begins (after the stop decision)
  kTraceA0Item,     // phase A: first item (side parts first, then row items), and its end
  kTraceA0End,
  kTraceA1Item,     // second item, if any (it starts at the first one's end), and its end
  kTraceA1End,
  kTraceBarrierA,   // leaves the first grid barrier
  kTraceBStart,     // phase B starts its items (after the error sum)
  kTraceB0Item,
  kTraceB0End,
  kTraceB1Item,
  kTraceB1End,
  kTraceBarrierB,   // leaves the second grid barrier
  kTraceSlots
};


// Thread 0 writes `value` (default: the global timer) to its block's trace slot of iteration t
// of the launch, when tracing. (Computed at each stamp: a trace pointer kept across the loop
// cost variant 4's kernel 16 bytes of spills at the 128-register cap.)
__device__ inline void trace_stamp(const PersistentArgs& pa, int t, int slot, long long value = -2) {
  if (pa.trace && t < pa.trace_iterations && threadIdx.x == 0)
    pa.trace[(static_cast<long long>(t) * gridDim.x + blockIdx.x) * kTraceSlots + slot] = value == -2 ? global_ns() : value;
}

// Work item of block `b` in round `m` when `stride` blocks share the items: rounds alternate
// direction, so the blocks that took the first items (the side parts, the core slices: the long
// chains) take the last items of a second round, if any, not its first.
__device__ inline int snake_item(int b, int m, int stride) { return m * stride + ((m & 1) ? stride - 1 - b : b); }

// kWide: variant 5 (the wide row blocks, row_block's kWide; the rest is variant 4's).
// kMma: variant 7 (the row items on the FP64 tensor cores, row_block_mma<R / 4>: R is the
// mode-3 rank padded to 8, 12 or 16; the rest is variant 4's). kStageY (with kMma): variant 8,
// variant 7 with each row item's slab of Y staged in shared memory by asynchronous copies.
// kDefer (with kMma): variant 9, the core update deferred to the next phase A (RowArgs::prev_pinv).
template <int R, bool kWide = false, bool kMma = false, bool kStageY = false, bool kDefer = false>
__global__ void __launch_bounds__(kThreads, (R <= 16 ? 2 : 1)) persistent_kernel(PersistentArgs pa) {
  // Aligned for the row blocks' paired loads (kWide); its own name, since the other kernels
  // declare theirs with the alignment of a double.
  extern __shared__ __align__(16) double psm[];
  double* sm = psm;
  __shared__ int s_go, s_iter, s_apply;
  cg::grid_group grid = cg::this_grid();
  Control* ctl = pa.row[0].ctl;
  const int stride = static_cast<int>(gridDim.x);
  for (int t = 0; t < pa.iterations; ++t) {
    if (threadIdx.x == 0) {
      const volatile Control* c = ctl;
      const int it = c->iter;
      s_iter = it;
      s_go = !(c->stopped || it >= c->max_iter);
    }
    __syncthreads();
    if (!s_go) break;  // the same decision in every block (Control last written before a barrier)
    trace_stamp(pa, t, kTraceStart);
    const int iter = s_iter;
    const int p = pa.update ? (iter & 1) : 0;
    const RowArgs& a = pa.row[p];
    const int items = pa.side_items + pa.row_items;
    for (int m = 0; m * stride < items; ++m) {
      const int vb = snake_item(static_cast<int>(blockIdx.x), m, stride);
      if (vb >= items) continue;  // (block-uniform)
      if (vb < pa.side_items) {
        if (a.side_staged) side_block_part<kDefer>(a, vb % 3, vb / 3, sm);
        else side_block(a, vb, sm);
      } else {
        if constexpr (kMma) {
          if (a.truth) row_block_mma<R / 4, kStageY, true, kDefer>(a, vb - pa.side_items, sm);
          else row_block_mma<R / 4, kStageY, false, kDefer>(a, vb - pa.side_items, sm);
        } else {
          row_block<R, true, kWide>(a, vb - pa.side_items, sm);
        }
      }
      __syncthreads();
      if (m < 2) {
        trace_stamp(pa, t, m ? kTraceA1Item : kTraceA0Item, vb);
        trace_stamp(pa, t, m ? kTraceA1End : kTraceA0End);
      }
    }
    grid.sync();
    trace_stamp(pa, t, kTraceBarrierA);
    if (!pa.update) continue;
    if (threadIdx.x < 32) {
      const volatile Control* c = ctl;
      int apply = 1;
      if (c->has_truth) {
        double e = 0.0;
#pragma unroll 8
        for (int i = static_cast<int>(threadIdx.x); i < a.d.nb; i += 32) e += __ldcg(a.err_part + i);
        e = warp_sum(e);
        if (c->stop_sq > 0.0 && e < c->stop_sq) apply = 0;
        if (threadIdx.x == 0 && blockIdx.x == 0) {
          a.errors[iter] = e;
          if (!apply) ctl->stopped = 1;
        }
      }
      if (threadIdx.x == 0) s_apply = apply;
    }
    __syncthreads();
    trace_stamp(pa, t, kTraceBStart);
    if (s_apply) {
      const UpdateArgs& u = pa.upd[p];
      const int uitems = u.d.r3 + u.blocks_u + u.blocks_v + u.blocks_w;
      for (int m = 0; m * stride < uitems; ++m) {
        const int vb = snake_item(static_cast<int>(blockIdx.x), m, stride);
        if (vb >= uitems) continue;
        update_block_v2<true, kWide, kDefer>(u, vb, sm);
        __syncthreads();
        if (m < 2) {
          trace_stamp(pa, t, m ? kTraceB1Item : kTraceB0Item, vb);
          trace_stamp(pa, t, m ? kTraceB1End : kTraceB0End);
        }
      }
    }
    grid.sync();
    trace_stamp(pa, t, kTraceBarrierB);
  }
}

// The rank the row kernel is instantiated for (zero columns pad the factors up to it). Variant 1
// pads to a multiple of 4; variant 2 to an even number up to 16 (rank 10 runs the R = 10 kernel,
// not R = 12: a sixth fewer multiply-adds in the pass over Y), multiples of 4 above.
// RpcaTuning::rank_padding 4 forces multiples of 4 in variant 2 too (to measure the difference:
// at the 128-register cap the R = 10 kernel spills 16 bytes, R = 12 none).
int padded_rank(const RpcaSizes& s, int variant = 1, int padding = 0) {
  const int m = std::max(s.r1, s.r3);
  if (variant >= 2 && padding != 4 && m <= 16) return std::max(4, (m + 1) / 2 * 2);
  return (m + 3) / 4 * 4;
}
int threads_along_x(const RpcaSizes& s) { return static_cast<int>(std::min<std::int64_t>((s.n1 + 31) / 32 * 32, kThreads)); }

std::size_t row_shared_bytes(const RpcaSizes& s, int splits, int variant = 1, int padding = 0) {
  const int nz_max = static_cast<int>((s.n3 + splits - 1) / splits);
  const RowLayout l = row_layout(static_cast<int>(s.n1), nz_max, threads_along_x(s), padded_rank(s, variant, padding));
  return sizeof(double) * static_cast<std::size_t>(std::max(l.total, kSideShared));
}

// kind 0: the row pass kernel; 1: variant 4's persistent kernel; 2: variant 5's.
// Variant 5's kernel exists for padded ranks up to 16 (two blocks an SM); above, variant 5 runs
// variant 4's kernel (its update items still two rows of V where that avoids a second round):
// the large instantiations spilled hundreds of bytes and cost minutes of compile time.
template <int R>
const void* row_kernel_for(int kind) {
  if constexpr (R <= 16)
    if (kind == 2) return reinterpret_cast<const void*>(&persistent_kernel<R, true>);
  if (kind >= 1) return reinterpret_cast<const void*>(&persistent_kernel<R>);
  return reinterpret_cast<const void*>(&row_pass_kernel<R>);
}

// The row pass kernel for padded rank R, or the persistent kernel of variant 4 (kind 1) or 5
// (kind 2), which runs the row blocks.
const void* row_kernel(int R, int kind = 0) {
  switch (R) {
    case 4: return row_kernel_for<4>(kind);
    case 6: return row_kernel_for<6>(kind);
    case 8: return row_kernel_for<8>(kind);
    case 10: return row_kernel_for<10>(kind);
    case 12: return row_kernel_for<12>(kind);
    case 14: return row_kernel_for<14>(kind);
    case 16: return row_kernel_for<16>(kind);
    case 20: return row_kernel_for<20>(kind);
    case 24: return row_kernel_for<24>(kind);
    case 28: return row_kernel_for<28>(kind);
    case 32: return row_kernel_for<32>(kind);
    default: throw std::runtime_error("CUDA tensor RPCA: no row kernel for padded rank " + std::to_string(R));
  }
}

// Variant 7's persistent kernel for mode-3 rank r3 <= 16: the row items' k steps (r3 / 4 rounded
// up) are a template parameter (fewer registers at low ranks: 8, 12 or 16 columns). stage_y:
// variant 8's (Y's slab staged in shared memory).
// defer: variant 9's (the core update deferred; never with stage_y).
const void* mma_kernel(int r3, bool stage_y, bool defer) {
  if (defer) {
    if (r3 <= 8) return reinterpret_cast<const void*>(&persistent_kernel<8, false, true, false, true>);
    if (r3 <= 12) return reinterpret_cast<const void*>(&persistent_kernel<12, false, true, false, true>);
    return reinterpret_cast<const void*>(&persistent_kernel<16, false, true, false, true>);
  }
  if (stage_y) {
    if (r3 <= 8) return reinterpret_cast<const void*>(&persistent_kernel<8, false, true, true>);
    if (r3 <= 12) return reinterpret_cast<const void*>(&persistent_kernel<12, false, true, true>);
    return reinterpret_cast<const void*>(&persistent_kernel<16, false, true, true>);
  }
  if (r3 <= 8) return reinterpret_cast<const void*>(&persistent_kernel<8, false, true>);
  if (r3 <= 12) return reinterpret_cast<const void*>(&persistent_kernel<12, false, true>);
  return reinterpret_cast<const void*>(&persistent_kernel<16, false, true>);
}

// Shared memory a block may take with two blocks on an SM (what the persistent kernel needs at
// padded ranks up to 16): half the SM's, less the runtime's reserve per block.
std::size_t two_block_shared_budget() {
  int dev = 0, per_sm = 0, reserved = 0;
  check(cudaGetDevice(&dev), "device");
  check(cudaDeviceGetAttribute(&per_sm, cudaDevAttrMaxSharedMemoryPerMultiprocessor, dev), "device attribute");
  check(cudaDeviceGetAttribute(&reserved, cudaDevAttrReservedSharedMemoryPerBlock, dev), "device attribute");
  return static_cast<std::size_t>(std::max(0, per_sm / 2 - reserved));
}

int max_shared_optin() {
  int dev = 0, v = 0;
  check(cudaGetDevice(&dev), "device");
  check(cudaDeviceGetAttribute(&v, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev), "device attribute");
  return v;
}

}  // namespace

std::string rpca_fused_unsupported_reason(const RpcaSizes& s) {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count < 1) {
    cudaGetLastError();
    return "no CUDA device";
  }
  for (const int r : {s.r1, s.r2, s.r3})
    if (r < 1 || r > kMaxRank) return "the fused CUDA kernels take ranks 1 to " + std::to_string(kMaxRank);
  if (s.n1 < 1 || s.n2 < 1 || s.n3 < 1 || s.n1 > (1 << 30) || s.n2 > (1 << 30) || s.n3 > (1 << 30))
    return "tensor extents outside the fused CUDA kernels' range";
  const std::size_t need = row_shared_bytes(s, 1);
  const int have = max_shared_optin();
  if (need > static_cast<std::size_t>(have))
    return "a row of " + std::to_string(s.n1) + " x " + std::to_string(s.n3) + " needs " + std::to_string(need) +
           " bytes of shared memory per block, the device has " + std::to_string(have);
  return "";
}

struct FusedScaledGd::Impl {
  RpcaSizes s;
  RpcaTuning tuning;
  int max_iter = 0;
  cudaStream_t caller = nullptr, stream = nullptr;
  cudaEvent_t event = nullptr;
  double* ws = nullptr;
  Control* ctl = nullptr;
  double* fac[2][3] = {};
  double* core[2] = {};
  double* errors = nullptr;
  Dims d{};
  int R = 4, tx = 32, nz_max = 1, blocks_a = 0, blocks_b = 0, variant = 2;
  bool side_staged = false, pdl = false, mma_rows = false, stage_y = false;
  // Variant 9: the core update deferred (the persistent kernel's kDefer); the two sets of inverses (one per
  // parity of the iteration), the core step, and eta for get_iterate's last pending update.
  bool defer = false;
  double* pinv_set[2] = {};
  double* tc = nullptr;
  double eta = 0.0;
  std::size_t smem = 0;
  // Variant 3: the side kernel's blocks and shared memory, its stream and the fork / join events.
  int blocks_side = 0;
  std::size_t side_smem = 0;
  cudaStream_t side_stream = nullptr;
  cudaEvent_t fork = nullptr, join = nullptr;
  const void* kernel = nullptr;
  // Variant 4: the persistent cooperative kernel, its grid (all blocks resident) and shared memory.
  const void* pkernel = nullptr;
  int grid_p = 0;
  std::size_t smem_p = 0;
  RowArgs row[2]{};
  UpdateArgs upd[2]{};
  cudaGraphExec_t exec = nullptr;
  int graph_len = 0;
  bool fresh = false, has_truth = false;
  const double* truth_ptr = nullptr;
  double partial_doubles = 0;

  // The row pass; `blocks` and `first` (profiling) launch only blocks [first, first + blocks).
  void launch_row(int p, int blocks = 0, int first = 0) {
    RowArgs args = row[p];
    args.block_offset = first;
    void* args_a[] = {&args};
    const dim3 grid(blocks > 0 ? blocks : blocks_a);
    if (pdl) check(launch_programmatic(kernel, grid, smem, args_a), "row pass launch");
    else check(cudaLaunchKernel(kernel, grid, dim3(kThreads), args_a, smem, stream), "row pass launch");
  }
  // Variant 3's side kernel alone on `on` (profiling) or beside the row pass.
  void launch_side(int p, cudaStream_t on) {
    gram_kernel<<<blocks_side, kThreads, side_smem, on>>>(row[p]);
    check(cudaGetLastError(), "side kernel launch");
  }
  // The row pass of iteration p; in variant 3 with the side kernel forked onto side_stream and
  // joined back, so that what follows on `stream` waits for both (captured as a fork / join in
  // the CUDA graph).
  void launch_row_phase(int p) {
    if (variant != 3) {
      launch_row(p);
      return;
    }
    check(cudaEventRecord(fork, stream), "fork");
    check(cudaStreamWaitEvent(side_stream, fork, 0), "fork");
    launch_side(p, side_stream);
    launch_row(p);
    check(cudaEventRecord(join, side_stream), "join");
    check(cudaStreamWaitEvent(stream, join, 0), "join");
  }
  void launch(int p) {
    launch_row_phase(p);
    if (variant == 1) {
      update_kernel<<<blocks_b, kThreads, 0, stream>>>(upd[p]);
    } else if (pdl) {
      void* args_b[] = {&upd[p]};
      check(launch_programmatic(reinterpret_cast<const void*>(&update_kernel_v2), dim3(blocks_b), 0, args_b), "update launch");
    } else {
      update_kernel_v2<<<blocks_b, kThreads, 0, stream>>>(upd[p]);
    }
    check(cudaGetLastError(), "update launch");
  }
  // A launch that may begin while the previous kernel in the stream finishes (its blocks wait in
  // wait_for_previous_kernel): hides the gap between the two kernels of an iteration.
  cudaError_t launch_programmatic(const void* fn, dim3 grid, std::size_t shared, void** args) {
    cudaLaunchAttribute attr[1];
    attr[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
    attr[0].val.programmaticStreamSerializationAllowed = 1;
    cudaLaunchConfig_t cfg{};
    cfg.gridDim = grid;
    cfg.blockDim = dim3(kThreads);
    cfg.dynamicSmemBytes = shared;
    cfg.stream = stream;
    cfg.attrs = attr;
    cfg.numAttrs = 1;
    return cudaLaunchKernelExC(&cfg, fn, args);
  }
  // Variant 4: one cooperative launch running up to `iterations` iterations (update 1) or only
  // their row phase from buffer 0 (update 0, profiling), with `rows` row blocks and `sides` side
  // parts (0 leaves them out, profiling).
  void launch_persistent(int iterations, int rows, int sides, int update, long long* trace = nullptr,
                         int trace_iterations = 0) {
    PersistentArgs pa{};
    pa.row[0] = row[0], pa.row[1] = row[1], pa.upd[0] = upd[0], pa.upd[1] = upd[1];
    pa.row_items = rows, pa.side_items = sides, pa.update = update, pa.iterations = iterations;
    pa.trace = trace, pa.trace_iterations = trace_iterations;
    void* args[] = {&pa};
    check(cudaLaunchCooperativeKernel(pkernel, dim3(grid_p), dim3(kThreads), args, smem_p, stream), "persistent launch");
  }
  // The graph of a run of `iterations`: min(graph_iterations, iterations) rounded up to even
  // (the buffers alternate), replayed; the device-side count makes surplus iterations no-ops.
  void capture(int iterations) {
    const int want = std::min((std::max(2, tuning.graph_iterations) + 1) / 2 * 2, (iterations + 1) / 2 * 2);
    if (exec && graph_len == want) return;
    drop_graph();
    cudaGraph_t graph = nullptr;
    check(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "graph capture");
    try {
      for (int t = 0; t < want; ++t) launch(t % 2);
    } catch (...) {
      cudaStreamEndCapture(stream, &graph);
      if (graph) cudaGraphDestroy(graph);
      throw;
    }
    check(cudaStreamEndCapture(stream, &graph), "graph capture");
    const cudaError_t e = cudaGraphInstantiate(&exec, graph, 0);
    cudaGraphDestroy(graph);
    check(e, "graph instantiation");
    graph_len = want;
  }
  void drop_graph() {
    if (exec) cudaGraphExecDestroy(exec);
    exec = nullptr;
    graph_len = 0;
  }
};

FusedScaledGd::FusedScaledGd(const RpcaSizes& sizes, int max_iterations, void* caller_stream, const RpcaTuning& tuning) {
  const std::string why = rpca_fused_unsupported_reason(sizes);
  if (!why.empty()) throw std::runtime_error("CUDA tensor RPCA: " + why);
  if (max_iterations < 0) throw std::runtime_error("CUDA tensor RPCA: negative iteration count");
  auto im = new Impl;
  impl_ = im;
  try {
    im->s = sizes;
    im->tuning = tuning;
    im->max_iter = max_iterations;
    im->caller = static_cast<cudaStream_t>(caller_stream);
    int dev = 0, sms = 1;
    check(cudaGetDevice(&dev), "device");
    check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev), "device attribute");
    const int n1 = static_cast<int>(sizes.n1), n2 = static_cast<int>(sizes.n2), n3 = static_cast<int>(sizes.n3);
    const int variant = tuning.variant == 1   ? 1
                        : tuning.variant == 3 ? 3
                        : tuning.variant == 4 ? 4
                        : tuning.variant == 5 ? 5
                        : tuning.variant == 7 ? 7
                        : tuning.variant == 8 ? 8
                        : tuning.variant == 9 ? 9
                                              : 2;
    int splits = tuning.z_splits;
    if (splits <= 0 && variant >= 4) {
      // As many row blocks as fit in one wave beside the six side parts (two blocks an SM at
      // padded ranks up to 16, the row kernel's bound): 2 per row on an H100 at n = 100.
      const int per_sm = padded_rank(sizes, 4, tuning.rank_padding) <= 16 ? 2 : 1;
      splits = std::max(1, (per_sm * sms - 6) / n2);
    }
    if (splits <= 0) splits = static_cast<int>((3 * sms / 2 + n2 - 1) / n2);
    splits = std::clamp(splits, 1, std::max(1, n3 / 8));
    splits = std::min(splits, n3);
    z_splits_ = splits;
    im->d = {n1, n2, n3, sizes.r1, sizes.r2, sizes.r3, splits, n2 * splits};
    im->variant = variant;
    im->pdl = im->variant == 2 && tuning.programmatic_launch;
    im->R = padded_rank(sizes, im->variant, tuning.rank_padding);
    im->tx = threads_along_x(sizes);
    im->nz_max = (n3 + splits - 1) / splits;
    im->smem = row_shared_bytes(sizes, splits, im->variant, tuning.rank_padding);
    // Variants 7 and 8: the tensor-core row items take ranks up to 16 (kMmaCols); above, variant
    // 4's. Variant 8 stages Y's slab where its layout fits two blocks an SM; elsewhere it runs
    // variant 7's row items (the same iterates either way).
    im->mma_rows = im->variant >= 7 && std::max(sizes.r1, sizes.r3) <= kMmaCols;
    im->stage_y = im->mma_rows && im->variant == 8 && mma_stage_y_fits(n1) &&
                  sizeof(double) * static_cast<std::size_t>(mma_layout(n1, im->nz_max, true).total) <=
                      two_block_shared_budget();
    const std::size_t mma_smem =
        im->mma_rows ? sizeof(double) * static_cast<std::size_t>(mma_layout(n1, im->nz_max, im->stage_y).total) : 0;
    if (im->variant >= 2) {
      // Stage the side blocks' inputs when they fit in the budget or in what the row blocks take.
      const std::int64_t f = sizes.n1 * sizes.r1 + sizes.n2 * sizes.r2 + sizes.n3 * sizes.r3;
      const std::int64_t limit = std::max<std::int64_t>(kSideStageBudget, static_cast<std::int64_t>(im->smem / sizeof(double)));
      if (f <= limit) {
        const SideLayout sl = side_layout(n1, n2, n3, sizes.r1, sizes.r2, sizes.r3);
        const std::size_t bytes = sizeof(double) * static_cast<std::size_t>(sl.total);
        if (sl.total <= limit && bytes <= static_cast<std::size_t>(max_shared_optin())) {
          im->side_staged = true;
          if (im->variant == 2) im->smem = std::max(im->smem, bytes);
          else im->side_smem = bytes;
        }
      }
    }
    // Variant 9 defers the core update where every reader of G can form it (the tensor-core row
    // items and the staged side parts); elsewhere it is variant 7.
    im->defer = im->variant == 9 && im->mma_rows && im->side_staged;
    im->kernel = row_kernel(im->R);
    // The limit is per kernel, shared by all solvers: raise it, never lower it under another
    // solver that is still alive (variant 2's staged side blocks need more than the row blocks).
    cudaFuncAttributes fa{};
    check(cudaFuncGetAttributes(&fa, im->kernel), "kernel attributes");
    if (static_cast<std::size_t>(fa.maxDynamicSharedSizeBytes) < im->smem)
      check(cudaFuncSetAttribute(im->kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(im->smem)),
            "shared memory size");
    im->blocks_a = im->d.nb + (im->variant >= 3 ? 0 : 3);
    if (im->variant >= 4) {  // 4, 5, 7 and 8: the persistent kernel
      im->blocks_side = im->side_staged ? 6 : 3;
      if (!im->side_staged) im->side_smem = sizeof(double) * static_cast<std::size_t>(kSideShared);
      im->smem_p = std::max({im->mma_rows ? mma_smem : im->smem, im->side_smem,
                             sizeof(double) * static_cast<std::size_t>(kUpdateShared2)});
      if (im->smem_p > static_cast<std::size_t>(max_shared_optin()))
        throw std::runtime_error("CUDA tensor RPCA: the persistent kernel needs " + std::to_string(im->smem_p) +
                                 " bytes of shared memory per block");
      int coop = 0;
      check(cudaDeviceGetAttribute(&coop, cudaDevAttrCooperativeLaunch, dev), "device attribute");
      if (!coop) throw std::runtime_error("CUDA tensor RPCA: the device has no cooperative launch (variants 4, 5, 7 and 8)");
      im->pkernel = im->mma_rows ? mma_kernel(sizes.r3, im->stage_y, im->defer) : row_kernel(im->R, im->variant == 5 ? 2 : 1);
      cudaFuncAttributes pa{};
      check(cudaFuncGetAttributes(&pa, im->pkernel), "persistent kernel attributes");
      if (static_cast<std::size_t>(pa.maxDynamicSharedSizeBytes) < im->smem_p)
        check(cudaFuncSetAttribute(im->pkernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(im->smem_p)),
              "persistent kernel shared memory size");
      int per_sm = 0;
      check(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, im->pkernel, kThreads, im->smem_p), "occupancy");
      if (per_sm < 1) throw std::runtime_error("CUDA tensor RPCA: the persistent kernel does not fit on an SM");
      im->grid_p = per_sm * sms;
    }
    if (im->variant == 3) {
      im->blocks_side = im->side_staged ? 6 : 3;
      if (!im->side_staged) im->side_smem = sizeof(double) * static_cast<std::size_t>(kSideShared);
      const void* gk = reinterpret_cast<const void*>(&gram_kernel);
      cudaFuncAttributes ga{};
      check(cudaFuncGetAttributes(&ga, gk), "side kernel attributes");
      if (static_cast<std::size_t>(ga.maxDynamicSharedSizeBytes) < im->side_smem)
        check(cudaFuncSetAttribute(gk, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(im->side_smem)),
              "side kernel shared memory size");
    }
    const int rows_u = im->variant == 1 ? kRowsU : 1;
    int rows_v = im->variant == 1 ? kRowsV : 1;
    // Variant 5: two rows of V per update item where one row each would need a second round of
    // items on the persistent grid (100^3 rank 10 on 264 blocks: 310 items, 260 with two rows).
    // The same sums per row (v_rows_v2 does not mix rows), hence the same iterates.
    if (im->variant == 5 && sizes.r3 + n1 + n2 + n3 > im->grid_p) rows_v = 2;
    const int bu = (n1 + rows_u - 1) / rows_u, bv = (n2 + rows_v - 1) / rows_v, bw = (n3 + rows_u - 1) / rows_u;
    im->blocks_b = bu + bv + bw + sizes.r3;

    const std::size_t nb = static_cast<std::size_t>(im->d.nb);
    const std::size_t fsize[3] = {static_cast<std::size_t>(n1) * sizes.r1, static_cast<std::size_t>(n2) * sizes.r2,
                                  static_cast<std::size_t>(n3) * sizes.r3};
    const std::size_t csize = static_cast<std::size_t>(sizes.r1) * sizes.r2 * sizes.r3;
    const std::size_t fu = nb * fsize[0], fw = static_cast<std::size_t>(n2) * n3 * sizes.r3,
                      q13 = nb * sizes.r1 * sizes.r3;
    im->partial_doubles = static_cast<double>(fu + fw + q13 + nb);
    std::size_t total = 2 * (fsize[0] + fsize[1] + fsize[2] + csize) + fu + fw + q13 + nb + 9 * kRankSlot + 6 * csize +
                        static_cast<std::size_t>(sizes.r3) * sizes.r1 * sizes.r2 + static_cast<std::size_t>(max_iterations) + 1;
    check(cudaMalloc(&im->ws, total * sizeof(double)), "workspace allocation");
    check(cudaMalloc(&im->ctl, sizeof(Control)), "control allocation");
    check(cudaStreamCreateWithFlags(&im->stream, cudaStreamNonBlocking), "stream");
    check(cudaEventCreateWithFlags(&im->event, cudaEventDisableTiming), "event");
    if (im->variant == 3) {
      check(cudaStreamCreateWithFlags(&im->side_stream, cudaStreamNonBlocking), "side stream");
      check(cudaEventCreateWithFlags(&im->fork, cudaEventDisableTiming), "event");
      check(cudaEventCreateWithFlags(&im->join, cudaEventDisableTiming), "event");
    }
    double* p = im->ws;
    const auto take = [&p](std::size_t n) {
      double* q = p;
      p += n;
      return q;
    };
    for (int b = 0; b < 2; ++b) {
      for (int k = 0; k < 3; ++k) im->fac[b][k] = take(fsize[k]);
      im->core[b] = take(csize);
    }
    double* fu_part = take(fu);
    double* fw_part = take(fw);
    double* q13_part = take(q13);
    double* err_part = take(nb);
    im->pinv_set[0] = take(3 * kRankSlot);
    im->pinv_set[1] = take(3 * kRankSlot);  // variant 9 only: the other parity's inverses
    double* binv = take(3 * kRankSlot);
    double* scratch = take(6 * csize);
    double* tc = take(static_cast<std::size_t>(sizes.r3) * sizes.r1 * sizes.r2);
    im->tc = tc;
    im->errors = take(static_cast<std::size_t>(max_iterations) + 1);
    for (int b = 0; b < 2; ++b) {
      // Variant 9: the inverses of iteration t (parity b) stay for iteration t + 1's readers of
      // G while that iteration writes the other set; elsewhere one set serves both parities.
      double* pinv = im->pinv_set[im->defer ? b : 0];
      RowArgs& r = im->row[b];
      r.d = im->d;
      r.prev_pinv = im->pinv_set[im->defer ? 1 - b : 0];
      r.tc = tc;
      r.g_out = im->core[1 - b];
      r.side_first = im->variant == 2 ? 1 : 0;  // variant 3: no side blocks in the row pass (blocks_a = nb)
      r.side_staged = im->side_staged ? 1 : 0;
      r.block_offset = 0;
      r.pdl = im->pdl ? 1 : 0;
      r.tx = im->tx;
      r.nz_max = im->nz_max;
      r.u = im->fac[b][0], r.v = im->fac[b][1], r.w = im->fac[b][2], r.g = im->core[b];
      r.fu_part = fu_part, r.fw_part = fw_part, r.q13_part = q13_part, r.err_part = err_part;
      r.pinv = pinv, r.binv = binv, r.scratch = scratch, r.errors = im->errors, r.ctl = im->ctl;
      UpdateArgs& u = im->upd[b];
      u.d = im->d;
      u.u = im->fac[b][0], u.v = im->fac[b][1], u.w = im->fac[b][2], u.g = im->core[b];
      u.u_next = im->fac[1 - b][0], u.v_next = im->fac[1 - b][1], u.w_next = im->fac[1 - b][2], u.g_next = im->core[1 - b];
      u.fu_part = fu_part, u.fw_part = fw_part, u.q13_part = q13_part, u.pinv = pinv, u.binv = binv, u.tc = tc;
      u.ctl = im->ctl;
      if (im->defer) u.g = im->core[1 - b];  // variant 9: stored by this iteration's row item 0 in phase A
      u.blocks_u = bu, u.blocks_v = bv, u.blocks_w = bw;
      u.rows_u = rows_u, u.rows_v = rows_v;
    }
  } catch (...) {
    release(im);
    impl_ = nullptr;
    throw;
  }
}

FusedScaledGd::~FusedScaledGd() { release(impl_); }

void FusedScaledGd::release(Impl* im) {
  if (!im) return;
  if (im->stream) cudaStreamSynchronize(im->stream);
  im->drop_graph();
  if (im->side_stream) cudaStreamSynchronize(im->side_stream);
  if (im->fork) cudaEventDestroy(im->fork);
  if (im->join) cudaEventDestroy(im->join);
  if (im->side_stream) cudaStreamDestroy(im->side_stream);
  if (im->event) cudaEventDestroy(im->event);
  if (im->stream) cudaStreamDestroy(im->stream);
  if (im->ctl) cudaFree(im->ctl);
  if (im->ws) cudaFree(im->ws);
  delete im;
}

void FusedScaledGd::set_observed(const double* y, const double* truth) {
  Impl* im = impl_;
  for (int b = 0; b < 2; ++b) im->row[b].y = y, im->row[b].truth = truth;
  im->has_truth = truth != nullptr;
  im->truth_ptr = truth;
  im->drop_graph();  // the graph holds the old pointers
}

void FusedScaledGd::set_iterate(const double* u, const double* v, const double* w, const double* core) {
  Impl* im = impl_;
  const RpcaSizes& s = im->s;
  check(cudaEventRecord(im->event, im->caller), "event");
  check(cudaStreamWaitEvent(im->stream, im->event, 0), "stream wait");
  const double* src[4] = {u, v, w, core};
  const std::size_t n[4] = {static_cast<std::size_t>(s.n1) * s.r1, static_cast<std::size_t>(s.n2) * s.r2,
                            static_cast<std::size_t>(s.n3) * s.r3, static_cast<std::size_t>(s.r1) * s.r2 * s.r3};
  double* dst[4] = {im->fac[0][0], im->fac[0][1], im->fac[0][2], im->core[0]};
  for (int k = 0; k < 4; ++k)
    check(cudaMemcpyAsync(dst[k], src[k], n[k] * sizeof(double), cudaMemcpyDefault, im->stream), "iterate upload");
  if (im->defer) {  // no update pending: a zero core step and zero inverses before iteration 0
    check(cudaMemsetAsync(im->tc, 0, n[3] * sizeof(double), im->stream), "core step reset");
    check(cudaMemsetAsync(im->pinv_set[1], 0, 3 * kRankSlot * sizeof(double), im->stream), "inverse reset");
  }
  check(cudaStreamSynchronize(im->stream), "iterate upload");  // host sources may go away
  im->fresh = true;
}

void FusedScaledGd::prepare(int iterations) {
  if (!impl_->row[0].y) throw std::runtime_error("CUDA tensor RPCA: set_observed must precede prepare");
  if (impl_->variant < 4 && impl_->tuning.use_graph && iterations > 0) impl_->capture(iterations);
}

void FusedScaledGd::run(int iterations, const RpcaStepParams& params, const std::function<void(int)>& between_chunks) {
  Impl* im = impl_;
  if (!im->fresh) throw std::runtime_error("CUDA tensor RPCA: set_iterate must precede every run");
  if (!im->row[0].y) throw std::runtime_error("CUDA tensor RPCA: set_observed must precede run");
  if (iterations < 0 || iterations > im->max_iter)
    throw std::runtime_error("CUDA tensor RPCA: iteration count outside [0, " + std::to_string(im->max_iter) + "]");
  im->fresh = false;
  Control c{};
  c.iter = 0;
  c.max_iter = iterations;
  c.has_truth = im->has_truth ? 1 : 0;
  c.zeta = params.zeta1;
  c.rho = params.rho;
  c.eta = params.eta;
  c.stop_sq = params.stop_below_squared_error;
  im->eta = params.eta;
  check(cudaEventRecord(im->event, im->caller), "event");
  check(cudaStreamWaitEvent(im->stream, im->event, 0), "stream wait");
  check(cudaMemcpyAsync(im->ctl, &c, sizeof c, cudaMemcpyHostToDevice, im->stream), "control upload");
  try {
    if (im->variant >= 4) {
      // Chunks of graph_iterations iterations, each one persistent launch (no graph needed: one
      // launch per chunk); the device-side count stops surplus iterations.
      const int chunk = std::max(1, im->tuning.graph_iterations);
      for (int done = 0; done < iterations; done += chunk) {
        im->launch_persistent(std::min(chunk, iterations - done), im->d.nb, im->blocks_side, 1);
        if (between_chunks) between_chunks(std::min(iterations, done + chunk));
      }
    } else if (im->tuning.use_graph && iterations > 0) {
      im->capture(iterations);
      for (int done = 0; done < iterations; done += im->graph_len) {
        check(cudaGraphLaunch(im->exec, im->stream), "graph launch");
        if (between_chunks) between_chunks(std::min(iterations, done + im->graph_len));
      }
    } else {
      for (int t = 0; t < iterations; ++t) {
        im->launch(t % 2);
        if (between_chunks && ((t + 1) % 16 == 0 || t + 1 == iterations)) between_chunks(t + 1);
      }
    }
  } catch (...) {
    cudaStreamSynchronize(im->stream);
    throw;
  }
  check(cudaEventRecord(im->event, im->stream), "event");
  check(cudaStreamWaitEvent(im->caller, im->event, 0), "stream wait");
}

RpcaRunStatus FusedScaledGd::status() {
  Impl* im = impl_;
  Control c{};
  check(cudaMemcpyAsync(&c, im->ctl, sizeof c, cudaMemcpyDeviceToHost, im->stream), "control download");
  check(cudaStreamSynchronize(im->stream), "iterations");
  RpcaRunStatus st;
  st.iterations = c.iter;
  st.stopped = c.stopped != 0;
  st.singular = c.singular != 0;
  st.zeta = c.zeta;
  if (im->has_truth) {
    st.squared_errors.resize(static_cast<std::size_t>(c.iter + (c.stopped ? 1 : 0)));
    if (!st.squared_errors.empty())
      check(cudaMemcpy(st.squared_errors.data(), im->errors, st.squared_errors.size() * sizeof(double), cudaMemcpyDeviceToHost),
            "error download");
  }
  return st;
}

void FusedScaledGd::get_iterate(double* u, double* v, double* w, double* core) {
  Impl* im = impl_;
  const RpcaRunStatus st = status();
  const int b = st.iterations % 2;
  const RpcaSizes& s = im->s;
  double* dst[4] = {u, v, w, core};
  const std::size_t n[4] = {static_cast<std::size_t>(s.n1) * s.r1, static_cast<std::size_t>(s.n2) * s.r2,
                            static_cast<std::size_t>(s.n3) * s.r3, static_cast<std::size_t>(s.r1) * s.r2 * s.r3};
  const double* src[4] = {im->fac[b][0], im->fac[b][1], im->fac[b][2], im->core[b]};
  for (int k = 0; k < 4; ++k)
    check(cudaMemcpyAsync(dst[k], src[k], n[k] * sizeof(double), cudaMemcpyDefault, im->stream), "iterate download");
  check(cudaStreamSynchronize(im->stream), "iterate download");
  if (im->defer) {
    // Variant 9: core[b] is the core before the last update (stored by the last iteration's
    // phase A); that update is still pending in tc and the other parity's inverse of W^T W.
    // Applied here as every reader of G on the device applies it (deferred_core_entry).
    const std::size_t nc = n[3];
    std::vector<double> base(nc), tc(nc), pw(static_cast<std::size_t>(s.r3) * s.r3);
    check(cudaMemcpy(base.data(), im->core[b], nc * sizeof(double), cudaMemcpyDeviceToHost), "core download");
    check(cudaMemcpy(tc.data(), im->tc, nc * sizeof(double), cudaMemcpyDeviceToHost), "core step download");
    check(cudaMemcpy(pw.data(), im->pinv_set[1 - b] + 2 * kRankSlot, pw.size() * sizeof(double), cudaMemcpyDeviceToHost),
          "inverse download");
    const int rr = static_cast<int>(s.r1 * s.r2), r3 = static_cast<int>(s.r3);
    std::vector<double> g(nc);
    for (std::size_t e = 0; e < nc; ++e)
      g[e] = deferred_core_entry(base.data(), pw.data(), tc.data(), static_cast<int>(e), rr, r3, im->eta);
    check(cudaMemcpy(core, g.data(), nc * sizeof(double), cudaMemcpyDefault), "core upload");  // core may be on the device
  }
}

FusedScaledGd::KernelTimes FusedScaledGd::profile(int repetitions, const RpcaStepParams& params) {
  Impl* im = impl_;
  if (!im->fresh) throw std::runtime_error("CUDA tensor RPCA: set_iterate must precede profile");
  if (!im->row[0].y) throw std::runtime_error("CUDA tensor RPCA: set_observed must precede profile");
  im->fresh = false;
  repetitions = std::max(2, repetitions) / 2 * 2;
  const auto reset = [&] {
    Control c{};
    c.max_iter = 1 << 30;
    c.zeta = params.zeta1;
    c.rho = params.rho;
    c.eta = params.eta;
    check(cudaMemcpyAsync(im->ctl, &c, sizeof c, cudaMemcpyHostToDevice, im->stream), "control upload");
  };
  const bool truth = im->has_truth;
  for (int b = 0; b < 2; ++b) im->row[b].truth = nullptr;  // no error to write
  im->drop_graph();
  // The two timing events, destroyed on every way out (a failed launch throws).
  struct Events {
    cudaEvent_t t0 = nullptr, t1 = nullptr;
    ~Events() {
      if (t0) cudaEventDestroy(t0);
      if (t1) cudaEventDestroy(t1);
    }
  } events;
  check(cudaEventCreate(&events.t0), "event");
  check(cudaEventCreate(&events.t1), "event");
  cudaEvent_t t0 = events.t0, t1 = events.t1;
  const auto timed = [&](auto&& body) {
    reset();
    check(cudaEventRecord(t0, im->stream), "event");
    body();
    check(cudaEventRecord(t1, im->stream), "event");
    check(cudaEventSynchronize(t1), "profile");
    float ms = 0.f;
    check(cudaEventElapsedTime(&ms, t0, t1), "profile");
    return 1e3 * static_cast<double>(ms) / repetitions;
  };
  KernelTimes k;
  if (im->variant >= 4) {
    // The row phase (with and without the side parts, and the side parts alone), one launch of
    // `repetitions` iterations each; "plain" one launch per iteration; "graph" the whole
    // repetitions in one persistent launch (what run does, in chunks).
    k.row_pass_us = timed([&] { im->launch_persistent(repetitions, im->d.nb, im->blocks_side, 0); });
    k.row_blocks_us = timed([&] { im->launch_persistent(repetitions, im->d.nb, 0, 0); });
    k.side_blocks_us = timed([&] { im->launch_persistent(repetitions, 0, im->blocks_side, 0); });
    k.iteration_plain_us = timed([&] {
      for (int t = 0; t < repetitions; ++t) im->launch_persistent(1, im->d.nb, im->blocks_side, 1);
    });
    k.iteration_graph_us = timed([&] { im->launch_persistent(repetitions, im->d.nb, im->blocks_side, 1); });
    if (truth) set_observed(im->row[0].y, im->truth_ptr);
    return k;
  }
  {
    k.row_pass_us = timed([&] {
      for (int t = 0; t < repetitions; ++t) im->launch_row_phase(0);
    });
    const int side_first_block = im->variant == 2 ? 0 : im->d.nb;
    k.row_blocks_us = timed([&] {
      for (int t = 0; t < repetitions; ++t) im->launch_row(0, im->d.nb, im->variant == 2 ? 3 : 0);
    });
    k.side_blocks_us = timed([&] {
      for (int t = 0; t < repetitions; ++t) {
        if (im->variant == 3) im->launch_side(0, im->stream);
        else im->launch_row(0, 3, side_first_block);
      }
    });
    k.iteration_plain_us = timed([&] {
      for (int t = 0; t < repetitions; ++t) im->launch(t % 2);
    });
    im->capture(repetitions);
    const int graphs = (repetitions + im->graph_len - 1) / im->graph_len;
    k.iteration_graph_us = timed([&] {
      for (int g = 0; g < graphs; ++g) check(cudaGraphLaunch(im->exec, im->stream), "graph launch");
    }) * repetitions / (graphs * im->graph_len);
  }
  im->drop_graph();
  if (truth) set_observed(im->row[0].y, im->truth_ptr);
  return k;
}

FusedScaledGd::Timeline FusedScaledGd::timeline(int iterations, const RpcaStepParams& params, const RpcaTimelineScope& scope) {
  Impl* im = impl_;
  if (im->variant < 4) throw std::runtime_error("CUDA tensor RPCA: the timeline needs the persistent kernel (variants 4, 5, 7, 8, 9)");
  if (!im->fresh) throw std::runtime_error("CUDA tensor RPCA: set_iterate must precede timeline");
  if (!im->row[0].y) throw std::runtime_error("CUDA tensor RPCA: set_observed must precede timeline");
  im->fresh = false;
  iterations = std::max(iterations, 4);
  Control c{};
  c.max_iter = iterations;
  c.zeta = params.zeta1;
  c.rho = params.rho;
  c.eta = params.eta;
  check(cudaMemcpyAsync(im->ctl, &c, sizeof c, cudaMemcpyHostToDevice, im->stream), "control upload");
  const bool truth = im->has_truth;
  for (int b = 0; b < 2; ++b) im->row[b].truth = nullptr;
  const int grid = im->grid_p;
  // The items of the launch (RpcaTimelineScope): a part of phase A leaves phase B out.
  const int rows = scope.row_items < 0 ? im->d.nb : std::min(scope.row_items, im->d.nb);
  const int sides = scope.side_parts < 0 ? im->blocks_side : std::min(scope.side_parts, im->blocks_side);
  const int update = rows == im->d.nb && sides == im->blocks_side ? 1 : 0;
  const std::size_t count = static_cast<std::size_t>(iterations) * grid * kTraceSlots;
  struct Buffer {
    long long* p = nullptr;
    ~Buffer() {
      if (p) cudaFree(p);
    }
  } dev;
  check(cudaMalloc(&dev.p, count * sizeof(long long)), "trace allocation");
  check(cudaMemsetAsync(dev.p, 0xff, count * sizeof(long long), im->stream), "trace reset");  // -1: no event
  // Stamps inside the items (the last iteration's): phase A's items, then phase B's.
  const std::size_t sub_count = 2 * static_cast<std::size_t>(grid) * kSubSlots;
  Buffer sub;
  check(cudaMalloc(&sub.p, sub_count * sizeof(long long)), "trace allocation");
  check(cudaMemsetAsync(sub.p, 0xff, sub_count * sizeof(long long), im->stream), "trace reset");
  for (int b = 0; b < 2; ++b) im->row[b].sub = sub.p, im->upd[b].sub = sub.p + static_cast<std::size_t>(grid) * kSubSlots;
  try {
    im->launch_persistent(iterations, rows, sides, update, dev.p, iterations);
  } catch (...) {
    for (int b = 0; b < 2; ++b) im->row[b].sub = im->upd[b].sub = nullptr;
    throw;
  }
  for (int b = 0; b < 2; ++b) im->row[b].sub = im->upd[b].sub = nullptr;
  std::vector<long long> h(count), hs(sub_count);
  check(cudaMemcpyAsync(h.data(), dev.p, count * sizeof(long long), cudaMemcpyDeviceToHost, im->stream), "trace download");
  check(cudaMemcpyAsync(hs.data(), sub.p, sub_count * sizeof(long long), cudaMemcpyDeviceToHost, im->stream), "trace download");
  check(cudaStreamSynchronize(im->stream), "timeline");
  if (truth) set_observed(im->row[0].y, im->truth_ptr);

  Timeline out;
  std::vector<double> sum_end, sum_dur;
  const auto kind = [&](const std::string& phase, const std::string& name) -> std::size_t {
    for (std::size_t i = 0; i < out.kinds.size(); ++i)
      if (out.kinds[i].phase == phase && out.kinds[i].name == name) return i;
    out.kinds.push_back({phase, name});
    sum_end.push_back(0.0);
    sum_dur.push_back(0.0);
    return out.kinds.size() - 1;
  };
  const int r3 = im->s.r3;
  const UpdateArgs& u = im->upd[0];
  const auto a_name = [&](long long vb) -> std::string {
    if (vb >= sides) return "row items";
    if (im->side_staged) return "side part " + std::to_string(vb / 3) + ", mode " + std::to_string(vb % 3);
    return "side block, mode " + std::to_string(vb);
  };
  const auto b_name = [&](long long vb) -> std::string {
    if (vb < r3) return "core slices";
    vb -= r3;
    if (vb < u.blocks_u) return "U rows";
    vb -= u.blocks_u;
    return vb < u.blocks_v ? "V rows" : "W rows";
  };
  const auto add = [&](const std::string& phase, const std::string& name, double start, double end) {
    const std::size_t i = kind(phase, name);
    TimelineKind& k = out.kinds[i];
    ++k.items;
    sum_end[i] += end;
    sum_dur[i] += end - start;
    k.max_end_us = std::max(k.max_end_us, end);
    k.max_duration_us = std::max(k.max_duration_us, end - start);
  };
  std::vector<double> starts;
  double b_start_sum = 0.0;
  long long b_start_count = 0;
  for (int t = 0; t < iterations; ++t) {
    const long long* it = h.data() + static_cast<std::size_t>(t) * grid * kTraceSlots;
    long long t0 = -1, a_first = -1, a_last = -1, b_first = -1, b_last = -1;
    for (int b = 0; b < grid; ++b) {
      const long long* r = it + static_cast<std::size_t>(b) * kTraceSlots;
      if (r[kTraceStart] < 0) continue;
      t0 = t0 < 0 ? r[kTraceStart] : std::min(t0, r[kTraceStart]);
      a_first = a_first < 0 ? r[kTraceBarrierA] : std::min(a_first, r[kTraceBarrierA]);
      a_last = std::max(a_last, r[kTraceBarrierA]);
      b_first = b_first < 0 ? r[kTraceBarrierB] : std::min(b_first, r[kTraceBarrierB]);
      b_last = std::max(b_last, r[kTraceBarrierB]);
    }
    if (t0 < 0) break;  // the launch stopped (it does not without a truth)
    starts.push_back(static_cast<double>(t0));
    if (t < 2) continue;
    ++out.iterations;
    const auto us = [](long long a, long long b) { return 1e-3 * static_cast<double>(a - b); };
    out.a_barrier_first_us += us(a_first, t0);
    out.a_barrier_last_us += us(a_last, t0);
    if (update) {
      out.b_barrier_first_us += us(b_first, a_first);
      out.b_barrier_last_us += us(b_last, a_first);
    }
    for (int b = 0; b < grid; ++b) {
      const long long* r = it + static_cast<std::size_t>(b) * kTraceSlots;
      if (r[kTraceA0Item] >= 0) add("A", a_name(r[kTraceA0Item]), us(r[kTraceStart], t0), us(r[kTraceA0End], t0));
      if (r[kTraceA1Item] >= 0)
        add("A", a_name(r[kTraceA1Item]), us(r[kTraceA0Item] >= 0 ? r[kTraceA0End] : r[kTraceStart], t0),
            us(r[kTraceA1End], t0));
      if (!update) continue;
      b_start_sum += us(r[kTraceBStart], a_first);
      ++b_start_count;
      if (r[kTraceB0Item] >= 0) add("B", b_name(r[kTraceB0Item]), us(r[kTraceBStart], a_first), us(r[kTraceB0End], a_first));
      if (r[kTraceB1Item] >= 0)
        add("B", b_name(r[kTraceB1Item]), us(r[kTraceB0Item] >= 0 ? r[kTraceB0End] : r[kTraceBStart], a_first),
            us(r[kTraceB1End], a_first));
    }
  }
  if (out.iterations > 0) {
    const double n = out.iterations;
    out.a_barrier_first_us /= n, out.a_barrier_last_us /= n, out.b_barrier_first_us /= n, out.b_barrier_last_us /= n;
  }
  if (b_start_count > 0) out.b_start_us = b_start_sum / static_cast<double>(b_start_count);
  for (std::size_t i = 0; i < out.kinds.size(); ++i) {
    const double n = static_cast<double>(std::max<long long>(1, out.kinds[i].items));
    out.kinds[i].mean_end_us = sum_end[i] / n;
    out.kinds[i].mean_duration_us = sum_dur[i] / n;
  }
  if (starts.size() > 3)
    out.period_us = 1e-3 * (starts.back() - starts[2]) / static_cast<double>(starts.size() - 3);
  // Steps inside the items of the last iteration, for blocks that ran one item in the phase.
  if (!starts.empty()) {
    const long long* it = h.data() + (starts.size() - 1) * static_cast<std::size_t>(grid) * kTraceSlots;
    std::vector<std::vector<double>> sums(out.kinds.size(), std::vector<double>(kSubSlots, 0.0));
    std::vector<std::vector<long long>> counts(out.kinds.size(), std::vector<long long>(kSubSlots, 0));
    for (int ph = 0; ph < 2; ++ph)
      for (int b = 0; b < grid; ++b) {
        const long long* r = it + static_cast<std::size_t>(b) * kTraceSlots;
        const long long item = r[ph ? kTraceB0Item : kTraceA0Item], second = r[ph ? kTraceB1Item : kTraceA1Item];
        if (item < 0 || second >= 0) continue;
        const std::size_t k = kind(ph ? "B" : "A", ph ? b_name(item) : a_name(item));
        if (k >= sums.size()) continue;  // (every kind was seen above)
        const long long* st = hs.data() + (static_cast<std::size_t>(ph) * grid + b) * kSubSlots;
        if (st[0] < 0) continue;
        for (int i = 1; i < kSubSlots; ++i)
          if (st[i] >= st[0]) sums[k][i] += 1e-3 * static_cast<double>(st[i] - st[0]), ++counts[k][i];
      }
    for (std::size_t k = 0; k < sums.size(); ++k) {
      int last = 0;
      for (int i = 1; i < kSubSlots; ++i)
        if (counts[k][i] > 0) last = i;
      for (int i = 1; i <= last; ++i)
        out.kinds[k].steps_us.push_back(counts[k][i] > 0 ? sums[k][i] / static_cast<double>(counts[k][i]) : -1.0);
    }
  }
  return out;
}

int FusedScaledGd::variant() const { return impl_->variant; }
bool FusedScaledGd::row_items_stage_y() const { return impl_->stage_y; }
bool FusedScaledGd::core_update_deferred() const { return impl_->defer; }
bool FusedScaledGd::side_blocks_staged() const { return impl_->side_staged; }
int FusedScaledGd::persistent_grid() const { return impl_->grid_p; }
int FusedScaledGd::row_kernel_rank() const { return impl_->R; }

double FusedScaledGd::iteration_bytes(bool include_partials) const {
  const Impl* im = impl_;
  const RpcaSizes& s = im->s;
  const double n3 = static_cast<double>(s.n1) * static_cast<double>(s.n2) * static_cast<double>(s.n3);
  const double factors = static_cast<double>(s.n1 * s.r1 + s.n2 * s.r2 + s.n3 * s.r3) +
                         static_cast<double>(s.r1) * s.r2 * s.r3;
  double doubles = n3 * (im->has_truth ? 2.0 : 1.0) + 2.0 * factors;
  if (include_partials) doubles += 2.0 * im->partial_doubles;
  return 8.0 * doubles;
}

#include "rpca_latency_probe.cuh"

}  // namespace ebsd::gpu::cuda

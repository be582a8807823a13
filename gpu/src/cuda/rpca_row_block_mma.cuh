// Variant 7's row block: the pass over Y of one (y row, z range) work item on the FP64 tensor
// cores (mma.m8n8k4 f64, sm_80 and later). Included by rpca_kernels.cu inside its anonymous
// namespace, after RowArgs, z_begin and block_sum (device code of one translation unit).
//
// Why: variant 4's row block gives each thread one x and a serial chain per z value (the X_t dot
// product, the clamp, P3), about 0.3 us per z value of an item on an H200, ten times the FP64
// rate; Nsight Compute put 42 % of the persistent kernel's samples at the grid barriers, waiting
// for those items. Here a warp owns 8 x values (one or two 8-row tiles) and sweeps the item's z
// range in 8 x 8 tiles of X:
//   X tile     = C_j(x, :) W(z, :)^T          (C_j = U GV_j, k = the rank padded to 4: 1-4 mma)
//   R          = clamp(X - Y, -zeta, zeta)     (in the accumulator registers)
//   P3(x, :)  += R W(z, :)                     (R is the A operand as it lies: 4 mma)
//   P1^T(z, :) += R^T U(x, :)                  (R transposed by warp shuffles: 4 mma)
// An accumulator of m8n8k4 holds row groupID, columns 2 tid_in_group + {0, 1}; an A operand
// row groupID, column tid_in_group. So a tile can be contracted over its columns without moving
// data by taking k = tid_in_group as column 2 tid_in_group + s in k step s (the B operand rows
// follow the same order); contracting over its rows (P1) takes two shuffles per k step.
// P3 stays in registers over the sweep (the warp owns its x); the warps' P1 partials are summed
// in shared memory in warp order every kZGroup z tiles. The products at the end (P3 GV^T, P1 GV
// and P1^T W) and C_j are small mma products as well. Every sum has a fixed order (no atomics),
// so a run is reproducible bit for bit; the order differs from variant 4's, so the iterates agree
// with it to round-off, not bit for bit.
// Ranks up to 16 (two 8-wide column tiles); the caller runs variant 4's row block above that.

constexpr int kMmaCols = 16;   // factor columns padded to two 8-wide tiles
constexpr int kStrideA = 20;   // row stride of arrays read as A-like fragments (rows g, columns t): no bank conflicts
constexpr int kStrideB = 18;   // row stride of arrays read as B fragments of P3 / P1 (rows 2t + s, columns g)
constexpr int kZGroup = 4;     // z tiles per round of the cross-warp P1 sum
constexpr int kWarps = kThreads / 32;
constexpr int kPartDoubles = kWarps * kZGroup * 8 * kMmaCols;  // 4096: also holds the staged core (<= 16^3)

// Variant 8 stages the item's slab of Y (nz rows of n1 values) in shared memory with the
// asynchronous copy (cp.async) at the item's start, so that the whole slab is in flight while
// the item stages its factors and forms GV_j, instead of one 8-z tile of loads in flight at a
// time during the pass (the timeline: 1.4 us per tile, several L2 round trips). Rows of the slab
// are ys_stride(n1) apart, 4 more than a multiple of 8 doubles: a warp's reads of a tile (rows
// 2 t + i, columns g) then fall into each bank pair twice, the least 32 doubles can. To make room
// (two blocks an SM), C_j shares the P1 partials' space (used before the pass, they during it)
// and W's B fragments are read from its A copy (stride 20 serves both patterns by the same count
// of banks), so the staged layout needs n1p kStrideA <= kPartDoubles (n1 up to 204).
__host__ __device__ inline int ys_stride(int n1) { return (n1 + 3) / 8 * 8 + 4; }

struct MmaLayout {
  int us, cs, wa, wb, gv, vj, part, p1, red, ys, total;
};
__host__ __device__ inline MmaLayout mma_layout(int n1, int nz_max, bool stage_y = false) {
  const int n1p = (n1 + 7) / 8 * 8, nzp = (nz_max + 7) / 8 * 8;
  MmaLayout l{};
  l.us = 0;                                                  // U, n1p x 16 (stride B)
  l.cs = l.us + n1p * kStrideB;                              // C_j = U GV_j, n1p x 16 (stride A)
  l.wa = stage_y ? l.cs : l.cs + n1p * kStrideA;             // W(zb + z, :), nzp x 16 (stride A)
  l.wb = stage_y ? l.wa : l.wa + nzp * kStrideA;             // the same rows (stride B; staged: wa itself)
  l.gv = stage_y ? l.wa + nzp * kStrideA : l.wb + nzp * kStrideB;  // GV_j, 16 x 16 (stride A)
  l.vj = l.gv + kMmaCols * kStrideA;                         // V(j, :)
  l.part = l.vj + kMaxRank;  // [warp][z tile of the group][8 z][16]; the core before the pass (staged: C_j too)
  if (stage_y) l.cs = l.part;
  l.p1 = l.part + kPartDoubles;                              // P1^T, nzp x 16 (stride A)
  l.red = l.p1 + nzp * kStrideA;
  l.ys = l.red + 32;                                         // staged: Y's slab, nz_max x ys_stride(n1)
  l.total = l.ys + (stage_y ? nz_max * ys_stride(n1) : 0);
  return l;
}
// Whether variant 8's layout applies (C_j fits the partials' space).
__host__ __device__ inline bool mma_stage_y_fits(int n1) { return (n1 + 7) / 8 * 8 * kStrideA <= kPartDoubles; }
struct MmaBuffers {
  double *us, *cs, *wa, *wb, *gv, *vj, *part, *p1, *red, *ys;
};
__device__ inline MmaBuffers mma_buffers(double* sm, const MmaLayout& l) {
  return {sm + l.us, sm + l.cs, sm + l.wa, sm + l.wb, sm + l.gv, sm + l.vj, sm + l.part, sm + l.p1, sm + l.red, sm + l.ys};
}

// An asynchronous 8-byte copy from global to shared memory (sm_80 and later), the group commit,
// and the wait for all of this thread's copies.
__device__ inline void cp_async8(double* dst, const double* src) {
  const unsigned d = static_cast<unsigned>(__cvta_generic_to_shared(dst));
  asm volatile("cp.async.ca.shared.global [%0], [%1], 8;" ::"r"(d), "l"(src) : "memory");
}
__device__ inline void cp_async_commit() { asm volatile("cp.async.commit_group;" ::: "memory"); }
__device__ inline void cp_async_wait_all() { asm volatile("cp.async.wait_all;" ::: "memory"); }

// d += a b on the FP64 tensor cores: an 8 x 4 by 4 x 8 product, one element of a and b and two
// of d per thread.
__device__ inline void mma_f64(double& d0, double& d1, double a, double b) {
  asm("mma.sync.aligned.m8n8k4.row.col.f64.f64.f64.f64 {%0, %1}, {%2}, {%3}, {%0, %1};"
      : "+d"(d0), "+d"(d1)
      : "d"(a), "d"(b));
}

// KS: k steps of X = C_j W^T (the mode-3 rank padded to 4, up to 4: ranks up to 16), a template
// parameter so that the fragments of C_j and W live in as few registers as the rank needs.
// kStageY: variant 8 (Y's slab staged in shared memory, mma_layout's staged layout); the same
// arithmetic in the same order as variant 7, so the same iterates bit for bit.
// kTruth: the item also sums the squared error against a.truth (the fidelity runs); a template
// parameter so that the pass without a truth holds none of its masks and loads. kDefer: variant
// 9 (the core formed from the pending update while staged; row item 0 stores it).
template <int KS, bool kStageY = false, bool kTruth = false, bool kDefer = false>
__device__ void row_block_mma(const RowArgs& a, int blk, double* sm) {
  static_assert(KS >= 1 && KS * 4 <= kMmaCols, "ranks up to 16");
  const Dims d = a.d;
  const int tid = threadIdx.x, lane = tid & 31, wid = tid >> 5, g = lane >> 2, t4 = lane & 3;
  const int j = blk / d.splits, s = blk % d.splits;
  const int zb = z_begin(d.n3, s, d.splits), ze = z_begin(d.n3, s + 1, d.splits), nz = ze - zb;
  const int n1 = d.n1, r1 = d.r1, r2 = d.r2, r3 = d.r3;
  const int n1p = (n1 + 7) / 8 * 8, nzp = (nz + 7) / 8 * 8, x_tiles = n1p / 8, z_tiles = nzp / 8;
  const int ka_steps = (r1 + 3) / 4;
  const auto [us, cs, wa, wb, gv, vj, part, p1, red, ys] = mma_buffers(sm, mma_layout(n1, a.nz_max, kStageY));
  constexpr int kStrideW = kStageY ? kStrideA : kStrideB;  // W's B fragments: from wb, or from wa when staged
  const double zeta = a.ctl->zeta;
  const int core = r1 * r2 * r3;
  const int ys_s = ys_stride(n1);
  // Timeline steps: 1 staged, 2 GV_j, 3 the pass over Y (its last round), 4 the U terms,
  // 5 the W terms and Q13, 6 the error summed.
  sub_stamp(a.sub, 0);
  if constexpr (kStageY) {  // the slab of Y in flight while the rest is staged (waited for before the pass)
    const long long yplane = static_cast<long long>(n1) * d.n2;
    const double* yslab = a.y + static_cast<long long>(n1) * j + static_cast<long long>(zb) * yplane;
    for (int i = tid; i < nz * n1; i += kThreads) {
      const int z = i / n1, x = i - z * n1;
      cp_async8(ys + z * ys_s + x, yslab + x + yplane * z);
    }
    cp_async_commit();
  }

  {  // Stage U, W(zb.., :) (two strides), V(j, :) and the core, zero-padded; loads eight at a time.
    // (The same index space as variant 5's staging in row_block, padded differently. Two shared
    // helpers for the loads were tried in session 10: each changed ptxas's register allocation of
    // the measured kernels (variant 5's from no spills to 56 bytes; this kernel's code and spills),
    // with no GPU left to measure them, so the loop stays written out here.)
    constexpr int kStage = 8;
    const int nu = n1p * kMmaCols, nw = nzp * kMmaCols, nv = nu + nw + r2, total = nv + core;
    for (int i0 = tid; i0 < total; i0 += kStage * kThreads) {
      double v[kStage];
#pragma unroll
      for (int k = 0; k < kStage; ++k) {
        const int i = i0 + k * kThreads;
        double t = 0.0;
        if (i < nu) {
          const int x = i / kMmaCols, c = i % kMmaCols;
          if (x < n1 && c < r1) t = a.u[x * r1 + c];
        } else if (i < nu + nw) {
          const int z = (i - nu) / kMmaCols, c = (i - nu) % kMmaCols;
          if (z < nz && c < r3) t = a.w[(zb + z) * r3 + c];
        } else if (i < nv) {
          t = a.v[j * r2 + (i - nu - nw)];
        } else if (i < total) {
          if constexpr (kDefer) t = deferred_core_entry(a.g, a.prev_pinv + 2 * kRankSlot, a.tc, i - nv, r1 * r2, r3, a.ctl->eta);
          else t = a.g[i - nv];
        }
        v[k] = t;
      }
#pragma unroll
      for (int k = 0; k < kStage; ++k) {
        const int i = i0 + k * kThreads;
        if (i < nu) {
          us[(i / kMmaCols) * kStrideB + i % kMmaCols] = v[k];
        } else if (i < nu + nw) {
          const int z = (i - nu) / kMmaCols, c = (i - nu) % kMmaCols;
          wa[z * kStrideA + c] = v[k];
          if constexpr (!kStageY) wb[z * kStrideB + c] = v[k];
        } else if (i < nv) {
          vj[i - nu - nw] = v[k];
        } else if (i < total) {
          part[i - nv] = v[k];
        }
      }
    }
    for (int i = tid; i < nzp * kStrideA; i += kThreads) p1[i] = 0.0;
  }
  __syncthreads();
  sub_stamp(a.sub, 1);
  // Variant 9: row item 0 stores this iteration's core (staged above) for phase B's rows of V and
  // for the next iteration's readers, which add the next deferred step to it.
  if constexpr (kDefer)
    if (blk == 0)
      for (int i = tid; i < core; i += kThreads) a.g_out[i] = part[i];
  // GV_j(a, c) = sum_b G(a, b, c) V(j, b), zero outside r1 x r3.
  for (int i = tid; i < kMmaCols * kMmaCols; i += kThreads) {
    const int aa = i / kMmaCols, c = i % kMmaCols;
    double acc = 0.0;
    if (aa < r1 && c < r3)
      for (int b = 0; b < r2; ++b) acc = fma(part[aa + r1 * (b + r2 * c)], vj[b], acc);
    gv[aa * kStrideA + c] = acc;
  }
  if constexpr (kStageY) cp_async_wait_all();  // this thread's copies; the barrier shows everyone's
  __syncthreads();
  sub_stamp(a.sub, 2);

  const long long plane = static_cast<long long>(n1) * d.n2;
  const double* yrow = a.y + static_cast<long long>(n1) * j + static_cast<long long>(zb) * plane;
  const double* ysl = ys;  // (a lambda may not capture a structured binding before C++20)
  const double* trow = kTruth ? a.truth + static_cast<long long>(n1) * j + static_cast<long long>(zb) * plane : nullptr;
  double err = 0.0;
  const int rounds = (x_tiles + 2 * kWarps - 1) / (2 * kWarps);
  for (int xr = 0; xr < rounds; ++xr) {
    // This warp's x tiles of the round (warp-uniform), their A fragments of C_j and B fragments
    // of U, and their P3 accumulators.
    int x0[2];
    bool has[2];
    double ca[2][KS], ub[2][2][2], p3[2][2][2];
#pragma unroll
    for (int xi = 0; xi < 2; ++xi) {
      // The warps holding a second tile (x_tiles - 8 of them at n1 = 100) are two of one
      // scheduler (warps w and w + 4 share one) and one of each other: which scheduler gets two
      // rotates with the item, so that the two blocks of an SM seldom double the same one.
      const int lw = (wid + kWarps - (blk & 3)) % kWarps;
      const int xt = xr * 2 * kWarps + lw + xi * kWarps;
      has[xi] = xt < x_tiles;
      x0[xi] = xt * 8;
      if (has[xi]) {  // C_j rows x0.. x0 + 7 = U GV_j (m = x, k = a, n = c)
        double c0[2][2] = {{0.0, 0.0}, {0.0, 0.0}};
        for (int ka = 0; ka < ka_steps; ++ka) {
          const double av = us[(x0[xi] + g) * kStrideB + 4 * ka + t4];
#pragma unroll
          for (int t = 0; t < 2; ++t) mma_f64(c0[t][0], c0[t][1], av, gv[(4 * ka + t4) * kStrideA + 8 * t + g]);
        }
#pragma unroll
        for (int t = 0; t < 2; ++t)
#pragma unroll
          for (int i = 0; i < 2; ++i) cs[(x0[xi] + g) * kStrideA + 8 * t + 2 * t4 + i] = c0[t][i];
      }
    }
    __syncwarp();
#pragma unroll
    for (int xi = 0; xi < 2; ++xi) {
#pragma unroll
      for (int ks = 0; ks < KS; ++ks) ca[xi][ks] = has[xi] ? cs[(x0[xi] + g) * kStrideA + 4 * ks + t4] : 0.0;
#pragma unroll
      for (int sx = 0; sx < 2; ++sx)
#pragma unroll
        for (int t = 0; t < 2; ++t) {
          ub[xi][sx][t] = has[xi] ? us[(x0[xi] + 2 * t4 + sx) * kStrideB + 8 * t + g] : 0.0;
          p3[xi][t][sx] = 0.0;
        }
    }
    if constexpr (kStageY) __syncthreads();  // C_j (in the partials' space) read by every warp before the pass writes there
    // Y of tile (x tile xi, z tile zt) at this thread's two entries: x = x0 + g, z = 8 zt + 2 t4 + i.
    // The pass works without masks (the session-12 profile: 288 instructions a z tile and warp,
    // 18 of them mma, the rest bounds checks, 64-bit index products and the NaN-aware clamp).
    // An entry outside the item (x >= n1 in the last x tile, z >= nz in the last z tile) reads
    // Y at the clamped index, a finite value of the tensor, and enters only products that are
    // zero or never stored: its X is 0 (U's and W's padding rows are 0), its P3 row (x >= n1)
    // is not written out, its U row in P1 is 0, and its P1 row (z >= nz) meets W's zero rows in
    // Q13 and is not written out as a W term. (The error against a truth keeps its mask.)
    const double* ycol[2];
#pragma unroll
    for (int xi = 0; xi < 2; ++xi) ycol[xi] = kStageY ? ysl + min(x0[xi] + g, n1 - 1) : yrow + min(x0[xi] + g, n1 - 1);
    const long long zstride = kStageY ? ys_s : plane;
    double ycur[2][2], ynext[2][2] = {{0.0, 0.0}, {0.0, 0.0}};
    const auto load_y = [&](int zt, double (&yv)[2][2]) {
      long long off[2];
#pragma unroll
      for (int i = 0; i < 2; ++i) off[i] = zstride * min(8 * zt + 2 * t4 + i, nz - 1);
#pragma unroll
      for (int xi = 0; xi < 2; ++xi)
        if (has[xi])  // (warp-uniform)
#pragma unroll
          for (int i = 0; i < 2; ++i) yv[xi][i] = kStageY ? ycol[xi][off[i]] : __ldg(ycol[xi] + off[i]);
    };
    load_y(0, ycur);
    const double nzeta = -zeta;
    for (int zg = 0; zg < z_tiles; zg += kZGroup) {
      const int zend = min(zg + kZGroup, z_tiles);
      for (int zt = zg; zt < zend; ++zt) {
        if (zt + 1 < z_tiles) load_y(zt + 1, ynext);  // in flight during this tile's products
        double wx[KS], wp[2][2];
#pragma unroll
        for (int ks = 0; ks < KS; ++ks) wx[ks] = wa[(8 * zt + g) * kStrideA + 4 * ks + t4];
#pragma unroll
        for (int sx = 0; sx < 2; ++sx)
#pragma unroll
          for (int t = 0; t < 2; ++t) wp[sx][t] = wb[(8 * zt + 2 * t4 + sx) * kStrideW + 8 * t + g];
        // P1 partials of the tile, one set per x tile so that the two tiles' chains of mma are
        // independent (summed at the store; one chain of eight dependent mma before).
        double p1a[2][2][2] = {};
#pragma unroll
        for (int xi = 0; xi < 2; ++xi) {
          if (!has[xi]) continue;  // (warp-uniform)
          // X = C_j W^T over all KS k steps: the columns past the ranks are zero in both.
          double xv[2] = {0.0, 0.0};
#pragma unroll
          for (int ks = 0; ks < KS; ++ks) mma_f64(xv[0], xv[1], ca[xi][ks], wx[ks]);
          double rr[2];
#pragma unroll
          for (int i = 0; i < 2; ++i) {
            if constexpr (kTruth) {
              const int x = x0[xi] + g, z = 8 * zt + 2 * t4 + i;
              if (x < n1 && z < nz) {
                const double e = xv[i] - __ldg(trow + x + plane * z);
                err = fma(e, e, err);
              }
            }
            // The clamp by comparisons: fmin / fmax order NaNs, ten instructions each here.
            const double r = xv[i] - ycur[xi][i];
            rr[i] = r < nzeta ? nzeta : (r > zeta ? zeta : r);
          }
          // P3(x, c) += sum_z R(x, z) W(z, c): k step sx takes z = 8 zt + 2 t4 + sx, R's own entry.
#pragma unroll
          for (int sx = 0; sx < 2; ++sx)
#pragma unroll
            for (int t = 0; t < 2; ++t) mma_f64(p3[xi][t][0], p3[xi][t][1], rr[sx], wp[sx][t]);
          // P1^T(z, a) += sum_x R(x, z) U(x, a): k step sx takes x = x0 + 2 t4 + sx; the A operand
          // R^T(g, 2 t4 + sx) lies with lane 4 (2 t4 + sx) + g / 2, entry g % 2.
#pragma unroll
          for (int sx = 0; sx < 2; ++sx) {
            const int src = ((2 * t4 + sx) << 2) | (g >> 1);
            const double v0 = __shfl_sync(0xffffffffu, rr[0], src);
            const double v1 = __shfl_sync(0xffffffffu, rr[1], src);
            const double av = (g & 1) ? v1 : v0;
#pragma unroll
            for (int t = 0; t < 2; ++t) mma_f64(p1a[xi][t][0], p1a[xi][t][1], av, ub[xi][sx][t]);
          }
        }
        double* dst = part + ((wid * kZGroup + (zt - zg)) * 8 + g) * kMmaCols;
#pragma unroll
        for (int t = 0; t < 2; ++t)
#pragma unroll
          for (int i = 0; i < 2; ++i) dst[8 * t + 2 * t4 + i] = has[1] ? p1a[0][t][i] + p1a[1][t][i] : p1a[0][t][i];
#pragma unroll
        for (int xi = 0; xi < 2; ++xi)
#pragma unroll
          for (int i = 0; i < 2; ++i) ycur[xi][i] = ynext[xi][i];
      }
      __syncthreads();
      // The group's P1 partials summed over the warps in warp order, into P1^T.
      const int count = (zend - zg) * 8 * kMmaCols;
      for (int e = tid; e < count; e += kThreads) {
        double sum = 0.0;
#pragma unroll
        for (int w = 0; w < kWarps; ++w) sum += part[w * kZGroup * 8 * kMmaCols + e];
        const int zl = zg * 8 + e / kMmaCols, aa = e % kMmaCols;
        p1[zl * kStrideA + aa] += sum;
      }
      __syncthreads();
    }
    sub_stamp(a.sub, 3);
    // This round's rows of the U gradient term: P3 GV_j^T (m = x, k = c, n = a); P3's own
    // entries are the A operand (k step (t, sx) takes c = 8 t + 2 t4 + sx).
#pragma unroll
    for (int xi = 0; xi < 2; ++xi) {
      if (!has[xi]) continue;
      double f[2][2] = {{0.0, 0.0}, {0.0, 0.0}};
#pragma unroll
      for (int t = 0; t < 2; ++t)
#pragma unroll
        for (int sx = 0; sx < 2; ++sx)
#pragma unroll
          for (int ta = 0; ta < 2; ++ta)
            mma_f64(f[ta][0], f[ta][1], p3[xi][t][sx], gv[(8 * ta + g) * kStrideA + 8 * t + 2 * t4 + sx]);
      const int x = x0[xi] + g;
#pragma unroll
      for (int ta = 0; ta < 2; ++ta)
#pragma unroll
        for (int i = 0; i < 2; ++i) {
          const int aa = 8 * ta + 2 * t4 + i;
          if (x < n1 && aa < r1) a.fu_part[(static_cast<long long>(blk) * n1 + x) * r1 + aa] = f[ta][i];
        }
    }
  }
  sub_stamp(a.sub, 4);
  // The W gradient term P1^T GV_j (m = z, k = a, n = c), a z tile per warp.
  for (int zt = wid; zt < z_tiles; zt += kWarps) {
    double f[2][2] = {{0.0, 0.0}, {0.0, 0.0}};
    for (int ka = 0; ka < ka_steps; ++ka) {
      const double av = p1[(8 * zt + g) * kStrideA + 4 * ka + t4];
#pragma unroll
      for (int t = 0; t < 2; ++t) mma_f64(f[t][0], f[t][1], av, gv[(4 * ka + t4) * kStrideA + 8 * t + g]);
    }
    const int z = 8 * zt + g;
#pragma unroll
    for (int t = 0; t < 2; ++t)
#pragma unroll
      for (int i = 0; i < 2; ++i) {
        const int c = 8 * t + 2 * t4 + i;
        if (z < nz && c < r3) a.fw_part[(static_cast<long long>(j) * d.n3 + zb + z) * r3 + c] = f[t][i];
      }
  }
  // Q13 = P1 W(zb.., :) (m = a, k = z, n = c): one 8 x 8 tile per warp, warps 0-3.
  if (wid < 4) {
    const int ma = wid >> 1, na = wid & 1;
    if (8 * ma < r1 && 8 * na < r3) {
      double f0 = 0.0, f1 = 0.0;
      for (int kz = 0; kz < nzp / 4; ++kz)
        mma_f64(f0, f1, p1[(4 * kz + t4) * kStrideA + 8 * ma + g], wa[(4 * kz + t4) * kStrideA + 8 * na + g]);
      const int aa = 8 * ma + g;
#pragma unroll
      for (int i = 0; i < 2; ++i) {
        const int c = 8 * na + 2 * t4 + i;
        if (aa < r1 && c < r3) a.q13_part[static_cast<long long>(blk) * r1 * r3 + aa * r3 + c] = i ? f1 : f0;
      }
    }
  }
  __syncthreads();
  sub_stamp(a.sub, 5);
  err = block_sum(err, red);
  if (tid == 0) a.err_part[blk] = err;
  sub_stamp(a.sub, 6);
}

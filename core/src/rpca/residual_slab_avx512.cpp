#include <algorithm>
#include <array>
#include <utility>

#include "residual_slab.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#define EBSD_SLAB_X86 1
#endif

namespace ebsd::rpca::detail {

#ifdef EBSD_SLAB_X86
namespace {

// Function attributes instead of compiler flags: the rest of the program stays portable and
// the kernel is picked at run time (row_kernel_supported(RowKernel::Avx512Blocked)).
#define EBSD_SLAB_FN __attribute__((target("avx512f")))
#define EBSD_SLAB_OP __attribute__((target("avx512f"), always_inline)) inline

using Vec = __m512d;
constexpr std::int64_t kLanes = 8;

EBSD_SLAB_OP Vec zero() { return _mm512_setzero_pd(); }
EBSD_SLAB_OP Vec load(const double* p) { return _mm512_loadu_pd(p); }
EBSD_SLAB_OP void store(double* p, Vec v) { _mm512_storeu_pd(p, v); }
EBSD_SLAB_OP Vec bcast(const double* p) { return _mm512_set1_pd(*p); }
EBSD_SLAB_OP Vec fma(Vec a, Vec b, Vec c) { return _mm512_fmadd_pd(a, b, c); }
// The masked forms with an explicit source: GCC 12's unmasked min/max pass _mm512_undefined_pd()
// and warn (maybe-uninitialized).
EBSD_SLAB_OP Vec clamp(Vec v, Vec lo, Vec hi) {
  const Vec m = _mm512_mask_max_pd(v, 0xFF, v, lo);
  return _mm512_mask_min_pd(m, 0xFF, m, hi);
}
EBSD_SLAB_OP Vec load_aligned(const double* p) { return _mm512_load_pd(p); }
EBSD_SLAB_OP __mmask8 first_lanes(std::int64_t valid) {
  return valid >= kLanes ? static_cast<__mmask8>(0xFF) : static_cast<__mmask8>(valid <= 0 ? 0u : (1u << valid) - 1u);
}

// Lane i of the result is the sum of the lanes of a[i]: three rounds of pairwise sums over
// two-source permutes (14 permutes, 7 adds for 8 sums; eight horizontal sums take 24 and 24).
EBSD_SLAB_OP Vec reduce8(const Vec (&a)[8]) {
  const __m512i even = _mm512_setr_epi64(0, 8, 2, 10, 4, 12, 6, 14), odd = _mm512_setr_epi64(1, 9, 3, 11, 5, 13, 7, 15);
  Vec t[4];
  for (int i = 0; i < 4; ++i)  // lane pairs: t[i] holds partial sums of a[2i] and a[2i + 1]
    t[i] = _mm512_add_pd(_mm512_permutex2var_pd(a[2 * i], even, a[2 * i + 1]),
                         _mm512_permutex2var_pd(a[2 * i], odd, a[2 * i + 1]));
  const __m512i lo2 = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13), hi2 = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
  const Vec u0 = _mm512_add_pd(_mm512_permutex2var_pd(t[0], lo2, t[1]), _mm512_permutex2var_pd(t[0], hi2, t[1]));
  const Vec u1 = _mm512_add_pd(_mm512_permutex2var_pd(t[2], lo2, t[3]), _mm512_permutex2var_pd(t[2], hi2, t[3]));
  const __m512i lo4 = _mm512_setr_epi64(0, 1, 2, 3, 8, 9, 10, 11), hi4 = _mm512_setr_epi64(4, 5, 6, 7, 12, 13, 14, 15);
  return _mm512_add_pd(_mm512_permutex2var_pd(u0, lo4, u1), _mm512_permutex2var_pd(u0, hi4, u1));
}

EBSD_SLAB_OP double hsum(Vec v) {
  const Vec a[8] = {v, zero(), zero(), zero(), zero(), zero(), zero(), zero()};
  return _mm512_cvtsd_f64(reduce8(a));
}

// What one row's chunk loop needs.
struct RowView {
  const double* y;      // Y(0, j, 0)
  const double* truth;  // X*(0, j, 0) or nullptr
  double* p3;           // P3_j: n1p x r3
  double* p1;           // P1_j: n3p x r1
  // The Y (and truth) of the chunk processed next, shifted so that next + i addresses what
  // y + i addresses in this chunk, and its z count: its lines are requested while this chunk
  // runs, one line per line read (the z planes lie a plane apart, too far for the prefetchers
  // to follow across rows).
  const double* next_y;
  const double* next_truth;
  std::int64_t next_zn;
};

// C_j(x, c3) = sum_c2 (G x_1 U)(x, c2, c3) V(j, c2) for the rows j = jb .. jb + rows - 1 of a block
// (cj: kSlabBlockRows x n1p x r3), each sum over c2 in order. The rows share each load of G x_1 U
// (n1p x r2 r3, 83 KB at 100^3 rank 10, more than L1 holds): formed row by row, each in one chain
// of r2 dependent multiply-adds per x vector, this was 6-7 % of a one-thread pass (session 11's
// profile), streaming the whole array from L2 for every row. All kSlabBlockRows rows are formed
// (a block's missing rows from V's first row, never stored) so that the loops have fixed trip
// counts and the sums stay in registers.
template <int KX>
EBSD_SLAB_OP void cj_vectors(const RowPassInput& in, const double* g, const double* (&v)[kSlabBlockRows],
                             std::int64_t rows, std::int64_t x0, double* cj_c3) {
  const std::int64_t n1p = in.n1p;
  Vec acc[kSlabBlockRows][KX];
  for (auto& row : acc)
    for (Vec& a : row) a = zero();
  for (std::int64_t c2 = 0; c2 < in.r2; ++c2) {
    Vec gv[KX];
    for (int q = 0; q < KX; ++q) gv[q] = load(g + x0 + q * kLanes + n1p * c2);
    for (std::int64_t k = 0; k < kSlabBlockRows; ++k) {
      const Vec vk = bcast(v[k] + in.n2 * c2);
      for (int q = 0; q < KX; ++q) acc[k][q] = fma(gv[q], vk, acc[k][q]);
    }
  }
  for (std::int64_t k = 0; k < kSlabBlockRows; ++k)
    if (k < rows)
      for (int q = 0; q < KX; ++q) store(cj_c3 + n1p * in.r3 * k + x0 + q * kLanes, acc[k][q]);
}

EBSD_SLAB_FN void form_cj_block(const RowPassInput& in, std::int64_t jb, std::int64_t rows, double* cj) {
  const std::int64_t n1p = in.n1p, r2 = in.r2;
  const double* v[kSlabBlockRows];
  for (std::int64_t k = 0; k < kSlabBlockRows; ++k) v[k] = in.v + (k < rows ? jb + k : 0);
  for (std::int64_t c3 = 0; c3 < in.r3; ++c3) {
    const double* g = in.gu + n1p * r2 * c3;
    std::int64_t x0 = 0;
    for (; x0 + 2 * kLanes <= n1p; x0 += 2 * kLanes) cj_vectors<2>(in, g, v, rows, x0, cj + n1p * c3);
    if (x0 < n1p) cj_vectors<1>(in, g, v, rows, x0, cj + n1p * c3);
  }
}

// B consecutive z values of one x vector: X_t from the C_j values in c, the residual (to the
// chunk buffer), P3 sums in p. X_t's sum runs over c3 in order and P3's over z in order, as in
// the row kernel.
template <int R3, int B>
EBSD_SLAB_OP void z_step(const RowPassInput& in, const RowView& row, const Vec (&c)[R3], Vec (&p)[R3], double* rbuf_z,
                         std::int64_t x0, std::int64_t z, std::int64_t z0, Vec lo, Vec hi, Vec& err) {
  const std::int64_t plane = in.n1p * in.n2;
  // W^T's values for these z through one base register: left to itself GCC keeps a pointer
  // per (b, k) on the stack and reloads it before each broadcast.
  const double* w = in.wt + R3 * z;
  asm("" : "+r"(w));
  Vec xt[B];
  for (int b = 0; b < B; ++b) xt[b] = zero();
  for (int k = 0; k < R3; ++k)
    for (int b = 0; b < B; ++b) xt[b] = fma(c[k], bcast(w + R3 * b + k), xt[b]);
  // Unrolled, so that xt stays in registers (GCC kept the loop and spilled xt to the stack).
#pragma GCC unroll 8
  for (int b = 0; b < B; ++b) {
    const std::int64_t at = plane * (z + b) + x0;
    if (z + b - z0 < row.next_zn) {
      _mm_prefetch(reinterpret_cast<const char*>(row.next_y + at), _MM_HINT_T1);
      if (row.next_truth) _mm_prefetch(reinterpret_cast<const char*>(row.next_truth + at), _MM_HINT_T1);
    }
    if (row.truth) {
      const Vec d = _mm512_sub_pd(xt[b], load_aligned(row.truth + at));
      err = fma(d, d, err);
    }
    const Vec r = clamp(_mm512_sub_pd(xt[b], load_aligned(row.y + at)), lo, hi);
    store(rbuf_z + in.n1p * b + x0, r);
    for (int k = 0; k < R3; ++k) p[k] = fma(r, bcast(w + R3 * b + k), p[k]);
  }
}

// X_t, residuals and P3 for z in [z0, z0 + zn), every x vector; the residuals of z0 + i go to
// row i of rbuf.
template <int R3>
EBSD_SLAB_FN void chunk_residuals(const RowPassInput& in, const RowView& row, const double* cj, double* rbuf,
                                  std::int64_t z0, std::int64_t zn, Vec& err) {
  const std::int64_t n1p = in.n1p;
  const Vec lo = _mm512_set1_pd(-in.zeta), hi = _mm512_set1_pd(in.zeta);
  for (std::int64_t x0 = 0; x0 < n1p; x0 += kLanes) {
    Vec c[R3], p[R3];
    for (int k = 0; k < R3; ++k) {
      c[k] = load(cj + x0 + n1p * k);
      p[k] = z0 == 0 ? zero() : load(row.p3 + x0 + n1p * k);
    }
    std::int64_t z = z0;
    for (; z + 4 <= z0 + zn; z += 4) z_step<R3, 4>(in, row, c, p, rbuf + n1p * (z - z0), x0, z, z0, lo, hi, err);
    for (; z < z0 + zn; ++z) z_step<R3, 1>(in, row, c, p, rbuf + n1p * (z - z0), x0, z, z0, lo, hi, err);
    for (int k = 0; k < R3; ++k) store(row.p3 + x0 + n1p * k, p[k]);
  }
}

// P1_j(z + b, c + k) for b < 4, k < CK: 4 CK chains over the x vectors, the four residual
// vectors held in registers (the asm keeps GCC from reloading them for every column), the
// columns of U read as operands; pairs of columns reduced together, 4 z values per half.
// Inlined into chunk_p1: as a call per tile (5 600 an iteration at 100^3 rank 10) its entry and
// accumulator set-up cost about 4 % of a one-thread pass (session 11).
template <int CK>
EBSD_SLAB_OP void p1_tile(const RowPassInput& in, const double* rbuf, double* p1, std::int64_t z, std::int64_t c) {
  const std::int64_t n1p = in.n1p;
  Vec acc[CK][4];
  for (int k = 0; k < CK; ++k)
    for (int b = 0; b < 4; ++b) acc[k][b] = zero();
  for (std::int64_t x0 = 0; x0 < n1p; x0 += kLanes) {
    Vec r[4];
    for (int b = 0; b < 4; ++b) {
      r[b] = load(rbuf + n1p * b + x0);
      asm("" : "+v"(r[b]));
    }
    for (int k = 0; k < CK; ++k) {
      const Vec u = load(in.u + x0 + n1p * (c + k));
      for (int b = 0; b < 4; ++b) acc[k][b] = fma(u, r[b], acc[k][b]);
    }
  }
  for (int k = 0; k < CK; k += 2) {
    const bool pair = k + 1 < CK;
    const Vec a[8] = {acc[k][0], acc[k][1], acc[k][2], acc[k][3], pair ? acc[k + 1][0] : zero(),
                      pair ? acc[k + 1][1] : zero(), pair ? acc[k + 1][2] : zero(), pair ? acc[k + 1][3] : zero()};
    const Vec sums = reduce8(a);
    _mm512_mask_storeu_pd(p1 + z + in.n3p * (c + k), 0x0F, sums);
    if (pair) _mm512_mask_storeu_pd(p1 + z + in.n3p * (c + k + 1) - 4, 0xF0, sums);
  }
}

// P1_j for the chunk's z values [z0, z0 + zn), in tiles of 4 z by up to 6 columns (zn need not
// be a multiple of 4: the caller zeroes the residual rows up to the next multiple).
EBSD_SLAB_FN void chunk_p1(const RowPassInput& in, const double* rbuf, double* p1, std::int64_t z0, std::int64_t zn) {
  for (std::int64_t zg = 0; zg < zn; zg += 4)
    for (std::int64_t c = 0; c < in.r1;) {
      const std::int64_t left = in.r1 - c;
      const double* r = rbuf + in.n1p * zg;
      if (left >= 6 && left != 8) {
        p1_tile<6>(in, r, p1, z0 + zg, c);
        c += 6;
      } else if (left >= 4) {
        p1_tile<4>(in, r, p1, z0 + zg, c);
        c += 4;
      } else if (left >= 2) {
        p1_tile<2>(in, r, p1, z0 + zg, c);
        c += 2;
      } else {
        p1_tile<1>(in, r, p1, z0 + zg, c);
        c += 1;
      }
    }
}

// out[m + out_stride * c] = sum_e a[e + ld m] b[e + ld c] for m < ma, c < nb, e < ld (a multiple
// of 8): eight m at a time, reduced together (Q13's row j: a = P1_j, b = W).
EBSD_SLAB_FN void column_dots(const double* a, std::int64_t ld, std::int64_t ma, const double* b, std::int64_t nb,
                              double* out, std::int64_t out_stride) {
  for (std::int64_t c = 0; c < nb; ++c)
    for (std::int64_t m = 0; m < ma; m += 8) {
      const std::int64_t g = std::min<std::int64_t>(8, ma - m);
      Vec acc[8];
      for (int k = 0; k < 8; ++k) acc[k] = zero();
      for (std::int64_t e = 0; e < ld; e += kLanes) {
        const Vec w = load(b + e + ld * c);
#pragma GCC unroll 8
        for (int k = 0; k < 8; ++k)
          if (k < g) acc[k] = fma(load(a + e + ld * (m + k)), w, acc[k]);
      }
      _mm512_mask_storeu_pd(out + m + out_stride * c, first_lanes(g), reduce8(acc));
    }
}

// out[e + ne c] (+)= sum_k a[e + ne k] b[c * b_c + k * b_k] for e < ne (a multiple of 8), c < nc,
// k < nk: a column panel times a small matrix given by its strides, GK columns of out at a time.
struct PanelProduct {
  const double* a;
  std::int64_t ne, nk;
  const double* b;
  std::int64_t b_c, b_k, nc;
  double* out;
  bool accumulate;
};

template <int GK>
EBSD_SLAB_FN void panel_group(const PanelProduct& p, std::int64_t c) {
  for (std::int64_t e0 = 0; e0 < p.ne; e0 += kLanes) {
    Vec acc[GK];
    for (int g = 0; g < GK; ++g) acc[g] = p.accumulate ? load(p.out + e0 + p.ne * (c + g)) : zero();
    for (std::int64_t k = 0; k < p.nk; ++k) {
      const Vec a = load(p.a + e0 + p.ne * k);
      for (int g = 0; g < GK; ++g) acc[g] = fma(a, bcast(p.b + (c + g) * p.b_c + k * p.b_k), acc[g]);
    }
    for (int g = 0; g < GK; ++g) store(p.out + e0 + p.ne * (c + g), acc[g]);
  }
}

EBSD_SLAB_FN void panel_product(const PanelProduct& p) {
  std::int64_t c = 0;
  for (; c + 8 <= p.nc; c += 8) panel_group<8>(p, c);
  for (; c + 4 <= p.nc; c += 4) panel_group<4>(p, c);
  for (; c + 2 <= p.nc; c += 2) panel_group<2>(p, c);
  for (; c < p.nc; ++c) panel_group<1>(p, c);
}

// The terms of a block's rows [jb, jb + rows) once their P3_j and P1_j are complete. With
// H_j = G x_2 V(j, :) (r1 x r3):
//   factor 0 += sum_j P3_j H_j^T    (M_1(Q23) M_1(G)^T, Q23's row-j part being P3_j (x) V(j, :))
//   factor 2 += sum_j P1_j H_j      (M_3(Q12) M_3(G)^T likewise)
//   Q13(:, j, :) = P1_j^T W,  core += V(j, :) (x) Q13(:, j, :),  factor 1 row j = M_2(Q13) M_2(G)^T
// so the accumulators Q23 and Q12 (83 KB each at 100^3 rank 10) are never formed. The rows' P3_j
// (and P1_j) lie side by side in the scratch, so each factor term is one panel product over
// rows x r3 (r1) columns: factor 0 and 2 are loaded and stored once per block, not once per row
// (this part was about 15 % of a one-thread pass done row by row, session 11's profile). Each
// sum still runs over the rows in order and within a row in the same order as row by row, so the
// results are the same to the last bit.
EBSD_SLAB_FN void finish_block(const RowPassInput& in, const SlabFactors& f, std::int64_t jb, std::int64_t rows,
                               const SlabScratch& s, double* q13, const SlabBlockTerms& t, double* factor1) {
  const std::int64_t r1 = in.r1, r2 = in.r2, r3 = in.r3, n2 = in.n2, hs = r1 * r3;
  // H_j in two layouts: ha (c1 + r1 (c3 + r3 k)) for factor 0, hb (c3 + r3 (c1 + r1 k)) for
  // factor 2. Every (row, c3, c1 lanes) sum is its own chain over c2, the rows side by side.
  double* ha = s.h;
  double* hb = s.h + kSlabBlockRows * hs;
  for (std::int64_t c3 = 0; c3 < r3; ++c3)
    for (std::int64_t c1 = 0; c1 < r1; c1 += kLanes) {
      const __mmask8 m = first_lanes(r1 - c1);
      Vec acc[kSlabBlockRows];
      for (Vec& a : acc) a = zero();
      for (std::int64_t c2 = 0; c2 < r2; ++c2) {
        const Vec g = _mm512_maskz_loadu_pd(m, f.core + c1 + r1 * (c2 + r2 * c3));
        for (std::int64_t k = 0; k < kSlabBlockRows; ++k)
          if (k < rows) acc[k] = fma(bcast(in.v + jb + k + n2 * c2), g, acc[k]);
      }
      for (std::int64_t k = 0; k < rows; ++k) {
        _mm512_mask_storeu_pd(ha + c1 + r1 * (c3 + r3 * k), m, acc[k]);
        alignas(64) double lanes[kLanes];
        _mm512_store_pd(lanes, acc[k]);
        for (std::int64_t l = 0; l < kLanes && c1 + l < r1; ++l) hb[c3 + r3 * (c1 + l + r1 * k)] = lanes[l];
      }
    }
  panel_product({s.p3, in.n1p, rows * r3, ha, 1, r1, r1, t.factor0, true});
  panel_product({s.p1, in.n3p, rows * r1, hb, 1, r3, r3, t.factor2, true});
  for (std::int64_t k = 0; k < rows; ++k)
    column_dots(s.p1 + in.n3p * r1 * k, in.n3p, r1, in.wp, r3, q13 + r1 * (jb + k), r1 * n2);
  for (std::int64_t c3 = 0; c3 < r3; ++c3)
    for (std::int64_t c2 = 0; c2 < r2; ++c2) {
      double* core = t.core + r1 * (c2 + r2 * c3);
      for (std::int64_t c1 = 0; c1 < r1; c1 += kLanes) {
        const __mmask8 m = first_lanes(r1 - c1);
        Vec acc = _mm512_maskz_loadu_pd(m, core + c1);
        for (std::int64_t k = 0; k < rows; ++k)
          acc = fma(bcast(in.v + jb + k + n2 * c2), _mm512_maskz_loadu_pd(m, q13 + c1 + r1 * (jb + k + n2 * c3)), acc);
        _mm512_mask_storeu_pd(core + c1, m, acc);
      }
    }
  // factor1(j, c2) with c2 in the lanes (G as core_t2: c2 fastest, padded to whole vectors), the
  // rows' chains of r1 r3 multiply-adds side by side (a block's missing rows read row jb's Q13).
  const std::int64_t r2p = (r2 + kLanes - 1) / kLanes * kLanes;
  for (std::int64_t c2 = 0; c2 < r2p; c2 += kLanes) {
    Vec acc[kSlabBlockRows];
    for (Vec& a : acc) a = zero();
    for (std::int64_t c3 = 0; c3 < r3; ++c3)
      for (std::int64_t c1 = 0; c1 < r1; ++c1) {
        const Vec g = load(f.core_t2 + c2 + r2p * (c1 + r1 * c3));
        const double* q = q13 + c1 + r1 * (jb + n2 * c3);
        for (std::int64_t k = 0; k < kSlabBlockRows; ++k) acc[k] = fma(bcast(q + r1 * (k < rows ? k : 0)), g, acc[k]);
      }
    for (std::int64_t k = 0; k < rows; ++k) {
      alignas(64) double lanes[kLanes];
      _mm512_store_pd(lanes, acc[k]);
      for (std::int64_t l = 0; l < kLanes && c2 + l < r2; ++l) factor1[jb + k + n2 * (c2 + l)] = lanes[l];
    }
  }
}

// One block of rows [jb, jb + rows): the pass over its slab of Y and its terms, into t (which
// it overwrites).
template <int R3>
EBSD_SLAB_FN void slab_block(const RowPassInput& in, const SlabFactors& f, const SlabScratch& s, std::int64_t jb,
                             std::int64_t rows, const SlabBlockTerms& t, double* q13, double* factor1,
                             std::int64_t j_end) {
  const std::int64_t n1p = in.n1p, n3p = in.n3p;
  Vec err = zero();
  form_cj_block(in, jb, rows, s.cj);
  // The block's rows go together through each chunk of z, so that every z plane of the chunk
  // is read in one run of rows * n1p values: few, long streams.
  for (std::int64_t z0 = 0; z0 < in.n3; z0 += kSlabChunk) {
    const std::int64_t zn = std::min(kSlabChunk, in.n3 - z0);
    for (std::int64_t k = 0; k < rows; ++k) {
      const std::int64_t j = jb + k;
      // Next: the block's next row in this chunk, else its first row in the next chunk, else
      // the next block's first row in the first chunk (usually the next block taken).
      std::int64_t next_j = j + 1, next_z0 = z0;
      if (k + 1 == rows) {
        next_j = jb;
        next_z0 = z0 + kSlabChunk;
        if (next_z0 >= in.n3) next_j = jb + rows, next_z0 = 0;
      }
      const std::int64_t next_zn = next_j < j_end ? std::min(kSlabChunk, in.n3 - next_z0) : 0;
      const std::int64_t shift = next_zn > 0 ? n1p * (next_j - j) + n1p * in.n2 * (next_z0 - z0) : 0;
      const RowView row{in.observed + n1p * j,
                        in.truth ? in.truth + n1p * j : nullptr,
                        s.p3 + n1p * R3 * k,
                        s.p1 + n3p * in.r1 * k,
                        in.observed + n1p * j + shift,
                        in.truth ? in.truth + n1p * j + shift : nullptr,
                        next_zn};
      chunk_residuals<R3>(in, row, s.cj + n1p * R3 * k, s.rbuf, z0, zn, err);
      // Up to the next multiple of 4 the product must see zeros (P1 past n3 stays zero, as
      // finish_row expects: no tile writes beyond that multiple).
      for (std::int64_t z = zn; z % 4 != 0; ++z) std::fill_n(s.rbuf + n1p * z, n1p, 0.0);
      chunk_p1(in, s.rbuf, row.p1, z0, zn);
    }
  }
  std::fill_n(t.factor0, n1p * in.r1, 0.0);
  std::fill_n(t.factor2, n3p * R3, 0.0);
  std::fill_n(t.core, in.r1 * in.r2 * R3, 0.0);
  finish_block(in, f, jb, rows, s, q13, t, factor1);
  *t.squared_error = hsum(err);
}

template <int R3>
EBSD_SLAB_FN void slab_blocks(const RowPassInput& in, const SlabFactors& f, const SlabScratch& s, SlabWork& work) {
  for (;;) {
    const std::int64_t b = work.next_block.fetch_add(1, std::memory_order_relaxed);
    if (b >= work.blocks) return;
    const std::int64_t jb = b * kSlabBlockRows;
    slab_block<R3>(in, f, s, jb, std::min(kSlabBlockRows, in.n2 - jb), work.block_terms(b), work.q13, work.factor1,
                   in.n2);
  }
}

// Eight columns of the blocks' terms at a time (the stride is a multiple of 8), each summed over
// the blocks in block order.
EBSD_SLAB_FN void sum_blocks_avx512(const SlabWork& work, double* out) {
  for (std::int64_t i = 0; i < work.term_stride; i += kLanes) {
    Vec sum = zero();
    for (std::int64_t b = 0; b < work.blocks; ++b) sum = _mm512_add_pd(sum, load(work.terms + work.term_stride * b + i));
    store(out + i, sum);
  }
}

}  // namespace

void residual_slab_worker(const RowPassInput& in, const SlabFactors& f, const SlabScratch& s, SlabWork& work) {
  // G x_1 U: (n1p x r1) times M_1(G) (r1 x r2 r3), each worker its own.
  panel_product({in.u, in.n1p, in.r1, f.core, in.r1, 1, in.r2 * in.r3, s.gu, false});
  RowPassInput with_gu = in;
  with_gu.gu = s.gu;
  // slab_blocks<R3> for R3 = 1 .. kSlabMaxRank3 (FusedResidualPass refuses the others).
  static constexpr auto kBlocks = []<std::size_t... I>(std::index_sequence<I...>) {
    return std::array{&slab_blocks<static_cast<int>(I) + 1>...};
  }(std::make_index_sequence<kSlabMaxRank3>{});
  if (in.r3 >= 1 && in.r3 <= kSlabMaxRank3) kBlocks[static_cast<std::size_t>(in.r3 - 1)](with_gu, f, s, work);
}

void sum_block_terms(const SlabWork& work, double* out) {
  sum_blocks_avx512(work, out);
}

#else

void sum_block_terms(const SlabWork& work, double* out) {
  for (std::int64_t i = 0; i < work.term_stride; ++i) {
    double sum = 0.0;
    for (std::int64_t b = 0; b < work.blocks; ++b) sum += work.terms[work.term_stride * b + i];
    out[i] = sum;
  }
}

void residual_slab_worker(const RowPassInput&, const SlabFactors&, const SlabScratch&, SlabWork&) {}

#endif

}  // namespace ebsd::rpca::detail

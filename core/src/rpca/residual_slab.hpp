#pragma once
// The fused ScaledGD pass (see residual_rows.hpp for what it computes) with its three
// contractions register-blocked for AVX-512, for ranks r3 <= kSlabMaxRank3.
//
// Per row y = j the pass is three small matrix products over the n1 x n3 slab of Y:
//   X_t = C_j W^T  (K = r3),  P3_j = R W  (K = n3),  P1_j = U^T R  (K = n1).
// With x in the vector lanes, one x vector keeps its r3 values of C_j and its r3 sums of P3_j in
// registers for a whole chunk of z, so the first two products cost one broadcast of W(z, c) per
// multiply-add and nothing else (the row kernel loads and stores P3 around every z block). The
// chunk's residuals go to a buffer that stays in L1, and P1_j is a product over it in tiles of
// 4 z values by up to 6 columns of U, reduced across lanes eight sums at a time (one transposing
// reduction instead of eight horizontal sums).
//
// Each row's P3_j and P1_j turn into that row's terms of the gradients at once (see finish_row
// in the .cpp): the row kernel's accumulators Q23 and Q12 (83 KB each at 100^3 rank 10, read and
// written for every row) are never formed, and the rows can go to whichever worker is free.
#include <atomic>
#include <cstdint>

#include "residual_rows.hpp"

namespace ebsd::rpca::detail {

inline constexpr std::int64_t kSlabMaxRank3 = 12;
// z values per chunk: the chunk's residuals (kSlabChunk x n1p doubles, 13 KB at n1 = 100) stay
// in L1 between the pass that forms them and the P1 product that reads them.
inline constexpr std::int64_t kSlabChunk = 16;

// Rows per block: the unit the workers take from a shared counter (a slow vCPU then simply takes
// fewer). A block's rows go through z together, so each z plane is read in runs of this many rows.
inline constexpr std::int64_t kSlabBlockRows = 4;

// Scratch of one worker for the slab kernel (all 64-byte aligned).
struct SlabScratch {
  double* gu = nullptr;    // n1p x r2 r3: G x_1 U, formed by each worker for itself
  double* p3 = nullptr;    // kSlabBlockRows x n1p x r3: P3_j = R x_3 W^T at y = j
  double* p1 = nullptr;    // kSlabBlockRows x n3p x r1: P1_j = (R x_1 U^T at y = j)^T, zero past n3
  double* cj = nullptr;    // kSlabBlockRows x n1p x r3: C_j = G x_1 U x_2 V(j, :)
  double* rbuf = nullptr;  // kSlabChunk x n1p: residuals of one chunk of z
  double* h = nullptr;     // 2 x kSlabBlockRows x r1 x r3: H_j = G x_2 V(j, :) for a block's rows, two layouts
};

// The parts of the iterate the workers read besides RowPassInput (whose gu they ignore).
struct SlabFactors {
  const double* core = nullptr;     // G, r1 x r2 x r3
  const double* core_t2 = nullptr;  // G as r2p x r1 x r3 (c2 fastest, zero past r2), r2p = padded(r2)
};

// One block's terms of the gradients (they are sums over rows), written whole by the worker
// that takes the block; the caller adds the blocks in order, so the sums do not depend on which
// worker took which block.
struct SlabBlockTerms {
  double* factor0;        // n1p x r1: M_1(Q23) M_1(G)^T over the block's rows
  double* factor2;        // n3p x r3: M_3(Q12) M_3(G)^T
  double* core;           // r1 x r2 x r3: Q12 x_3 W^T = R x_1 U^T x_2 V^T x_3 W^T
  double* squared_error;  // ||X_t - X*||^2 over the block
};

// What the workers of one pass share.
struct SlabWork {
  std::atomic<std::int64_t> next_block{0};
  std::int64_t blocks = 0;
  double* terms = nullptr;  // blocks x term_stride doubles (64-byte aligned)
  std::int64_t term_stride = 0, n1p = 0, n3p = 0, r1 = 0, r2 = 0, r3 = 0;
  double* q13 = nullptr;      // r1 x n2 x r3: Q13 = R x_1 U^T x_3 W^T, each block its rows
  double* factor1 = nullptr;  // n2 x r2 (column-major): M_2(Q13) M_2(G)^T, each block its rows

  static std::int64_t stride_for(std::int64_t n1p, std::int64_t n3p, std::int64_t r1, std::int64_t r2, std::int64_t r3) {
    return (n1p * r1 + n3p * r3 + r1 * r2 * r3 + 1 + 7) / 8 * 8;
  }
  // The terms laid out from t (term_stride doubles).
  SlabBlockTerms terms_at(double* t) const {
    return {t, t + n1p * r1, t + n1p * r1 + n3p * r3, t + n1p * r1 + n3p * r3 + r1 * r2 * r3};
  }
  SlabBlockTerms block_terms(std::int64_t b) const { return terms_at(terms + term_stride * b); }
};

// out[i] = sum over the blocks, in block order, of their term arrays (i < term_stride): the
// layout of block_terms, so out holds factor 0, factor 2, the core term and the error.
void sum_block_terms(const SlabWork& work, double* out);

// One worker's share of an iteration: blocks taken from work until none is left. Unlike
// residual_rows it reads in.observed and in.truth as n1p x n2 x n3 tensors (rows padded with
// zeros to n1p values) on 64-byte boundaries; in.u, in.wp and the scratch must be 64-byte
// aligned too. Preconditions: an AVX-512F CPU (row_kernel_supported(RowKernel::Avx512Blocked))
// and 1 <= in.r3 <= kSlabMaxRank3 (FusedResidualPass refuses other ranks).
void residual_slab_worker(const RowPassInput& in, const SlabFactors& f, const SlabScratch& s, SlabWork& work);

}  // namespace ebsd::rpca::detail

#pragma once
// The inner loop of the fused 3-way ScaledGD pass (see fused_residual_pass.hpp): for each row
// (y = j, all x and z) of the observed tensor it forms X_t on the fly from the Tucker factors,
// the residual R = clamp(X_t - Y, -zeta, zeta), and accumulates every projection of R the
// gradients need, so Y is read once per iteration and R is never stored. Buffers indexed by x
// are padded to n1p rows and those indexed by z to n3p (multiples of kRowPad) with zeros, so
// the SIMD loops need no tails; only reads of Y and of the truth stop at n1.
#include <cstdint>

namespace ebsd::rpca::detail {

inline constexpr std::int64_t kRowPad = 8;
// Rows processed together (see residual_rows_body.inc): per-row scratch is sized for this many.
inline constexpr std::int64_t kRowBlock = 8;
inline std::int64_t padded(std::int64_t n) { return (n + kRowPad - 1) / kRowPad * kRowPad; }

struct RowPassInput {
  std::int64_t n1 = 0, n2 = 0, n3 = 0;  // tensor extents (x, y, z), x fastest
  std::int64_t r1 = 0, r2 = 0, r3 = 0;  // multilinear rank
  std::int64_t n1p = 0, n3p = 0;        // padded(n1), padded(n3)
  const double* observed = nullptr;     // Y
  const double* truth = nullptr;        // X* or nullptr
  const double* gu = nullptr;           // G x_1 U: n1p x r2 x r3 (zero rows past n1)
  const double* u = nullptr;            // U: n1p x r1 (zero rows past n1)
  const double* v = nullptr;            // V: n2 x r2
  const double* wt = nullptr;           // W^T: r3 x n3
  const double* wp = nullptr;           // W: n3p x r3 (zero rows past n3)
  double zeta = 0.0;
};

// One worker's accumulators and scratch (all zero-initialised by the caller where noted).
struct RowPassOutput {
  double* q23 = nullptr;    // += R x_2 V^T x_3 W^T restricted to its rows: n1p x r2 x r3 (zeroed)
  double* q12 = nullptr;    // += R x_1 U^T x_2 V^T, stored z fastest: n3p x r1 x r2 (zeroed)
  double* q13 = nullptr;    // R x_1 U^T x_3 W^T: r1 x n2 x r3, shared; each row writes its own entries
  double squared_error = 0.0;  // += ||X_t - X*||^2 over its rows (with a truth)
  // scratch, for kRowBlock rows each
  double* cj = nullptr;     // n1p x r3 per row: (G x_1 U x_2 V) at y = j
  double* p3j = nullptr;    // n1p x r3 per row: R x_3 W^T at y = j
  double* p1j = nullptr;    // n3p x r1 per row: (R x_1 U^T at y = j)^T (entries past n3 must stay zero)
  double* rcols = nullptr;  // n1p x 4: residual columns of the current z block
  double* vj = nullptr;     // r2 per row: V(j, :)
};

// Avx512Blocked is the slab kernel of residual_slab.hpp (ranks r3 <= kSlabMaxRank3), run by
// FusedResidualPass; residual_rows itself takes the other three.
enum class RowKernel { Portable, Avx2, Avx512, Avx512Blocked };

bool row_kernel_supported(RowKernel k);
// The fastest kernel this CPU runs.
RowKernel best_row_kernel();
// Processes rows [j_begin, j_end).
void residual_rows(RowKernel k, const RowPassInput& in, RowPassOutput& out, std::int64_t j_begin, std::int64_t j_end);

}  // namespace ebsd::rpca::detail

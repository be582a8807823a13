// Batched Euler -> float32 quaternion, bit-identical to quat_from_euler + set_orientation.
//
// quat_from_euler (core/src/orientation/rotations_euler_matrix.cpp) computes
//   w = c cos(sigma), x = -s cos(delta), y = -s sin(delta), z = -c sin(sigma)
// with c, s = cos, sin(Phi / 2), sigma = (phi1 + phi2) / 2, delta = (phi1 - phi2) / 2, in
// double with libm's sin and cos, and the volume keeps the float32 of each component (after
// flipping the sign of all four when w < 0). Here the same products are formed from an inline
// sin/cos (fdlibm's kernels after a two-part reduction by pi/2) whose absolute error is below
// 3e-16 for |angle| < 1e6; libm's is below one ulp (2.3e-16 for values up to 1). Each of the
// four products therefore lies within 2 * 6e-16 + 2 * 1.1e-16 (the two products' own
// rounding) < 1.5e-15 of libm's. Where every value within kSlack = 4e-15 of a component rounds
// to one and the same float32 (compared bit for bit, so a sign change or -0 counts as a
// difference), libm's component rounds to that float too; the sign of w is then settled as
// well. Rows where any component is that close to a float32 rounding boundary (about one in
// 10^7), or any angle is not finite or very large, are recomputed with quat_from_euler.
#include "euler_batch.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>

#include "ebsd/orientation/rotations.hpp"

namespace ebsd::io {
namespace {

constexpr double kSlack = 4e-15;
constexpr double kMaxAngle = 1e6;

inline std::uint64_t bits_of(double d) {
  std::uint64_t u;
  std::memcpy(&u, &d, 8);
  return u;
}
inline double double_of(std::uint64_t u) {
  double d;
  std::memcpy(&d, &u, 8);
  return d;
}
inline std::uint32_t bits_of(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// sin and cos of x, |x| < kMaxAngle: x = n pi/2 + r with |r| <= pi/4 (r carries an absolute
// error below 6e-17: n * kPio2Hi is exact and x - n * kPio2Hi is exact by Sterbenz' lemma),
// then fdlibm's __kernel_sin / __kernel_cos polynomials on r and the quadrant from n's low
// bits, all without branches so that the loop below vectorises.
inline void sin_cos(double x, double& s, double& c) {
  constexpr double kTwoOverPi = 6.36619772367581382433e-01;
  constexpr double kPio2Hi = 1.57079632673412561417e+00;  // the first 33 bits of pi/2
  constexpr double kPio2Lo = 6.07710050650619224932e-11;  // pi/2 - kPio2Hi
  constexpr double kShift = 6755399441055744.0;           // 1.5 * 2^52: adding it rounds to an integer
  constexpr double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03, S3 = -1.98412698298579493134e-04,
                   S4 = 2.75573137070700676789e-06, S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
  constexpr double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03, C3 = 2.48015872894767294178e-05,
                   C4 = -2.75573143513906633035e-07, C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
  const double t = x * kTwoOverPi + kShift;
  const double fn = t - kShift;
  const std::uint64_t n = bits_of(t);  // low bits: n mod 4 (also for negative n, since 2^51 = 0 mod 4)
  const double r = (x - fn * kPio2Hi) - fn * kPio2Lo;
  const double z = r * r;
  const double sr = r + (z * r) * (S1 + z * (S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)))));
  const double cr = 1.0 - (0.5 * z - z * (z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))))));
  // Quadrant n: sin = sr, cr, -sr, -cr and cos = cr, -sr, -cr, sr for n mod 4 = 0, 1, 2, 3.
  const std::uint64_t odd = 0 - (n & 1);  // all ones for odd n
  const std::uint64_t srb = bits_of(sr), crb = bits_of(cr);
  const std::uint64_t sin_mag = (crb & odd) | (srb & ~odd);
  const std::uint64_t cos_mag = (srb & odd) | (crb & ~odd);
  s = double_of(sin_mag ^ ((n & 2) << 62));
  c = double_of(cos_mag ^ (((n + 1) & 2) << 62));
}

// float32 of v when every double within kSlack of v rounds to it, else a flag.
inline std::uint32_t settled(double v, float& f) {
  f = static_cast<float>(v);
  return bits_of(static_cast<float>(v - kSlack)) ^ bits_of(static_cast<float>(v + kSlack));
}

constexpr std::size_t kBlock = 256;

// With GCC on x86-64 the block is also compiled for AVX-512 and AVX2 and picked at run time
// (the same IEEE operations on wider registers: the same bits; no FMA, which would round
// differently: this file is compiled with -ffp-contract=off, io/CMakeLists.txt).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void block(const double* phi1, const double* Phi, const double* phi2, std::size_t n, float* out, const unsigned char* skip) {
  // Two passes over the block: doubles only, then the float32 roundings, so that each loop
  // has one element width and vectorises with SSE2.
  double q[4][kBlock];
  unsigned char recompute[kBlock];
  for (std::size_t k = 0; k < n; ++k) {
    const double a = 0.5 * Phi[k], sigma = 0.5 * (phi1[k] + phi2[k]), delta = 0.5 * (phi1[k] - phi2[k]);
    double s, c, ss, cs, sd, cd;
    sin_cos(a, s, c);
    sin_cos(sigma, ss, cs);
    sin_cos(delta, sd, cd);
    const double w = c * cs;
    // positive(): all four negated when w < 0 (exact, and the float of -v is -float(v)).
    const std::uint64_t flip = bits_of(w) & 0x8000000000000000ull;
    q[0][k] = double_of(bits_of(w) ^ flip);
    q[1][k] = double_of(bits_of(-s * cd) ^ flip);
    q[2][k] = double_of(bits_of(-s * sd) ^ flip);
    q[3][k] = double_of(bits_of(-c * ss) ^ flip);
  }
  // The float32 components, the identity where a row is skipped, and which rows need libm's
  // values: not skipped, and not finite or too large for the reduction (the comparison is false
  // for NaN) or some component near a float32 rounding boundary. Without branches, so that the
  // loop vectorises; the rare rows to recompute are then visited one by one.
  static constexpr unsigned char kNoSkip[kBlock] = {};
  const unsigned char* const sk = skip ? skip : kNoSkip;
  unsigned any = 0;
  for (std::size_t k = 0; k < n; ++k) {
    float f[4];
    const std::uint32_t open = settled(q[0][k], f[0]) | settled(q[1][k], f[1]) | settled(q[2][k], f[2]) | settled(q[3][k], f[3]);
    const bool identity = sk[k] != 0;
    float* o = out + 4 * k;
    o[0] = identity ? 1.0f : f[0];
    o[1] = identity ? 0.0f : f[1];
    o[2] = identity ? 0.0f : f[2];
    o[3] = identity ? 0.0f : f[3];
    const bool in_range = (std::fabs(phi1[k]) < kMaxAngle) & (std::fabs(Phi[k]) < kMaxAngle) & (std::fabs(phi2[k]) < kMaxAngle);
    recompute[k] = static_cast<unsigned char>((!identity) & ((open != 0) | (!in_range)));
    any |= recompute[k];
  }
  if (any == 0) return;
  for (std::size_t k = 0; k < n; ++k) {
    if (!recompute[k]) continue;
    const Quat p = quat_from_euler({phi1[k], Phi[k], phi2[k]}).positive();  // as Volume::set_orientation
    float* o = out + 4 * k;
    o[0] = static_cast<float>(p.w);
    o[1] = static_cast<float>(p.x);
    o[2] = static_cast<float>(p.y);
    o[3] = static_cast<float>(p.z);
  }
}

}  // namespace

void quats_from_euler(const double* phi1, const double* Phi, const double* phi2, std::size_t n, float* out, const unsigned char* skip) {
  for (std::size_t k = 0; k < n; k += kBlock) {
    const std::size_t m = n - k < kBlock ? n - k : kBlock;
    block(phi1 + k, Phi + k, phi2 + k, m, out + 4 * k, skip ? skip + k : nullptr);
  }
}

}  // namespace ebsd::io

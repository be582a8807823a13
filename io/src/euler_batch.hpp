#pragma once
// Euler angles to the float32 quaternions a Volume stores, many at a time (private to io).
// The text readers convert every row: one quat_from_euler per row (three sincos calls into
// libm) was a fifth of the read time. This computes the same quaternions with an inline,
// vectorisable sincos and keeps them only where they provably round to the same float32 as
// quat_from_euler's would (see euler_batch.cpp); the few others come from quat_from_euler
// itself. The result is bit-identical to Volume::set_orientation(i, quat_from_euler(e)).
#include <cstddef>

namespace ebsd::io {

// out[4 k .. 4 k + 3] = the (w, x, y, z) floats set_orientation(quat_from_euler({phi1[k],
// Phi[k], phi2[k]})) would store, for k < n; the identity (1, 0, 0, 0) where skip[k] is set
// (skip may be null). Angles in radians, any value.
void quats_from_euler(const double* phi1, const double* Phi, const double* phi2, std::size_t n, float* out,
                      const unsigned char* skip = nullptr);

}  // namespace ebsd::io

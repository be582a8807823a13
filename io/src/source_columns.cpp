#include "source_columns.hpp"

#include <cmath>
#include <numbers>

#include "ebsd/orientation/rotations.hpp"

namespace ebsd::io {

const float* source_column(const Volume& v, const char* name) {
  return v.has_channel(name) ? v.channel(name).values.data() : nullptr;
}

EulerOutput::EulerOutput(const Volume& v, double per_radian) : v_(v), per_radian_(per_radian) {
  if (v.has_channel(kSourceEuler[0]) && v.has_channel(kSourceEuler[1]) && v.has_channel(kSourceEuler[2])) {
    for (int k = 0; k < 3; ++k) src_[k] = v.channel(kSourceEuler[k]).values.data();
    src_to_rad_ = v.channel(kSourceEuler[0]).unit == "deg" ? std::numbers::pi / 180.0 : 1.0;
  }
}

std::array<double, 3> EulerOutput::at(std::int64_t i, const std::array<double, 3>* invalid, double phi2_offset, bool* derived) const {
  const auto k = static_cast<std::size_t>(i);
  if (derived) *derived = false;
  const bool valid = v_.is_valid(i);
  if (src_[0]) {
    const std::array<double, 3> s{src_[0][k], src_[1][k], src_[2][k]};
    const double to_out = src_to_rad_ * per_radian_;
    if (!valid) return {s[0] * to_out, s[1] * to_out, s[2] * to_out};
    // Still the stored orientation? 1e-6 per component is ~2e-6 rad: float rounding of the
    // kept angles, far below any change a processing step makes.
    const Quat q = quat_from_euler({s[0] * src_to_rad_, s[1] * src_to_rad_, s[2] * src_to_rad_ + phi2_offset}).positive();
    const float* st = &v_.quaternion_data()[k * 4];
    const double d1 = std::fabs(q.w - st[0]) + std::fabs(q.x - st[1]) + std::fabs(q.y - st[2]) + std::fabs(q.z - st[3]);
    const double d2 = std::fabs(q.w + st[0]) + std::fabs(q.x + st[1]) + std::fabs(q.y + st[2]) + std::fabs(q.z + st[3]);
    if (std::min(d1, d2) < 4e-6) return {s[0] * to_out, s[1] * to_out, s[2] * to_out};
  }
  if (!valid && invalid) return *invalid;
  if (derived) *derived = true;
  const Euler e = euler_from_quat(v_.orientation(i));
  double phi2 = e.phi2 - phi2_offset;
  if (phi2 < 0) phi2 += 2.0 * std::numbers::pi;
  return {e.phi1 * per_radian_, e.Phi * per_radian_, phi2 * per_radian_};
}

bool euler_reproduction_certain(const double* parsed, const ColumnFormat* const formats[3], double per_radian, const float* q) {
  const double half_steps[3] = {formats[0]->half_step(parsed[0]), formats[1]->half_step(parsed[1]), formats[2]->half_step(parsed[2])};
  return euler_reproduction_certain(parsed, half_steps, per_radian, q);
}

bool euler_reproduction_certain(const double* parsed, const double half_steps[3], double per_radian, const float* q) {
  const double to_rad = 1.0 / per_radian;
  const double e1 = parsed[0] * to_rad, e2 = parsed[1] * to_rad, e3 = parsed[2] * to_rad;
  constexpr double kMargin = 1e-4, kTwoPi = 2.0 * std::numbers::pi;
  if (!(e1 > kMargin && e1 < kTwoPi - kMargin && e3 > kMargin && e3 < kTwoPi - kMargin && e2 > kMargin && e2 < std::numbers::pi - kMargin))
    return false;
  const double c = std::sqrt(double(q[0]) * q[0] + double(q[3]) * q[3]), s = std::sqrt(double(q[1]) * q[1] + double(q[2]) * q[2]);
  if (!(c > 1e-3 && s > 1e-3)) return false;
  const double err = 2.0e-7 * (1.0 / c + 1.0 / s) + 1e-12;  // radians, ~20 % above the bound
  for (int k = 0; k < 3; ++k)
    if (!(4.0 * err * per_radian < half_steps[k])) return false;
  return true;
}

void keep_source_column(Volume& v, const char* name, const std::vector<std::int64_t>& source_row, const std::vector<double>& table,
                        int ncol, int column, const std::string& unit, const std::string& description) {
  Channel c{std::vector<float>(static_cast<std::size_t>(v.voxel_count()), 0.0f), unit, description};
  for (std::size_t i = 0; i < source_row.size(); ++i)
    if (source_row[i] >= 0)
      c.values[i] = static_cast<float>(table[static_cast<std::size_t>(source_row[i]) * static_cast<std::size_t>(ncol) + static_cast<std::size_t>(column)]);
  v.set_channel(name, std::move(c));
}

}  // namespace ebsd::io

#pragma once
// Values a text reader keeps verbatim when the volume's own data would not print them back
// (private to io). The volume holds float32 quaternions; the Euler triple recovered from one
// prints to the file's digits in nearly every row, but not where Phi is (near) 0 (phi1 and
// phi2 are then not separable), where the file's angles lie outside the ranges
// euler_from_quat returns, or on unindexed rows with arbitrary angles. Readers verify every
// row and, only when some row fails, keep the column as a channel named below; writers use
// such a channel only while it still describes the voxel (an Euler triple only while it gives
// the stored orientation), so a volume edited after reading never gets stale angles written.
#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "column_format.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::io {

inline constexpr const char* kSourceEuler[3] = {"source_euler1", "source_euler2", "source_euler3"};
inline constexpr const char* kSourceX = "source_x";
inline constexpr const char* kSourceY = "source_y";
inline constexpr const char* kSourcePhase = "source_phase";

// The Euler triple to print for a voxel, in the file's unit (per_radian: 1 for radians,
// 180/pi for degrees).
class EulerOutput {
public:
  EulerOutput(const Volume& v, double per_radian);
  // Invalid voxels: the kept triple if any, else `invalid` when given, else the quaternion's.
  // Valid voxels: the kept triple when it still gives the stored orientation, else the
  // quaternion's (phi1, phi2 in [0, 2 pi), Phi in [0, pi]).
  // phi2_offset (radians) is subtracted from the stored orientation's phi2 to get the file's
  // convention (the .ctf reader's optional +30 deg hexagonal alignment, undone on writing).
  // derived (optional) is set when the angles come from the quaternion, not from a kept column.
  std::array<double, 3> at(std::int64_t i, const std::array<double, 3>* invalid, double phi2_offset = 0.0, bool* derived = nullptr) const;
  bool has_source() const { return src_[0] != nullptr; }

private:
  const Volume& v_;
  double per_radian_;
  const float* src_[3] = {nullptr, nullptr, nullptr};
  double src_to_rad_ = 1.0;
};

// True when the Euler triple derived from the stored float32 quaternion q (w x y z) provably
// prints back as `parsed` (in the file's unit, per_radian per radian) in the given formats,
// without deriving it: the angles lie inside euler_from_quat's ranges with a margin, and the
// error float32 rounding can cause, ~1.7e-7 (1/cos(Phi/2) + 1/sin(Phi/2)) rad to first order
// (phi1 +- phi2 are twice atan2 of quaternion pairs of length cos(Phi/2) and sin(Phi/2)), is
// below a quarter of the printed step. Rows that fail are checked by deriving the angles.
bool euler_reproduction_certain(const double* parsed, const ColumnFormat* const formats[3], double per_radian, const float* q);
// The same test with the three half steps given (formats[k]->half_step(parsed[k]) above); a
// smaller half step only makes the test stricter.
bool euler_reproduction_certain(const double* parsed, const double half_steps[3], double per_radian, const float* q);

// A kept column (source_x, source_y, source_phase) or nullptr.
const float* source_column(const Volume& v, const char* name);

// Adds one kept column as a channel: values[row] per voxel through source_row (-1: 0).
void keep_source_column(Volume& v, const char* name, const std::vector<std::int64_t>& source_row, const std::vector<double>& table,
                        int ncol, int column, const std::string& unit, const std::string& description);

// Per layout column, how many rows the writer would not print back to the value read: a text
// reader's promise that file -> volume -> file keeps every value rests on this check. Shared by
// the .ang and .ctf readers; Rows is their layout's row calculator (AngRows, CtfRows) with
// row(voxel, out, derive_euler). Columns held as float32 whose numbers have at most six digits
// need no check (float_exact); the Euler columns (roles euler_roles) of voxels for which
// euler_eligible(voxel) holds are derived only where the float error bound does not already
// settle them (euler_reproduction_certain); per_radian converts radians to the file's unit.
template <class Layout, class Rows, class Eligible>
std::vector<std::int64_t> columns_not_reproduced(const Volume& v, const Layout& layout, Rows& rows,
                                                 const std::vector<std::int64_t>& source_row, const std::vector<double>& table,
                                                 int ncol, const std::vector<bool>& float_exact, const std::vector<bool>& fits_float,
                                                 const std::array<std::string_view, 3>& euler_roles, double per_radian,
                                                 Eligible euler_eligible) {
  const auto col = [](int c) { return static_cast<std::size_t>(c); };
  std::vector<std::int64_t> failing(col(ncol), 0);
  std::vector<double> out(col(ncol));
  std::vector<int> checked;
  int euler_col[3] = {-1, -1, -1};
  for (int c = 0; c < ncol; ++c) {
    const auto& role = layout.columns[col(c)].role;
    for (int k = 0; k < 3; ++k)
      if (role == euler_roles[static_cast<std::size_t>(k)]) euler_col[k] = c;
    if (!float_exact[col(c)]) checked.push_back(c);
  }
  const ColumnFormat* euler_formats[3] = {&layout.columns[col(euler_col[0])].format, &layout.columns[col(euler_col[1])].format,
                                          &layout.columns[col(euler_col[2])].format};
  for (std::size_t i = 0; i < source_row.size(); ++i) {
    if (source_row[i] < 0) continue;
    const double* parsed = &table[static_cast<std::size_t>(source_row[i]) * col(ncol)];
    bool certain = false;
    if (euler_eligible(i)) {
      const double e[3] = {parsed[euler_col[0]], parsed[euler_col[1]], parsed[euler_col[2]]};
      certain = euler_reproduction_certain(e, euler_formats, per_radian, &v.quaternion_data()[i * 4]);
    }
    rows.row(static_cast<std::int64_t>(i), out.data(), !certain);
    for (int c : checked) {
      if (certain && (c == euler_col[0] || c == euler_col[1] || c == euler_col[2])) continue;
      if (!layout.columns[col(c)].format.reproduces(out[col(c)], parsed[c], fits_float[col(c)])) ++failing[col(c)];
    }
  }
  return failing;
}

}  // namespace ebsd::io

#pragma once
// The column layout of an .ang file and how each column's value follows from a volume
// (private to io). The reader records the layout of the file it read (in its provenance
// record, key "layout") and checks every row against AngRows; the writer prints with the same
// AngRows, so what the reader verified is exactly what the writer prints.
#include <array>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "column_format.hpp"
#include "ebsd/volume/volume.hpp"
#include "source_columns.hpp"

namespace ebsd::io {

struct AngLayout {
  // Roles: "phi1" "Phi" "phi2" "x" "y" "iq" "ci" "phase", or "channel:<name>" for a named
  // channel (sem_signal, fit, and the further columns of OIM 8 files).
  struct Column {
    std::string role;
    std::string header;  // the name in COLUMN_HEADERS
    ColumnFormat format;
  };
  std::vector<Column> columns;
  bool phase_one_as_zero = false;        // legacy one-phase files write phase 1 as 0
  std::array<double, 3> unindexed_euler; // what unindexed rows carry (TSL: 4 pi three times)
  double unindexed_phase = 0;
  // Header lines kept verbatim (without the leading '#'): before the first phase, inside each
  // phase block after MaterialName/Symmetry/LatticeConstants, and after the grid keys.
  std::vector<std::string> preamble, trailer;
  std::vector<std::vector<std::string>> phase_lines;

  nlohmann::json to_json() const;
  static AngLayout from_json(const nlohmann::json& j);  // throws nlohmann::json::exception
};

// The TSL layout for a volume not read from an .ang file: 8 columns, then sem_signal and fit
// when the volume has them; TSL's fixed decimals for angles and positions.
AngLayout default_ang_layout(const Volume& v);
// The layout of the last .ang file the volume was read from (provenance "read-ang"), when its
// columns still exist in the volume; otherwise default_ang_layout.
AngLayout ang_layout_for(const Volume& v);

// The value of every column of the row that voxel i writes.
class AngRows {
public:
  AngRows(const Volume& v, const AngLayout& layout);
  // with_euler = false leaves the Euler columns of out unset (the reader's check skips them
  // where euler_reproduction_certain already holds).
  void row(std::int64_t i, double* out, bool with_euler = true) const;

private:
  const Volume& v_;
  const AngLayout& layout_;
  EulerOutput euler_;
  const float* src_x_;
  const float* src_y_;
  const float* src_phase_;
  std::vector<const float*> channels_;  // per column, for channel roles
  enum class Role { Phi1, Phi, Phi2, X, Y, Iq, Ci, Phase, Channel };
  std::vector<Role> roles_;
  const ColumnFormat* euler_format_[3] = {nullptr, nullptr, nullptr};  // phi1/Euler1, -, phi2/Euler3
  void wrap_printed_angles(std::array<double, 3>& e, double per_radian) const {
    const double full = 2.0 * 3.14159265358979323846 * per_radian;
    for (int k : {0, 2})
      if (euler_format_[k] && e[static_cast<std::size_t>(k)] > full * (1.0 - 1e-4) &&
          euler_format_[k]->prints_at_least(e[static_cast<std::size_t>(k)], full))
        e[static_cast<std::size_t>(k)] -= full;
  }
  bool single_phase_;
};

}  // namespace ebsd::io

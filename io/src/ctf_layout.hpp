#pragma once
// The column layout of an Oxford .ctf file and how each column's value follows from a volume
// (private to io); the counterpart of ang_layout.hpp. The reader records it (provenance
// "read-ctf", key "layout") and checks every row with CtfRows; the writer prints with CtfRows.
#include <array>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "column_format.hpp"
#include "ebsd/volume/volume.hpp"
#include "source_columns.hpp"

namespace ebsd::io {

struct CtfLayout {
  // Roles: "phase" "x" "y" "z" "euler1" "euler2" "euler3" "bc" (the volume's image quality),
  // or "channel:<name>" (bands, error, mad, bs and further columns).
  struct Column {
    std::string role;
    std::string header;  // the name on the column line ("Phase", "X", "Euler1", "MAD" ...)
    ColumnFormat format;
  };
  std::vector<Column> columns;
  bool degrees = true;         // 2D files: degrees; some 3D exports: radians
  bool decimal_comma = false;  // European-locale exports
  // The volume holds hexagonal/trigonal orientations turned by phi2 + 30 deg (read with
  // CtfReadOptions::hexagonal_to_tsl_alignment); the writer turns them back to HKL's X || a.
  bool hexagonal_aligned = false;
  // Header lines kept verbatim (tab-separated key/value lines other than the grid keys), and
  // per phase the fields after the Laue group (space group, internal ids, comment).
  std::vector<std::string> header_lines;
  std::vector<std::vector<std::string>> phase_tails;

  nlohmann::json to_json() const;
  static CtfLayout from_json(const nlohmann::json& j);  // throws nlohmann::json::exception
};

// Oxford's 11 columns (Phase X Y Bands Error Euler1 Euler2 Euler3 MAD BC BS) for a volume not
// read from a .ctf file, Bands/Error/MAD/BS from the channels of those names when present.
CtfLayout default_ctf_layout();
// The layout of the last .ctf file the volume came from, else the default.
CtfLayout ctf_layout_for(const Volume& v);

class CtfRows {
public:
  CtfRows(const Volume& v, const CtfLayout& layout);
  // with_euler = false leaves the Euler columns of out unset (the reader's check skips them
  // where euler_reproduction_certain already holds).
  void row(std::int64_t i, double* out, bool with_euler = true) const;

private:
  enum class Role { Phase, X, Y, Z, Euler1, Euler2, Euler3, Bc, Error, Channel, Zero };
  const Volume& v_;
  EulerOutput euler_;
  const float* src_x_;
  const float* src_y_;
  std::vector<Role> roles_;
  const ColumnFormat* euler_format_[3] = {nullptr, nullptr, nullptr};  // phi1/Euler1, -, phi2/Euler3
  void wrap_printed_angles(std::array<double, 3>& e, double per_radian) const {
    const double full = 2.0 * 3.14159265358979323846 * per_radian;
    for (int k : {0, 2})
      if (euler_format_[k] && e[static_cast<std::size_t>(k)] > full * (1.0 - 1e-4) &&
          euler_format_[k]->prints_at_least(e[static_cast<std::size_t>(k)], full))
        e[static_cast<std::size_t>(k)] -= full;
  }
  std::vector<const float*> channels_;
  std::vector<double> phi2_offset_;  // per phase id (0 = not indexed)
};

}  // namespace ebsd::io

#include "ctf_layout.hpp"

#include <cmath>
#include <numbers>

#include "ebsd/core/error.hpp"

namespace ebsd::io {

nlohmann::json CtfLayout::to_json() const {
  nlohmann::json cols = nlohmann::json::array();
  for (const auto& c : columns) cols.push_back({{"role", c.role}, {"header", c.header}, {"format", c.format.to_json()}});
  return {{"columns", cols}, {"degrees", degrees}, {"decimal_comma", decimal_comma}, {"hexagonal_aligned", hexagonal_aligned}, {"header_lines", header_lines}, {"phase_tails", phase_tails}};
}

CtfLayout CtfLayout::from_json(const nlohmann::json& j) {
  CtfLayout l;
  for (const auto& c : j.at("columns"))
    l.columns.push_back({c.at("role").get<std::string>(), c.value("header", std::string()), ColumnFormat::from_json(c.at("format"))});
  l.degrees = j.value("degrees", true);
  l.decimal_comma = j.value("decimal_comma", false);
  l.hexagonal_aligned = j.value("hexagonal_aligned", false);
  l.header_lines = j.value("header_lines", std::vector<std::string>{});
  l.phase_tails = j.value("phase_tails", std::vector<std::vector<std::string>>{});
  return l;
}

CtfLayout default_ctf_layout() {
  CtfLayout l;
  const auto shortest = ColumnFormat::shortest();
  // Oxford prints angles with five digit characters ("175.94", "0.0000"); values the volume
  // holds as float32 print in their shortest exact form.
  l.columns = {{"phase", "Phase", ColumnFormat::decimals(0)},
               {"x", "X", shortest},
               {"y", "Y", shortest},
               {"channel:bands", "Bands", shortest},
               {"channel:error", "Error", shortest},
               {"euler1", "Euler1", ColumnFormat::digits(5)},
               {"euler2", "Euler2", ColumnFormat::digits(5)},
               {"euler3", "Euler3", ColumnFormat::digits(5)},
               {"channel:mad", "MAD", shortest},
               {"bc", "BC", shortest},
               {"channel:bs", "BS", shortest}};
  return l;
}

CtfLayout ctf_layout_for(const Volume& v) {
  for (auto it = v.provenance().rbegin(); it != v.provenance().rend(); ++it) {
    if (it->step != "read-ctf" || !it->parameters.contains("layout")) continue;
    try {
      CtfLayout l = CtfLayout::from_json(it->parameters.at("layout"));
      bool usable = !l.columns.empty();
      for (const auto& c : l.columns)
        if (c.role.rfind("channel:", 0) == 0 && !v.has_channel(c.role.substr(8))) usable = false;
      if (usable) return l;
    } catch (const nlohmann::json::exception&) {
      // A hand-edited or foreign record: use Oxford's default layout.
    }
    break;
  }
  return default_ctf_layout();
}

CtfRows::CtfRows(const Volume& v, const CtfLayout& layout)
    : v_(v), euler_(v, layout.degrees ? 180.0 / std::numbers::pi : 1.0), src_x_(source_column(v, kSourceX)), src_y_(source_column(v, kSourceY)) {
  for (const auto& c : layout.columns) {
    Role r = Role::Channel;
    const float* ch = nullptr;
    if (c.role == "phase") r = Role::Phase;
    else if (c.role == "x") r = Role::X;
    else if (c.role == "y") r = Role::Y;
    else if (c.role == "z") r = Role::Z;
    else if (c.role == "euler1") r = Role::Euler1, euler_format_[0] = &c.format;
    else if (c.role == "euler2") r = Role::Euler2;
    else if (c.role == "euler3") r = Role::Euler3, euler_format_[2] = &c.format;
    else if (c.role == "bc") r = Role::Bc;
    else if (c.role.rfind("channel:", 0) == 0) {
      const std::string name = c.role.substr(8);
      if (v.has_channel(name)) ch = v.channel(name).values.data();
      r = name == "error" ? Role::Error : ch ? Role::Channel : Role::Zero;
    } else {
      throw Error("unknown .ctf column role '" + c.role + "'", "", "layout");
    }
    roles_.push_back(r);
    channels_.push_back(ch);
  }
  phi2_offset_.assign(v.phases().size() + 1, 0.0);
  if (layout.hexagonal_aligned)
    for (std::size_t k = 0; k < v.phases().size(); ++k) {
      const LaueGroup g = v.phases()[k].laue;
      if (g == LaueGroup::HexagonalHigh || g == LaueGroup::HexagonalLow || g == LaueGroup::TrigonalHigh || g == LaueGroup::TrigonalLow)
        phi2_offset_[k + 1] = std::numbers::pi / 6.0;
    }
}

void CtfRows::row(std::int64_t i, double* out, bool with_euler) const {
  const auto k = static_cast<std::size_t>(i);
  const Index3 c = v_.coords(i);
  std::array<double, 3> e{};
  bool have_euler = false;
  for (std::size_t col = 0; col < roles_.size(); ++col) {
    double value = 0;
    switch (roles_[col]) {
      case Role::Phase: value = v_.phase_ids()[k]; break;
      case Role::X: value = src_x_ ? src_x_[k] : v_.origin()[0] + static_cast<double>(c[0]) * v_.spacing()[0]; break;
      case Role::Y: value = src_y_ ? src_y_[k] : v_.origin()[1] + static_cast<double>(c[1]) * v_.spacing()[1]; break;
      case Role::Z: value = v_.origin()[2] + static_cast<double>(c[2]) * v_.spacing()[2]; break;
      case Role::Euler1:
      case Role::Euler2:
      case Role::Euler3:
        if (!with_euler) continue;
        // Oxford writes unindexed points with the angles they have (0 0 0 for phase 0, which
        // is the identity the reader leaves there), so no marker is substituted.
        if (!have_euler) {
          const std::int32_t id = v_.phase_ids()[k];
          bool derived = false;
          e = euler_.at(i, nullptr, id > 0 && static_cast<std::size_t>(id) < phi2_offset_.size() ? phi2_offset_[static_cast<std::size_t>(id)] : 0.0,
                        &derived);
          // As in the .ang writer: an angle that prints as 360 deg or more goes out as its
          // equivalent near 0.
          if (derived) wrap_printed_angles(e, 180.0 / std::numbers::pi);
          have_euler = true;
        }
        value = e[roles_[col] == Role::Euler1 ? 0 : roles_[col] == Role::Euler2 ? 1 : 2];
        break;
      case Role::Bc: value = v_.image_quality()[k]; break;
      case Role::Error: {
        // The reader's rule is valid = (phase > 0 and Error == 0); a kept Error is written
        // while it agrees with the voxel's validity, else 0 (valid) or 3 (not indexed).
        const bool valid = v_.is_valid(i);
        const bool indexed_phase = v_.phase_ids()[k] > 0;
        if (channels_[col]) {
          const double err = channels_[col][k];
          if (valid == (indexed_phase && err == 0.0)) {
            value = err;
            break;
          }
        }
        value = valid ? 0.0 : 3.0;
        break;
      }
      case Role::Channel: value = channels_[col][k]; break;
      case Role::Zero: value = 0; break;
    }
    out[col] = value;
  }
}

}  // namespace ebsd::io

#include "ang_layout.hpp"

#include <cmath>
#include <numbers>

#include "ebsd/core/error.hpp"

namespace ebsd::io {
namespace {

constexpr double kFourPi = 4.0 * std::numbers::pi;

}  // namespace

nlohmann::json AngLayout::to_json() const {
  nlohmann::json cols = nlohmann::json::array();
  for (const auto& c : columns) cols.push_back({{"role", c.role}, {"header", c.header}, {"format", c.format.to_json()}});
  return {{"columns", cols},
          {"phase_one_as_zero", phase_one_as_zero},
          {"unindexed_euler", unindexed_euler},
          {"unindexed_phase", unindexed_phase},
          {"preamble", preamble},
          {"trailer", trailer},
          {"phase_lines", phase_lines}};
}

AngLayout AngLayout::from_json(const nlohmann::json& j) {
  AngLayout l;
  for (const auto& c : j.at("columns"))
    l.columns.push_back({c.at("role").get<std::string>(), c.value("header", std::string()), ColumnFormat::from_json(c.at("format"))});
  l.phase_one_as_zero = j.value("phase_one_as_zero", false);
  l.unindexed_euler = j.value("unindexed_euler", std::array<double, 3>{kFourPi, kFourPi, kFourPi});
  l.unindexed_phase = j.value("unindexed_phase", 0.0);
  l.preamble = j.value("preamble", std::vector<std::string>{});
  l.trailer = j.value("trailer", std::vector<std::string>{});
  l.phase_lines = j.value("phase_lines", std::vector<std::vector<std::string>>{});
  return l;
}

AngLayout default_ang_layout(const Volume& v) {
  AngLayout l;
  const auto dec = ColumnFormat::decimals;
  // Values the volume holds as float32 print in their shortest exact form, so nothing is lost
  // for volumes that did not come from an .ang file.
  l.columns = {{"phi1", "phi1", dec(5)}, {"Phi", "PHI", dec(5)}, {"phi2", "phi2", dec(5)},
               {"x", "x", dec(5)},       {"y", "y", dec(5)},     {"iq", "IQ", ColumnFormat::shortest()},
               {"ci", "CI", ColumnFormat::shortest()}, {"phase", "Phase index", dec(0)}};
  if (v.has_channel("sem_signal")) l.columns.push_back({"channel:sem_signal", "SEM", ColumnFormat::shortest()});
  if (v.has_channel("fit")) l.columns.push_back({"channel:fit", "Fit", ColumnFormat::shortest()});
  l.unindexed_euler = {kFourPi, kFourPi, kFourPi};
  return l;
}

AngLayout ang_layout_for(const Volume& v) {
  for (auto it = v.provenance().rbegin(); it != v.provenance().rend(); ++it) {
    if (it->step != "read-ang" || !it->parameters.contains("layout")) continue;
    try {
      AngLayout l = AngLayout::from_json(it->parameters.at("layout"));
      bool usable = !l.columns.empty();
      for (const auto& c : l.columns)
        if (c.role.rfind("channel:", 0) == 0 && !v.has_channel(c.role.substr(8))) usable = false;
      if (usable) return l;
    } catch (const nlohmann::json::exception&) {
      // A hand-edited or foreign record: fall back to the TSL default below.
    }
    break;
  }
  return default_ang_layout(v);
}

AngRows::AngRows(const Volume& v, const AngLayout& layout)
    : v_(v),
      layout_(layout),
      euler_(v, 1.0),
      src_x_(source_column(v, kSourceX)),
      src_y_(source_column(v, kSourceY)),
      src_phase_(source_column(v, kSourcePhase)),
      single_phase_(v.phases().size() <= 1) {
  for (const auto& c : layout.columns) {
    const float* ch = nullptr;
    Role r = Role::Channel;
    if (c.role == "phi1") r = Role::Phi1, euler_format_[0] = &c.format;
    else if (c.role == "Phi") r = Role::Phi;
    else if (c.role == "phi2") r = Role::Phi2, euler_format_[2] = &c.format;
    else if (c.role == "x") r = Role::X;
    else if (c.role == "y") r = Role::Y;
    else if (c.role == "iq") r = Role::Iq;
    else if (c.role == "ci") r = Role::Ci;
    else if (c.role == "phase") r = Role::Phase;
    else if (c.role.rfind("channel:", 0) == 0) ch = v.channel(c.role.substr(8)).values.data();
    else throw Error("unknown .ang column role '" + c.role + "'", "", "layout");
    roles_.push_back(r);
    channels_.push_back(ch);
  }
}

void AngRows::row(std::int64_t i, double* out, bool with_euler) const {
  const auto k = static_cast<std::size_t>(i);
  const bool valid = v_.is_valid(i);
  const Index3 c = v_.coords(i);
  std::array<double, 3> e{};
  bool have_euler = false;
  for (std::size_t col = 0; col < roles_.size(); ++col) {
    double value = 0;
    switch (roles_[col]) {
      case Role::Phi1:
      case Role::Phi:
      case Role::Phi2:
        if (!with_euler) continue;
        if (!have_euler) {
          bool derived = false;
          e = euler_.at(i, &layout_.unindexed_euler, 0.0, &derived);
          have_euler = true;
          // An angle just below 2 pi may print as 2 pi or more, which reads back as a
          // quaternion whose angle is near 0: print it as its equivalent near 0 instead.
          if (derived) wrap_printed_angles(e, 1.0);
        }
        value = e[roles_[col] == Role::Phi1 ? 0 : roles_[col] == Role::Phi ? 1 : 2];
        break;
      case Role::X: value = src_x_ ? src_x_[k] : v_.origin()[0] + static_cast<double>(c[0]) * v_.spacing()[0]; break;
      case Role::Y: value = src_y_ ? src_y_[k] : v_.origin()[1] + static_cast<double>(c[1]) * v_.spacing()[1]; break;
      case Role::Iq: value = v_.image_quality()[k]; break;
      case Role::Ci: value = v_.confidence()[k]; break;
      case Role::Phase: {
        const std::int32_t id = v_.phase_ids()[k];
        // A kept phase column is used while the reader's rule maps it to the stored phase.
        if (src_phase_) {
          const double p = src_phase_[k];
          const long long mapped = (single_phase_ && std::llround(p) == 0) ? 1 : std::llround(p);
          if (!valid || mapped == id) {
            value = p;
            break;
          }
        }
        if (!valid) value = layout_.unindexed_phase;
        else value = (layout_.phase_one_as_zero && id == 1) ? 0.0 : static_cast<double>(id);
        break;
      }
      case Role::Channel: value = channels_[col][k]; break;
    }
    out[col] = value;
  }
}

}  // namespace ebsd::io

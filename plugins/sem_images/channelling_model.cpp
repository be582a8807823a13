#include "channelling_model.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace ebsd_sem {

namespace sdk = ebsd::sdk;

ChannellingModel::ChannellingModel(int laue) : operators_(sdk::symmetry_operators(laue)) {
  if (operators_.empty()) throw sdk::Error("unknown Laue group " + std::to_string(laue));
  // The extremes of c lie at zone axes; the poles and cube directions are met exactly, and a
  // Fibonacci lattice of 4000 directions finds the others of the lower symmetries to ~1e-3.
  lo_ = 1e300;
  hi_ = -1e300;
  auto take = [&](const sdk::Vec3& d) {
    const double c = raw(d);
    lo_ = std::min(lo_, c);
    hi_ = std::max(hi_, c);
  };
  const double r3 = 1.0 / std::sqrt(3.0), r2 = 1.0 / std::sqrt(2.0);
  for (const sdk::Vec3& d : {sdk::Vec3{0, 0, 1}, sdk::Vec3{1, 0, 0}, sdk::Vec3{0, 1, 0}, sdk::Vec3{r3, r3, r3},
                             sdk::Vec3{r2, r2, 0}})
    take(d);
  constexpr int n = 4000;
  const double golden = std::numbers::pi * (3.0 - std::sqrt(5.0));
  for (int k = 0; k < n; ++k) {
    const double z = 1.0 - 2.0 * (k + 0.5) / n, rho = std::sqrt(1.0 - z * z), a = golden * k;
    take({rho * std::cos(a), rho * std::sin(a), z});
  }
  if (hi_ - lo_ < 1e-12) {  // a constant moment (cannot happen for real groups): no contrast
    lo_ = 0.0;
    hi_ = 1.0;
  }
}

double ChannellingModel::raw(const sdk::Vec3& d) const {
  double sum = 0.0;
  for (const auto& s : operators_) {
    const double z = sdk::rotate(s, d)[2];
    sum += z * z * z * z;
  }
  return sum / static_cast<double>(operators_.size());
}

double ChannellingModel::contrast(const sdk::Quat& g, const sdk::Vec3& beam) const {
  const sdk::Vec3 d = sdk::rotate(g, beam);  // the beam in crystal coordinates
  return std::clamp((raw(d) - lo_) / (hi_ - lo_), 0.0, 1.0);
}

}  // namespace ebsd_sem

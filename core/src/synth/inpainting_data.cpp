#include "ebsd/synth/inpainting_data.hpp"

#include <cmath>
#include <numbers>

#include "ebsd/core/error.hpp"
#include "ebsd/synth/side_modalities.hpp"

namespace ebsd::synth {

std::vector<std::string> inpainting_side_channels(LaueGroup g) {
  if (g == LaueGroup::HexagonalHigh) return {"pl0", "pl30", "pl60"};
  if (g == LaueGroup::CubicHigh) return {"bse"};
  throw Error("diffusion inpainting has side-modality models for m-3m and 6/mmm phases only", "",
              std::string(laue_symbol(g)));
}

void add_polarized_light_set(Volume& v, double noise, std::uint64_t seed) {
  // The forward model writes "pl"; each polarizer setting is renamed after its angle.
  const bool had_pl = v.has_channel("pl");
  Channel keep;
  if (had_pl) keep = v.channel("pl");
  const auto names = inpainting_side_channels(LaueGroup::HexagonalHigh);
  for (std::size_t k = 0; k < names.size(); ++k) {
    const double deg = 30.0 * static_cast<double>(k);
    add_polarized_light_channel(v, deg * std::numbers::pi / 180.0, noise, seed + 101 * k);
    v.set_channel(names[k], v.channel("pl"));
  }
  if (had_pl) v.set_channel("pl", std::move(keep));
  else v.remove_channel("pl");
}

void add_inpainting_side_channels(Volume& v, LaueGroup g, double noise, std::uint64_t seed) {
  inpainting_side_channels(g);  // throws for groups without a model
  if (g == LaueGroup::HexagonalHigh) add_polarized_light_set(v, noise, seed);
  else add_bse_channel(v, 0.3, noise, seed);
}

std::vector<float> joint_image(const Volume& v, std::int64_t z, const OrientationEmbedding& embedding,
                               const std::vector<std::string>& side) {
  if (z < 0 || z >= v.nz()) throw Error("slice " + std::to_string(z) + " is outside the volume", "", "z");
  const std::int64_t plane = v.nx() * v.ny();
  const int od = embedding.dims();
  std::vector<float> out(static_cast<std::size_t>(plane * (od + static_cast<std::int64_t>(side.size()))), 0.0f);
  std::vector<float> e(static_cast<std::size_t>(od));
  const std::int64_t base = v.index(0, 0, z);
  for (std::int64_t p = 0; p < plane; ++p) {
    if (!v.is_valid(base + p)) continue;
    const Phase* ph = v.phase_of(base + p);
    if (!ph || ph->laue != embedding.laue()) continue;
    embedding.encode(v.orientation(base + p), e);
    for (int c = 0; c < od; ++c) out[static_cast<std::size_t>(c * plane + p)] = e[static_cast<std::size_t>(c)];
  }
  for (std::size_t s = 0; s < side.size(); ++s) {
    if (!v.has_channel(side[s])) throw Error("the volume has no side channel '" + side[s] + "'", "", "side");
    const auto& vals = v.channel(side[s]).values;
    float* dst = out.data() + (od + static_cast<std::int64_t>(s)) * plane;
    for (std::int64_t p = 0; p < plane; ++p) dst[p] = 2.0f * vals[static_cast<std::size_t>(base + p)] - 1.0f;
  }
  return out;
}

}  // namespace ebsd::synth

// The bundled side-modality plugin "sem": BSE/SE image stacks in binary PGM, placed on the EBSD
// grid by the host's import-sem step, and a channelling-contrast forward model (predict-sem).
#include <cmath>
#include <optional>

#include <ebsd_sdk/plugin.hpp>

#include "channelling_model.hpp"
#include "pgm_reader.hpp"

namespace {

namespace sdk = ebsd::sdk;

void read_images(const std::string& path, sdk::ImageSink& sink, sdk::Context&) {
  ebsd_sem::read_pgm(path, [&](std::int64_t width, std::int64_t height, int bits) {
    return sink.add_page(width, height, bits).data();
  });
}

sdk::Vec3 beam_direction(const sdk::Params& p) {
  const auto b = p.get_floats("beam_direction");
  if (b.size() != 3) throw sdk::Error("parameter 'beam_direction': expected 3 numbers x,y,z");
  const double n = std::sqrt(b[0] * b[0] + b[1] * b[1] + b[2] * b[2]);
  if (!(n > 1e-12) || !std::isfinite(n)) throw sdk::Error("parameter 'beam_direction': the direction has no length");
  return {b[0] / n, b[1] / n, b[2] / n};
}

void predict(const sdk::Params& p, const sdk::VolumeView& v, std::span<float> out, sdk::Context& ctx) {
  const sdk::Vec3 beam = beam_direction(p);
  const auto phases = v.phases();
  std::vector<std::optional<ebsd_sem::ChannellingModel>> models(phases.size());  // built on first use
  const auto phase_ids = v.phase_ids();
  const auto valid = v.valid();
  const auto [nx, ny, nz] = v.dims();
  for (std::int64_t z = 0; z < nz; ++z) {
    ctx.check_cancelled();
    for (std::int64_t i = z * nx * ny; i < (z + 1) * nx * ny; ++i) {
      const auto k = static_cast<std::size_t>(i);
      const std::int32_t id = phase_ids[k];
      if (!valid[k] || id < 1 || static_cast<std::size_t>(id) > phases.size()) continue;  // stays NaN
      auto& model = models[static_cast<std::size_t>(id - 1)];
      if (!model) model.emplace(phases[static_cast<std::size_t>(id - 1)].laue);
      out[k] = static_cast<float>(model->contrast(v.orientation(i), beam));
    }
    ctx.progress(static_cast<double>(z + 1) / static_cast<double>(nz), "channelling contrast");
  }
}

void register_sem(sdk::Registrar& r) {
  r.info("sem", "1.0.0", "BSE/SE image stacks (binary PGM) and a BSE channelling-contrast model (bundled)");
  sdk::ModalityDefinition m;
  m.name = "sem";
  m.title = "SEM images (BSE/SE)";
  m.unit = "grey level";
  m.description =
      "Backscattered- or secondary-electron images in binary PGM (P5, 8 or 16 bit, as ImageJ/FIJI export them; a "
      "multi-image PGM supplies several slices). Grey levels are kept as stored (0..255 or 0..65535).";
  m.extensions = {".pgm"};
  m.read_images = read_images;
  m.predict = predict;
  m.predict_parameters = {
      sdk::Param::numbers("beam_direction", {0.0, 0.0, 1.0}).list_size(3)
          .help("the electron beam's direction in sample coordinates (x,y,z); 0,0,1 views the section face-on"),
  };
  m.predict_description =
      "Channelling contrast c(d) = mean over the Laue group's rotations s of ((s d).z)^4 for the crystal direction d "
      "along the beam, rescaled to [0, 1] over all directions (for cubic crystals brightest along <100>, darkest along "
      "<111>): the orientation term of EBSD Studio's synthetic BSE channel, without phase offsets, boundary darkening "
      "or noise. NaN where the voxel is not indexed.";
  m.predict_unit = "";
  r.add_modality(std::move(m));
}

}  // namespace

EBSD_PLUGIN(register_sem)

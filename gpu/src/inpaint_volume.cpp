// Slice-by-slice multimodal inpainting of a volume (ebsd/gpu/inpainting.hpp). Torch-free: the
// sampler is reached through diffusion/inpainter.hpp.
#include "ebsd/gpu/inpainting.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <numbers>

#include "diffusion/evidence_projection.hpp"
#include "diffusion/inpainter.hpp"
#include "diffusion/sample_cache.hpp"
#include "ebsd/analysis/side_registration.hpp"
#include "ebsd/analysis/sparse_sampling.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/orientation/disorientation.hpp"
#include "ebsd/orientation/orientation_embedding.hpp"
#include "ebsd/synth/side_modalities.hpp"

namespace ebsd::gpu {
namespace {

// The forward model behind a side channel name of the training data, evaluated at one
// orientation (what registration compares the image with); false when the name has none.
bool forward_model(const std::string& name, const Quat& q, LaueGroup laue, double& out) {
  if (name == "bse") {
    out = 0.25 + 0.5 * synth::channelling_contrast(q, laue);
    return true;
  }
  if (name.rfind("pl", 0) == 0 && name.size() > 2) {
    char* end = nullptr;
    const double deg = std::strtod(name.c_str() + 2, &end);
    if (end && *end == '\0') {
      out = synth::polarized_light_intensity(q, laue, deg * std::numbers::pi / 180.0);
      return true;
    }
  }
  return false;
}

}  // namespace

nlohmann::json InpaintReport::to_json() const {
  nlohmann::json s = nlohmann::json::array();
  for (const auto& r : slices)
    s.push_back({{"z", r.z},
                 {"observed_fraction", r.observed_fraction},
                 {"offset", {r.dx, r.dy}},
                 {"correlation", r.correlation},
                 {"correlation_unshifted", r.correlation_unshifted},
                 {"registered", r.registered},
                 {"mean_uncertainty_deg", r.mean_uncertainty_deg},
                 {"snapped_fraction", r.snapped_fraction},
                 {"kept_fraction", r.kept_fraction},
                 {"fallback_fraction", r.fallback_fraction},
                 {"seconds", r.seconds}});
  return {{"model", model}, {"laue", laue}, {"sampler", sampler}, {"side", side}, {"slices", s}};
}

std::filesystem::path default_diffusion_model_path(LaueGroup g) {
  namespace fs = std::filesystem;
  const std::string file = g == LaueGroup::CubicHigh ? "inpaint-m3m.safetensors" : "inpaint-6mmm.safetensors";
  const fs::path rel = fs::path("resources") / "models" / "diffusion" / file;
  std::vector<fs::path> tried;
  if (const char* e = std::getenv("EBSD_DIFFUSION_MODEL")) {
    if (fs::exists(e)) return e;
    tried.emplace_back(e);
  }
  if (const char* s = std::getenv("EBSD_SOURCE_DIR")) tried.push_back(fs::path(s) / rel);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec)
    for (fs::path d = exe.parent_path(); !d.empty() && d != d.root_path(); d = d.parent_path()) {
      tried.push_back(d / rel);
      tried.push_back(d / "share" / "ebsd-studio" / "models" / "diffusion" / file);
    }
  std::string list;
  for (const auto& p : tried) {
    if (fs::exists(p)) return p;
    list += (list.empty() ? "" : ", ") + p.string();
  }
  throw Error("no diffusion model found (set EBSD_DIFFUSION_MODEL or pass a model); tried " + list, "", "model");
}

struct VolumeInpainter::Impl {
  std::unique_ptr<diffusion::Inpainter> net;
  LaueGroup laue = LaueGroup::CubicHigh;
  const OrientationEmbedding* embedding = nullptr;
};

VolumeInpainter::VolumeInpainter(const std::filesystem::path& model, Device device) : impl_(std::make_unique<Impl>()) {
  impl_->net = std::make_unique<diffusion::Inpainter>(model, device);
  const auto& info = impl_->net->info();
  impl_->laue = laue_from_symbol(info.laue);
  if (!OrientationEmbedding::supports(impl_->laue)) throw Error("model for an unsupported Laue group", model.string(), info.laue);
  impl_->embedding = &orientation_embedding(impl_->laue);
  const auto fp = impl_->embedding->fingerprint();
  bool same = fp.size() == info.embedding_fingerprint.size() && impl_->embedding->dims() == info.orientation_dims;
  for (std::size_t i = 0; same && i < fp.size(); ++i) same = std::fabs(fp[i] - info.embedding_fingerprint[i]) < 1e-4f;
  if (!same) throw Error("the model was trained with another orientation embedding (fingerprint differs)", model.string(), "embedding");
}

VolumeInpainter::~VolumeInpainter() = default;

LaueGroup VolumeInpainter::laue() const { return impl_->laue; }
const std::vector<std::string>& VolumeInpainter::side_channels() const { return impl_->net->info().side; }

InpaintReport VolumeInpainter::run(Volume& v, const InpaintOptions& o, Progress& progress) const {
  const auto& info = impl_->net->info();
  const auto& emb = *impl_->embedding;
  const LaueGroup laue = impl_->laue;
  const std::vector<std::string> side = o.side.empty() ? info.side : o.side;
  if (side.size() != info.side.size())
    throw Error("the model takes " + std::to_string(info.side.size()) + " side channel(s), " + std::to_string(side.size()) + " given",
                "", "side");
  for (const auto& s : side)
    if (!v.has_channel(s)) throw Error("the volume has no channel '" + s + "'", "", "side");
  if (o.observed_channel.empty() && !(o.sample_fraction > 0.0 && o.sample_fraction <= 1.0))
    throw Error("give an observed-pixel channel or a sample fraction in (0, 1]", "", "observed");
  if (!o.observed_channel.empty() && !v.has_channel(o.observed_channel))
    throw Error("the volume has no channel '" + o.observed_channel + "'", "", "observed");
  if (!(o.consistency > 0.0 && o.consistency <= 1.0)) throw Error("consistency must be in (0, 1]", "", "consistency");
  std::int32_t phase_id = 0;
  for (std::size_t p = 0; p < v.phases().size(); ++p)
    if (v.phases()[p].laue == laue) {
      phase_id = static_cast<std::int32_t>(p + 1);
      break;
    }
  if (!phase_id) throw Error("the volume has no phase of the model's Laue group " + info.laue, "", "phases");
  const auto pattern = analysis::sampling_pattern_from_name(o.pattern);
  std::vector<std::int64_t> slices = o.slices;
  if (slices.empty())
    for (std::int64_t z = 0; z < v.nz(); ++z) slices.push_back(z);
  for (auto z : slices)
    if (z < 0 || z >= v.nz()) throw Error("slice " + std::to_string(z) + " is outside the volume", "", "slices");

  const std::int64_t nx = v.nx(), ny = v.ny(), plane = nx * ny;
  const int od = emb.dims();
  const int ns = static_cast<int>(side.size());
  const std::int64_t C = od + ns;
  if (C != info.channels) throw Error("model channel count differs from its embedding and side channels", info.path, "channels");
  InpaintReport report;
  report.model = info.path, report.laue = info.laue, report.sampler = o.sampler, report.side = side;
  Channel unc, obs_ch;
  if (v.has_channel(kInpaintUncertaintyChannel)) unc = v.channel(kInpaintUncertaintyChannel);
  else unc.values.assign(static_cast<std::size_t>(v.voxel_count()), 0.0f);
  unc.unit = "deg";
  unc.description = "diffusion inpainting: mean disorientation of the samples from the output (0 where measured)";
  if (v.has_channel(kInpaintObservedChannel)) obs_ch = v.channel(kInpaintObservedChannel);
  else obs_ch.values.assign(static_cast<std::size_t>(v.voxel_count()), 0.0f);
  obs_ch.description = "diffusion inpainting: 1 where the EBSD pixel was measured";
  std::vector<float> previous;  // embedding of the last slice's result
  std::int64_t previous_z = -2;
  for (std::size_t si = 0; si < slices.size(); ++si) {
    const auto z = slices[si];
    const auto t0 = std::chrono::steady_clock::now();
    Progress part = progress.part(static_cast<double>(si) / static_cast<double>(slices.size()),
                                  static_cast<double>(si + 1) / static_cast<double>(slices.size()), "slice " + std::to_string(z));
    const std::int64_t base = v.index(0, 0, z);
    auto phases = v.phase_ids();
    // 1. Observed pixels: measured, valid and of the model's phase.
    std::vector<std::uint8_t> observed(static_cast<std::size_t>(plane));
    const auto sampled = o.observed_channel.empty() ? analysis::sample_mask(nx, ny, o.sample_fraction, pattern, o.seed + static_cast<std::uint64_t>(z))
                                                    : std::vector<std::uint8_t>{};
    std::int64_t n_obs = 0;
    for (std::int64_t p = 0; p < plane; ++p) {
      const std::int64_t i = base + p;
      const bool measured = o.observed_channel.empty() ? sampled[static_cast<std::size_t>(p)] != 0
                                                       : v.channel(o.observed_channel).values[static_cast<std::size_t>(i)] > 0.5f;
      observed[static_cast<std::size_t>(p)] = measured && v.is_valid(i) && phases[static_cast<std::size_t>(i)] == phase_id;
      n_obs += observed[static_cast<std::size_t>(p)];
    }
    InpaintSliceReport sr;
    sr.z = z;
    sr.observed_fraction = static_cast<double>(n_obs) / static_cast<double>(plane);
    // 2. Side channels, registered to the EBSD grid when the forward models say they are offset.
    std::vector<float> sidev(static_cast<std::size_t>(ns * plane));
    for (int s = 0; s < ns; ++s) {
      const auto& vals = v.channel(side[static_cast<std::size_t>(s)]).values;
      std::copy(vals.begin() + base, vals.begin() + base + plane, sidev.begin() + s * plane);
    }
    if (o.use_side && o.register_side && n_obs >= 16) {
      std::vector<float> predicted(sidev.size(), 0.0f);
      bool models = true;
      for (int s = 0; s < ns && models; ++s)
        for (std::int64_t p = 0; p < plane && models; ++p) {
          if (!observed[static_cast<std::size_t>(p)]) continue;
          double val = 0.0;
          models = forward_model(info.side[static_cast<std::size_t>(s)], v.orientation(base + p), laue, val);
          predicted[static_cast<std::size_t>(s * plane + p)] = static_cast<float>(val);
        }
      if (models) {
        const auto off = analysis::estimate_side_offset(sidev, predicted, observed, nx, ny, ns, o.max_shift);
        sr.dx = off.dx, sr.dy = off.dy, sr.correlation = off.correlation, sr.correlation_unshifted = off.correlation_unshifted;
        if (off.correlation > off.correlation_unshifted + 0.01 && std::hypot(off.dx, off.dy) >= 0.25) {
          sidev = analysis::shift_side(sidev, nx, ny, ns, off.dx, off.dy);
          sr.registered = true;
        }
      }
    }
    // 3. The joint observation and its mask.
    std::vector<float> y(static_cast<std::size_t>(C * plane), 0.0f), mask(y.size(), 0.0f);
    std::vector<float> e(static_cast<std::size_t>(od));
    for (std::int64_t p = 0; p < plane; ++p) {
      if (!observed[static_cast<std::size_t>(p)]) continue;
      emb.encode(v.orientation(base + p), e);
      for (int c = 0; c < od; ++c) {
        y[static_cast<std::size_t>(c * plane + p)] = e[static_cast<std::size_t>(c)];
        mask[static_cast<std::size_t>(c * plane + p)] = 1.0f;
      }
    }
    for (int s = 0; s < ns; ++s)
      for (std::int64_t p = 0; p < plane; ++p) {
        const auto k = static_cast<std::size_t>((od + s) * plane + p);
        y[k] = 2.0f * sidev[static_cast<std::size_t>(s * plane + p)] - 1.0f;
        mask[k] = o.use_side ? 1.0f : 0.0f;
      }
    diffusion::SamplerOptions so;
    so.sampler = o.sampler, so.steps = o.steps, so.resample = o.resample, so.samples = o.samples, so.seed = o.seed + 7919 * static_cast<std::uint64_t>(z);
    so.dps_scale = o.dps_scale;
    std::vector<float> init;
    if (o.consistency < 1.0 && previous_z >= 0 && std::llabs(previous_z - z) == 1) {
      init = y;
      std::copy(previous.begin(), previous.end(), init.begin());
      so.init = &init;
      so.start_fraction = o.consistency;
    }
    // The samples, or their stored copy (diffusion/sample_cache.hpp: off unless asked for).
    std::vector<float> samples;
    const auto cache = diffusion::SampleCache::from_environment();
    const std::uint64_t key = cache ? cache->key(info, y, mask, nx, ny, so) : 0;
    if (!cache || !cache->load(key, so.samples, C, od, plane, samples)) {
      samples = impl_->net->sample(y, mask, nx, ny, so, part);
      if (cache) cache->store(key, so.samples, C, od, plane, samples);
    }
    // 4. Projection of every sample; per pixel the medoid sample (least summed embedding distance
    // to the others: robust where samples disagree, unlike their mean, which can fall between two
    // grains); uncertainty.
    const std::int64_t N = o.samples;
    std::vector<float> packed(static_cast<std::size_t>(plane * od));
    std::vector<std::vector<Quat>> sq(static_cast<std::size_t>(N), std::vector<Quat>(static_cast<std::size_t>(plane)));
    if (!cache || !cache->load_decoded(key, N, plane, sq)) {
      for (std::int64_t n = 0; n < N; ++n) {
        for (std::int64_t p = 0; p < plane; ++p)
          for (int c = 0; c < od; ++c)
            packed[static_cast<std::size_t>(p * od + c)] = samples[static_cast<std::size_t>((n * C + c) * plane + p)];
        emb.decode_many(packed, sq[static_cast<std::size_t>(n)]);
        part.check();
      }
      if (cache) cache->store_decoded(key, sq);
    }
    std::vector<Quat> out(static_cast<std::size_t>(plane));
    for (std::int64_t p = 0; p < plane; ++p) {
      std::int64_t best = 0;
      double best_sum = 1e300;
      for (std::int64_t a = 0; a < N; ++a) {
        double sum = 0.0;
        for (std::int64_t b = 0; b < N; ++b) {
          double d2 = 0.0;
          for (int c = 0; c < od; ++c) {
            const double d = samples[static_cast<std::size_t>((a * C + c) * plane + p)] - samples[static_cast<std::size_t>((b * C + c) * plane + p)];
            d2 += d * d;
          }
          sum += std::sqrt(d2);
        }
        if (sum < best_sum) best_sum = sum, best = a;
      }
      out[static_cast<std::size_t>(p)] = sq[static_cast<std::size_t>(best)][static_cast<std::size_t>(p)];
    }
    // Spread of the samples around the output, per pixel (degrees): the uncertainty channel, and
    // the test of step 5 for a region no measurement constrains.
    std::vector<double> spread(static_cast<std::size_t>(plane), 0.0);
    for (std::int64_t p = 0; p < plane; ++p) {
      if (observed[static_cast<std::size_t>(p)]) continue;
      double u = 0.0;
      for (std::int64_t n = 0; n < N; ++n)
        u += disorientation_angle(sq[static_cast<std::size_t>(n)][static_cast<std::size_t>(p)], out[static_cast<std::size_t>(p)], laue);
      spread[static_cast<std::size_t>(p)] = u / static_cast<double>(N) * 180.0 / std::numbers::pi;
    }
    part.check();
    // 5. Evidence projection (diffusion/evidence_projection.hpp): each generated pixel takes the
    // orientation of a measured grain around it, chosen by the samples' votes, the side image
    // (when observed) and a smoothness term.
    std::vector<Quat> measured(static_cast<std::size_t>(plane));
    for (std::int64_t p = 0; p < plane; ++p)
      if (observed[static_cast<std::size_t>(p)]) measured[static_cast<std::size_t>(p)] = v.orientation(base + p);
    diffusion::ProjectionInput pin;
    pin.nx = nx, pin.ny = ny, pin.laue = laue, pin.observed = observed, pin.measured = measured, pin.samples = sq;
    pin.spread_deg = spread, pin.generated = out;
    if (o.use_side) pin.side = sidev;
    diffusion::ProjectionOptions po;
    po.snap_deg = o.snap_deg, po.vote_radius = o.vote_radius, po.side_weight = o.side_weight, po.smoothness = o.smoothness;
    po.vote_weight = o.vote_weight;
    auto projected = diffusion::project_to_evidence(pin, po);
    const std::int64_t snapped = projected.voted, kept = projected.kept, fallback = projected.fallback;
    const std::vector<std::int64_t>& snap_source = projected.source;
    out = projected.orientation;
    part.check();
    const double generated = static_cast<double>(std::max<std::int64_t>(1, plane - n_obs));
    // Without the projection (turned off, or nothing measured in the slice) every generated pixel keeps its orientation.
    sr.kept_fraction = o.snap_deg > 0.0 && n_obs > 0 ? static_cast<double>(kept) / generated : 1.0;
    sr.fallback_fraction = static_cast<double>(fallback) / generated;
    sr.snapped_fraction = plane - n_obs > 0 ? static_cast<double>(snapped) / static_cast<double>(plane - n_obs) : 0.0;
    double unc_sum = 0.0;
    std::int64_t unc_n = 0;
    previous.assign(static_cast<std::size_t>(od * plane), 0.0f);
    for (std::int64_t p = 0; p < plane; ++p) {
      const std::int64_t i = base + p;
      const auto ps = static_cast<std::size_t>(p);
      if (observed[ps]) {
        unc.values[static_cast<std::size_t>(i)] = 0.0f;
        obs_ch.values[static_cast<std::size_t>(i)] = 1.0f;
      } else {
        const double u = spread[ps];
        unc.values[static_cast<std::size_t>(i)] = static_cast<float>(u);
        obs_ch.values[static_cast<std::size_t>(i)] = 0.0f;
        unc_sum += u, ++unc_n;
        v.set_orientation(i, out[ps]);
        phases[static_cast<std::size_t>(i)] = phase_id;
        v.valid()[static_cast<std::size_t>(i)] = 1;
        // Grain ids: a snapped pixel joins the grain of the measured pixel it took its orientation
        // from; any other generated pixel has no known grain (0) until the volume is segmented.
        if (v.has_grain_ids())
          v.grain_ids()[static_cast<std::size_t>(i)] = snap_source[ps] >= 0 ? v.grain_ids()[static_cast<std::size_t>(base + snap_source[ps])] : 0;
      }
      emb.encode(v.orientation(i), e);
      for (int c = 0; c < od; ++c) previous[static_cast<std::size_t>(c * plane + p)] = e[static_cast<std::size_t>(c)];
    }
    previous_z = z;
    sr.mean_uncertainty_deg = unc_n ? unc_sum / static_cast<double>(unc_n) : 0.0;
    sr.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    report.slices.push_back(sr);
  }
  v.set_channel(kInpaintUncertaintyChannel, std::move(unc));
  v.set_channel(kInpaintObservedChannel, std::move(obs_ch));
  return report;
}

}  // namespace ebsd::gpu

#include "ebsd/rpca/volume_denoise.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>

#include "ebsd/core/error.hpp"
#include "ebsd/core/version.hpp"
#include "ebsd/orientation/disorientation.hpp"

namespace ebsd::rpca {
namespace {

constexpr double kDeg = std::numbers::pi / 180.0;

// A progress for the part [begin, end] of `parent`, sharing its cancellation.
Progress sub_progress(Progress& parent, double begin, double end, std::string prefix) {
  return Progress(
      [&parent, begin, end, prefix = std::move(prefix)](double f, const std::string& m) {
        parent.check();
        parent.report(begin + (end - begin) * std::clamp(f, 0.0, 1.0), prefix + ": " + m);
      },
      nullptr);
}

double median_of(std::vector<double> v) {
  if (v.empty()) return 0.0;
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

// The number of solves for a channel with NaN voxels (denoise_scalar_channel): the estimate at
// those voxels goes back in as their value for the next solve. In the unit test (IQ with noise
// of 5, 8 % of the voxels NaN, a block of them and scattered ones) one solve flagged 60 clean
// voxels of 7 680 and three solves 5.
constexpr int kMissingRounds = 3;

// The NaN voxels of `values` filled in y (which holds values elsewhere): first with `start`,
// then relaxed towards the mean of their face neighbours (Gauss-Seidel sweeps, the voxels with
// values held fixed) until the largest change falls below 1e-6 of the fill's scale, or for at
// most kFillSweeps sweeps: a start for the solves that continues the field into a block of
// missing voxels (a corner outside a side-modality image) instead of a constant step. The solves
// refine it, so a large hole need not converge here; each sweep checks for cancellation.
constexpr int kFillSweeps = 64;
void fill_missing_smoothly(std::span<const float> values, const Index3& dims, double start, tensor::Tensor<double>& y,
                           Progress& progress) {
  const std::int64_t nx = dims[0], ny = dims[1], nz = dims[2];
  std::vector<std::int64_t> missing;
  for (std::int64_t i = 0; i < nx * ny * nz; ++i)
    if (std::isnan(values[static_cast<std::size_t>(i)])) missing.push_back(i), y.data()[i] = start;
  const double tolerance = 1e-6 * std::max(1.0, std::fabs(start));
  double* v = y.data();
  for (int sweep = 0; sweep < kFillSweeps; ++sweep) {
    progress.check();
    double largest = 0.0;
    for (const std::int64_t i : missing) {
      const std::int64_t x = i % nx, yy = (i / nx) % ny, z = i / (nx * ny);
      double sum = 0.0;
      int count = 0;
      if (x > 0) sum += v[i - 1], ++count;
      if (x + 1 < nx) sum += v[i + 1], ++count;
      if (yy > 0) sum += v[i - nx], ++count;
      if (yy + 1 < ny) sum += v[i + nx], ++count;
      if (z > 0) sum += v[i - nx * ny], ++count;
      if (z + 1 < nz) sum += v[i + nx * ny], ++count;
      if (count == 0) continue;  // a single voxel
      const double next = sum / count;
      largest = std::max(largest, std::fabs(next - v[i]));
      v[i] = next;
    }
    if (largest < tolerance) break;
  }
}

ScaledGdSettings settings_for(const Index3& dims, const DenoiseOptions& o) {
  ScaledGdSettings s;
  s.ranks = o.ranks.empty() ? default_ranks(dims) : o.ranks;
  s.hyper = o.hyper;
  s.iterations = o.iterations;
  s.threads = o.threads;
  return s;
}

// Solves for one scalar field given in double; returns X in the field's units.
tensor::Tensor<double> low_rank_of(tensor::Tensor<double> y, const ScaledGdSettings& s, const RpcaSolver& solver,
                                   Progress& progress, int& iterations, double& seconds) {
  double squares = 0.0;
  for (const double v : y.values()) squares += v * v;
  const double rms = std::sqrt(squares / static_cast<double>(y.size()));
  if (rms == 0.0) return y;  // an all-zero field is its own low-rank part
  const double scale = kWorkingRms / rms;
  for (double& v : y.values()) v *= scale;
  ScaledGdResult r = solver(y, s, progress);
  iterations = r.iterations;
  seconds += r.init_seconds + r.iteration_seconds;
  for (double& v : r.low_rank.values()) v /= scale;
  return std::move(r.low_rank);
}

// Most frequent phase id >= 1 among valid voxels (0 when there is none).
std::int32_t dominant_phase(const Volume& v) {
  std::map<std::int32_t, std::int64_t> count;
  for (std::int64_t i = 0; i < v.voxel_count(); ++i)
    if (v.is_valid(i) && v.phase_of(i)) ++count[v.phase_ids()[static_cast<std::size_t>(i)]];
  std::int32_t best = 0;
  std::int64_t most = 0;
  for (const auto& [id, n] : count)
    if (n > most) best = id, most = n;
  return best;
}

// The symmetric equivalent s * q nearest `reference` (largest |<s q, ref>|), signed so that its
// dot product with the reference is >= 0.
Quat equivalent_near(const Quat& q, const Quat& reference, LaueGroup g) {
  Quat best = q;
  double best_dot = -1.0;
  for (const Quat& s : symmetry_operators(g)) {
    const Quat c = s * q;
    const double d = std::fabs(c.dot(reference));
    if (d > best_dot) best_dot = d, best = c;
  }
  return best.dot(reference) < 0 ? -best : best;
}

}  // namespace

RpcaSolver cpu_solver() {
  return [](const tensor::Tensor<double>& y, const ScaledGdSettings& s, Progress& p) { return scaled_gd(y, s, p); };
}

std::vector<std::int64_t> default_ranks(const Index3& dims) {
  std::vector<std::int64_t> r;
  for (const std::int64_t n : dims) r.push_back(std::min<std::int64_t>(n, std::max<std::int64_t>(2, std::llround(0.1 * n))));
  // A Tucker core of ranks r has r_k <= the product of the other ranks: a map of one slice
  // (n3 = 1, so r3 = 1) must have r1 = r2. Cap each rank by the others' product until none
  // changes (ranks only fall and stay >= 1, so this ends).
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t k = 0; k < r.size(); ++k) {
      std::int64_t others = 1;
      for (std::size_t j = 0; j < r.size(); ++j)
        if (j != k) others *= r[j];
      if (r[k] > others) r[k] = others, changed = true;
    }
  }
  return r;
}

ChannelDenoising denoise_scalar_channel(std::span<const float> values, const Index3& dims, const DenoiseOptions& options,
                                        const RpcaSolver& solver, Progress& progress) {
  const std::int64_t n = dims[0] * dims[1] * dims[2];
  if (static_cast<std::int64_t>(values.size()) != n)
    throw Error("the channel has " + std::to_string(values.size()) + " values for " + std::to_string(n) + " voxels", "",
                "denoise_scalar_channel");
  // NaN marks a voxel without a value (outside a side-modality image, a KAM without counted
  // neighbours, an unmeasured point): it is no evidence for the model. The solver needs a full
  // tensor and takes no mask, so such voxels are filled smoothly from their neighbours, then
  // with the low-rank estimate of each solve for the next (kMissingRounds solves in all); they
  // never count in the threshold and are never outliers. An infinite value is not a convention
  // for anything: an error.
  ChannelDenoising out;
  std::vector<double> present;
  present.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const float v = values[static_cast<std::size_t>(i)];
    if (std::isnan(v)) {
      ++out.missing_count;
    } else {
      if (!std::isfinite(v))
        throw Error("voxel " + std::to_string(i) + " holds an infinite value", "", "denoise_scalar_channel");
      present.push_back(v);
    }
  }
  if (present.empty()) throw Error("every voxel is NaN: the channel has no value to model", "", "denoise_scalar_channel");
  tensor::Tensor<double> y({dims[0], dims[1], dims[2]});
  for (std::int64_t i = 0; i < n; ++i) y.data()[i] = values[static_cast<std::size_t>(i)];
  if (out.missing_count > 0) fill_missing_smoothly(values, dims, median_of(present), y, progress);
  double squares = 0.0;
  for (const double v : present) squares += v * v;

  tensor::Tensor<double> x;
  const int rounds = out.missing_count > 0 ? kMissingRounds : 1;
  for (int round = 0; round < rounds; ++round) {
    Progress part = sub_progress(progress, static_cast<double>(round) / rounds, static_cast<double>(round + 1) / rounds,
                                 "solve " + std::to_string(round + 1) + " of " + std::to_string(rounds));
    x = low_rank_of(y, settings_for(dims, options), solver, rounds > 1 ? part : progress, out.iterations, out.seconds);
    // Missing voxels take the low-rank estimate for the next round (expectation-maximisation):
    // the solver never sees a mask, but what it is given there converges to what it predicts.
    for (std::int64_t i = 0; i < n; ++i)
      if (std::isnan(values[static_cast<std::size_t>(i)])) y.data()[i] = x.data()[i];
  }
  std::vector<double> magnitude(static_cast<std::size_t>(n));
  std::vector<double> present_magnitude;
  present_magnitude.reserve(present.size());
  for (std::int64_t i = 0; i < n; ++i) {
    magnitude[static_cast<std::size_t>(i)] = std::fabs(y.data()[i] - x.data()[i]);
    if (!std::isnan(values[static_cast<std::size_t>(i)])) present_magnitude.push_back(magnitude[static_cast<std::size_t>(i)]);
  }
  // The floor keeps rounding-level residuals of an exactly low-rank channel from being outliers.
  out.threshold = std::max(options.scalar_outlier_factor * median_of(std::move(present_magnitude)),
                           1e-6 * std::sqrt(squares / static_cast<double>(present.size())));
  out.low_rank.resize(static_cast<std::size_t>(n));
  out.sparse.assign(static_cast<std::size_t>(n), 0.0f);
  out.outlier.assign(static_cast<std::size_t>(n), 0);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(i);
    out.low_rank[k] = static_cast<float>(x.data()[i]);
    if (!std::isnan(values[k]) && magnitude[k] > out.threshold) {
      out.outlier[k] = 1;
      out.sparse[k] = static_cast<float>(y.data()[i] - x.data()[i]);
      ++out.outlier_count;
    }
  }
  return out;
}

OrientationDenoising denoise_orientations(const Volume& volume, const DenoiseOptions& options, const RpcaSolver& solver,
                                          Progress& progress) {
  const std::int64_t n = volume.voxel_count();
  if (n == 0) throw Error("the volume is empty", "", "denoise_orientations");
  const Index3& dims = volume.dims();
  const std::int32_t dominant = dominant_phase(volume);
  const LaueGroup g_dominant =
      dominant > 0 ? volume.phases()[static_cast<std::size_t>(dominant - 1)].laue : LaueGroup::Triclinic;
  const auto group_of = [&](std::int64_t i) {
    const Phase* p = volume.phase_of(i);
    return p ? p->laue : g_dominant;
  };

  OrientationDenoising out;
  // Reference: mean orientation of (at most ~20000, evenly spaced) valid voxels of the dominant phase.
  {
    std::vector<Quat> sample;
    const std::int64_t stride = std::max<std::int64_t>(1, n / 20000);
    for (std::int64_t i = 0; i < n; i += stride)
      if (volume.is_valid(i) && (dominant == 0 || volume.phase_ids()[static_cast<std::size_t>(i)] == dominant))
        sample.push_back(reduce_to_fundamental_zone(volume.orientation(i), g_dominant));
    out.reference = sample.empty() ? Quat::identity() : mean_orientation(sample, g_dominant);
  }

  std::vector<tensor::Tensor<double>> components(4, tensor::Tensor<double>({dims[0], dims[1], dims[2]}));
  std::vector<Quat> measured(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const LaueGroup g = group_of(i);
    const Quat q = equivalent_near(reduce_to_fundamental_zone(volume.orientation(i), g), out.reference, g);
    measured[static_cast<std::size_t>(i)] = q;
    components[0].data()[i] = q.w;
    components[1].data()[i] = q.x;
    components[2].data()[i] = q.y;
    components[3].data()[i] = q.z;
  }

  const ScaledGdSettings s = settings_for(dims, options);
  std::vector<tensor::Tensor<double>> x;
  for (int c = 0; c < 4; ++c) {
    Progress part = sub_progress(progress, 0.25 * c, 0.25 * (c + 1), "orientation component " + std::to_string(c));
    x.push_back(low_rank_of(std::move(components[static_cast<std::size_t>(c)]), s, solver, part, out.iterations, out.seconds));
  }

  out.low_rank.resize(static_cast<std::size_t>(n));
  out.deviation_deg.resize(static_cast<std::size_t>(n));
  out.outlier.assign(static_cast<std::size_t>(n), 0);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(i);
    const LaueGroup g = group_of(i);
    const Quat estimate{x[0].data()[i], x[1].data()[i], x[2].data()[i], x[3].data()[i]};
    // A vanishing estimate has no direction: keep the measurement there.
    const Quat q = estimate.norm() > 1e-6 ? reduce_to_fundamental_zone(estimate.normalized(), g)
                                          : reduce_to_fundamental_zone(measured[k], g);
    out.low_rank[k] = q;
    out.deviation_deg[k] = static_cast<float>(disorientation_angle(measured[k], q, g) / kDeg);
    if (out.deviation_deg[k] > options.orientation_outlier_deg) {
      out.outlier[k] = 1;
      ++out.outlier_count;
    }
  }
  return out;
}

namespace {

// One channel's results, computed before the volume is touched.
struct PendingChannel {
  ChannelReport report;
  std::vector<float> mask;
  std::vector<float> scalar;  // new values of a scalar channel (empty when unchanged)
  std::vector<Quat> orientation;
};

PendingChannel denoise_channel(const Volume& volume, const std::string& name, const VolumeDenoiseOptions& options,
                               bool all_channels, const RpcaSolver& solver, Progress& progress) {
  PendingChannel p;
  p.report.channel = name;
  if (name == "orientation") {
    OrientationDenoising d = denoise_orientations(volume, options.denoise, solver, progress);
    p.report.outlier_count = d.outlier_count;
    p.report.iterations = d.iterations;
    p.report.seconds = d.seconds;
    p.mask.assign(d.outlier.begin(), d.outlier.end());
    if (options.replace != ReplaceMode::None) {
      p.orientation.resize(d.low_rank.size());
      for (std::int64_t i = 0; i < volume.voxel_count(); ++i) {
        const auto k = static_cast<std::size_t>(i);
        const bool take = options.replace == ReplaceMode::All || d.outlier[k];
        p.orientation[k] = take ? d.low_rank[k] : volume.orientation(i);
      }
    }
    return p;
  }
  const std::span<const float> values = name == "iq"   ? std::span<const float>(volume.image_quality())
                                        : name == "ci" ? std::span<const float>(volume.confidence())
                                                       : std::span<const float>(volume.channel(name).values);
  // A channel without any value (every voxel NaN) has nothing to denoise: among "all the
  // channels" it is left as it is; asked for by name, denoise_scalar_channel's error says why.
  if (all_channels && std::all_of(values.begin(), values.end(), [](float v) { return std::isnan(v); })) {
    p.report.skipped = "every voxel is NaN";
    return p;
  }
  ChannelDenoising d = denoise_scalar_channel(values, volume.dims(), options.denoise, solver, progress);
  p.report.outlier_count = d.outlier_count;
  p.report.missing_count = d.missing_count;
  p.report.iterations = d.iterations;
  p.report.seconds = d.seconds;
  p.mask.assign(d.outlier.begin(), d.outlier.end());
  if (options.replace != ReplaceMode::None) {
    p.scalar.assign(values.begin(), values.end());
    for (std::size_t k = 0; k < p.scalar.size(); ++k)  // (a NaN voxel stays NaN: it had no value)
      if (!std::isnan(values[k]) && (options.replace == ReplaceMode::All || d.outlier[k])) p.scalar[k] = d.low_rank[k];
  }
  return p;
}

}  // namespace

std::vector<ChannelReport> denoise_volume(Volume& volume, const VolumeDenoiseOptions& options, const RpcaSolver& solver,
                                          Progress& progress) {
  const std::string suffix = "_rpca_outliers";
  std::vector<std::string> names = options.channels;
  const bool all_channels = names.empty();
  if (all_channels) {
    names = {"orientation", "iq", "ci"};
    for (const auto& [name, ch] : volume.channels())
      if (name.size() < suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
        names.push_back(name);
  }
  for (const auto& name : names)
    if (name != "orientation" && name != "iq" && name != "ci" && !volume.has_channel(name))
      throw Error("no channel named '" + name + "' (expected orientation, iq, ci or an extra channel)", "",
                  "denoise channels");

  // Everything is computed before the volume is touched, so a cancellation leaves it as it was.
  std::vector<PendingChannel> pending;
  for (std::size_t c = 0; c < names.size(); ++c) {
    const std::string& name = names[c];
    Progress part = sub_progress(progress, static_cast<double>(c) / static_cast<double>(names.size()),
                                 static_cast<double>(c + 1) / static_cast<double>(names.size()), "denoise " + name);
    try {
      pending.push_back(denoise_channel(volume, name, options, all_channels, solver, part));
    } catch (const Error& e) {  // the channel's name in the message (the steps' errors name their step)
      throw Error("channel '" + name + "': " + e.problem(), e.file(), e.place());
    }
    if (pending.back().report.skipped.empty()) pending.back().report.mask_channel = name + suffix;
  }

  std::vector<ChannelReport> reports;
  nlohmann::json counts = nlohmann::json::object(), skipped = nlohmann::json::object();
  for (PendingChannel& p : pending) {
    const std::string& name = p.report.channel;
    if (!p.report.skipped.empty()) {
      skipped[name] = p.report.skipped;
      reports.push_back(p.report);
      continue;
    }
    if (!p.orientation.empty())
      for (std::int64_t i = 0; i < volume.voxel_count(); ++i) volume.set_orientation(i, p.orientation[static_cast<std::size_t>(i)]);
    if (!p.scalar.empty()) {
      if (name == "iq") std::copy(p.scalar.begin(), p.scalar.end(), volume.image_quality().begin());
      else if (name == "ci") std::copy(p.scalar.begin(), p.scalar.end(), volume.confidence().begin());
      else volume.channel(name).values = std::move(p.scalar);
    }
    volume.set_channel(p.report.mask_channel,
                       Channel{std::move(p.mask), "", "tensor RPCA outliers of " + name + " (1 = outlier)"});
    counts[name] = p.report.outlier_count;
    reports.push_back(p.report);
  }
  const DenoiseOptions& d = options.denoise;
  nlohmann::json params = {{"channels", names},
                           {"ranks", d.ranks.empty() ? default_ranks(volume.dims()) : d.ranks},
                           {"zeta0", d.hyper.zeta0},
                           {"zeta1", d.hyper.zeta1},
                           {"eta", d.hyper.eta},
                           {"decay", d.hyper.decay},
                           {"iterations", d.iterations},
                           {"working_rms", kWorkingRms},
                           {"scalar_outlier_factor", d.scalar_outlier_factor},
                           {"orientation_outlier_deg", d.orientation_outlier_deg},
                           {"replace", options.replace == ReplaceMode::None       ? "none"
                                       : options.replace == ReplaceMode::Outliers ? "outliers"
                                                                                  : "all"},
                           {"outliers", counts}};
  if (!skipped.empty()) params["skipped"] = skipped;
  volume.add_provenance({"rpca-denoise", params, EBSD_VERSION, utc_timestamp(), "tensor RPCA by ScaledGD (docs/rpca.md)"});
  progress.report(1.0, "denoise done");
  return reports;
}

}  // namespace ebsd::rpca

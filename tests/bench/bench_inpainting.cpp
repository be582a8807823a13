// Accuracy of multimodal diffusion inpainting on held-out synthetic slices (label bench; issue 8's
// "done means"; docs/inpainting.md has the table and how it was made).
//
//   bench_inpainting [--model PATH] [--device cpu|cuda] [--size 128] [--volumes 4] [--slices 2]
//                    [--fractions 0.1,0.25] [--pattern random|grid] [--sampler repaint|dps|both]
//                    [--samples 4] [--steps 50] [--resample 2] [--shift 2,-1] [--diameter 16]
//                    [--seed-base 90000] [--variants all|side|projections]
//                    [--projections R:SIDE:SMOOTH[:VOTES],...] [--json FILE]
//
// Held-out volumes (seeds --seed-base + i, 90000 by default; 80000 is the validation set the
// projection was tuned on; training uses seed * 1000 + i for i <= its volume count) of
// the model's phase, side channels from the same forward models and noise (0.02) as in training.
// Per observed fraction and slice, the unmeasured pixels are filled by: nearest observed pixel;
// symmetry-aware interpolation; the diffusion model with the side channels observed; the same
// model with them unobserved; the model with side images offset by --shift (registered, and not);
// and slice-to-slice (3D, consistency 0.6). Metrics: mean disorientation over the unmeasured
// pixels and the fraction within 5 deg; grain-boundary F1 (5 deg boundaries, 1 pixel tolerance)
// over the slice. Means over all slices. `--variants side` runs only the rows with the side
// channels observed and aligned: they share one set of samples, so with EBSD_INPAINT_SAMPLE_CACHE
// set the GPU draws them once and the projection variants replay them.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ebsd/analysis/boundary_f1.hpp"
#include "ebsd/analysis/side_registration.hpp"
#include "ebsd/analysis/sparse_sampling.hpp"
#include "ebsd/gpu/device.hpp"
#include "ebsd/gpu/inpainting.hpp"
#include "ebsd/orientation/disorientation.hpp"
#include "ebsd/synth/inpainting_data.hpp"
#include "ebsd/synth/microstructure.hpp"
#include "ebsd/synth/representative_phase.hpp"

using namespace ebsd;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

std::vector<double> numbers(const std::string& s) {
  std::vector<double> v;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, ',')) v.push_back(std::stod(part));
  return v;
}

struct Score {
  double mis = 0, within5 = 0, f1 = 0, precision = 0, recall = 0, seconds = 0, offset_x = 0, offset_y = 0;
  double voted = 0, kept = 0, nearest = 0;  // evidence projection outcomes, summed over slices
  int n = 0, projected = 0;
  void add(double m, double w, const analysis::BoundaryScore& b, double s) {
    mis += m, within5 += w, f1 += b.f1, precision += b.precision, recall += b.recall, seconds += s, ++n;
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string model, device = "cpu", pattern = "random", sampler = "repaint", json_path, laue_name;
  std::int64_t size = 128, volumes = 4, slices = 2, samples = 4, steps = 50, resample = 2;
  std::vector<double> fractions{0.1, 0.25}, shift{2.0, -1.0};
  double diameter = 16.0;
  std::uint64_t seed_base = 90000;
  std::string variants = "all";
  std::vector<std::vector<double>> projections;  // --projections r:side:smooth,...
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--model") model = v;
    else if (k == "--device") device = v;
    else if (k == "--size") size = std::stoll(v);
    else if (k == "--volumes") volumes = std::stoll(v);
    else if (k == "--slices") slices = std::stoll(v);
    else if (k == "--fractions") fractions = numbers(v);
    else if (k == "--pattern") pattern = v;
    else if (k == "--sampler") sampler = v;
    else if (k == "--samples") samples = std::stoll(v);
    else if (k == "--steps") steps = std::stoll(v);
    else if (k == "--resample") resample = std::stoll(v);
    else if (k == "--shift") shift = numbers(v);
    else if (k == "--diameter") diameter = std::stod(v);
    else if (k == "--json") json_path = v;
    else if (k == "--laue") laue_name = v;
    else if (k == "--seed-base") seed_base = std::stoull(v);
    else if (k == "--variants") variants = v;
    else if (k == "--projections") {
      std::stringstream in(v);
      std::string item;
      while (std::getline(in, item, ',')) {
        for (auto& ch : item)
          if (ch == ':') ch = ',';
        projections.push_back(numbers(item));
        if (projections.back().size() == 3) projections.back().push_back(1.0);
        if (projections.back().size() != 4) {
          std::fprintf(stderr, "--projections takes vote_radius:side_weight:smoothness[:vote_weight] items\n");
          return 2;
        }
      }
    }
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  try {
    if (model.empty()) model = gpu::default_diffusion_model_path(laue_name.empty() ? LaueGroup::HexagonalHigh : laue_from_symbol(laue_name)).string();
    const gpu::VolumeInpainter engine(model, gpu::parse_device(device));
    const LaueGroup laue = engine.laue();
    std::printf("model %s (%s, side %zu channel(s)); %s; device %s\n", model.c_str(), std::string(laue_symbol(laue)).c_str(),
                engine.side_channels().size(), gpu::describe_compute().c_str(), device.c_str());
    std::printf("held-out: %lld volume(s) %lldx%lldx%lld, mean grain diameter %.0f px, %s sampling, %lld samples, %lld steps, "
                "resample %lld\n",
                static_cast<long long>(volumes), static_cast<long long>(size), static_cast<long long>(size),
                static_cast<long long>(slices), diameter, pattern.c_str(), static_cast<long long>(samples),
                static_cast<long long>(steps), static_cast<long long>(resample));
    const auto side = engine.side_channels();
    const auto pat = analysis::sampling_pattern_from_name(pattern);
    std::vector<std::string> samplers;
    if (sampler == "both") samplers = {"repaint", "dps"};
    else samplers = {sampler};
    // Rows in order of first appearance, per fraction.
    std::map<double, std::vector<std::pair<std::string, Score>>> table;
    auto row = [&](double f, const std::string& name) -> Score& {
      auto& rows = table[f];
      for (auto& r : rows)
        if (r.first == name) return r.second;
      rows.emplace_back(name, Score{});
      return rows.back().second;
    };
    for (std::int64_t vi = 0; vi < volumes; ++vi) {
      synth::SynthOptions so;
      so.dims = {size, size, slices};
      so.seed = seed_base + static_cast<std::uint64_t>(vi);
      so.phases = {synth::representative_phase(laue)};
      so.size_sigma = 0.4;
      so.twin_fraction = laue == LaueGroup::CubicHigh ? 0.3 : 0.0;
      so.grains = std::max(8, static_cast<int>(static_cast<double>(size * size * slices) / (std::numbers::pi / 6.0 * std::pow(diameter, 3))));
      Volume truth = synth::generate_microstructure(so).volume;
      synth::add_inpainting_side_channels(truth, laue, 0.02, so.seed * 31 + 7);
      const std::int64_t plane = size * size;
      for (double f : fractions) {
        const std::uint64_t seed = 500 + static_cast<std::uint64_t>(vi);
        auto score = [&](const std::string& name, const Volume& test, std::int64_t z, double secs) {
          const auto mask = analysis::sample_mask(size, size, f, pat, seed + static_cast<std::uint64_t>(z));
          std::vector<std::uint8_t> unobserved(mask.size());
          for (std::size_t i = 0; i < mask.size(); ++i) unobserved[i] = !mask[i];
          double within = 0;
          std::int64_t n = 0;
          for (std::int64_t p = 0; p < plane; ++p) {
            if (!unobserved[static_cast<std::size_t>(p)]) continue;
            const auto i = truth.index(0, 0, z) + p;
            within += disorientation_angle(truth.orientation(i), test.orientation(i), laue) < 5.0 * std::numbers::pi / 180.0;
            ++n;
          }
          const auto b = analysis::boundary_f1(analysis::slice_boundary_map(truth, z), analysis::slice_boundary_map(test, z), size, size, 1);
          row(f, name).add(analysis::mean_slice_disorientation_deg(truth, test, z, unobserved), n ? within / static_cast<double>(n) : 1.0,
                           b, secs);
        };
        // Baselines.
        for (std::int64_t z = 0; z < slices; ++z) {
          const auto mask = analysis::sample_mask(size, size, f, pat, seed + static_cast<std::uint64_t>(z));
          for (int m = 0; m < 2; ++m) {
            Volume test = truth;
            const double t0 = now();
            m == 0 ? analysis::fill_nearest(test, z, mask) : analysis::fill_interpolated(test, z, mask);
            score(m == 0 ? "nearest observed" : "interpolation (4 nearest, weighted mean)", test, z, now() - t0);
          }
        }
        // Diffusion variants, slice by slice (2D) unless said otherwise.
        auto diffusion = [&](const std::string& name, const std::string& smp, bool use_side, const std::vector<double>& offset,
                             bool reg, double consistency, double snap = 10.0, std::int64_t vote_radius = 1,
                             double side_weight = 1.0, double smoothness = 1.0, double vote_weight = 1.0) {
          Volume test = truth;
          if (!offset.empty()) {
            // side(x) shows the specimen at x - offset.
            for (const auto& s : side) {
              auto& vals = test.channel(s).values;
              for (std::int64_t z = 0; z < slices; ++z) {
                std::vector<float> img(vals.begin() + z * plane, vals.begin() + (z + 1) * plane);
                const auto moved = analysis::shift_side(img, size, size, 1, -offset[0], -offset[1]);
                std::copy(moved.begin(), moved.end(), vals.begin() + z * plane);
              }
            }
          }
          gpu::InpaintOptions o;
          o.sample_fraction = f, o.pattern = pattern, o.seed = seed;
          o.sampler = smp, o.samples = samples, o.steps = steps, o.resample = resample;
          o.use_side = use_side, o.register_side = reg, o.consistency = consistency, o.snap_deg = snap;
          o.vote_radius = vote_radius, o.side_weight = side_weight, o.smoothness = smoothness;
          o.vote_weight = vote_weight;
          const double t0 = now();
          const auto r = engine.run(test, o, Progress::none());
          const double secs = (now() - t0) / static_cast<double>(slices);
          for (std::int64_t z = 0; z < slices; ++z) score(name, test, z, secs);
          auto& s = row(f, name);
          for (const auto& sr : r.slices) {
            s.offset_x += sr.dx, s.offset_y += sr.dy;
            if (snap > 0.0) s.voted += sr.snapped_fraction, s.kept += sr.kept_fraction, s.nearest += sr.fallback_fraction, ++s.projected;
          }
        };
        for (const auto& pr : projections) {
          char buf[160];
          std::snprintf(buf, sizeof buf, "diffusion %s, side observed, projection votes %lldx%lld (weight %g), side weight %g, smoothness %g",
                        samplers[0].c_str(), static_cast<long long>(2 * pr[0] + 1), static_cast<long long>(2 * pr[0] + 1), pr[3], pr[1], pr[2]);
          diffusion(buf, samplers[0], true, {}, true, 1.0, 10.0, static_cast<std::int64_t>(pr[0]), pr[1], pr[2], pr[3]);
        }
        if (variants == "projections") {
          std::fprintf(stderr, "volume %lld, fraction %.2f done\n", static_cast<long long>(vi), f);
          continue;
        }
        const bool all = variants != "side";
        for (const auto& smp : samplers) {
          diffusion("diffusion " + smp + ", side observed", smp, true, {}, true, 1.0);
          if (all) diffusion("diffusion " + smp + ", side masked", smp, false, {}, false, 1.0);
        }
        // Ablations of the evidence projection on the same samples: none (the raw medoid); the
        // samples' votes without the side image's likelihood; the side image's likelihood without
        // the votes (no use of the model at all: a side-guided fill, the baseline the model must beat).
        diffusion("diffusion " + samplers[0] + ", side observed, no snapping", samplers[0], true, {}, true, 1.0, 0.0);
        diffusion("diffusion " + samplers[0] + ", side observed, projection by the votes alone", samplers[0], true, {}, true, 1.0, 10.0, 1,
                  0.0);
        diffusion("side-guided fill: projection by the side image alone (no model votes)", samplers[0], true, {}, true, 1.0, 10.0, 1, 1.0,
                  1.0, 0.0);
        if (all && shift.size() == 2 && (shift[0] != 0 || shift[1] != 0)) {
          char buf[160];
          std::snprintf(buf, sizeof buf, "diffusion %s, side offset (%.1f, %.1f) px, registered", samplers[0].c_str(), shift[0], shift[1]);
          diffusion(buf, samplers[0], true, shift, true, 1.0);
          std::snprintf(buf, sizeof buf, "diffusion %s, side offset (%.1f, %.1f) px, not registered", samplers[0].c_str(), shift[0], shift[1]);
          diffusion(buf, samplers[0], true, shift, false, 1.0);
        }
        if (all && slices > 1) diffusion("diffusion " + samplers[0] + ", side observed, 3D (consistency 0.6)", samplers[0], true, {}, true, 0.6);
        std::fprintf(stderr, "volume %lld, fraction %.2f done\n", static_cast<long long>(vi), f);
      }
    }
    nlohmann::json out = nlohmann::json::array();
    std::printf("\n| observed | method | misorientation, mean deg | within 5 deg | boundary F1 (precision / recall) | s / slice |\n|---|---|---|---|---|---|\n");
    for (const auto& [f, rows] : table)
      for (const auto& [name, s] : rows) {
        const double n = s.n;
        std::string extra;
        if (name.find("registered") != std::string::npos && name.find("not") == std::string::npos) {
          char b[96];
          std::snprintf(b, sizeof b, " (mean estimated offset %.2f, %.2f)", s.offset_x / n, s.offset_y / n);
          extra = b;
        }
        if (s.projected > 0) {
          char b[128];
          const double k = s.projected;
          std::snprintf(b, sizeof b, " [voted %.2f, kept %.2f, nearest %.2f]", s.voted / k, s.kept / k, s.nearest / k);
          extra += b;
        }
        std::printf("| %.0f %% | %s%s | %.2f | %.3f | %.3f (%.3f / %.3f) | %.2f |\n", f * 100, name.c_str(), extra.c_str(), s.mis / n,
                    s.within5 / n, s.f1 / n, s.precision / n, s.recall / n, s.seconds / n);
        out.push_back({{"fraction", f}, {"method", name}, {"misorientation_mean_deg", s.mis / n}, {"within_5deg", s.within5 / n},
                       {"boundary_f1", s.f1 / n}, {"boundary_precision", s.precision / n},
                       {"boundary_recall", s.recall / n}, {"seconds_per_slice", s.seconds / n}, {"slices", s.n},
                       {"mean_offset", {s.offset_x / n, s.offset_y / n}},
                       {"projection", s.projected ? nlohmann::json{{"voted", s.voted / s.projected}, {"kept", s.kept / s.projected},
                                                                   {"nearest", s.nearest / s.projected}}
                                                  : nlohmann::json()}});
      }
    if (!json_path.empty()) std::ofstream(json_path) << nlohmann::json{{"model", model}, {"device", device}, {"rows", out}}.dump(2) << "\n";
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_inpainting: %s\n", e.what());
    return 1;
  }
  return 0;
}

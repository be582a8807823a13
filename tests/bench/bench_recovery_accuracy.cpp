// Slice-recovery accuracy on synthetic volumes (label bench; docs/recovery.md has the tables).
//
//   bench_recovery_accuracy [--set eval|validation] [--methods LIST] [--weights LIST]
//                           [--model PATH] [--device cpu|cuda]
//
// Every method recovers slice 10, then slices 10 and 11, of each volume of the set, and is
// judged by analysis::evaluate_recovery (the metrics of `ebsd eval`). Prints one markdown row
// per volume, slices and method, then the mean over the volumes.
//   eval: the held-out volumes of docs/recovery.md (seeds 11-15; the first three are exactly what
//         `ebsd synth` makes in scripts/eval-recovery.sh). Never tune on these.
//   validation: other seeds (101-104) of similar kinds, for choosing the projection's settings.
// Methods: nearest, interp, fill, vote (the evidence projection without a model: every grain
// gets 0 prediction votes), transformer (model + evidence projection, prediction_weight from
// --weights, each weight a method of its own), transformer-nearest (model + the paper's
// nearest-candidate projection by disorientation).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "../../gpu/src/recovery/recovery_engine.hpp"
#include "ebsd/analysis/recovery_metrics.hpp"
#include "ebsd/analysis/slice_recovery.hpp"
#include "ebsd/synth/microstructure.hpp"
#include "ebsd/synth/representative_phase.hpp"

using namespace ebsd;

namespace {

struct Spec {
  std::string name;
  synth::SynthOptions options;
};

synth::SynthOptions base(int grains, std::uint64_t seed, LaueGroup laue = LaueGroup::CubicHigh, double twins = 0.0) {
  synth::SynthOptions o;
  o.dims = {64, 64, 24};
  o.grains = grains;
  o.seed = seed;
  o.twin_fraction = twins;
  o.phases = {synth::representative_phase(laue)};
  return o;
}

synth::SynthOptions fibre(synth::SynthOptions o) {
  o.texture.kind = synth::TextureOptions::Kind::Fibre;  // <111> || Z, 15 deg spread
  return o;
}

std::vector<Spec> volumes(const std::string& set) {
  if (set == "validation")
    return {{"val-twins", base(120, 101, LaueGroup::CubicHigh, 0.4)},
            {"val-hex", base(100, 102, LaueGroup::HexagonalHigh)},
            {"val-large", base(50, 103)},
            {"val-fibre", fibre(base(120, 104))}};
  return {{"cub-twins", base(150, 11, LaueGroup::CubicHigh, 0.3)},
          {"hex", base(80, 12, LaueGroup::HexagonalHigh)},
          {"cub-large", base(40, 13)},
          {"cub-small", base(600, 14)},
          {"cub-fibre", fibre(base(150, 15, LaueGroup::CubicHigh, 0.1))}};
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string t; std::getline(ss, t, ',');)
    if (!t.empty()) out.push_back(t);
  return out;
}

// Predictions depend only on the window the model sees: cache them by a hash of the slices
// around z, so that methods and weights that leave the same context share one forward pass.
analysis::SlicePredictor cached(analysis::SlicePredictor inner) {
  auto cache = std::make_shared<std::map<std::pair<std::int64_t, std::uint64_t>, std::vector<Quat>>>();
  return [inner, cache](const Volume& v, std::int64_t z) {
    std::uint64_t h = 1469598103934665603ull;
    const std::int64_t plane = v.nx() * v.ny();
    for (std::int64_t s = std::max<std::int64_t>(0, z - 4); s <= std::min(v.nz() - 1, z + 4); ++s)
      for (std::int64_t i = s * plane; i < (s + 1) * plane; ++i) {
        const Quat q = v.orientation(i);
        double d[5] = {q.w, q.x, q.y, q.z, v.is_valid(i) ? 1.0 : 0.0};
        const auto* b = reinterpret_cast<const unsigned char*>(d);
        for (std::size_t k = 0; k < sizeof d; ++k) h = (h ^ b[k]) * 1099511628211ull;
      }
    const auto key = std::make_pair(z, h);
    auto it = cache->find(key);
    if (it == cache->end()) it = cache->emplace(key, inner(v, z)).first;
    return it->second;
  };
}

}  // namespace

int main(int argc, char** argv) {
  std::string set = "eval", methods = "nearest,interp,fill,vote,transformer,transformer-nearest", weights = "3",
              model, device = "cpu";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], val = argv[i + 1];
    if (k == "--set") set = val;
    else if (k == "--methods") methods = val;
    else if (k == "--weights") weights = val;
    else if (k == "--model") model = val;
    else if (k == "--device") device = val;
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  try {
    analysis::SlicePredictor predictor;
    auto need_model = [&] {
      if (predictor) return;
      gpu::recovery::PredictorOptions po;
      po.model = model.empty() ? gpu::recovery::default_model_path() : std::filesystem::path(model);
      po.device = gpu::parse_device(device);
      std::printf("model: %s (%s)\n", po.model.string().c_str(), device.c_str());
      predictor = cached(gpu::recovery::make_transformer_predictor(po, Progress::none()));
    };
    struct Acc {
      double mean = 0, w2 = 0, w5 = 0, vox = 0, bnd = 0;
      int n = 0;
    };
    std::map<std::string, Acc> totals;
    std::vector<std::string> order;
    std::printf("| volume | slices | method | mean deg | within 2 | within 5 | voxel acc | boundary acc | seconds |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|\n");
    for (const auto& spec : volumes(set)) {
      const auto r = synth::generate_microstructure(spec.options);
      const Volume& truth = r.volume;
      for (const std::vector<std::int64_t>& slices : {std::vector<std::int64_t>{10}, std::vector<std::int64_t>{10, 11}}) {
        const std::string sl = slices.size() == 1 ? "10" : "10,11";
        std::vector<std::pair<std::string, analysis::RecoveryOptions>> runs;
        for (const auto& m : split(methods)) {
          analysis::RecoveryOptions o;
          if (m == "nearest") o.method = analysis::RecoveryMethod::Nearest;
          else if (m == "interp") o.method = analysis::RecoveryMethod::Interp;
          else if (m == "fill") o.method = analysis::RecoveryMethod::Fill;
          else if (m == "vote") {
            o.method = analysis::RecoveryMethod::Projection;
            o.prediction_weight = 0.0;
            o.predictor = [](const Volume& v, std::int64_t) {
              return std::vector<Quat>(static_cast<std::size_t>(v.nx() * v.ny()), Quat::identity());
            };
          } else if (m == "transformer-nearest") {
            need_model();
            o.method = analysis::RecoveryMethod::Projection;
            o.projection = analysis::ProjectionRule::Nearest;
            o.predictor = predictor;
          } else if (m == "transformer") {
            need_model();
            for (const auto& w : split(weights)) {
              analysis::RecoveryOptions t;
              t.method = analysis::RecoveryMethod::Projection;
              t.prediction_weight = std::stod(w);
              t.predictor = predictor;
              runs.emplace_back("transformer w=" + w, t);
            }
            continue;
          } else {
            std::fprintf(stderr, "unknown method %s\n", m.c_str());
            return 2;
          }
          runs.emplace_back(m, o);
        }
        for (const auto& [name, o] : runs) {
          Volume v = truth;
          const auto t0 = std::chrono::steady_clock::now();
          analysis::recover_slices(v, slices, o);
          const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          const auto e = analysis::evaluate_recovery(truth, v, slices);
          std::printf("| %s | %s | %s | %.2f | %.3f | %.3f | %.3f | %.3f | %.1f |\n", spec.name.c_str(), sl.c_str(),
                      name.c_str(), e.orientation.mean_deg, e.orientation.within_2deg, e.orientation.within_5deg,
                      e.grains.voxel_accuracy, e.grains.boundary_accuracy, sec);
          std::fflush(stdout);
          const std::string key = sl + " | " + name;
          if (!totals.count(key)) order.push_back(key);
          auto& a = totals[key];
          a.mean += e.orientation.mean_deg, a.w2 += e.orientation.within_2deg, a.w5 += e.orientation.within_5deg;
          a.vox += e.grains.voxel_accuracy, a.bnd += e.grains.boundary_accuracy, ++a.n;
        }
      }
    }
    std::printf("\nMean over the %s volumes:\n\n| slices | method | mean deg | within 2 | within 5 | voxel acc | boundary acc |\n"
                "|---|---|---|---|---|---|---|\n",
                set.c_str());
    for (const auto& key : order) {
      const auto& a = totals[key];
      std::printf("| %s | %.2f | %.3f | %.3f | %.3f | %.3f |\n", key.c_str(), a.mean / a.n, a.w2 / a.n, a.w5 / a.n,
                  a.vox / a.n, a.bnd / a.n);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_recovery_accuracy: %s\n", e.what());
    return 1;
  }
  return 0;
}

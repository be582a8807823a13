// The synthetic-microstructure recipe: each step lives in its own file; this one orders them
// and gives each its own random stream.
#include "ebsd/synth/microstructure.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "annealing_twins.hpp"
#include "boundary_distance.hpp"
#include "ebsd/synth/damage.hpp"
#include "ebsd/synth/inpainting_data.hpp"
#include "ebsd/synth/orientation_sampling.hpp"
#include "ebsd/synth/seeded_random.hpp"
#include "ebsd/synth/side_modalities.hpp"
#include "feature_connectivity.hpp"
#include "grain_orientations.hpp"
#include "laguerre_tessellation.hpp"
#include "quality_maps.hpp"

#include "ebsd/core/version.hpp"

namespace ebsd::synth {
namespace {

// Smallest grain (voxels) that may receive twin lamellae: below it no lamella of two voxels
// with parent on both sides fits.
constexpr std::int64_t kMinTwinnedGrainVoxels = 64;

// Phase id (1-based) per grain: grains in a seeded random order, each to the phase furthest
// below its target volume, so phase volumes follow the fractions whatever the grain sizes.
std::vector<std::int32_t> assign_phases(const SynthOptions& o, const std::vector<std::int64_t>& sizes, SeededRandom& rng) {
  const std::size_t phases = o.phases.size();
  std::vector<double> fraction(phases, 1.0 / static_cast<double>(phases));
  if (!o.phase_fractions.empty()) {
    double sum = 0.0;
    for (double f : o.phase_fractions) sum += f;
    for (std::size_t k = 0; k < phases; ++k) fraction[k] = o.phase_fractions[k] / sum;
  }
  std::vector<std::int32_t> order(static_cast<std::size_t>(o.grains));
  for (std::size_t g = 0; g < order.size(); ++g) order[g] = static_cast<std::int32_t>(g + 1);
  for (std::size_t g = order.size(); g > 1; --g) std::swap(order[g - 1], order[static_cast<std::size_t>(rng.below(static_cast<std::int64_t>(g)))]);
  double total = 0.0;
  for (std::size_t g = 1; g < sizes.size(); ++g) total += static_cast<double>(sizes[g]);
  std::vector<double> assigned(phases, 0.0);
  std::vector<std::int32_t> phase(static_cast<std::size_t>(o.grains), 1);
  for (std::int32_t g : order) {
    std::size_t best = 0;
    for (std::size_t k = 1; k < phases; ++k)
      if (fraction[k] * total - assigned[k] > fraction[best] * total - assigned[best]) best = k;
    phase[static_cast<std::size_t>(g - 1)] = static_cast<std::int32_t>(best + 1);
    assigned[best] += static_cast<double>(sizes[static_cast<std::size_t>(g)]);
  }
  return phase;
}

// The grains that receive twins: round(twin_fraction * grains) of them, taken from a seeded
// random order, skipping grains too small to hold a lamella.
std::vector<TwinnedGrain> choose_twinned(const SynthOptions& o, const std::vector<std::int64_t>& sizes, SeededRandom& rng) {
  const auto wanted = static_cast<std::size_t>(std::llround(o.twin_fraction * o.grains));
  std::vector<std::int32_t> order(static_cast<std::size_t>(o.grains));
  for (std::size_t g = 0; g < order.size(); ++g) order[g] = static_cast<std::int32_t>(g + 1);
  for (std::size_t g = order.size(); g > 1; --g) std::swap(order[g - 1], order[static_cast<std::size_t>(rng.below(static_cast<std::int64_t>(g)))]);
  std::vector<TwinnedGrain> out;
  for (std::int32_t g : order) {
    if (out.size() == wanted) break;
    if (sizes[static_cast<std::size_t>(g)] >= kMinTwinnedGrainVoxels) out.push_back({g, {1, 1, 1}});
  }
  std::sort(out.begin(), out.end(), [](const TwinnedGrain& a, const TwinnedGrain& b) { return a.parent < b.parent; });
  return out;
}

}  // namespace

SynthResult generate_microstructure(const SynthOptions& o, Progress& progress) {
  validate(o);
  const std::int32_t grains = o.grains;

  // 1. Grains.
  progress.report(0.0, "synth: grains");
  TessellationParams tp;
  tp.dims = o.dims;
  tp.spacing = o.spacing;
  tp.cells = grains;
  tp.size_sigma = o.size_sigma;
  tp.aspect = o.grain_aspect;
  tp.roughness = o.boundary_roughness;
  tp.seed = o.seed;
  std::vector<std::int32_t> labels = laguerre_tessellation(tp, progress, 0.0, 0.5);
  merge_fragments(labels, o.dims, progress);
  restore_empty_labels(labels, o.dims, grains);
  const auto sizes = label_sizes(labels, grains);
  progress.report(0.55, "synth: phases and orientations");

  // 2. Phases and first orientations (the twin planes need the parents' orientations).
  SeededRandom phase_rng(o.seed, Stream::Phases);
  SeededRandom ori_rng(o.seed, Stream::Orientations);
  FeatureOrientations f;
  f.phase = assign_phases(o, sizes, phase_rng);
  for (std::int32_t g = 0; g < grains; ++g) {
    f.parent.push_back(sample_texture(o.texture, ori_rng));
    f.laue.push_back(o.phases[static_cast<std::size_t>(f.phase[static_cast<std::size_t>(g)] - 1)].laue);
  }
  f.twin_axis.assign(static_cast<std::size_t>(grains), std::nullopt);

  // 3. Annealing twins.
  std::vector<Lamella> lamellae;
  if (o.twin_fraction > 0.0) {
    SeededRandom twin_rng(o.seed, Stream::Twins);
    auto twinned = choose_twinned(o, sizes, twin_rng);
    lamellae = carve_twin_lamellae(labels, o.dims, o.spacing, twinned, f.parent, grains + 1, twin_rng, progress);
    for (const auto& t : twinned) {
      const bool has_lamella = std::any_of(lamellae.begin(), lamellae.end(), [&](const Lamella& l) { return l.parent == t.parent; });
      if (has_lamella) f.twin_axis[static_cast<std::size_t>(t.parent - 1)] = t.axis111;
    }
  }
  const auto twin_count = static_cast<std::int32_t>(lamellae.size());
  const std::int32_t features = grains + twin_count;
  for (std::int32_t g = 1; g <= grains; ++g) {
    f.owner.push_back(g);
    f.is_lamella.push_back(false);
  }
  for (const auto& l : lamellae) {
    f.owner.push_back(l.parent);
    f.is_lamella.push_back(true);
  }
  progress.report(0.65, "synth: separating neighbouring orientations");

  // 4. Neighbouring features clearly apart.
  separate_neighbours(f, label_neighbours(labels, o.dims, features), o.texture, o.min_neighbour_disorientation_deg,
                      ori_rng, progress);

  // The clean volume.
  Volume v(o.dims, o.spacing);
  v.phases() = o.phases;
  {
    std::vector<Quat> q(static_cast<std::size_t>(features) + 1);
    std::vector<std::int32_t> phase(static_cast<std::size_t>(features) + 1, 0);
    for (std::int32_t id = 1; id <= features; ++id) {
      q[static_cast<std::size_t>(id)] = f.of(id);
      phase[static_cast<std::size_t>(id)] = f.phase[static_cast<std::size_t>(f.owner[static_cast<std::size_t>(id - 1)] - 1)];
    }
    auto phase_ids = v.phase_ids();
    for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
      const auto l = static_cast<std::size_t>(labels[static_cast<std::size_t>(i)]);
      v.set_orientation(i, q[l]);
      phase_ids[static_cast<std::size_t>(i)] = phase[l];
    }
  }
  v.set_grain_ids(labels);
  progress.report(0.75, "synth: side modalities and quality maps");
  progress.check();

  // 5. Side modalities see the clean microstructure; then quality, scatter and damage.
  const double deg = std::numbers::pi / 180.0;
  for (const auto& m : o.side_modalities) {
    if (m == "pl") add_polarized_light_channel(v, o.side.pl_polarizer_deg * deg, o.side.pl_noise, o.seed);
    if (m == "bse") add_bse_channel(v, o.side.bse_boundary_darkening, o.side.bse_noise, o.seed);
    if (m == "pl3") add_polarized_light_set(v, o.side.pl_noise, o.seed);
  }
  progress.check();
  {
    SeededRandom quality_rng(o.seed, Stream::Quality);
    fill_quality_maps(v, labels, features, in_plane_boundary_distance(labels, o.dims), o.quality, quality_rng);
  }
  progress.check();
  add_orientation_scatter(v, o.orientation_scatter_deg, o.seed);
  damage_slices(v, o.damage, o.seed);
  remove_slices(v, o.missing_slices);

  ProvenanceRecord rec;
  rec.step = "synth";
  rec.parameters = to_json(o);
  rec.software_version = EBSD_VERSION;
  rec.time_utc = utc_timestamp();
  rec.note = "synthetic microstructure: " + std::to_string(grains) + " grains, " + std::to_string(twin_count) +
             " twin lamellae";
  v.add_provenance(std::move(rec));
  progress.report(1.0, "synth: done");

  SynthResult r;
  r.volume = std::move(v);
  r.grain_count = features;
  r.twin_count = twin_count;
  r.feature_ids = std::move(labels);
  r.feature_parent = f.owner;
  return r;
}

}  // namespace ebsd::synth

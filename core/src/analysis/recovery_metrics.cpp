// Recovery metrics (recovery_metrics.hpp); definitions after Dong et al. 2023, METHODS.md 6(c).
#include "ebsd/analysis/recovery_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <set>
#include "ebsd/analysis/segmentation.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/orientation/disorientation.hpp"

namespace ebsd::analysis {
namespace {

constexpr double kDeg = 180.0 / std::numbers::pi;

std::vector<std::int64_t> checked_slices(const Volume& v, std::span<const std::int64_t> slices) {
  std::set<std::int64_t> s(slices.begin(), slices.end());
  if (s.empty())
    for (std::int64_t z = 0; z < v.nz(); ++z) s.insert(z);
  for (auto z : s)
    if (z < 0 || z >= v.nz())
      throw Error("slice " + std::to_string(z) + " is outside the volume (0.." + std::to_string(v.nz() - 1) + ")", "",
                  "slices");
  return {s.begin(), s.end()};
}

void check_same_grid(const Volume& a, const Volume& b) {
  if (a.dims() != b.dims())
    throw Error("the volumes differ in size: " + std::to_string(a.nx()) + "x" + std::to_string(a.ny()) + "x" +
                    std::to_string(a.nz()) + " and " + std::to_string(b.nx()) + "x" + std::to_string(b.ny()) + "x" +
                    std::to_string(b.nz()),
                "", "dims");
}

}  // namespace

OrientationError orientation_error(const Volume& truth, const Volume& test, std::span<const std::int64_t> slices) {
  check_same_grid(truth, test);
  const auto zs = checked_slices(truth, slices);
  OrientationError r;
  std::vector<double> errors;
  std::int64_t n2 = 0, n5 = 0;
  const std::int64_t plane = truth.nx() * truth.ny();
  for (auto z : zs) {
    for (std::int64_t i = z * plane; i < (z + 1) * plane; ++i) {
      if (!truth.is_valid(i)) continue;
      ++r.voxels;
      const auto pt = truth.phase_ids()[static_cast<std::size_t>(i)];
      if (!test.is_valid(i) || test.phase_ids()[static_cast<std::size_t>(i)] != pt) {
        ++r.unrecovered;
        continue;
      }
      const Phase* ph = truth.phase_of(i);
      const LaueGroup g = ph ? ph->laue : LaueGroup::Triclinic;
      const double e = disorientation_angle(truth.orientation(i), test.orientation(i), g) * kDeg;
      errors.push_back(e);
      if (e <= 2.0) ++n2;
      if (e <= 5.0) ++n5;
    }
  }
  if (!errors.empty()) {
    double sum = 0;
    for (double e : errors) sum += e;
    r.mean_deg = sum / static_cast<double>(errors.size());
    std::sort(errors.begin(), errors.end());
    const std::size_t m = errors.size() / 2;
    r.median_deg = errors.size() % 2 ? errors[m] : 0.5 * (errors[m - 1] + errors[m]);
  }
  if (r.voxels > 0) {
    r.within_2deg = static_cast<double>(n2) / static_cast<double>(r.voxels);
    r.within_5deg = static_cast<double>(n5) / static_cast<double>(r.voxels);
  }
  return r;
}

std::vector<std::int32_t> match_grain_ids(std::span<const std::int32_t> truth_ids, std::span<const std::int32_t> test_ids,
                                          const Volume& geometry, std::span<const std::int64_t> slices) {
  const auto n = static_cast<std::size_t>(geometry.voxel_count());
  if (truth_ids.size() != n || test_ids.size() != n)
    throw Error("grain ids must have one value per voxel (" + std::to_string(n) + ")", "", "grain ids");
  std::vector<char> in_slices(static_cast<std::size_t>(geometry.nz()), 0);
  for (auto z : checked_slices(geometry, slices)) in_slices[static_cast<std::size_t>(z)] = 1;
  // Votes outside the evaluated slices decide; only test ids seen nowhere else use the slices.
  std::map<std::int32_t, std::map<std::int32_t, std::int64_t>> outside, inside;
  const std::int64_t plane = geometry.nx() * geometry.ny();
  for (std::size_t i = 0; i < n; ++i) {
    if (test_ids[i] <= 0 || truth_ids[i] <= 0) continue;
    auto& votes = in_slices[static_cast<std::size_t>(static_cast<std::int64_t>(i) / plane)] ? inside : outside;
    ++votes[test_ids[i]][truth_ids[i]];
  }
  auto best_of = [](const std::map<std::int32_t, std::int64_t>& m) {
    std::int32_t best = 0;
    std::int64_t count = -1;
    for (const auto& [id, c] : m)  // ascending ids: ties keep the smaller
      if (c > count) best = id, count = c;
    return best;
  };
  std::map<std::int32_t, std::int32_t> map;
  for (const auto& [id, m] : outside) map[id] = best_of(m);
  for (const auto& [id, m] : inside)
    if (!map.count(id)) map[id] = best_of(m);
  std::vector<std::int32_t> out(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const auto it = map.find(test_ids[i]);
    out[i] = it == map.end() ? 0 : it->second;
  }
  return out;
}

GrainAccuracy grain_accuracy(const Volume& geometry, std::span<const std::int32_t> truth_ids,
                             std::span<const std::int32_t> test_ids, std::span<const std::int64_t> slices) {
  const auto matched = match_grain_ids(truth_ids, test_ids, geometry, slices);
  const auto boundary = grain_boundary_mask(geometry, truth_ids);
  GrainAccuracy r;
  std::int64_t hit = 0, bhit = 0;
  const std::int64_t plane = geometry.nx() * geometry.ny();
  for (auto z : checked_slices(geometry, slices)) {
    for (std::int64_t i = z * plane; i < (z + 1) * plane; ++i) {
      const auto k = static_cast<std::size_t>(i);
      if (truth_ids[k] <= 0) continue;
      const bool ok = matched[k] == truth_ids[k];
      ++r.voxels;
      hit += ok;
      if (boundary[k]) {
        ++r.boundary_voxels;
        bhit += ok;
      }
    }
  }
  if (r.voxels) r.voxel_accuracy = static_cast<double>(hit) / static_cast<double>(r.voxels);
  if (r.boundary_voxels) r.boundary_accuracy = static_cast<double>(bhit) / static_cast<double>(r.boundary_voxels);
  return r;
}

RecoveryMetrics evaluate_recovery(const Volume& truth, const Volume& test, std::span<const std::int64_t> slices) {
  check_same_grid(truth, test);
  RecoveryMetrics m;
  m.slices = checked_slices(truth, slices);
  m.orientation = orientation_error(truth, test, m.slices);
  auto ids_of = [](const Volume& v) {
    if (v.has_grain_ids()) return std::vector<std::int32_t>(v.grain_ids().begin(), v.grain_ids().end());
    return segment_grains(v).grain_ids;
  };
  const auto t = ids_of(truth);
  const auto s = ids_of(test);
  m.grains = grain_accuracy(truth, t, s, m.slices);
  return m;
}

nlohmann::json RecoveryMetrics::to_json() const {
  return {{"slices", slices},
          {"orientation",
           {{"voxels", orientation.voxels},
            {"unrecovered", orientation.unrecovered},
            {"mean_deg", orientation.mean_deg},
            {"median_deg", orientation.median_deg},
            {"within_2deg", orientation.within_2deg},
            {"within_5deg", orientation.within_5deg}}},
          {"grains",
           {{"voxels", grains.voxels},
            {"boundary_voxels", grains.boundary_voxels},
            {"voxel_accuracy", grains.voxel_accuracy},
            {"boundary_accuracy", grains.boundary_accuracy}}}};
}

}  // namespace ebsd::analysis

// Per-grain statistics and their summary.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "ebsd/analysis/segmentation.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/orientation/disorientation.hpp"

namespace ebsd::analysis {
namespace {

// The largest id, after checking the size and that every id is in 0..voxel_count.
std::int32_t checked_max_id(const Volume& v, std::span<const std::int32_t> ids) {
  if (static_cast<std::int64_t>(ids.size()) != v.voxel_count())
    throw Error("grain ids have " + std::to_string(ids.size()) + " values, expected " + std::to_string(v.voxel_count()),
                "", "grain ids");
  std::int32_t max_id = 0;
  for (const std::int32_t id : ids) {
    if (id < 0) throw Error("grain id " + std::to_string(id) + ", expected ids >= 0", "", "grain ids");
    max_id = std::max(max_id, id);
  }
  // A bound that keeps the per-id tables no larger than the volume itself.
  if (max_id > v.voxel_count())
    throw Error("grain id " + std::to_string(max_id) + " exceeds the voxel count " + std::to_string(v.voxel_count()) +
                    ", expected ids numbered from 1",
                "", "grain ids");
  return max_id;
}

}  // namespace

std::vector<GrainStatistics> grain_statistics(const Volume& v, std::span<const std::int32_t> ids, Progress& progress) {
  const std::int32_t max_id = checked_max_id(v, ids);

  // Voxels grouped by id (a counting sort), so each grain is one contiguous run of indices.
  std::vector<std::int64_t> start(static_cast<std::size_t>(max_id) + 2, 0);
  for (const std::int32_t id : ids) ++start[static_cast<std::size_t>(id) + 1];
  for (std::size_t k = 1; k < start.size(); ++k) start[k] += start[k - 1];
  std::vector<std::int64_t> order(ids.size());
  {
    std::vector<std::int64_t> next(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < ids.size(); ++i)
      order[static_cast<std::size_t>(next[static_cast<std::size_t>(ids[i])]++)] = static_cast<std::int64_t>(i);
  }

  const auto& s = v.spacing();
  const auto& o = v.origin();
  const double voxel_volume = s[0] * s[1] * s[2];
  const bool single_slice = v.nz() == 1;
  const Index3& dims = v.dims();

  std::vector<GrainStatistics> grains;
  std::vector<Quat> orientations;
  for (std::int32_t id = 1; id <= max_id; ++id) {
    const std::int64_t begin = start[static_cast<std::size_t>(id)], end = start[static_cast<std::size_t>(id) + 1];
    if (begin == end) continue;
    if (id % 1024 == 0) {
      progress.check();
      progress.report(static_cast<double>(id) / max_id, "grain statistics");
    }
    GrainStatistics g;
    g.id = id;
    const std::int64_t first = order[static_cast<std::size_t>(begin)];  // smallest index: order is stable
    g.phase_id = v.phase_ids()[static_cast<std::size_t>(first)];
    g.voxel_count = end - begin;
    g.volume = static_cast<double>(g.voxel_count) * voxel_volume;
    if (single_slice) {
      g.diameter_kind = DiameterKind::Circle;
      g.equivalent_diameter = 2.0 * std::sqrt(static_cast<double>(g.voxel_count) * s[0] * s[1] / std::numbers::pi);
    } else {
      g.diameter_kind = DiameterKind::Sphere;
      g.equivalent_diameter = std::cbrt(6.0 * g.volume / std::numbers::pi);
    }
    g.bbox_min = v.coords(first);
    g.bbox_max = g.bbox_min;
    std::array<double, 3> sum{0.0, 0.0, 0.0};
    orientations.clear();
    for (std::int64_t k = begin; k < end; ++k) {
      const std::int64_t i = order[static_cast<std::size_t>(k)];
      const Index3 c = v.coords(i);
      for (int a = 0; a < 3; ++a) {
        sum[a] += static_cast<double>(c[a]);
        g.bbox_min[a] = std::min(g.bbox_min[a], c[a]);
        g.bbox_max[a] = std::max(g.bbox_max[a], c[a]);
      }
      orientations.push_back(v.orientation(i));
    }
    for (int a = 0; a < 3; ++a) {
      g.centroid[a] = o[a] + s[a] * sum[a] / static_cast<double>(g.voxel_count);
      if (dims[a] > 1 && (g.bbox_min[a] == 0 || g.bbox_max[a] == dims[a] - 1)) g.touches_border = true;
    }
    const Phase* phase = v.phase_of(first);
    g.mean_orientation = mean_orientation(orientations, phase ? phase->laue : LaueGroup::Triclinic);
    grains.push_back(g);
  }
  progress.report(1.0, "grain statistics");
  return grains;
}

GrainSummary summarize(std::span<const GrainStatistics> grains) {
  GrainSummary out;
  if (grains.empty()) return out;
  out.grain_count = static_cast<std::int32_t>(grains.size());
  out.diameter_kind = grains.front().diameter_kind == DiameterKind::Circle ? "circle" : "sphere";
  std::vector<double> d;
  d.reserve(grains.size());
  double voxels = 0.0;
  for (const auto& g : grains) {
    d.push_back(g.equivalent_diameter);
    voxels += static_cast<double>(g.voxel_count);
  }
  std::ranges::sort(d);
  const std::size_t n = d.size();
  double total = 0.0;
  for (double x : d) total += x;
  out.mean_diameter = total / static_cast<double>(n);
  out.median_diameter = n % 2 ? d[n / 2] : 0.5 * (d[n / 2 - 1] + d[n / 2]);
  out.min_diameter = d.front();
  out.max_diameter = d.back();
  out.mean_voxels = voxels / static_cast<double>(n);
  return out;
}

}  // namespace ebsd::analysis

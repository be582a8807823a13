#include "annealing_twins.hpp"

#include <Eigen/Geometry>
#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>

#include "ebsd/orientation/rotations.hpp"
#include "ebsd/synth/synth_options.hpp"
#include "feature_connectivity.hpp"

namespace ebsd::synth {
namespace {

// An in-plane unit direction normal to n, at a random angle.
Eigen::Vector3d random_in_plane(const Eigen::Vector3d& n, SeededRandom& rng) {
  const Eigen::Vector3d a = std::fabs(n.x()) < 0.9 ? Eigen::Vector3d::UnitX() : Eigen::Vector3d::UnitY();
  const Eigen::Vector3d e1 = n.cross(a).normalized();
  const Eigen::Vector3d e2 = n.cross(e1);
  const double t = rng.uniform(0.0, 2.0 * std::numbers::pi);
  return std::cos(t) * e1 + std::sin(t) * e2;
}

}  // namespace

std::vector<Lamella> carve_twin_lamellae(std::vector<std::int32_t>& labels, const Index3& d,
                                         const std::array<double, 3>& spacing, std::vector<TwinnedGrain>& twinned,
                                         const std::vector<Quat>& parents, std::int32_t first_label, SeededRandom& rng,
                                         Progress& progress) {
  static const Eigen::Vector3d kVariants[4] = {{1, 1, 1}, {-1, 1, 1}, {1, -1, 1}, {1, 1, -1}};
  // The voxels of every twinned grain, gathered in one pass.
  std::map<std::int32_t, std::vector<std::int64_t>> voxels;
  for (const auto& t : twinned) voxels[t.parent];
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(labels.size()); ++i) {
    auto it = voxels.find(labels[static_cast<std::size_t>(i)]);
    if (it != voxels.end()) it->second.push_back(i);
  }

  // Thickness and gap floor: two voxels of the coarsest spacing, so a lamella is at least two
  // voxels thick and lamellae of one parent never touch across a one-voxel parent layer.
  const double h = 2.0 * std::max({spacing[0], spacing[1], spacing[2]});
  std::vector<std::int32_t> parent_of;  // per carved lamella
  std::int32_t next = first_label;
  for (auto& t : twinned) {
    progress.check();
    t.axis111 = kVariants[rng.below(4)].normalized();
    // The crystal plane normal in sample coordinates: v_s = g^T v_c.
    const Eigen::Vector3d n = (matrix_from_quat(parents[static_cast<std::size_t>(t.parent - 1)]).transpose() * t.axis111).normalized();
    const Eigen::Vector3d u = random_in_plane(n, rng);
    const auto& vox = voxels[t.parent];
    std::vector<double> s(vox.size()), r(vox.size());
    double s_lo = 1e300, s_hi = -1e300, r_lo = 1e300, r_hi = -1e300;
    for (std::size_t k = 0; k < vox.size(); ++k) {
      const std::int64_t i = vox[k];
      const Eigen::Vector3d p((i % d[0] + 0.5) * spacing[0], ((i / d[0]) % d[1] + 0.5) * spacing[1],
                              (i / (d[0] * d[1]) + 0.5) * spacing[2]);
      s[k] = n.dot(p);
      r[k] = u.dot(p);
      s_lo = std::min(s_lo, s[k]);
      s_hi = std::max(s_hi, s[k]);
      r_lo = std::min(r_lo, r[k]);
      r_hi = std::max(r_hi, r[k]);
    }
    const double extent = s_hi - s_lo;
    // 1 to 3 lamellae, each 2 voxels to a quarter of the grain thick (annealing twins in IN100
    // are typically 10-30 % of the grain size), together at most 60 % of the grain.
    int count = 1 + static_cast<int>(rng.below(3));
    std::vector<double> thick(3);
    for (auto& w : thick) w = rng.uniform(h, std::max(h, 0.25 * extent));
    auto occupied = [&](int k) {
      double sum = (k - 1) * h;
      for (int j = 0; j < k; ++j) sum += thick[static_cast<std::size_t>(j)];
      return sum;
    };
    while (count > 0 && occupied(count) > 0.6 * extent) --count;
    std::array<double, 4> gap_weight{};
    for (auto& g : gap_weight) g = rng.uniform(0.1, 1.0);
    std::array<double, 3> reach{};
    for (auto& f : reach) f = rng.uniform(0.5, 0.85);
    if (count == 0) continue;  // too thin a grain for a lamella

    double gsum = 0.0;
    for (int j = 0; j <= count; ++j) gsum += gap_weight[static_cast<std::size_t>(j)];
    const double free = extent - occupied(count);
    double a = s_lo + free * gap_weight[0] / gsum;
    for (int j = 0; j < count; ++j) {
      const double b = a + thick[static_cast<std::size_t>(j)];
      // Each lamella ends at a fraction `reach` of the grain's extent along u, so the parent
      // layers stay joined beyond the ends.
      const double r_end = r_lo + reach[static_cast<std::size_t>(j)] * (r_hi - r_lo);
      for (std::size_t k = 0; k < vox.size(); ++k)
        if (s[k] >= a && s[k] < b && r[k] <= r_end) labels[static_cast<std::size_t>(vox[k])] = next;
      parent_of.push_back(t.parent);
      ++next;
      a = b + h + free * gap_weight[static_cast<std::size_t>(j + 1)] / gsum;
    }
  }
  if (parent_of.empty()) return {};

  merge_fragments(labels, d, progress);

  // Give back lamellae that are gone or too small, and merge touching lamellae of one parent
  // (equal orientations: a segmentation would see one grain).
  const std::int32_t last = next - 1;
  std::vector<std::int32_t> relabel(static_cast<std::size_t>(last) + 1);
  for (std::int32_t l = 0; l <= last; ++l) relabel[static_cast<std::size_t>(l)] = l;
  const auto sizes = label_sizes(labels, last);
  const auto nb = label_neighbours(labels, d, last);
  auto root = [&](std::int32_t l) {
    while (relabel[static_cast<std::size_t>(l)] != l) l = relabel[static_cast<std::size_t>(l)];
    return l;
  };
  for (std::int32_t l = first_label; l <= last; ++l) {
    const std::int32_t parent = parent_of[static_cast<std::size_t>(l - first_label)];
    const auto& mine = nb[static_cast<std::size_t>(l - 1)];
    if (sizes[static_cast<std::size_t>(l)] < kMinVoxelsPerGrain) {
      // Back to the parent when they touch, else to the lowest touching label: joining two
      // touching pieces keeps both in one piece.
      std::int32_t to = parent;
      if (!mine.empty() && !std::binary_search(mine.begin(), mine.end(), parent) && root(mine.front()) != l)
        to = mine.front();
      relabel[static_cast<std::size_t>(l)] = to;
      continue;
    }
    for (std::int32_t other : mine)
      if (other >= first_label && other < l && parent_of[static_cast<std::size_t>(other - first_label)] == parent &&
          sizes[static_cast<std::size_t>(other)] >= kMinVoxelsPerGrain) {
        relabel[static_cast<std::size_t>(l)] = other;
        break;
      }
  }
  // Renumber surviving lamellae first_label, first_label + 1, ... in carving order.
  std::vector<Lamella> out;
  std::vector<std::int32_t> final_label(static_cast<std::size_t>(last) + 1, 0);
  for (std::int32_t l = 1; l <= last; ++l) {
    const std::int32_t r0 = root(l);
    if (l < first_label) {
      final_label[static_cast<std::size_t>(l)] = l;
    } else if (r0 == l) {
      final_label[static_cast<std::size_t>(l)] = first_label + static_cast<std::int32_t>(out.size());
      out.push_back({final_label[static_cast<std::size_t>(l)], parent_of[static_cast<std::size_t>(l - first_label)]});
    }
  }
  for (auto& l : labels) l = final_label[static_cast<std::size_t>(root(l))];
  return out;
}

}  // namespace ebsd::synth

// Grain segmentation by union-find over face neighbours.
//
// Every pair of face neighbours is tested once (each voxel looks at +x, +y, +z), and joined
// pairs are merged in a disjoint-set forest. Roots are always the smallest voxel index of their
// set, so numbering the roots in index order numbers the grains by their first voxel without a
// second pass over the sets.
#include <cmath>
#include <limits>
#include <string>

#include "ebsd/analysis/segmentation.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/orientation/disorientation.hpp"

namespace ebsd::analysis {
namespace {

class DisjointSets {
public:
  explicit DisjointSets(std::size_t n) : parent_(n) {
    for (std::size_t i = 0; i < n; ++i) parent_[i] = static_cast<std::int64_t>(i);
  }
  std::int64_t find(std::int64_t i) {
    // Path halving: every visited node skips to its grandparent, keeping trees shallow.
    while (parent_[static_cast<std::size_t>(i)] != i) {
      auto& p = parent_[static_cast<std::size_t>(i)];
      p = parent_[static_cast<std::size_t>(p)];
      i = p;
    }
    return i;
  }
  // The smaller root becomes the root of the union.
  void join(std::int64_t a, std::int64_t b) {
    a = find(a);
    b = find(b);
    if (a == b) return;
    if (a < b)
      parent_[static_cast<std::size_t>(b)] = a;
    else
      parent_[static_cast<std::size_t>(a)] = b;
  }

private:
  std::vector<std::int64_t> parent_;
};

}  // namespace

SegmentationResult segment_grains(const Volume& v, const SegmentationOptions& options, Progress& progress) {
  if (!(std::isfinite(options.threshold_rad) && options.threshold_rad > 0.0))
    throw Error("threshold is " + std::to_string(options.threshold_rad) + " rad, expected a finite value > 0", "",
                "segmentation threshold");
  if (options.min_grain_voxels < 1)
    throw Error("minimum grain size is " + std::to_string(options.min_grain_voxels) + ", expected >= 1", "",
                "segmentation minimum grain size");

  const std::int64_t n = v.voxel_count();
  const auto nx = v.nx(), ny = v.ny(), nz = v.nz();
  // A voxel takes part when it is valid and its phase id names a phase (whose symmetry we need).
  auto member = [&](std::int64_t i) { return v.is_valid(i) && v.phase_of(i) != nullptr; };
  auto joins = [&](std::int64_t i, std::int64_t j) {
    if (!member(j) || v.phase_ids()[static_cast<std::size_t>(i)] != v.phase_ids()[static_cast<std::size_t>(j)])
      return false;
    return disorientation_angle(v.orientation(i), v.orientation(j), v.phase_of(i)->laue) < options.threshold_rad;
  };

  DisjointSets sets(static_cast<std::size_t>(n));
  for (std::int64_t z = 0; z < nz; ++z) {
    progress.check();
    for (std::int64_t y = 0; y < ny; ++y)
      for (std::int64_t x = 0; x < nx; ++x) {
        const std::int64_t i = v.index(x, y, z);
        if (!member(i)) continue;
        if (x + 1 < nx && joins(i, i + 1)) sets.join(i, i + 1);
        if (y + 1 < ny && joins(i, i + nx)) sets.join(i, i + nx);
        if (z + 1 < nz && joins(i, i + nx * ny)) sets.join(i, i + nx * ny);
      }
    progress.report(0.9 * static_cast<double>(z + 1) / static_cast<double>(nz), "segmenting grains");
  }

  // Provisional labels: every root gets the next number when its first (= root) voxel is met.
  // The label of a voxel's root is known by then, since the root has the smaller index.
  std::vector<std::int64_t> label(static_cast<std::size_t>(n), 0);
  std::vector<std::int64_t> size{0};  // size[k] = voxels of provisional label k; 0 unused
  for (std::int64_t i = 0; i < n; ++i) {
    if (!member(i)) continue;
    const std::int64_t root = sets.find(i);
    auto& l = label[static_cast<std::size_t>(i)];
    if (root == i) {
      l = static_cast<std::int64_t>(size.size());
      size.push_back(0);
    } else {
      l = label[static_cast<std::size_t>(root)];
    }
    ++size[static_cast<std::size_t>(l)];
  }
  progress.check();

  // Final ids: the kept labels renumbered in order, which preserves first-voxel order.
  std::vector<std::int32_t> id_of_label(size.size(), 0);
  std::int64_t kept = 0;
  for (std::size_t k = 1; k < size.size(); ++k)
    if (size[k] >= options.min_grain_voxels) {
      if (kept == std::numeric_limits<std::int32_t>::max())
        throw Error("more than " + std::to_string(kept) + " grains, expected at most that many (int32 ids)", "",
                    "segmentation");
      id_of_label[k] = static_cast<std::int32_t>(++kept);
    }
  SegmentationResult result;
  result.grain_count = static_cast<std::int32_t>(kept);
  result.grain_ids.resize(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < label.size(); ++i) result.grain_ids[i] = id_of_label[static_cast<std::size_t>(label[i])];
  progress.report(1.0, "segmenting grains");
  return result;
}

}  // namespace ebsd::analysis

#include "feature_connectivity.hpp"

#include <algorithm>
#include <tuple>

namespace ebsd::synth {
namespace {

// Calls f(j) for the face neighbours j of voxel (x, y, z).
template <class F>
void for_face_neighbours(const Index3& d, std::int64_t x, std::int64_t y, std::int64_t z, F&& f) {
  const std::int64_t i = x + d[0] * (y + d[1] * z);
  if (x > 0) f(i - 1);
  if (x + 1 < d[0]) f(i + 1);
  if (y > 0) f(i - d[0]);
  if (y + 1 < d[1]) f(i + d[0]);
  if (z > 0) f(i - d[0] * d[1]);
  if (z + 1 < d[2]) f(i + d[0] * d[1]);
}

template <class F>
void for_face_neighbours(const Index3& d, std::int64_t i, F&& f) {
  for_face_neighbours(d, i % d[0], (i / d[0]) % d[1], i / (d[0] * d[1]), f);
}

struct Components {
  std::vector<std::int32_t> of_voxel;  // component index per voxel
  std::vector<std::int32_t> label;     // label of each component
  std::vector<std::int64_t> size;
};

Components components(const std::vector<std::int32_t>& labels, const Index3& d) {
  Components c;
  c.of_voxel.assign(labels.size(), -1);
  std::vector<std::int64_t> queue;
  for (std::int64_t start = 0; start < static_cast<std::int64_t>(labels.size()); ++start) {
    if (c.of_voxel[static_cast<std::size_t>(start)] >= 0) continue;
    const auto id = static_cast<std::int32_t>(c.label.size());
    const std::int32_t lab = labels[static_cast<std::size_t>(start)];
    queue.assign(1, start);
    c.of_voxel[static_cast<std::size_t>(start)] = id;
    for (std::size_t head = 0; head < queue.size(); ++head)
      for_face_neighbours(d, queue[head], [&](std::int64_t j) {
        auto& cj = c.of_voxel[static_cast<std::size_t>(j)];
        if (cj < 0 && labels[static_cast<std::size_t>(j)] == lab) {
          cj = id;
          queue.push_back(j);
        }
      });
    c.label.push_back(lab);
    c.size.push_back(static_cast<std::int64_t>(queue.size()));
  }
  return c;
}

}  // namespace

void merge_fragments(std::vector<std::int32_t>& labels, const Index3& d, Progress& progress) {
  for (;;) {
    progress.check();
    const Components c = components(labels, d);
    const std::int32_t max_label = *std::max_element(labels.begin(), labels.end());
    // The main piece of each label: the largest, the first found on ties.
    std::vector<std::int32_t> main(static_cast<std::size_t>(max_label) + 1, -1);
    for (std::size_t k = 0; k < c.label.size(); ++k) {
      auto& m = main[static_cast<std::size_t>(c.label[k])];
      if (m < 0 || c.size[k] > c.size[static_cast<std::size_t>(m)]) m = static_cast<std::int32_t>(k);
    }
    auto is_main = [&](std::int32_t k) { return main[static_cast<std::size_t>(c.label[static_cast<std::size_t>(k)])] == k; };

    // (fragment, neighbour label, neighbour is a main piece) for every face a fragment shares.
    std::vector<std::tuple<std::int32_t, std::int32_t, bool>> faces;
    for (std::int64_t i = 0; i < static_cast<std::int64_t>(labels.size()); ++i) {
      const std::int32_t k = c.of_voxel[static_cast<std::size_t>(i)];
      if (is_main(k)) continue;
      for_face_neighbours(d, i, [&](std::int64_t j) {
        const std::int32_t lj = labels[static_cast<std::size_t>(j)];
        if (lj != labels[static_cast<std::size_t>(i)]) faces.emplace_back(k, lj, is_main(c.of_voxel[static_cast<std::size_t>(j)]));
      });
    }
    bool any_fragment = false;
    for (std::size_t k = 0; k < c.label.size() && !any_fragment; ++k) any_fragment = !is_main(static_cast<std::int32_t>(k));
    if (!any_fragment) return;

    std::sort(faces.begin(), faces.end());
    // Best target per fragment: most faces with a main piece, else most faces with anything.
    std::vector<std::int32_t> target(c.label.size(), 0);
    std::vector<std::int64_t> best_main(c.label.size(), 0), best_any(c.label.size(), 0);
    std::vector<std::int32_t> target_any(c.label.size(), 0);
    for (std::size_t a = 0; a < faces.size();) {
      const auto [k, lab, unused] = faces[a];
      std::int64_t n_main = 0, n_any = 0;
      std::size_t b = a;
      for (; b < faces.size() && std::get<0>(faces[b]) == k && std::get<1>(faces[b]) == lab; ++b) {
        ++n_any;
        n_main += std::get<2>(faces[b]) ? 1 : 0;
      }
      const auto kk = static_cast<std::size_t>(k);
      if (n_main > best_main[kk]) {  // labels come in ascending order, so ties keep the lower label
        best_main[kk] = n_main;
        target[kk] = lab;
      }
      if (n_any > best_any[kk]) {
        best_any[kk] = n_any;
        target_any[kk] = lab;
      }
      a = b;
    }
    for (std::size_t k = 0; k < target.size(); ++k)
      if (target[k] == 0) target[k] = target_any[k];
    for (std::size_t i = 0; i < labels.size(); ++i) {
      const std::int32_t k = c.of_voxel[i];
      if (!is_main(k) && target[static_cast<std::size_t>(k)] != 0) labels[i] = target[static_cast<std::size_t>(k)];
    }
  }
}

void restore_empty_labels(std::vector<std::int32_t>& labels, const Index3& d, std::int32_t count) {
  auto sizes = label_sizes(labels, count);
  for (std::int32_t missing = 1; missing <= count; ++missing) {
    if (sizes[static_cast<std::size_t>(missing)] > 0) continue;
    const auto donor = static_cast<std::int32_t>(std::max_element(sizes.begin() + 1, sizes.end()) - sizes.begin());
    const auto first = static_cast<std::int64_t>(std::find(labels.begin(), labels.end(), donor) - labels.begin());
    std::vector<std::int64_t> queue{first};
    std::vector<std::uint8_t> seen(labels.size(), 0);
    seen[static_cast<std::size_t>(first)] = 1;
    for (std::size_t head = 0; head < queue.size(); ++head)
      for_face_neighbours(d, queue[head], [&](std::int64_t j) {
        if (!seen[static_cast<std::size_t>(j)] && labels[static_cast<std::size_t>(j)] == donor) {
          seen[static_cast<std::size_t>(j)] = 1;
          queue.push_back(j);
        }
      });
    labels[static_cast<std::size_t>(queue.back())] = missing;
    --sizes[static_cast<std::size_t>(donor)];
    ++sizes[static_cast<std::size_t>(missing)];
  }
}

std::vector<std::int64_t> label_sizes(const std::vector<std::int32_t>& labels, std::int32_t count) {
  std::vector<std::int64_t> n(static_cast<std::size_t>(count) + 1, 0);
  for (auto l : labels) ++n[static_cast<std::size_t>(l)];
  return n;
}

std::vector<std::vector<std::int32_t>> label_neighbours(const std::vector<std::int32_t>& labels, const Index3& d,
                                                         std::int32_t count) {
  std::vector<std::vector<std::int32_t>> nb(static_cast<std::size_t>(count));
  auto link = [&](std::int32_t a, std::int32_t b) {
    if (a != b && a > 0 && b > 0) {
      nb[static_cast<std::size_t>(a - 1)].push_back(b);
      nb[static_cast<std::size_t>(b - 1)].push_back(a);
    }
  };
  const std::int64_t sy = d[0], sz = d[0] * d[1];
  for (std::int64_t z = 0; z < d[2]; ++z)
    for (std::int64_t y = 0; y < d[1]; ++y)
      for (std::int64_t x = 0; x < d[0]; ++x) {
        const std::int64_t i = x + sy * y + sz * z;
        const std::int32_t l = labels[static_cast<std::size_t>(i)];
        if (x + 1 < d[0]) link(l, labels[static_cast<std::size_t>(i + 1)]);
        if (y + 1 < d[1]) link(l, labels[static_cast<std::size_t>(i + sy)]);
        if (z + 1 < d[2]) link(l, labels[static_cast<std::size_t>(i + sz)]);
      }
  for (auto& v : nb) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  }
  return nb;
}

}  // namespace ebsd::synth

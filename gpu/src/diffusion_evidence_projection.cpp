// The evidence projection as an MRF labelling (diffusion/evidence_projection.hpp).
#include "diffusion/evidence_projection.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>

#include "ebsd/analysis/sparse_sampling.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/orientation/disorientation.hpp"

namespace ebsd::gpu::diffusion {
namespace {

// Measured orientations closer than this are one grain's.
constexpr double kSameGrain = 1.0 * std::numbers::pi / 180.0;
// Cost per sampling spacing of distance to a candidate's nearest measured pixel: breaks ties only.
constexpr double kDistanceCost = 0.05;
constexpr double kVotePseudocount = 0.5;
// Lower bound of the estimated side noise (in side units, [0, 1]): a map whose grains show
// exactly uniform side values must not make the likelihood infinitely sharp.
constexpr double kMinSideSigma = 0.005;
// Half the squared z-score per side channel below which a candidate grain matches the side image.
constexpr double kSideMatch = 0.5 * 3.0 * 3.0;

struct UnionFind {
  std::vector<std::int64_t> parent;
  explicit UnionFind(std::int64_t n) : parent(static_cast<std::size_t>(n)) { std::iota(parent.begin(), parent.end(), 0); }
  std::int64_t find(std::int64_t a) {
    while (parent[static_cast<std::size_t>(a)] != a) a = parent[static_cast<std::size_t>(a)] = parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(a)])];
    return a;
  }
  void unite(std::int64_t a, std::int64_t b) {
    a = find(a), b = find(b);
    if (a != b) parent[static_cast<std::size_t>(std::max(a, b))] = std::min(a, b);
  }
};

struct Candidate {
  std::int32_t grain;  // grain index
  std::int64_t q;      // its nearest measured pixel
  double d2;           // squared distance to it (pixels)
  double cost;         // unary cost
};

}  // namespace

ProjectionResult project_to_evidence(const ProjectionInput& in, const ProjectionOptions& o) {
  const std::int64_t nx = in.nx, ny = in.ny, plane = nx * ny;
  const auto N = static_cast<std::int64_t>(in.samples.size());
  const auto us = [](std::int64_t i) { return static_cast<std::size_t>(i); };
  ProjectionResult res;
  res.orientation.assign(in.generated.begin(), in.generated.end());
  res.source.assign(us(plane), -1);
  std::int64_t n_obs = 0;
  for (std::int64_t p = 0; p < plane; ++p)
    if (in.observed[us(p)]) res.orientation[us(p)] = in.measured[us(p)], ++n_obs;
  if (n_obs == 0 || o.snap_deg <= 0.0) {
    res.kept = plane - n_obs;
    return res;
  }
  const double limit = o.snap_deg * std::numbers::pi / 180.0;
  const double spacing = 1.0 / std::sqrt(std::max(1e-4, static_cast<double>(n_obs) / static_cast<double>(plane)));
  const double radius = 2.0 * spacing;
  const auto r = static_cast<std::int64_t>(std::ceil(radius));

  // 1. Grains of the measured pixels: near in space and in orientation.
  UnionFind uf(plane);
  for (std::int64_t py = 0; py < ny; ++py)
    for (std::int64_t px = 0; px < nx; ++px) {
      const std::int64_t p = px + nx * py;
      if (!in.observed[us(p)]) continue;
      for (std::int64_t qy = py; qy <= std::min(ny - 1, py + r); ++qy)
        for (std::int64_t qx = std::max<std::int64_t>(0, px - r); qx <= std::min(nx - 1, px + r); ++qx) {
          const std::int64_t q = qx + nx * qy;
          if (q <= p || !in.observed[us(q)]) continue;
          const double d2 = static_cast<double>((qx - px) * (qx - px) + (qy - py) * (qy - py));
          if (d2 <= radius * radius && uf.find(p) != uf.find(q) &&
              disorientation_angle(in.measured[us(p)], in.measured[us(q)], in.laue) < kSameGrain)
            uf.unite(p, q);
        }
    }
  std::vector<std::int32_t> grain(us(plane), -1);  // grain index of a measured pixel
  std::vector<std::int32_t> root_index(us(plane), -1);
  std::int32_t grains = 0;
  for (std::int64_t p = 0; p < plane; ++p) {
    if (!in.observed[us(p)]) continue;
    const auto root = uf.find(p);
    if (root_index[us(root)] < 0) root_index[us(root)] = grains++;
    grain[us(p)] = root_index[us(root)];
  }

  // 2. Side statistics per grain: mean and count; the pooled within-grain variance per channel.
  const std::int64_t ns = in.side.empty() ? 0 : static_cast<std::int64_t>(in.side.size()) / plane;
  const bool use_side = ns > 0 && o.side_weight > 0.0;
  std::vector<double> mean(us(grains * ns), 0.0), inv_var(us(ns), 0.0);
  std::vector<std::int64_t> count(us(grains), 0);
  if (use_side) {
    for (std::int64_t p = 0; p < plane; ++p)
      if (grain[us(p)] >= 0) {
        ++count[us(grain[us(p)])];
        for (std::int64_t s = 0; s < ns; ++s) mean[us(grain[us(p)] * ns + s)] += in.side[us(s * plane + p)];
      }
    for (std::int32_t g = 0; g < grains; ++g)
      for (std::int64_t s = 0; s < ns; ++s) mean[us(g * ns + s)] /= static_cast<double>(count[us(g)]);
    std::int64_t dof = 0;
    for (std::int32_t g = 0; g < grains; ++g) dof += count[us(g)] - 1;
    for (std::int64_t s = 0; s < ns; ++s) {
      double ss = 0.0;
      for (std::int64_t p = 0; p < plane; ++p)
        if (grain[us(p)] >= 0) {
          const double d = in.side[us(s * plane + p)] - mean[us(grain[us(p)] * ns + s)];
          ss += d * d;
        }
      const double var = dof > 0 ? ss / static_cast<double>(dof) : 0.0;
      inv_var[us(s)] = 1.0 / std::max(var, kMinSideSigma * kMinSideSigma);
    }
  }

  // 3. Candidates and their unary costs, per generated pixel (CSR lists).
  std::vector<std::int64_t> first(us(plane + 1), 0);
  std::vector<Candidate> cands;
  std::vector<std::uint8_t> fixed(us(plane), 0);  // measured, or kept generated
  std::vector<Candidate> local;
  std::vector<double> votes;
  std::vector<std::int64_t> near;  // nearest measured pixel, computed when first needed
  for (std::int64_t py = 0; py < ny; ++py)
    for (std::int64_t px = 0; px < nx; ++px) {
      const std::int64_t p = px + nx * py;
      first[us(p)] = static_cast<std::int64_t>(cands.size());
      if (in.observed[us(p)]) {
        fixed[us(p)] = 1;
        continue;
      }
      local.clear();
      for (std::int64_t qy = std::max<std::int64_t>(0, py - r); qy <= std::min(ny - 1, py + r); ++qy)
        for (std::int64_t qx = std::max<std::int64_t>(0, px - r); qx <= std::min(nx - 1, px + r); ++qx) {
          const std::int64_t q = qx + nx * qy;
          if (!in.observed[us(q)]) continue;
          const double d2 = static_cast<double>((qx - px) * (qx - px) + (qy - py) * (qy - py));
          if (d2 > radius * radius) continue;
          auto it = std::find_if(local.begin(), local.end(), [&](const Candidate& c) { return c.grain == grain[us(q)]; });
          if (it == local.end()) local.push_back({grain[us(q)], q, d2, 0.0});
          else if (d2 < it->d2) it->q = q, it->d2 = d2;
        }
      if (local.empty()) {
        // Nothing measured within reach: the nearest measured pixel is the only candidate.
        if (near.empty()) near = analysis::nearest_observed(nx, ny, in.observed);
        const std::int64_t q = near[us(p)];
        const double dx = static_cast<double>(q % nx - px), dy = static_cast<double>(q / nx - py);
        local.push_back({grain[us(q)], q, dx * dx + dy * dy, 0.0});
      }
      // Votes of the samples around the pixel.
      votes.assign(local.size(), 0.0);
      auto vote = [&](const Quat& g, double weight) {
        double best = limit;
        std::int64_t b = -1;
        for (std::size_t c = 0; c < local.size(); ++c) {
          const double d = disorientation_angle(g, in.measured[us(local[c].q)], in.laue);
          if (d < best) best = d, b = static_cast<std::int64_t>(c);
        }
        if (b >= 0) votes[us(b)] += weight;
      };
      const std::int64_t w = o.vote_radius;
      for (std::int64_t qy = std::max<std::int64_t>(0, py - w); qy <= std::min(ny - 1, py + w); ++qy)
        for (std::int64_t qx = std::max<std::int64_t>(0, px - w); qx <= std::min(nx - 1, px + w); ++qx) {
          const std::int64_t q = qx + nx * qy;
          if (in.observed[us(q)]) vote(in.measured[us(q)], static_cast<double>(N));
          else
            for (std::int64_t n = 0; n < N; ++n) vote(in.samples[us(n)][us(q)], 1.0);
        }
      const double total = std::accumulate(votes.begin(), votes.end(), 0.0);
      const double denom = total + kVotePseudocount * static_cast<double>(local.size());
      double best_side = std::numeric_limits<double>::infinity();  // the best candidate's side misfit
      for (std::size_t c = 0; c < local.size(); ++c) {
        auto& cd = local[c];
        cd.cost = -o.vote_weight * std::log((votes[c] + kVotePseudocount) / denom) + kDistanceCost * std::sqrt(cd.d2) / spacing;
        if (use_side) {
          const double n = static_cast<double>(count[us(cd.grain)]);
          const double inflate = 1.0 + 1.0 / n;  // the grain's mean is itself an estimate
          double nll = 0.0;
          for (std::int64_t s = 0; s < ns; ++s) {
            const double d = in.side[us(s * plane + p)] - mean[us(cd.grain * ns + s)];
            nll += 0.5 * d * d * inv_var[us(s)] / inflate;
          }
          best_side = std::min(best_side, nll / static_cast<double>(ns));
          cd.cost += o.side_weight * (nll + 0.5 * static_cast<double>(ns) * std::log(inflate));
        }
      }
      // Without a vote, a pixel whose samples agree keeps the generated orientation (a grain no
      // measurement saw), unless the side image matches a candidate grain (within 3 sigma per
      // channel): then the evidence of the side image outweighs that of the samples.
      if (total > 0.0 && o.vote_weight > 0.0) ++res.voted;
      else if (in.spread_deg[us(p)] < o.snap_deg && !(use_side && best_side < kSideMatch)) {
        ++res.kept;
        fixed[us(p)] = 1;
        continue;
      } else ++res.fallback;
      cands.insert(cands.end(), local.begin(), local.end());
    }
  first[us(plane)] = static_cast<std::int64_t>(cands.size());

  // 4. Labels: the cheapest candidate, then ICM sweeps with the Potts term.
  constexpr std::int32_t kFree = -2;  // a kept generated pixel: a grain of its own
  std::vector<std::int32_t> label(us(plane), kFree);
  std::vector<std::int64_t> chosen(us(plane), -1);  // index into cands
  for (std::int64_t p = 0; p < plane; ++p) {
    if (in.observed[us(p)]) {
      label[us(p)] = grain[us(p)];
      continue;
    }
    if (first[us(p)] == first[us(p + 1)]) continue;
    std::int64_t best = first[us(p)];
    for (std::int64_t c = first[us(p)]; c < first[us(p + 1)]; ++c)
      if (cands[us(c)].cost < cands[us(best)].cost) best = c;
    chosen[us(p)] = best, label[us(p)] = cands[us(best)].grain;
  }
  if (o.smoothness > 0.0) {
    static constexpr int dx8[8] = {-1, 0, 1, -1, 1, -1, 0, 1}, dy8[8] = {-1, -1, -1, 0, 0, 1, 1, 1};
    const double diag = o.smoothness / std::numbers::sqrt2;
    for (int sweep = 0; sweep < o.sweeps; ++sweep) {
      std::int64_t changed = 0;
      for (std::int64_t py = 0; py < ny; ++py)
        for (std::int64_t px = 0; px < nx; ++px) {
          const std::int64_t p = px + nx * py;
          if (chosen[us(p)] < 0) continue;
          std::int64_t best = -1;
          double best_cost = std::numeric_limits<double>::infinity();
          for (std::int64_t c = first[us(p)]; c < first[us(p + 1)]; ++c) {
            double cost = cands[us(c)].cost;
            for (int k = 0; k < 8; ++k) {
              const std::int64_t qx = px + dx8[k], qy = py + dy8[k];
              if (qx < 0 || qy < 0 || qx >= nx || qy >= ny) continue;
              if (label[us(qx + nx * qy)] != cands[us(c)].grain) cost += (dx8[k] != 0 && dy8[k] != 0) ? diag : o.smoothness;
            }
            if (cost < best_cost) best_cost = cost, best = c;
          }
          if (best != chosen[us(p)]) ++changed, chosen[us(p)] = best, label[us(p)] = cands[us(best)].grain;
        }
      if (changed == 0) break;
    }
  }
  for (std::int64_t p = 0; p < plane; ++p)
    if (chosen[us(p)] >= 0) {
      const auto q = cands[us(chosen[us(p)])].q;
      res.orientation[us(p)] = in.measured[us(q)];
      res.source[us(p)] = q;
    }
  return res;
}

}  // namespace ebsd::gpu::diffusion

// Slice recovery: baselines, projections, detection (slice_recovery.hpp; METHODS.md section 6).
#include "ebsd/analysis/slice_recovery.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numbers>
#include <set>
#include "ebsd/core/error.hpp"
#include "ebsd/orientation/disorientation.hpp"
#include "ebsd/orientation/laue_group.hpp"
#include "ebsd/orientation/rotations.hpp"

namespace ebsd::analysis {
namespace {

constexpr double kPi = std::numbers::pi;

LaueGroup group_of(const Volume& v, std::int32_t phase_id) {
  if (phase_id < 1 || phase_id > static_cast<std::int32_t>(v.phases().size())) return LaueGroup::Triclinic;
  return v.phases()[static_cast<std::size_t>(phase_id - 1)].laue;
}

// The voxel data a recovery copies or chooses among.
Candidate candidate_at(const Volume& v, std::int64_t i) {
  const auto k = static_cast<std::size_t>(i);
  return {v.orientation(i), v.phase_ids()[k], v.has_grain_ids() ? v.grain_ids()[k] : 0, v.confidence()[k],
          v.image_quality()[k]};
}

void assign(Volume& v, std::int64_t i, const Candidate& c) {
  const auto k = static_cast<std::size_t>(i);
  v.set_orientation(i, c.orientation);
  v.phase_ids()[k] = c.phase_id;
  v.confidence()[k] = c.ci;
  v.image_quality()[k] = c.iq;
  v.valid()[k] = 1;
  if (v.has_grain_ids()) v.grain_ids()[k] = c.grain_id;
}

bool same_grain(const Volume& v, const Candidate& a, const Candidate& b, double agree_rad, bool by_id) {
  if (a.phase_id != b.phase_id) return false;
  if (by_id) return a.grain_id != 0 && a.grain_id == b.grain_id;
  return disorientation_angle(a.orientation, b.orientation, group_of(v, a.phase_id)) < agree_rad;
}

double median(std::vector<double> x) {
  if (x.empty()) return 0.0;
  std::sort(x.begin(), x.end());
  const std::size_t m = x.size() / 2;
  return x.size() % 2 ? x[m] : 0.5 * (x[m - 1] + x[m]);
}

struct Context {
  std::int64_t below = -1, above = -1;  // nearest available slices, -1 when none
};

class SliceFiller {
public:
  SliceFiller(Volume& v, const RecoveryOptions& o, std::vector<float>& conf)
      : v_(v), o_(o), conf_(conf), plane_(v.nx() * v.ny()), agree_rad_(o.agree_deg * kPi / 180.0) {}

  std::int64_t fill(std::int64_t z, Context c) {
    if (c.below < 0 || c.above < 0) return copy_from(z, c.below < 0 ? c.above : c.below, 0.5f);
    switch (o_.method) {
      case RecoveryMethod::Nearest:
        return copy_from(z, (z - c.below) <= (c.above - z) ? c.below : c.above, -1.0f, c);
      case RecoveryMethod::Interp: return interpolate(z, c);
      case RecoveryMethod::Fill: return vote_fill(z, c);
      case RecoveryMethod::Projection: return project(z, c);
    }
    return 0;
  }

private:
  std::int64_t at(std::int64_t x, std::int64_t y, std::int64_t z) const { return v_.index(x, y, z); }

  // Confidence of a copy: 1 where both context voxels agree, else 0.5 (`fixed` >= 0 overrides).
  std::int64_t copy_from(std::int64_t z, std::int64_t src, float fixed, Context c = {}) {
    std::int64_t n = 0;
    for (std::int64_t p = 0; p < plane_; ++p) {
      const std::int64_t s = src * plane_ + p, d = z * plane_ + p;
      if (!v_.is_valid(s)) continue;
      assign(v_, d, candidate_at(v_, s));
      float conf = fixed;
      if (conf < 0) {
        const std::int64_t a = c.below * plane_ + p, b = c.above * plane_ + p;
        conf = v_.is_valid(a) && v_.is_valid(b) &&
                       same_grain(v_, candidate_at(v_, a), candidate_at(v_, b), agree_rad_, false)
                   ? 1.0f
                   : 0.5f;
      }
      conf_[static_cast<std::size_t>(d)] = conf;
      ++n;
    }
    return n;
  }

  // Symmetry-aware slerp by distance; phase, CI, IQ and grain id from the nearer slice.
  std::int64_t interpolate(std::int64_t z, Context c) {
    const double t = static_cast<double>(z - c.below) / static_cast<double>(c.above - c.below);
    std::int64_t n = 0;
    for (std::int64_t p = 0; p < plane_; ++p) {
      const std::int64_t a = c.below * plane_ + p, b = c.above * plane_ + p, d = z * plane_ + p;
      const bool va = v_.is_valid(a), vb = v_.is_valid(b);
      if (!va && !vb) continue;
      Candidate ca = va ? candidate_at(v_, a) : candidate_at(v_, b);
      Candidate cb = vb ? candidate_at(v_, b) : ca;
      Candidate out = t <= 0.5 ? ca : cb;
      float conf = 0.5f;
      if (va && vb && ca.phase_id == cb.phase_id) {
        out.orientation = symmetric_slerp(ca.orientation, cb.orientation, t, group_of(v_, ca.phase_id));
        if (same_grain(v_, ca, cb, agree_rad_, false)) conf = 1.0f;
      }
      assign(v_, d, out);
      conf_[static_cast<std::size_t>(d)] = conf;
      ++n;
    }
    return n;
  }

  // Candidates of voxel p: the context voxels below and above, then assigned in-plane neighbours.
  void gather(std::int64_t z, Context c, std::int64_t p, const std::vector<char>& done, std::vector<Candidate>& out,
              int* sources) const {
    out.clear();
    *sources = 0;
    for (auto s : {c.below, c.above}) {
      const std::int64_t i = s * plane_ + p;
      if (v_.is_valid(i)) out.push_back(candidate_at(v_, i));
    }
    *sources = static_cast<int>(out.size());
    const std::int64_t x = p % v_.nx(), y = p / v_.nx();
    const std::int64_t nb[4][2] = {{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}};
    for (const auto& q : nb) {
      if (q[0] < 0 || q[1] < 0 || q[0] >= v_.nx() || q[1] >= v_.ny()) continue;
      const std::int64_t pp = q[0] + v_.nx() * q[1];
      if (done[static_cast<std::size_t>(pp)]) out.push_back(candidate_at(v_, at(q[0], q[1], z)));
    }
  }

  // DREAM.3D-style neighbour fill: a voxel takes the orientation shared by most of its filled face
  // neighbours (same grain = within agree_deg); the needed vote count starts at 2 and drops when
  // a sweep fills nothing. Decisions of a sweep see the state at its start (no raster bias).
  std::int64_t vote_fill(std::int64_t z, Context c) {
    std::vector<char> done(static_cast<std::size_t>(plane_), 0);
    std::vector<Candidate> cand;
    std::int64_t filled = 0, remaining = plane_;
    int need = 2;
    std::vector<std::pair<std::int64_t, Candidate>> batch;
    std::vector<float> votes_conf;
    while (remaining > 0 && need >= 1) {
      batch.clear();
      votes_conf.clear();
      for (std::int64_t p = 0; p < plane_; ++p) {
        if (done[static_cast<std::size_t>(p)]) continue;
        int sources = 0;
        gather(z, c, p, done, cand, &sources);
        if (cand.empty()) continue;
        int best = -1, best_count = 0;
        for (std::size_t i = 0; i < cand.size(); ++i) {
          int count = 0;
          for (const auto& o : cand) count += same_grain(v_, cand[i], o, agree_rad_, false);
          if (count > best_count) best = static_cast<int>(i), best_count = count;
        }
        if (best_count >= need) {
          batch.emplace_back(p, cand[static_cast<std::size_t>(best)]);
          votes_conf.push_back(static_cast<float>(best_count) / static_cast<float>(cand.size()));
        }
      }
      if (batch.empty()) {
        --need;
        continue;
      }
      for (std::size_t k = 0; k < batch.size(); ++k) {
        const auto [p, cnd] = batch[k];
        assign(v_, z * plane_ + p, cnd);
        conf_[static_cast<std::size_t>(z * plane_ + p)] = votes_conf[k];
        done[static_cast<std::size_t>(p)] = 1;
        ++filled;
        --remaining;
      }
    }
    return filled;
  }

  // The projection (paper: utils/projection.py), with candidates compared to the prediction by
  // symmetry-aware disorientation (orientation mode) or, in grain-id mode, the paper's L2 between
  // cubochoric vectors of each grain's reference orientation.
  std::int64_t project(std::int64_t z, Context c) {
    if (!o_.predictor) throw Error("the projection needs a predictor", "", "recover");
    const auto predicted = o_.predictor(v_, z);
    if (static_cast<std::int64_t>(predicted.size()) != plane_)
      throw Error("the predictor returned " + std::to_string(predicted.size()) + " orientations, expected " +
                      std::to_string(plane_),
                  "", "recover");
    if (o_.projection == ProjectionRule::Evidence && !o_.project_grain_ids) return project_evidence(z, c, predicted);
    const bool by_id = o_.project_grain_ids && v_.has_grain_ids();
    std::map<std::int32_t, Candidate> reference;  // grain id -> its first voxel in the context slices
    if (by_id)
      for (auto s : {c.below, c.above})
        for (std::int64_t p = 0; p < plane_; ++p)
          if (v_.is_valid(s * plane_ + p)) reference.emplace(v_.grain_ids()[static_cast<std::size_t>(s * plane_ + p)],
                                                             candidate_at(v_, s * plane_ + p));
    std::vector<char> done(static_cast<std::size_t>(plane_), 0);
    std::vector<Candidate> cand;
    std::int64_t filled = 0, remaining = plane_;
    int need = o_.min_neighbors;
    while (remaining > 0 && need >= 1) {
      std::int64_t assigned = 0;
      for (std::int64_t p = 0; p < plane_; ++p) {
        if (done[static_cast<std::size_t>(p)]) continue;
        int sources = 0;
        gather(z, c, p, done, cand, &sources);
        if (cand.empty()) continue;
        const auto d = static_cast<std::size_t>(z * plane_ + p);
        Candidate chosen;
        float conf = 0;
        if (sources == 2 && same_grain(v_, cand[0], cand[1], agree_rad_, by_id)) {
          chosen = cand[0];
          conf = 1.0f;
        } else if (static_cast<int>(cand.size()) >= need) {
          double best = 0, second = kPi;
          if (by_id) {
            const Eigen::Vector3d pc = cubochoric_from_quat(predicted[static_cast<std::size_t>(p)]);
            double bd = std::numeric_limits<double>::infinity(), sd = bd;
            for (const auto& cd : cand) {
              const auto it = reference.find(cd.grain_id);
              const Quat ref = it == reference.end() ? cd.orientation : it->second.orientation;
              const double dist = (cubochoric_from_quat(ref) - pc).norm();
              if (dist < bd) sd = bd, bd = dist, chosen = cd, chosen.orientation = ref;
              else if (dist < sd) sd = dist;
            }
            best = bd, second = std::isfinite(sd) ? sd : bd + 1.0;
          } else {
            chosen = cand[nearest_candidate(predicted[static_cast<std::size_t>(p)], cand, v_, &best, &second)];
          }
          conf = static_cast<float>(std::clamp((second - best) / (second + best + 1e-9), 0.0, 1.0));
        } else {
          continue;
        }
        assign(v_, static_cast<std::int64_t>(d), chosen);
        conf_[d] = conf;
        done[static_cast<std::size_t>(p)] = 1;
        ++assigned;
        ++filled;
        --remaining;
      }
      if (assigned == 0) --need;
    }
    return filled;
  }

  // The evidence projection (RecoveryOptions, ProjectionRule::Evidence): neighbour votes per
  // grain, plus prediction_weight votes for the grain the prediction is nearest to.
  std::int64_t project_evidence(std::int64_t z, Context c, const std::vector<Quat>& predicted) {
    std::vector<char> done(static_cast<std::size_t>(plane_), 0);
    std::vector<Candidate> cand;
    std::int64_t filled = 0, remaining = plane_;
    // Below and above agree: that grain (the paper's first rule).
    for (std::int64_t p = 0; p < plane_; ++p) {
      const std::int64_t b = c.below * plane_ + p, a = c.above * plane_ + p;
      if (!v_.is_valid(b) || !v_.is_valid(a)) continue;
      const Candidate cb = candidate_at(v_, b);
      if (!same_grain(v_, cb, candidate_at(v_, a), agree_rad_, false)) continue;
      assign(v_, z * plane_ + p, cb);
      conf_[static_cast<std::size_t>(z * plane_ + p)] = 1.0f;
      done[static_cast<std::size_t>(p)] = 1;
      ++filled;
      --remaining;
    }
    struct Group {
      std::size_t first;  // index of its first candidate (below/above come first)
      double votes;
    };
    std::vector<Group> groups;
    std::vector<std::pair<std::int64_t, Candidate>> batch;
    std::vector<float> batch_conf;
    int need = 2;
    while (remaining > 0 && need >= 1) {
      batch.clear();
      batch_conf.clear();
      for (std::int64_t p = 0; p < plane_; ++p) {
        if (done[static_cast<std::size_t>(p)]) continue;
        int sources = 0;
        gather(z, c, p, done, cand, &sources);
        if (cand.empty()) continue;
        groups.clear();
        for (std::size_t i = 0; i < cand.size(); ++i) {
          bool joined = false;
          for (auto& g : groups)
            if (same_grain(v_, cand[g.first], cand[i], agree_rad_, false)) {
              g.votes += 1.0;
              joined = true;
              break;
            }
          if (!joined) groups.push_back({i, 1.0});
        }
        double top = 0;
        for (const auto& g : groups) top = std::max(top, g.votes);
        if (top < need) continue;
        // The prediction's vote: the grain nearest to it by symmetry-aware disorientation gets
        // prediction_weight times its margin (d2 - d1) / (d2 + d1) over the runner-up grain, so a
        // prediction halfway between two grains hardly counts; on a tie of votes it decides.
        std::size_t nearest = 0;
        double d1 = std::numeric_limits<double>::infinity(), d2 = d1;
        for (std::size_t k = 0; k < groups.size(); ++k) {
          const Candidate& g = cand[groups[k].first];
          const double d = disorientation_angle(predicted[static_cast<std::size_t>(p)], g.orientation, group_of(v_, g.phase_id));
          if (d < d1) d2 = d1, d1 = d, nearest = k;
          else d2 = std::min(d2, d);
        }
        const double margin = std::isfinite(d2) ? (d2 - d1) / (d2 + d1 + 1e-12) : 1.0;
        if (o_.prediction_weight > 0) groups[nearest].votes += o_.prediction_weight * margin + 1e-6;
        std::size_t best = 0;
        double s1 = -1, s2 = 0;
        for (std::size_t k = 0; k < groups.size(); ++k) {
          if (groups[k].votes > s1) s2 = std::max(s2, s1), s1 = groups[k].votes, best = k;
          else s2 = std::max(s2, groups[k].votes);
        }
        batch.emplace_back(p, cand[groups[best].first]);
        batch_conf.push_back(static_cast<float>(std::clamp((s1 - s2) / std::max(s1, 1e-9), 0.0, 1.0)));
      }
      if (batch.empty()) {
        --need;
        continue;
      }
      for (std::size_t k = 0; k < batch.size(); ++k) {
        const auto& [p, cnd] = batch[k];
        assign(v_, z * plane_ + p, cnd);
        conf_[static_cast<std::size_t>(z * plane_ + p)] = batch_conf[k];
        done[static_cast<std::size_t>(p)] = 1;
        ++filled;
        --remaining;
      }
    }
    return filled;
  }

  Volume& v_;
  const RecoveryOptions& o_;
  std::vector<float>& conf_;
  std::int64_t plane_;
  double agree_rad_;
};

}  // namespace

std::vector<SliceRun> consecutive_runs(std::vector<std::int64_t> slices) {
  std::sort(slices.begin(), slices.end());
  slices.erase(std::unique(slices.begin(), slices.end()), slices.end());
  std::vector<SliceRun> runs;
  for (auto z : slices) {
    if (!runs.empty() && runs.back().last + 1 == z) runs.back().last = z;
    else runs.push_back({z, z});
  }
  return runs;
}

std::vector<std::int64_t> outside_in_order(std::span<const SliceRun> runs) {
  std::vector<std::int64_t> order;
  for (const auto& r : runs) {
    std::int64_t a = r.first, b = r.last;
    while (a <= b) {
      order.push_back(a++);
      if (a <= b) order.push_back(b--);
    }
  }
  return order;
}

std::vector<std::int64_t> detect_bad_slices(const Volume& v, const DetectOptions& o) {
  std::set<std::int64_t> bad(v.missing_slices().begin(), v.missing_slices().end());
  bad.insert(v.damaged_slices().begin(), v.damaged_slices().end());
  const std::int64_t plane = v.nx() * v.ny();
  std::vector<double> ci(static_cast<std::size_t>(v.nz())), iq(ci.size()), valid(ci.size());
  for (std::int64_t z = 0; z < v.nz(); ++z) {
    double sc = 0, si = 0;
    std::int64_t n = 0;
    for (std::int64_t i = z * plane; i < (z + 1) * plane; ++i) {
      if (!v.is_valid(i)) continue;
      sc += v.confidence()[static_cast<std::size_t>(i)];
      si += v.image_quality()[static_cast<std::size_t>(i)];
      ++n;
    }
    const auto k = static_cast<std::size_t>(z);
    ci[k] = n ? sc / static_cast<double>(n) : 0.0;
    iq[k] = n ? si / static_cast<double>(n) : 0.0;
    valid[k] = static_cast<double>(n) / static_cast<double>(plane);
  }
  for (std::int64_t z = 0; z < v.nz(); ++z) {
    std::vector<double> nc, ni, nv;
    for (std::int64_t d = -2; d <= 2; ++d) {
      const std::int64_t w = z + d;
      if (d == 0 || w < 0 || w >= v.nz()) continue;
      nc.push_back(ci[static_cast<std::size_t>(w)]);
      ni.push_back(iq[static_cast<std::size_t>(w)]);
      nv.push_back(valid[static_cast<std::size_t>(w)]);
    }
    const auto k = static_cast<std::size_t>(z);
    const double mc = median(nc), mi = median(ni), mv = median(nv);
    if (valid[k] < o.min_valid_fraction || (mv > 0 && valid[k] < o.valid_drop_ratio * mv) ||
        (mc > 0 && ci[k] < o.drop_ratio * mc) || (mi > 0 && iq[k] < o.drop_ratio * mi))
      bad.insert(z);
  }
  return {bad.begin(), bad.end()};
}

void clear_slices(Volume& v, std::span<const std::int64_t> slices) {
  const std::int64_t plane = v.nx() * v.ny();
  for (auto z : slices) {
    if (z < 0 || z >= v.nz())
      throw Error("slice " + std::to_string(z) + " is outside the volume (0.." + std::to_string(v.nz() - 1) + ")", "",
                  "slices");
    for (std::int64_t i = z * plane; i < (z + 1) * plane; ++i) {
      const auto k = static_cast<std::size_t>(i);
      v.set_orientation(i, Quat::identity());
      v.phase_ids()[k] = 0;
      v.confidence()[k] = 0;
      v.image_quality()[k] = 0;
      v.valid()[k] = 0;
      if (v.has_grain_ids()) v.grain_ids()[k] = 0;
    }
  }
}

Quat nearest_equivalent(const Quat& q, const Quat& reference, LaueGroup g) {
  Quat best = q;
  double best_dot = -1.0;
  for (const Quat& s : symmetry_operators(g)) {
    const Quat e = s * q;
    const double d = std::fabs(e.dot(reference));
    if (d > best_dot + 1e-12) best_dot = d, best = e;
  }
  return best.dot(reference) < 0 ? -best : best;
}

Quat symmetric_slerp(const Quat& a, const Quat& b, double t, LaueGroup g) {
  const Quat e = nearest_equivalent(b, a, g);
  const double d = std::clamp(a.dot(e), -1.0, 1.0);
  const double theta = std::acos(d);
  if (theta < 1e-9) return a;
  const double wa = std::sin((1 - t) * theta) / std::sin(theta), wb = std::sin(t * theta) / std::sin(theta);
  return Quat{wa * a.w + wb * e.w, wa * a.x + wb * e.x, wa * a.y + wb * e.y, wa * a.z + wb * e.z}.normalized().positive();
}

std::size_t nearest_candidate(const Quat& predicted, std::span<const Candidate> candidates, const Volume& v,
                              double* angle, double* second) {
  std::size_t best = 0;
  double b = std::numeric_limits<double>::infinity(), s = kPi;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const double d = disorientation_angle(predicted, candidates[i].orientation, group_of(v, candidates[i].phase_id));
    if (d < b) {
      if (std::isfinite(b)) s = std::min(s, b);
      b = d, best = i;
    } else {
      s = std::min(s, d);
    }
  }
  if (angle) *angle = b;
  if (second) *second = s;
  return best;
}

RecoveryReport recover_slices(Volume& v, std::span<const std::int64_t> slices, const RecoveryOptions& options,
                              Progress& progress) {
  const auto runs = consecutive_runs({slices.begin(), slices.end()});
  const auto order = outside_in_order(runs);
  if (static_cast<std::int64_t>(order.size()) >= v.nz())
    throw Error("cannot recover every slice of the volume: at least one slice must hold data", "", "slices");
  clear_slices(v, order);
  std::vector<float> conf(static_cast<std::size_t>(v.voxel_count()), 1.0f);
  if (v.has_channel(kRecoveryConfidenceChannel)) conf = v.channel(kRecoveryConfidenceChannel).values;
  std::vector<char> known(static_cast<std::size_t>(v.nz()), 1);
  for (auto z : order) known[static_cast<std::size_t>(z)] = 0;
  const std::int64_t plane = v.nx() * v.ny();
  for (auto z : order)
    std::fill(conf.begin() + z * plane, conf.begin() + (z + 1) * plane, 0.0f);

  SliceFiller filler(v, options, conf);
  RecoveryReport report;
  for (std::size_t k = 0; k < order.size(); ++k) {
    progress.check();
    const auto z = order[k];
    Context c;
    for (std::int64_t w = z - 1; w >= 0; --w)
      if (known[static_cast<std::size_t>(w)]) { c.below = w; break; }
    for (std::int64_t w = z + 1; w < v.nz(); ++w)
      if (known[static_cast<std::size_t>(w)]) { c.above = w; break; }
    report.voxels += filler.fill(z, c);
    known[static_cast<std::size_t>(z)] = 1;
    report.slices.push_back(z);
    progress.report(static_cast<double>(k + 1) / static_cast<double>(order.size()),
                    "slice " + std::to_string(z));
  }
  double sum = 0;
  for (auto z : order)
    for (std::int64_t i = z * plane; i < (z + 1) * plane; ++i) sum += conf[static_cast<std::size_t>(i)];
  report.mean_confidence = order.empty() ? 1.0 : sum / static_cast<double>(order.size() * static_cast<std::size_t>(plane));
  v.set_channel(kRecoveryConfidenceChannel,
                Channel{std::move(conf), "", "confidence of slice recovery: 1 = neighbours agree, 0 = not recovered"});
  // Unmark what was recovered, keep the other marks.
  const std::set<std::int64_t> done(order.begin(), order.end());
  const auto missing = v.missing_slices();
  const auto damaged = v.damaged_slices();
  v.clear_slice_marks();
  for (auto z : missing)
    if (!done.count(z)) v.mark_missing(z);
  for (auto z : damaged)
    if (!done.count(z)) v.mark_damaged(z);
  return report;
}

}  // namespace ebsd::analysis

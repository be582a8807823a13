#include "ebsd/analysis/align_sections.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

#include "ebsd/core/error.hpp"
#include "ebsd/core/version.hpp"
#include "ebsd/orientation/disorientation.hpp"

namespace ebsd::analysis {
namespace {

// One candidate relative shift and how well it fits. The misfit is a fraction; `compared` is
// the overlap it was measured on (0 = not enough overlap to judge).
struct Fit {
  double misfit = std::numeric_limits<double>::infinity();
  std::int64_t compared = 0;
};

// Compares two z slices of one volume under a relative shift (rx, ry): reference voxel (x, y)
// meets moving voxel (x - rx, y - ry), i.e. the moving slice's content moved by (rx, ry).
class SlicePairFit {
public:
  SlicePairFit(const Volume& v, std::int64_t z_ref, std::int64_t z_mov, const AlignSectionsOptions& o)
      : v_(v), z_ref_(z_ref), z_mov_(z_mov), cos_half_tol_(std::cos(o.tolerance_rad / 2.0)), tol_(o.tolerance_rad) {
    const std::int64_t n_ref = valid_count(z_ref), n_mov = valid_count(z_mov);
    min_compared_ = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(o.min_overlap_fraction *
                                                                                    static_cast<double>(std::min(n_ref, n_mov)))));
  }

  Fit at(std::int64_t rx, std::int64_t ry) {
    const auto key = std::make_pair(rx, ry);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    const Fit f = measure(rx, ry);
    cache_.emplace(key, f);
    return f;
  }

private:
  std::int64_t valid_count(std::int64_t z) const {
    std::int64_t n = 0;
    for (std::int64_t y = 0; y < v_.ny(); ++y)
      for (std::int64_t x = 0; x < v_.nx(); ++x) n += v_.is_valid(v_.index(x, y, z));
    return n;
  }

  bool differ(std::int64_t a, std::int64_t b) const {
    const auto pa = v_.phase_ids()[static_cast<std::size_t>(a)], pb = v_.phase_ids()[static_cast<std::size_t>(b)];
    if (pa != pb) return true;  // two phases are two crystals, whatever their orientations
    const Quat qa = v_.orientation(a), qb = v_.orientation(b);
    // The disorientation never exceeds the plain misorientation angle 2 acos|qa.qb| (the
    // identity is among the symmetry operators), so nearly equal orientations, the common case
    // inside grains, are settled without the symmetry search.
    if (std::fabs(qa.dot(qb)) >= cos_half_tol_) return false;
    const Phase* ph = v_.phase_of(a);
    return disorientation_angle(qa, qb, ph ? ph->laue : LaueGroup::Triclinic) > tol_;
  }

  Fit measure(std::int64_t rx, std::int64_t ry) const {
    std::int64_t compared = 0, misfits = 0;
    const std::int64_t x0 = std::max<std::int64_t>(0, rx), x1 = std::min(v_.nx(), v_.nx() + rx);
    const std::int64_t y0 = std::max<std::int64_t>(0, ry), y1 = std::min(v_.ny(), v_.ny() + ry);
    for (std::int64_t y = y0; y < y1; ++y) {
      for (std::int64_t x = x0; x < x1; ++x) {
        const std::int64_t a = v_.index(x, y, z_ref_), b = v_.index(x - rx, y - ry, z_mov_);
        if (!v_.is_valid(a) || !v_.is_valid(b)) continue;
        ++compared;
        misfits += differ(a, b);
      }
    }
    Fit f;
    f.compared = compared;
    if (compared >= min_compared_) f.misfit = static_cast<double>(misfits) / static_cast<double>(compared);
    return f;
  }

  const Volume& v_;
  std::int64_t z_ref_, z_mov_;
  double cos_half_tol_, tol_;
  std::int64_t min_compared_ = 1;
  std::map<std::pair<std::int64_t, std::int64_t>, Fit> cache_;
};

// Strictly better: a lower misfit, or an equal one at a smaller shift (so a featureless pair,
// e.g. two slices inside one grain, stays at (0, 0) rather than drifting).
bool better(const Fit& a, std::int64_t ax, std::int64_t ay, const Fit& b, std::int64_t bx, std::int64_t by) {
  if (a.misfit != b.misfit) return a.misfit < b.misfit;
  const std::int64_t ra = ax * ax + ay * ay, rb = bx * bx + by * by;
  if (ra != rb) return ra < rb;
  return std::make_pair(ay, ax) < std::make_pair(by, bx);
}

struct PairResult {
  std::int64_t rx = 0, ry = 0;
  Fit fit;
};

PairResult search_exhaustive(SlicePairFit& pair, std::int64_t m, const Progress& progress) {
  PairResult best{0, 0, pair.at(0, 0)};
  for (std::int64_t ry = -m; ry <= m; ++ry) {
    progress.check();
    for (std::int64_t rx = -m; rx <= m; ++rx) {
      const Fit f = pair.at(rx, ry);
      if (better(f, rx, ry, best.fit, best.rx, best.ry)) best = {rx, ry, f};
    }
  }
  return best;
}

PairResult search_descent(SlicePairFit& pair, std::int64_t m, const Progress& progress) {
  PairResult best{0, 0, pair.at(0, 0)};
  // Each move strictly improves (misfit, |shift|, order), so the walk cannot cycle; the
  // bound on steps is only a guard.
  for (std::int64_t step = 0; step < (2 * m + 1) * (2 * m + 1); ++step) {
    progress.check();
    PairResult next = best;
    for (std::int64_t dy = -1; dy <= 1; ++dy) {
      for (std::int64_t dx = -1; dx <= 1; ++dx) {
        const std::int64_t rx = best.rx + dx, ry = best.ry + dy;
        if ((dx == 0 && dy == 0) || std::abs(rx) > m || std::abs(ry) > m) continue;
        const Fit f = pair.at(rx, ry);
        if (better(f, rx, ry, next.fit, next.rx, next.ry)) next = {rx, ry, f};
      }
    }
    if (next.rx == best.rx && next.ry == best.ry) break;
    best = next;
  }
  return best;
}

bool slice_has_valid(const Volume& v, std::int64_t z) {
  const auto plane = v.nx() * v.ny();
  const auto valid = v.valid().subspan(static_cast<std::size_t>(z * plane), static_cast<std::size_t>(plane));
  return std::any_of(valid.begin(), valid.end(), [](std::uint8_t b) { return b != 0; });
}

}  // namespace

void validate(const AlignSectionsOptions& o) {
  if (!std::isfinite(o.tolerance_rad) || o.tolerance_rad <= 0.0 || o.tolerance_rad > std::numbers::pi)
    throw Error("expected a misorientation tolerance in (0, 180] deg, got " +
                    std::to_string(o.tolerance_rad * 180.0 / std::numbers::pi) + " deg",
                "", "tolerance");
  if (o.max_shift < 0) throw Error("expected a maximum shift >= 0 voxels, got " + std::to_string(o.max_shift), "", "max_shift");
  if (!(o.min_overlap_fraction > 0.0 && o.min_overlap_fraction <= 1.0))
    throw Error("expected a minimum overlap fraction in (0, 1], got " + std::to_string(o.min_overlap_fraction), "",
                "min_overlap_fraction");
}

AlignSectionsResult find_section_shifts(const Volume& v, const AlignSectionsOptions& o, Progress& progress) {
  validate(o);
  AlignSectionsResult r;
  r.slices.resize(static_cast<std::size_t>(v.nz()));
  std::int64_t previous = -1;  // the last slice with data, the reference for the next one
  for (std::int64_t z = 0; z < v.nz(); ++z) {
    progress.check();
    progress.report(static_cast<double>(z) / static_cast<double>(v.nz()), "aligning slice " + std::to_string(z));
    SliceShift& s = r.slices[static_cast<std::size_t>(z)];
    s.z = z;
    if (v.missing_slices().count(z) || !slice_has_valid(v, z)) {
      s.status = v.missing_slices().count(z) ? "skipped-missing" : "skipped-empty";
      if (previous >= 0) {
        s.dx = r.slices[static_cast<std::size_t>(previous)].dx;
        s.dy = r.slices[static_cast<std::size_t>(previous)].dy;
      }
      continue;
    }
    if (previous < 0) {
      s.status = "reference";
      previous = z;
      // Skipped slices before the reference keep (0, 0): there is nothing to align them to.
      continue;
    }
    SlicePairFit pair(v, previous, z, o);
    const PairResult best =
        o.search == ShiftSearch::Exhaustive ? search_exhaustive(pair, o.max_shift, progress) : search_descent(pair, o.max_shift, progress);
    const SliceShift& prev = r.slices[static_cast<std::size_t>(previous)];
    if (!std::isfinite(best.fit.misfit)) {
      s.status = "no-overlap";
      s.dx = prev.dx;
      s.dy = prev.dy;
      s.compared = best.fit.compared;
    } else {
      s.status = "aligned";
      s.relative_dx = best.rx;
      s.relative_dy = best.ry;
      s.dx = prev.dx + best.rx;
      s.dy = prev.dy + best.ry;
      s.misfit = best.fit.misfit;
      s.compared = best.fit.compared;
    }
    previous = z;
  }
  progress.report(1.0, "aligned");
  return r;
}

void apply_section_shifts(Volume& v, const std::vector<SliceShift>& shifts) {
  if (static_cast<std::int64_t>(shifts.size()) != v.nz())
    throw Error("expected one shift per slice (" + std::to_string(v.nz()) + "), got " + std::to_string(shifts.size()), "",
                "slice shifts");
  for (std::size_t k = 0; k < shifts.size(); ++k)
    if (shifts[k].z != static_cast<std::int64_t>(k))
      throw Error("slice shifts are not in z order at entry " + std::to_string(k), "", "slice shifts");

  const std::int64_t nx = v.nx(), ny = v.ny();
  const auto plane = static_cast<std::size_t>(nx * ny);
  // Moves one z plane of an array with `width` values per voxel; uncovered voxels get `fill`.
  auto shift_plane = [&](auto data, std::size_t width, std::int64_t z, std::int64_t dx, std::int64_t dy, auto fill) {
    using T = typename decltype(data)::element_type;
    const std::size_t base = static_cast<std::size_t>(z) * plane * width;
    std::vector<T> moved(plane * width);
    for (std::size_t i = 0; i < moved.size(); i += width)
      for (std::size_t c = 0; c < width; ++c) moved[i + c] = fill(c);
    for (std::int64_t y = 0; y < ny; ++y) {
      const std::int64_t sy = y - dy;
      if (sy < 0 || sy >= ny) continue;
      for (std::int64_t x = 0; x < nx; ++x) {
        const std::int64_t sx = x - dx;
        if (sx < 0 || sx >= nx) continue;
        const auto to = static_cast<std::size_t>(x + nx * y) * width, from = base + static_cast<std::size_t>(sx + nx * sy) * width;
        for (std::size_t c = 0; c < width; ++c) moved[to + c] = data[from + c];
      }
    }
    std::copy(moved.begin(), moved.end(), data.begin() + static_cast<std::ptrdiff_t>(base));
  };

  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (const SliceShift& s : shifts) {
    if (s.dx == 0 && s.dy == 0) continue;
    const std::int64_t z = s.z;
    shift_plane(v.quaternion_data(), 4, z, s.dx, s.dy, [](std::size_t c) { return c == 0 ? 1.0f : 0.0f; });
    shift_plane(v.phase_ids(), 1, z, s.dx, s.dy, [](std::size_t) { return std::int32_t{0}; });
    shift_plane(v.confidence(), 1, z, s.dx, s.dy, [](std::size_t) { return 0.0f; });
    shift_plane(v.image_quality(), 1, z, s.dx, s.dy, [](std::size_t) { return 0.0f; });
    shift_plane(v.valid(), 1, z, s.dx, s.dy, [](std::size_t) { return std::uint8_t{0}; });
    for (const auto& [name, channel] : v.channels()) {
      (void)channel;
      shift_plane(std::span<float>(v.channel(name).values), 1, z, s.dx, s.dy, [nan](std::size_t) { return nan; });
    }
  }
  v.clear_grain_ids();
}

AlignSectionsResult align_sections(Volume& v, const AlignSectionsOptions& o, Progress& progress) {
  AlignSectionsResult r = find_section_shifts(v, o, progress);
  const bool had_grains = v.has_grain_ids();
  apply_section_shifts(v, r.slices);
  nlohmann::json shifts = nlohmann::json::array();
  for (const auto& s : r.slices)
    shifts.push_back({{"z", s.z}, {"dx", s.dx}, {"dy", s.dy}, {"misfit", s.misfit}, {"status", s.status}});
  v.add_provenance({"align-sections",
                    {{"tolerance_deg", o.tolerance_rad * 180.0 / std::numbers::pi},
                     {"max_shift", o.max_shift},
                     {"search", o.search == ShiftSearch::Exhaustive ? "exhaustive" : "descent"},
                     {"min_overlap_fraction", o.min_overlap_fraction},
                     {"shift_convention", "aligned(x + dx, y + dy) = original(x, y); voxels, relative to the first slice"},
                     {"shifts", shifts}},
                    EBSD_VERSION, utc_timestamp(), had_grains ? "grain ids cleared: segment again after alignment" : ""});
  return r;
}

}  // namespace ebsd::analysis

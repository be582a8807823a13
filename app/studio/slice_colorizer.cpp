#include "slice_colorizer.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <thread>

#include "ebsd/core/error.hpp"
#include "ebsd/orientation/ipf.hpp"
#include "ebsd/volume/voxel_ipf_colors.hpp"

namespace ebsd::studio {
namespace {

struct SliceWalk {
  std::int64_t width = 0, height = 0;
  std::int64_t base = 0;                   // voxel index of pixel (0, 0)
  std::int64_t strideU = 0, strideW = 0;   // voxel index step per column and per row
};

SliceWalk sliceWalk(const Volume& v, SliceAxis axis, std::int64_t index) {
  const int a = axis == SliceAxis::X ? 0 : axis == SliceAxis::Y ? 1 : 2;
  const std::int64_t extent = v.dims()[static_cast<std::size_t>(a)];
  if (index < 0 || index >= extent)
    throw Error("slice " + std::to_string(index) + " is outside the volume (0.." + std::to_string(extent - 1) +
                    " along " + "xyz"[a] + ")",
                "", "slice");
  const std::array<std::int64_t, 3> stride{1, v.nx(), v.nx() * v.ny()};
  const int uAxis = a == 0 ? 1 : 0, wAxis = a == 2 ? 1 : 2;
  SliceWalk s;
  s.width = v.dims()[static_cast<std::size_t>(uAxis)];
  s.height = v.dims()[static_cast<std::size_t>(wAxis)];
  s.base = index * stride[static_cast<std::size_t>(a)];
  s.strideU = stride[static_cast<std::size_t>(uAxis)];
  s.strideW = stride[static_cast<std::size_t>(wAxis)];
  return s;
}

// Runs body(rowBegin, rowEnd, worker) over the rows, on up to `threads` threads when the slice
// is large enough to pay for them.
template <class Body>
void forRowBands(std::int64_t width, std::int64_t height, int threads, Body&& body) {
  const std::int64_t pixels = width * height;
  const int n = pixels < 16384 ? 1 : static_cast<int>(std::min<std::int64_t>(threads, height));
  if (n <= 1) {
    body(std::int64_t{0}, height, 0);
    return;
  }
  std::vector<std::thread> workers;
  workers.reserve(static_cast<std::size_t>(n - 1));
  const std::int64_t band = (height + n - 1) / n;
  for (int t = 1; t < n; ++t) {
    const std::int64_t begin = std::min(height, t * band), end = std::min(height, (t + 1) * band);
    workers.emplace_back([&body, begin, end, t] { body(begin, end, t); });
  }
  body(0, std::min(height, band), 0);
  for (auto& w : workers) w.join();
}

}  // namespace

std::pair<std::int64_t, std::int64_t> sliceSize(const Index3& dims, SliceAxis axis) {
  switch (axis) {
    case SliceAxis::X: return {dims[1], dims[2]};
    case SliceAxis::Y: return {dims[0], dims[2]};
    case SliceAxis::Z: return {dims[0], dims[1]};
  }
  return {0, 0};
}

// Per-worker scratch for IPF rows. A row's voxels are coloured in one batch (core's
// voxel_ipf_colors), but a voxel with the same quaternion bits and phase as its left
// neighbour reuses that colour: grains (synthetic or segmented-then-averaged data) are runs of
// one exact orientation along a row, raw data has none and pays only the comparison.
struct SliceColorizer::IpfRows {
  std::vector<std::int64_t> runVoxels;   // the first voxel of each run, to colour
  std::vector<std::int32_t> runOfPixel;  // per column: its run, -1 for black
  std::vector<std::uint8_t> runColours;
};

// A direct-mapped cache from a voxel's float quaternion to its misorientation angle to one
// reference. Exact: a hit needs the same bits (and the voxel the reference's phase), and the
// angle is what core's misorientation_to_reference_deg returned for a voxel with those bits.
struct SliceColorizer::AngleMemo {
  struct Entry {
    std::array<float, 4> q{};
    bool used = false;
    double angle = 0.0;
  };
  static constexpr std::size_t kSize = 1u << 14;
  std::array<std::int64_t, 3> reference{-1, -1, -1};
  std::vector<Entry> entries = std::vector<Entry>(kSize);

  void resetFor(const Index3& r) {
    if (r == reference) return;
    reference = r;
    std::fill(entries.begin(), entries.end(), Entry{});
  }
  // Voxel i must be valid and of the reference's phase (otherwise the angle is NaN, not cached).
  double angle(const Volume& v, const SliceColoring& c, std::int64_t i, const float* q) {
    std::uint32_t bits[4];
    std::memcpy(bits, q, sizeof bits);
    std::uint64_t h = 0x9E3779B97F4A7C15ull;
    for (std::uint32_t b : bits) h = (h ^ b) * 0x100000001B3ull;
    Entry& e = entries[(h ^ (h >> 29)) & (kSize - 1)];
    if (e.used && std::memcmp(e.q.data(), q, sizeof bits) == 0) return e.angle;
    e.angle = misorientation_to_reference_deg(v, c, i);
    std::memcpy(e.q.data(), q, sizeof bits);
    e.used = true;
    return e.angle;
  }
};

SliceColorizer::SliceColorizer(std::shared_ptr<const Volume> volume, int threads)
    : volume_(std::move(volume)),
      threads_(threads > 0 ? threads : static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 8u))) {
  for (int t = 0; t < threads_; ++t) {
    ipfRows_.push_back(std::make_unique<IpfRows>());
    angleMemos_.push_back(std::make_unique<AngleMemo>());
  }
}

SliceColorizer::~SliceColorizer() = default;

void SliceColorizer::colour(SliceAxis axis, std::int64_t index, const SliceColoring& coloring, std::uint8_t* out) {
  switch (coloring.kind) {
    case SliceColoring::Kind::Ipf: return colourIpf(axis, index, coloring, out);
    case SliceColoring::Kind::Ci:
    case SliceColoring::Kind::Iq:
    case SliceColoring::Kind::Channel: return colourScalar(axis, index, coloring, out);
    case SliceColoring::Kind::Misorientation: return colourMisorientation(axis, index, coloring, out);
    case SliceColoring::Kind::Phase:
    case SliceColoring::Kind::Grain: {
      // Cheap in core (no whole-volume scan for these): use its palette as is.
      const RgbImage img = slice_image(*volume_, axis, index, coloring);
      std::memcpy(out, img.pixels.data(), img.pixels.size());
      return;
    }
  }
}

void SliceColorizer::colourIpf(SliceAxis axis, std::int64_t index, const SliceColoring& coloring, std::uint8_t* out) {
  const Volume& v = *volume_;
  const SliceWalk s = sliceWalk(v, axis, index);
  const auto quats = v.quaternion_data();
  const auto phases = v.phase_ids();
  const auto valid = v.valid();
  const auto phaseCount = static_cast<std::int32_t>(v.phases().size());
  forRowBands(s.width, s.height, threads_, [&](std::int64_t rowBegin, std::int64_t rowEnd, int worker) {
    IpfRows& r = *ipfRows_[static_cast<std::size_t>(worker)];
    r.runOfPixel.resize(static_cast<std::size_t>(s.width));
    for (std::int64_t w = rowBegin; w < rowEnd; ++w) {
      r.runVoxels.clear();
      std::int64_t i = s.base + w * s.strideW, previous = -1;  // previous: the last coloured voxel
      for (std::int64_t u = 0; u < s.width; ++u, i += s.strideU) {
        const auto k = static_cast<std::size_t>(i);
        const std::int32_t id = phases[k];
        // Invalid voxels and voxels of no known phase are black, as in slice_image.
        if (!valid[k] || id <= 0 || id > phaseCount) {
          r.runOfPixel[static_cast<std::size_t>(u)] = -1;
          previous = -1;
          continue;
        }
        const auto p = static_cast<std::size_t>(previous);
        if (previous < 0 || phases[p] != id || std::memcmp(&quats[p * 4], &quats[k * 4], 4 * sizeof(float)) != 0)
          r.runVoxels.push_back(i);
        r.runOfPixel[static_cast<std::size_t>(u)] = static_cast<std::int32_t>(r.runVoxels.size()) - 1;
        previous = i;
      }
      r.runColours.resize(3 * r.runVoxels.size());
      voxel_ipf_colors(v, r.runVoxels, coloring.direction, r.runColours.data());
      std::uint8_t* px = out + w * s.width * 3;
      for (std::int64_t u = 0; u < s.width; ++u, px += 3) {
        const std::int32_t run = r.runOfPixel[static_cast<std::size_t>(u)];
        if (run < 0) {
          px[0] = px[1] = px[2] = 0;
        } else {
          std::copy_n(&r.runColours[3 * static_cast<std::size_t>(run)], 3, px);
        }
      }
    }
  });
}

double SliceColorizer::misorientationTop(const SliceColoring& c) {
  if (c.max_angle_deg > 0.0) return c.max_angle_deg;
  const std::string key = std::to_string(c.reference[0]) + "," + std::to_string(c.reference[1]) + "," + std::to_string(c.reference[2]);
  std::lock_guard lock(rangeMutex_);
  if (auto it = misorientationTops_.find(key); it != misorientationTops_.end()) return it->second;
  const Volume& v = *volume_;
  for (auto& m : angleMemos_) m->resetFor(c.reference);
  const auto quats = v.quaternion_data();
  const auto phases = v.phase_ids();
  const auto valid = v.valid();
  // The whole volume as rows of nx voxels, shared out like the rows of a slice.
  std::vector<double> largest(static_cast<std::size_t>(threads_), 0.0);
  forRowBands(v.nx(), v.ny() * v.nz(), threads_, [&](std::int64_t rowBegin, std::int64_t rowEnd, int worker) {
    AngleMemo& memo = *angleMemos_[static_cast<std::size_t>(worker)];
    double top = 0.0;
    for (std::int64_t i = rowBegin * v.nx(); i < rowEnd * v.nx(); ++i) {
      const auto k = static_cast<std::size_t>(i);
      if (!valid[k] || phases[k] != c.reference_phase) continue;
      top = std::max(top, memo.angle(v, c, i, &quats[k * 4]));
    }
    largest[static_cast<std::size_t>(worker)] = top;
  });
  return misorientationTops_[key] = misorientation_nice_max_deg(*std::max_element(largest.begin(), largest.end()));
}

void SliceColorizer::colourMisorientation(SliceAxis axis, std::int64_t index, const SliceColoring& c, std::uint8_t* out) {
  const Volume& v = *volume_;
  const SliceWalk s = sliceWalk(v, axis, index);
  const double top = misorientationTop(c);
  for (auto& m : angleMemos_) m->resetFor(c.reference);
  const auto quats = v.quaternion_data();
  const auto phases = v.phase_ids();
  const auto valid = v.valid();
  forRowBands(s.width, s.height, threads_, [&](std::int64_t rowBegin, std::int64_t rowEnd, int worker) {
    AngleMemo& memo = *angleMemos_[static_cast<std::size_t>(worker)];
    for (std::int64_t w = rowBegin; w < rowEnd; ++w) {
      std::uint8_t* px = out + w * s.width * 3;
      std::int64_t i = s.base + w * s.strideW;
      for (std::int64_t u = 0; u < s.width; ++u, i += s.strideU, px += 3) {
        std::array<std::uint8_t, 3> rgb{0, 0, 0};
        const auto k = static_cast<std::size_t>(i);
        // Other phases and invalid voxels are black, as in slice_image.
        if (valid[k] && phases[k] == c.reference_phase) {
          const double angle = memo.angle(v, c, i, &quats[k * 4]);
          if (std::isfinite(angle)) rgb = misorientation_ramp_color(angle / top);
        }
        px[0] = rgb[0];
        px[1] = rgb[1];
        px[2] = rgb[2];
      }
    }
  });
}

std::pair<double, double> SliceColorizer::scalarRange(const SliceColoring& coloring) {
  std::string key;
  std::span<const float> values;
  const Volume& v = *volume_;
  switch (coloring.kind) {
    case SliceColoring::Kind::Ci: key = "ci"; values = v.confidence(); break;
    case SliceColoring::Kind::Iq: key = "iq"; values = v.image_quality(); break;
    case SliceColoring::Kind::Channel:
      key = "channel:" + coloring.channel;
      values = v.channel(coloring.channel).values;  // throws for an unknown channel
      break;
    default: throw Error("not a scalar colouring", "", "colour");
  }
  std::lock_guard lock(rangeMutex_);
  if (auto it = ranges_.find(key); it != ranges_.end()) return it->second;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  const auto valid = v.valid();
  for (std::size_t i = 0; i < values.size(); ++i) {
    const float x = values[i];
    if (!valid[i] || !std::isfinite(x)) continue;
    lo = std::min(lo, static_cast<double>(x));
    hi = std::max(hi, static_cast<double>(x));
  }
  return ranges_[key] = {lo, hi};
}

void SliceColorizer::colourScalar(SliceAxis axis, std::int64_t index, const SliceColoring& coloring, std::uint8_t* out) {
  const Volume& v = *volume_;
  const SliceWalk s = sliceWalk(v, axis, index);
  const auto [lo, hi] = scalarRange(coloring);
  const std::span<const float> values = coloring.kind == SliceColoring::Kind::Ci   ? v.confidence()
                                        : coloring.kind == SliceColoring::Kind::Iq ? v.image_quality()
                                                                                   : std::span<const float>(v.channel(coloring.channel).values);
  const auto valid = v.valid();
  for (std::int64_t w = 0; w < s.height; ++w) {
    std::uint8_t* px = out + w * s.width * 3;
    std::int64_t i = s.base + w * s.strideW;
    for (std::int64_t u = 0; u < s.width; ++u, i += s.strideU, px += 3) {
      const auto k = static_cast<std::size_t>(i);
      std::uint8_t g = 0;
      const float x = values[k];
      if (valid[k] && std::isfinite(x)) {
        // slice_image's ramp: black at the smallest valid value, white at the largest; a
        // constant channel shows white.
        const double t = hi > lo ? (x - lo) / (hi - lo) : 1.0;
        g = static_cast<std::uint8_t>(std::lround(255.0 * std::clamp(t, 0.0, 1.0)));
      }
      px[0] = px[1] = px[2] = g;
    }
  }
}

}  // namespace ebsd::studio

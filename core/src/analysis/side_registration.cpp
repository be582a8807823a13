#include "ebsd/analysis/side_registration.hpp"

#include <algorithm>
#include <cmath>

#include "ebsd/core/error.hpp"

namespace ebsd::analysis {
namespace {

float bilinear(std::span<const float> img, std::int64_t nx, std::int64_t ny, double x, double y) {
  x = std::clamp(x, 0.0, static_cast<double>(nx - 1));
  y = std::clamp(y, 0.0, static_cast<double>(ny - 1));
  const auto x0 = static_cast<std::int64_t>(std::floor(x)), y0 = static_cast<std::int64_t>(std::floor(y));
  const std::int64_t x1 = std::min(x0 + 1, nx - 1), y1 = std::min(y0 + 1, ny - 1);
  const double fx = x - static_cast<double>(x0), fy = y - static_cast<double>(y0);
  auto at = [&](std::int64_t a, std::int64_t b) { return static_cast<double>(img[static_cast<std::size_t>(a + nx * b)]); };
  return static_cast<float>((1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x1, y0)) + fy * ((1 - fx) * at(x0, y1) + fx * at(x1, y1)));
}

}  // namespace

std::vector<float> shift_side(std::span<const float> side, std::int64_t nx, std::int64_t ny, int channels, double dx,
                              double dy) {
  if (static_cast<std::int64_t>(side.size()) != channels * nx * ny) throw Error("side image size mismatch", "", "shift_side");
  std::vector<float> out(side.size());
  for (int c = 0; c < channels; ++c) {
    const auto img = side.subspan(static_cast<std::size_t>(c * nx * ny), static_cast<std::size_t>(nx * ny));
    for (std::int64_t y = 0; y < ny; ++y)
      for (std::int64_t x = 0; x < nx; ++x)
        out[static_cast<std::size_t>(c * nx * ny + x + nx * y)] =
            bilinear(img, nx, ny, static_cast<double>(x) + dx, static_cast<double>(y) + dy);
  }
  return out;
}

SideOffset estimate_side_offset(std::span<const float> side, std::span<const float> predicted,
                                std::span<const std::uint8_t> observed, std::int64_t nx, std::int64_t ny, int channels,
                                int max_shift) {
  const auto plane = static_cast<std::size_t>(nx * ny);
  if (side.size() != plane * static_cast<std::size_t>(channels) || predicted.size() != side.size() || observed.size() != plane)
    throw Error("side, predicted and observed differ in size", "", "estimate_side_offset");
  if (max_shift < 0 || max_shift > 64) throw Error("max_shift must be in [0, 64]", "", "max_shift");
  std::vector<std::int64_t> pts;
  for (std::size_t p = 0; p < plane; ++p)
    if (observed[p]) pts.push_back(static_cast<std::int64_t>(p));
  SideOffset r;
  r.pixels = static_cast<std::int64_t>(pts.size());
  if (pts.size() < 16) return r;  // too few measurements to say anything
  // NCC of predicted vs side(p + (sx, sy)), averaged over channels; points whose shifted
  // position leaves the image are clamped to the edge (as the correction does).
  auto ncc = [&](int sx, int sy) {
    double total = 0.0;
    for (int c = 0; c < channels; ++c) {
      const std::size_t off = static_cast<std::size_t>(c) * plane;
      double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
      for (auto p : pts) {
        const std::int64_t x = std::clamp<std::int64_t>(p % nx + sx, 0, nx - 1), y = std::clamp<std::int64_t>(p / nx + sy, 0, ny - 1);
        const double a = predicted[off + static_cast<std::size_t>(p)], b = side[off + static_cast<std::size_t>(x + nx * y)];
        sa += a, sb += b, saa += a * a, sbb += b * b, sab += a * b;
      }
      const double n = static_cast<double>(pts.size());
      const double va = saa - sa * sa / n, vb = sbb - sb * sb / n;
      total += va > 1e-12 && vb > 1e-12 ? (sab - sa * sb / n) / std::sqrt(va * vb) : 0.0;
    }
    return total / channels;
  };
  const int w = 2 * max_shift + 1;
  std::vector<double> score(static_cast<std::size_t>(w * w));
  int bx = 0, by = 0;
  double best = -2.0;
  for (int sy = -max_shift; sy <= max_shift; ++sy)
    for (int sx = -max_shift; sx <= max_shift; ++sx) {
      const double s = ncc(sx, sy);
      score[static_cast<std::size_t>((sx + max_shift) + w * (sy + max_shift))] = s;
      // Ties go to the smaller shift: no offset unless the data say so.
      if (s > best + 1e-12 || (std::fabs(s - best) <= 1e-12 && std::abs(sx) + std::abs(sy) < std::abs(bx) + std::abs(by)))
        best = s, bx = sx, by = sy;
    }
  r.correlation_unshifted = score[static_cast<std::size_t>(max_shift + w * max_shift)];
  r.correlation = best;
  auto at = [&](int sx, int sy) { return score[static_cast<std::size_t>((sx + max_shift) + w * (sy + max_shift))]; };
  // Sub-pixel: a parabola through the best score and its two neighbours along each axis.
  auto vertex = [](double l, double c, double h) {
    const double den = l - 2 * c + h;
    return den < -1e-12 ? std::clamp(0.5 * (l - h) / den, -0.5, 0.5) : 0.0;
  };
  r.dx = bx, r.dy = by;
  if (bx > -max_shift && bx < max_shift) r.dx += vertex(at(bx - 1, by), best, at(bx + 1, by));
  if (by > -max_shift && by < max_shift) r.dy += vertex(at(bx, by - 1), best, at(bx, by + 1));
  return r;
}

}  // namespace ebsd::analysis

// The IPF colour key: the fundamental sector in stereographic projection (X, Y) = (x, y)/(1 + z)
// from the south pole, each pixel coloured by ipf_color_of_direction of the direction it shows,
// outlined, with the corner directions labelled in the built-in bitmap font.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "bitmap_font.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/orientation/ipf.hpp"
#include "ebsd/orientation/ipf_sector.hpp"

namespace ebsd {
namespace {

constexpr std::array<std::uint8_t, 3> kOutline{40, 40, 40};
constexpr std::array<std::uint8_t, 3> kText{0, 0, 0};

Eigen::Vector2d project(const Eigen::Vector3d& v) {
  const Eigen::Vector3d u = v.normalized();
  return {u.x() / (1.0 + u.z()), u.y() / (1.0 + u.z())};
}

Eigen::Vector3d unproject(double X, double Y) {
  const double r2 = X * X + Y * Y;
  return Eigen::Vector3d(2 * X, 2 * Y, 1 - r2) / (1 + r2);
}

std::string bracketed(std::string_view label) {
  std::string s(1, '[');
  s.append(label);
  s.push_back(']');
  return s;
}

// Pixel geometry of the key of one group at one width: margins leave room for the labels.
struct KeyLayout {
  int width = 0, height = 0, scale = 1;
  double x_min = 0, y_max = 0, pixels_per_unit = 1;  // projection -> pixels
  double margin_x = 0, margin_y = 0;

  Eigen::Vector2d to_pixel(const Eigen::Vector2d& p) const {
    return {margin_x + (p.x() - x_min) * pixels_per_unit, margin_y + (y_max - p.y()) * pixels_per_unit};
  }
  Eigen::Vector2d to_projection(double px, double py) const {
    return {x_min + (px - margin_x) / pixels_per_unit, y_max - (py - margin_y) / pixels_per_unit};
  }
};

KeyLayout layout_of(LaueGroup g, int size) {
  if (size < 32 || size > 8192) throw Error("IPF key size must be 32..8192 pixels, got " + std::to_string(size), "", "size");
  // Bounding box of the sector in projection: scan the unit disc on a fine grid.
  constexpr int kGrid = 600;
  double x0 = 1e9, x1 = -1e9, y0 = 1e9, y1 = -1e9;
  for (int j = 0; j <= kGrid; ++j)
    for (int i = 0; i <= kGrid; ++i) {
      const double X = -1.0 + 2.0 * i / kGrid, Y = -1.0 + 2.0 * j / kGrid;
      if (X * X + Y * Y > 1.0 + 1e-12 || !in_ipf_sector(unproject(X, Y), g, 1e-12)) continue;
      x0 = std::min(x0, X), x1 = std::max(x1, X), y0 = std::min(y0, Y), y1 = std::max(y1, Y);
    }
  // Corners lie on the boundary; make sure the box holds them exactly.
  for (const auto& c : ipf_sector_corners(g)) {
    const Eigen::Vector2d p = project(c.direction);
    x0 = std::min(x0, p.x()), x1 = std::max(x1, p.x()), y0 = std::min(y0, p.y()), y1 = std::max(y1, p.y());
  }
  KeyLayout k;
  k.width = size;
  k.scale = std::max(1, size / 160);
  int widest = 0;
  for (const auto& c : ipf_sector_corners(g)) widest = std::max(widest, font::text_width(bracketed(c.label), k.scale));
  const double pad = 3.0 * k.scale;
  k.margin_x = widest + pad;  // room for a label left or right of a corner
  k.margin_y = font::text_height(k.scale) + pad;
  k.pixels_per_unit = std::max(1.0, (size - 2 * k.margin_x) / (x1 - x0));
  k.x_min = x0;
  k.y_max = y1;
  k.height = static_cast<int>(std::ceil((y1 - y0) * k.pixels_per_unit + 2 * k.margin_y));
  return k;
}

}  // namespace

Eigen::Vector2d ipf_key_pixel(LaueGroup g, int size, const Eigen::Vector3d& crystal_direction) {
  return layout_of(g, size).to_pixel(project(crystal_direction));
}

RgbImage ipf_key_image(LaueGroup g, int size) {
  const KeyLayout k = layout_of(g, size);
  RgbImage img(k.width, k.height, 255);
  std::vector<std::uint8_t> inside(static_cast<std::size_t>(k.width) * k.height, 0);
  Eigen::Vector2d centroid(0, 0);
  double count = 0;
  for (int py = 0; py < k.height; ++py)
    for (int px = 0; px < k.width; ++px) {
      const Eigen::Vector2d p = k.to_projection(px + 0.5, py + 0.5);
      if (p.squaredNorm() > 1.0) continue;
      const Eigen::Vector3d v = unproject(p.x(), p.y());
      if (!in_ipf_sector(v, g, 1e-12)) continue;
      const Eigen::Vector3d c = ipf_color_of_direction(v, g);
      std::uint8_t* out = img.at(px, py);
      for (int ch = 0; ch < 3; ++ch) out[ch] = static_cast<std::uint8_t>(std::lround(std::clamp(c[ch], 0.0, 1.0) * 255.0));
      inside[static_cast<std::size_t>(py) * k.width + px] = 1;
      centroid += Eigen::Vector2d(px + 0.5, py + 0.5);
      count += 1;
    }
  if (count > 0) centroid /= count;

  // Outline: inside pixels with an outside 4-neighbour.
  auto is_inside = [&](int x, int y) {
    return x >= 0 && y >= 0 && x < k.width && y < k.height && inside[static_cast<std::size_t>(y) * k.width + x];
  };
  for (int py = 0; py < k.height; ++py)
    for (int px = 0; px < k.width; ++px)
      if (is_inside(px, py) &&
          (!is_inside(px - 1, py) || !is_inside(px + 1, py) || !is_inside(px, py - 1) || !is_inside(px, py + 1))) {
        std::uint8_t* out = img.at(px, py);
        out[0] = kOutline[0], out[1] = kOutline[1], out[2] = kOutline[2];
      }

  // Labels: beside each corner on the side facing away from the sector's centroid (left or
  // right when that direction is mostly horizontal, else above or below), kept inside the image.
  const int th = font::text_height(k.scale);
  const double gap = 2.0 * k.scale;
  for (const auto& c : ipf_sector_corners(g)) {
    const std::string text = bracketed(c.label);
    const int tw = font::text_width(text, k.scale);
    const Eigen::Vector2d p = k.to_pixel(project(c.direction));
    const Eigen::Vector2d away = p - centroid;
    double left, top;
    if (std::fabs(away.x()) > std::fabs(away.y())) {
      left = away.x() > 0 ? p.x() + gap : p.x() - gap - tw;
      top = p.y() - 0.5 * th;
    } else {
      left = p.x() - 0.5 * tw;
      top = away.y() >= 0 ? p.y() + gap : p.y() - gap - th;
    }
    const int x = std::clamp(static_cast<int>(std::lround(left)), 0, std::max(0, k.width - tw));
    const int y = std::clamp(static_cast<int>(std::lround(top)), 0, std::max(0, k.height - th));
    font::draw_text(img, x, y, text, k.scale, kText);
  }
  return img;
}

}  // namespace ebsd

#pragma once
// The colour legend beside the views, drawn as an image so the window, exported PNGs and
// --screenshot show the same thing: the IPF colour key of each phase's Laue group (the key
// everyone expects beside an IPF map), phase swatches, the grey ramp of a scalar with its
// range, or a note for grain ids.
#include <QImage>
#include <QString>

#include <utility>

#include "ebsd/volume/slice_image.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::studio {

struct LegendRequest {
  const Volume* volume = nullptr;      // null: an empty legend
  SliceColoring coloring;
  std::pair<double, double> scalarRange{0.0, 0.0};  // for scalar colourings
};

// Pixel size of each IPF key in the legend (the key image is square).
inline constexpr int kLegendKeySize = 180;
inline constexpr int kLegendWidth = 260;

// The legend image, kLegendWidth wide, as tall as its content needs.
QImage legendImage(const LegendRequest& request);

// Where the IPF key of the legend's `keyIndex`-th Laue group starts (top-left corner of the
// key image) inside legendImage(); lets tests find the key's corners.
QPoint legendKeyOrigin(int keyIndex);

// Core's colour for phase id `id` (>= 1): the palette slice_image uses.
std::array<std::uint8_t, 3> phasePaletteColor(int id);

// The image rendered next to the legend, for export and --screenshot: `view` on the left, the
// legend on the right, on white.
QImage composeWithLegend(const QImage& view, const QImage& legend);

// ebsd::RgbImage -> QImage (a deep copy).
QImage toQImage(const RgbImage& image);

}  // namespace ebsd::studio

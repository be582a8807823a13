#pragma once
// The colourings a volume offers, named as on the command line (`--color ipf-z`), and their
// labels for menus. Parsing and validation are core's (slice_coloring_from_name).
#include <QString>
#include <QStringList>

#include <vector>

#include "ebsd/volume/slice_image.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::studio {

struct ColoringChoice {
  QString name;   // "ipf-z", "phase", "ci", "iq", "grain", or a channel name
  QString label;  // "IPF along Z", "Channel: bse"
};

// Every colouring the volume supports: IPF X/Y/Z, phase, CI, IQ, grain ids when segmented, and
// each named channel.
std::vector<ColoringChoice> coloringChoices(const Volume& volume);

// Whether the name is one of coloringChoices(volume) (or any ipf:a,b,c direction).
bool isColoringAvailable(const Volume& volume, const QString& name);

// True for CI, IQ and channels: grey ramps with a value range.
inline bool isScalarColoring(const SliceColoring& c) {
  return c.kind == SliceColoring::Kind::Ci || c.kind == SliceColoring::Kind::Iq || c.kind == SliceColoring::Kind::Channel;
}

}  // namespace ebsd::studio

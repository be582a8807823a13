#include "coloring_choice.hpp"

#include <QObject>

#include "ebsd/core/error.hpp"

namespace ebsd::studio {

std::vector<ColoringChoice> coloringChoices(const Volume& volume) {
  std::vector<ColoringChoice> out{{"ipf-x", QObject::tr("IPF along X")},
                                  {"ipf-y", QObject::tr("IPF along Y")},
                                  {"ipf-z", QObject::tr("IPF along Z")},
                                  {"phase", QObject::tr("Phase")},
                                  {"ci", QObject::tr("Confidence index (CI)")},
                                  {"iq", QObject::tr("Image quality (IQ)")}};
  if (volume.has_grain_ids()) out.push_back({"grain", QObject::tr("Grain id")});
  for (const auto& [name, channel] : volume.channels()) {
    const QString n = QString::fromStdString(name);
    // A channel named like a built-in colouring would be shadowed by it in core's parser.
    if (n == "phase" || n == "ci" || n == "iq" || n == "grain" || n.startsWith("ipf")) continue;
    out.push_back({n, QObject::tr("Channel: %1").arg(n)});
  }
  return out;
}

bool isColoringAvailable(const Volume& volume, const QString& name) {
  if (name == "grain") return volume.has_grain_ids();
  try {
    slice_coloring_from_name(name.toStdString(), volume);
    return true;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace ebsd::studio

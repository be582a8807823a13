#include "voxel_readout.hpp"

#include <QObject>
#include <QStringList>

#include <cmath>
#include <numbers>

#include "ebsd/orientation/rotations.hpp"
#include "length_format.hpp"

namespace ebsd::studio {

VoxelReadout readVoxel(const Volume& v, const Index3& index, const SliceColoring* coloring) {
  VoxelReadout r;
  r.index = index;
  for (std::size_t a = 0; a < 3; ++a) r.position[a] = v.origin()[a] + static_cast<double>(index[a]) * v.spacing()[a];
  r.lengthUnit = v.length_unit();
  const std::int64_t i = v.index(index[0], index[1], index[2]);
  const auto k = static_cast<std::size_t>(i);
  r.valid = v.is_valid(i);
  r.missingSlice = v.missing_slices().count(index[2]) > 0;
  r.damagedSlice = v.damaged_slices().count(index[2]) > 0;
  const Euler e = euler_from_quat(v.orientation(i));
  constexpr double kDeg = 180.0 / std::numbers::pi;
  r.eulerDeg = {e.phi1 * kDeg, e.Phi * kDeg, e.phi2 * kDeg};
  r.phaseId = v.phase_ids()[k];
  if (const Phase* p = v.phase_of(i)) r.phaseName = p->name;
  r.ci = v.confidence()[k];
  r.iq = v.image_quality()[k];
  if (v.has_grain_ids()) r.grainId = v.grain_ids()[k];
  for (const auto& [name, channel] : v.channels()) r.channels.emplace_back(name, channel.values[k]);
  if (coloring && coloring->kind == SliceColoring::Kind::Misorientation)
    r.misorientationDeg = misorientation_to_reference_deg(v, *coloring, i);
  return r;
}

QString VoxelReadout::text() const {
  QStringList parts;
  parts << QStringLiteral("voxel (%1, %2, %3)").arg(index[0]).arg(index[1]).arg(index[2]);
  parts << QStringLiteral("at (%1, %2, %3) %4")
               .arg(position[0], 0, 'g', 6)
               .arg(position[1], 0, 'g', 6)
               .arg(position[2], 0, 'g', 6)
               .arg(unitSymbol(lengthUnit));
  if (missingSlice) parts << QObject::tr("MISSING SLICE");
  else if (damagedSlice) parts << QObject::tr("damaged slice");
  if (!valid) parts << QObject::tr("not indexed");
  parts << QStringLiteral("Euler (%1\u00b0, %2\u00b0, %3\u00b0)")
               .arg(eulerDeg[0], 0, 'f', 1)
               .arg(eulerDeg[1], 0, 'f', 1)
               .arg(eulerDeg[2], 0, 'f', 1);
  parts << (phaseName.empty() ? QObject::tr("phase %1").arg(phaseId)
                              : QObject::tr("phase %1 %2").arg(phaseId).arg(QString::fromStdString(phaseName)));
  parts << QStringLiteral("CI %1").arg(double(ci), 0, 'f', 3);
  parts << QStringLiteral("IQ %1").arg(double(iq), 0, 'g', 5);
  if (grainId >= 0) parts << QObject::tr("grain %1").arg(grainId);
  for (const auto& [name, value] : channels) parts << QStringLiteral("%1 %2").arg(QString::fromStdString(name)).arg(double(value), 0, 'g', 4);
  if (misorientationDeg)
    parts << (std::isfinite(*misorientationDeg) ? QObject::tr("misorientation %1\u00b0").arg(*misorientationDeg, 0, 'f', 2)
                                                : QObject::tr("misorientation - (other phase or not indexed)"));
  return parts.join(QStringLiteral("  "));
}

}  // namespace ebsd::studio

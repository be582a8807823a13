#include "legend_image.hpp"

#include <QLinearGradient>
#include <QObject>
#include <QPainter>

#include <set>

#include "coloring_choice.hpp"
#include "ebsd/orientation/ipf.hpp"
#include "ebsd/volume/slice_image.hpp"

namespace ebsd::studio {
namespace {

constexpr int kMargin = 20;        // left margin of keys and text
constexpr int kCaptionHeight = 36;  // two lines above each key
constexpr int kTitleHeight = 30;

QString coloringTitle(const LegendRequest& r) {
  switch (r.coloring.kind) {
    case SliceColoring::Kind::Ipf: {
      const Eigen::Vector3d& d = r.coloring.direction;
      if (d == Eigen::Vector3d::UnitX()) return QObject::tr("IPF colour along X");
      if (d == Eigen::Vector3d::UnitY()) return QObject::tr("IPF colour along Y");
      if (d == Eigen::Vector3d::UnitZ()) return QObject::tr("IPF colour along Z");
      return QObject::tr("IPF colour along [%1 %2 %3]").arg(d.x(), 0, 'g', 3).arg(d.y(), 0, 'g', 3).arg(d.z(), 0, 'g', 3);
    }
    case SliceColoring::Kind::Phase: return QObject::tr("Phase");
    case SliceColoring::Kind::Ci: return QObject::tr("Confidence index");
    case SliceColoring::Kind::Iq: return QObject::tr("Image quality");
    case SliceColoring::Kind::Grain: return QObject::tr("Grain id");
    case SliceColoring::Kind::Channel: return QObject::tr("Channel %1").arg(QString::fromStdString(r.coloring.channel));
    case SliceColoring::Kind::Misorientation:
      return QObject::tr("Misorientation");  // to the voxel named under the ramp
  }
  return {};
}

// The distinct Laue groups of the phases, in order of first appearance, with their phases' names.
std::vector<std::pair<LaueGroup, QString>> laueGroupsOf(const Volume& v) {
  std::vector<std::pair<LaueGroup, QString>> out;
  for (const Phase& p : v.phases()) {
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& e) { return e.first == p.laue; });
    const QString name = QString::fromStdString(p.name);
    if (it == out.end()) out.emplace_back(p.laue, name);
    else it->second += QStringLiteral(", ") + name;
  }
  return out;
}

}  // namespace

QImage toQImage(const RgbImage& image) {
  QImage q(image.width, image.height, QImage::Format_RGB888);
  for (int y = 0; y < image.height; ++y) std::memcpy(q.scanLine(y), image.at(0, y), static_cast<std::size_t>(image.width) * 3);
  return q;
}

std::array<std::uint8_t, 3> phasePaletteColor(int id) {
  // One valid voxel of phase `id`, coloured by core: the palette stays core's alone.
  Volume v({1, 1, 1});
  v.phases().resize(static_cast<std::size_t>(std::max(1, id)));
  v.phase_ids()[0] = id;
  v.valid()[0] = 1;
  SliceColoring c;
  c.kind = SliceColoring::Kind::Phase;
  const RgbImage img = slice_image(v, SliceAxis::Z, 0, c);
  return {img.pixels[0], img.pixels[1], img.pixels[2]};
}

QPoint legendKeyOrigin(int keyIndex) {
  return {kMargin, kTitleHeight + keyIndex * (kCaptionHeight + kLegendKeySize + 10) + kCaptionHeight};
}

QImage legendImage(const LegendRequest& r) {
  if (!r.volume) {
    QImage empty(kLegendWidth, 40, QImage::Format_RGB888);
    empty.fill(Qt::white);
    return empty;
  }
  const Volume& v = *r.volume;
  int height = kTitleHeight + 20;
  const auto groups = laueGroupsOf(v);
  switch (r.coloring.kind) {
    case SliceColoring::Kind::Ipf: height = legendKeyOrigin(int(groups.size())).y() - kCaptionHeight + 10; break;
    case SliceColoring::Kind::Phase: height += 24 * int(v.phases().size() + 1); break;
    case SliceColoring::Kind::Grain: height += 50; break;
    case SliceColoring::Kind::Misorientation: height += 300; break;
    default: height += 230; break;
  }
  QImage img(kLegendWidth, height, QImage::Format_RGB888);
  img.fill(Qt::white);
  QPainter p(&img);
  p.setRenderHint(QPainter::TextAntialiasing);
  QFont titleFont = p.font();
  titleFont.setPixelSize(15);
  titleFont.setBold(true);
  QFont textFont = p.font();
  textFont.setPixelSize(13);
  p.setPen(Qt::black);
  p.setFont(titleFont);
  p.drawText(QRect(kMargin / 2, 4, kLegendWidth - kMargin, kTitleHeight - 4), Qt::AlignLeft | Qt::AlignVCenter, coloringTitle(r));
  p.setFont(textFont);

  switch (r.coloring.kind) {
    case SliceColoring::Kind::Ipf:
      for (std::size_t k = 0; k < groups.size(); ++k) {
        const QPoint origin = legendKeyOrigin(int(k));
        const QString names = p.fontMetrics().elidedText(groups[k].second, Qt::ElideRight, kLegendWidth - kMargin - 4);
        const QString caption = QStringLiteral("%1\n%2").arg(names, QString::fromUtf8(laue_symbol(groups[k].first).data()));
        p.drawText(QRect(kMargin, origin.y() - kCaptionHeight, kLegendWidth - kMargin, kCaptionHeight),
                   Qt::AlignLeft | Qt::AlignBottom, caption);
        p.drawImage(origin, toQImage(ipf_key_image(groups[k].first, kLegendKeySize)));
      }
      break;
    case SliceColoring::Kind::Phase: {
      int y = kTitleHeight + 6;
      auto swatch = [&](const QColor& colour, const QString& text) {
        p.fillRect(QRect(kMargin, y, 18, 18), colour);
        p.drawRect(QRect(kMargin, y, 18, 18));
        const QRect box(kMargin + 26, y, kLegendWidth - kMargin - 30, 18);
        p.drawText(box, Qt::AlignLeft | Qt::AlignVCenter, p.fontMetrics().elidedText(text, Qt::ElideMiddle, box.width()));
        y += 24;
      };
      for (std::size_t k = 0; k < v.phases().size(); ++k) {
        const auto c = phasePaletteColor(int(k + 1));
        swatch(QColor(c[0], c[1], c[2]), QStringLiteral("%1  %2 (%3)")
                                             .arg(k + 1)
                                             .arg(QString::fromStdString(v.phases()[k].name))
                                             .arg(QString::fromUtf8(laue_symbol(v.phases()[k].laue).data())));
      }
      swatch(Qt::black, QObject::tr("not indexed"));
      break;
    }
    case SliceColoring::Kind::Grain: {
      std::int32_t maxId = 0;
      for (std::int32_t id : v.grain_ids()) maxId = std::max(maxId, id);
      p.drawText(QRect(kMargin, kTitleHeight + 4, kLegendWidth - kMargin, 44), Qt::AlignLeft | Qt::TextWordWrap,
                 QObject::tr("%1 grains, one colour each; black: no grain").arg(maxId));
      break;
    }
    case SliceColoring::Kind::Misorientation: {
      // Core's ramp, largest angle at the top, drawn pixel row by pixel row so it is exactly
      // the views' colours; the range in degrees beside it.
      const QRect bar(kMargin, kTitleHeight + 10, 28, 200);
      for (int y = 0; y < bar.height(); ++y) {
        const auto c = misorientation_ramp_color(1.0 - double(y) / double(bar.height() - 1));
        p.fillRect(QRect(bar.left(), bar.top() + y, bar.width(), 1), QColor(c[0], c[1], c[2]));
      }
      p.drawRect(bar);
      const auto [lo, hi] = r.scalarRange;
      p.drawText(QPoint(bar.right() + 8, bar.top() + 10),
                 QObject::tr("%1\u00b0 and above").arg(hi, 0, 'g', 4));
      p.drawText(QPoint(bar.right() + 8, bar.bottom()), QStringLiteral("%1\u00b0").arg(lo, 0, 'g', 4));
      QString reference = QObject::tr("disorientation angle to voxel (%1, %2, %3)")
                              .arg(r.coloring.reference[0])
                              .arg(r.coloring.reference[1])
                              .arg(r.coloring.reference[2]);
      const auto phase = static_cast<std::size_t>(r.coloring.reference_phase);
      if (phase >= 1 && phase <= v.phases().size())
        reference += QObject::tr(", phase %1 only").arg(QString::fromStdString(v.phases()[phase - 1].name));
      reference += QObject::tr("; black: other phases and not indexed. Range: %1")
                       .arg(r.coloring.max_angle_deg > 0 ? QObject::tr("as set")
                                                         : QObject::tr("0 to the largest angle present, rounded up"));
      p.drawText(QRect(kMargin, bar.bottom() + 8, kLegendWidth - kMargin - 4, 80), Qt::AlignLeft | Qt::TextWordWrap, reference);
      break;
    }
    default: {
      // A vertical ramp from the largest value (white, top) to the smallest (black, bottom).
      const QRect bar(kMargin, kTitleHeight + 10, 28, 200);
      QLinearGradient g(bar.topLeft(), bar.bottomLeft());
      g.setColorAt(0.0, Qt::white);
      g.setColorAt(1.0, Qt::black);
      p.fillRect(bar, g);
      p.drawRect(bar);
      const auto [lo, hi] = r.scalarRange;
      const bool any = hi >= lo;
      p.drawText(QPoint(bar.right() + 8, bar.top() + 10), any ? QString::number(hi, 'g', 4) : QObject::tr("no valid voxel"));
      if (any) p.drawText(QPoint(bar.right() + 8, bar.bottom()), QString::number(lo, 'g', 4));
      break;
    }
  }
  return img;
}

QImage composeWithLegend(const QImage& view, const QImage& legend) {
  QImage out(view.width() + legend.width(), std::max(view.height(), legend.height()), QImage::Format_RGB888);
  out.fill(Qt::white);
  QPainter p(&out);
  p.drawImage(0, 0, view);
  p.drawImage(view.width(), 0, legend);
  return out;
}

}  // namespace ebsd::studio

#include "command_line.hpp"

#include <QCommandLineParser>
#include <QObject>
#include <QRegularExpression>

#include "main_window.hpp"

namespace ebsd::studio {

ParsedCommandLine parseCommandLine(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.setApplicationDescription(QObject::tr("EBSD Studio: view, repair and analyse 3D EBSD volumes."));
  const QCommandLineOption help = parser.addHelpOption();
  const QCommandLineOption version = parser.addVersionOption();
  const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                      QObject::tr("Render once, write the view (with its colour key) to PATH as PNG, and exit."),
                                      QStringLiteral("PATH"));
  const QCommandLineOption view(QStringLiteral("view"),
                                QObject::tr("The view to show alone or capture: 3d, xy, xz or yz; window: the whole window (default: all "
                                            "four views; the 3D view for --screenshot)."),
                                QStringLiteral("VIEW"));
  const QCommandLineOption color(QStringLiteral("color"),
                                 QObject::tr("Colouring: ipf-x, ipf-y, ipf-z, ipf:a,b,c, phase, ci, iq, grain, misorientation:x,y,z[,max_deg] or a channel name."),
                                 QStringLiteral("NAME"));
  const QCommandLineOption size(QStringLiteral("size"), QObject::tr("Window size for --screenshot (default 1000x800)."),
                                QStringLiteral("WxH"), QStringLiteral("1000x800"));
  parser.addOptions({screenshot, view, color, size});
  parser.addPositionalArgument(QStringLiteral("FILE"), QObject::tr("A volume or map to open (.ebsd.h5, .ang, .ctf, .dream3d, ...)."),
                               QStringLiteral("[FILE]"));

  ParsedCommandLine out;
  if (!parser.parse(arguments)) {
    out.message = parser.errorText();
    out.exitCode = 2;
    return out;
  }
  if (parser.isSet(help)) {
    out.message = parser.helpText();
    return out;
  }
  if (parser.isSet(version)) {
    out.message = QStringLiteral("ebsd-studio ") + QStringLiteral(EBSD_STUDIO_VERSION);
    return out;
  }
  StudioOptions o;
  const QStringList files = parser.positionalArguments();
  if (files.size() > 1) {
    out.message = QObject::tr("one FILE at most, got %1").arg(files.size());
    out.exitCode = 2;
    return out;
  }
  if (!files.isEmpty()) o.file = files.first();
  o.screenshot = parser.value(screenshot);
  o.view = parser.value(view).toLower();
  if (!o.view.isEmpty() && o.view != QLatin1String("window") && !viewIdFromName(o.view)) {
    out.message = QObject::tr("--view must be 3d, xy, xz, yz or window, got '%1'").arg(o.view);
    out.exitCode = 2;
    return out;
  }
  o.color = parser.value(color);
  const auto m = QRegularExpression(QStringLiteral("^(\\d+)x(\\d+)$")).match(parser.value(size));
  if (!m.hasMatch() || m.captured(1).toInt() < 100 || m.captured(2).toInt() < 100) {
    out.message = QObject::tr("--size must be WIDTHxHEIGHT, each at least 100, got '%1'").arg(parser.value(size));
    out.exitCode = 2;
    return out;
  }
  o.size = QSize(m.captured(1).toInt(), m.captured(2).toInt());
  if (!o.screenshot.isEmpty() && o.file.isEmpty()) {
    out.message = QObject::tr("--screenshot needs a FILE to show");
    out.exitCode = 2;
    return out;
  }
  out.options = o;
  return out;
}

}  // namespace ebsd::studio

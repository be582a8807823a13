#include "screenshot.hpp"

#include <QApplication>
#include <QDockWidget>
#include <QMenuBar>
#include <QSettings>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QToolBar>

#include <cstdio>

#include "main_window.hpp"

namespace ebsd::studio {

int runScreenshot(const StudioOptions& options) {
  // Settings of this run only: a screenshot must not depend on what the user chose last time.
  QTemporaryDir dir;
  QSettings settings(dir.filePath(QStringLiteral("screenshot.ini")), QSettings::IniFormat);
  MainWindow window(settings);
  const bool wholeWindow = options.view == QLatin1String("window");
  const ViewId view = options.view.isEmpty() || wholeWindow ? ViewId::ThreeD : *viewIdFromName(options.view);
  if (!wholeWindow) {
    // Nothing but the view: its canvas gets the window's size; the colour key is added beside it.
    for (QDockWidget* dock : window.findChildren<QDockWidget*>()) dock->hide();
    for (QToolBar* bar : window.findChildren<QToolBar*>()) bar->hide();
    window.menuBar()->hide();
    window.statusBar()->hide();
    window.showSingleView(view);
  }
  window.resize(options.size);
  window.show();

  auto fail = [&](const QString& text, int code) {
    std::fprintf(stderr, "ebsd-studio: %s\n", text.toLocal8Bit().constData());
    return code;
  };
  if (!window.openFileAndWait(options.file)) return fail(window.lastError(), 1);
  if (!options.color.isEmpty() && !window.setColoring(options.color)) return fail(window.lastError(), 1);
  QApplication::processEvents();
  const QImage image = wholeWindow ? window.windowImage() : window.viewImage(view);
  if (image.isNull() || !image.save(options.screenshot, "PNG"))
    return fail(QObject::tr("cannot write %1").arg(options.screenshot), 3);
  std::printf("wrote %s (%dx%d)\n", options.screenshot.toLocal8Bit().constData(), image.width(), image.height());
  return 0;
}

}  // namespace ebsd::studio

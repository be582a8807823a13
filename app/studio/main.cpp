// ebsd-studio: the desktop application. See docs/studio.md.
#include <QApplication>
#include <QSettings>
#include <QTimer>

#include <cstdio>

#include "command_line.hpp"
#include "main_window.hpp"
#include "screenshot.hpp"
#include "vtk_bridge_widget.hpp"

int main(int argc, char** argv) {
  using namespace ebsd::studio;
  // VTK needs its OpenGL format on every context Qt makes: before the application object.
  VtkBridgeWidget::installDefaultSurfaceFormat();
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("EBSD Studio"));
  QApplication::setApplicationName(QStringLiteral("ebsd-studio"));
  QApplication::setApplicationVersion(QStringLiteral(EBSD_STUDIO_VERSION));

  const ParsedCommandLine parsed = parseCommandLine(QApplication::arguments());
  if (!parsed.options) {
    std::fprintf(parsed.exitCode ? stderr : stdout, "%s%s", parsed.exitCode ? "ebsd-studio: " : "",
                 parsed.message.toLocal8Bit().constData());
    if (!parsed.message.endsWith('\n')) std::fputc('\n', parsed.exitCode ? stderr : stdout);
    return parsed.exitCode;
  }
  const StudioOptions& options = *parsed.options;
  if (!options.screenshot.isEmpty()) return runScreenshot(options);

  QSettings settings;
  MainWindow window(settings);
  if (const auto view = viewIdFromName(options.view)) window.showSingleView(*view);
  window.show();
  if (!options.file.isEmpty()) {
    // After the event loop starts, so the window is up while the file loads.
    QTimer::singleShot(0, &window, [&window, options] {
      window.openFile(options.file);
      if (!options.color.isEmpty())
        QObject::connect(&window.jobs(), &JobRunner::finished, &window, [&window, options] { window.setColoring(options.color); },
                         Qt::SingleShotConnection);
    });
  }
  return app.exec();
}

#pragma once
// ebsd-studio [FILE] [--screenshot PATH] [--view 3d|xy|xz|yz|window] [--color NAME] [--size WxH]
#include <QSize>
#include <QString>
#include <QStringList>

#include <optional>

namespace ebsd::studio {

struct StudioOptions {
  QString file;        // empty: start with nothing open
  QString screenshot;  // non-empty: render once, write this PNG, exit
  QString view;        // "3d", "xy", "xz", "yz"; "window" or empty: all four (screenshots of
                       // "window" show the whole window, of an empty view the 3D view)
  QString color;       // empty: the remembered colouring (IPF-Z for screenshots)
  QSize size{1000, 800};  // window size for screenshots
};

struct ParsedCommandLine {
  std::optional<StudioOptions> options;  // set when the arguments are valid
  QString message;                       // help or version text, or the error
  int exitCode = 0;                      // when options is empty: 0 for --help/--version, 2 for errors
};

// `arguments` includes the program name first, as QCoreApplication::arguments() gives it.
ParsedCommandLine parseCommandLine(const QStringList& arguments);

}  // namespace ebsd::studio

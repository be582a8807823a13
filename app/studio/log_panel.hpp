#pragma once
// The log dock: what the studio did and what went wrong, with times. Thread-safe: a worker may
// log, the line is appended on the GUI thread.
#include <QPlainTextEdit>

namespace ebsd::studio {

class LogPanel : public QPlainTextEdit {
  Q_OBJECT
public:
  enum class Level { Info, Warning, Error };
  explicit LogPanel(QWidget* parent = nullptr);

  // Any thread.
  void log(Level level, const QString& text);
  void info(const QString& text) { log(Level::Info, text); }
  void warning(const QString& text) { log(Level::Warning, text); }
  void error(const QString& text) { log(Level::Error, text); }

private:
  void append(Level level, const QString& text);
};

}  // namespace ebsd::studio

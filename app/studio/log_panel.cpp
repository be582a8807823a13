#include "log_panel.hpp"

#include <QDateTime>
#include <QThread>

namespace ebsd::studio {

LogPanel::LogPanel(QWidget* parent) : QPlainTextEdit(parent) {
  setReadOnly(true);
  setMaximumBlockCount(5000);
  setLineWrapMode(QPlainTextEdit::NoWrap);
  QFont mono(QStringLiteral("monospace"));
  mono.setStyleHint(QFont::Monospace);
  setFont(mono);
}

void LogPanel::log(Level level, const QString& text) {
  if (QThread::currentThread() == thread()) return append(level, text);
  QMetaObject::invokeMethod(this, [this, level, text] { append(level, text); }, Qt::QueuedConnection);
}

void LogPanel::append(Level level, const QString& text) {
  const QString time = QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss"));
  const QString tag = level == Level::Error ? QStringLiteral("error  ") : level == Level::Warning ? QStringLiteral("warning") : QStringLiteral("info   ");
  appendPlainText(QStringLiteral("%1  %2  %3").arg(time, tag, text));
}

}  // namespace ebsd::studio

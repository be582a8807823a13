#include "recent_files.hpp"

#include <QFileInfo>

namespace ebsd::studio {
namespace {
const char* const kKey = "recentFiles";
}

QStringList RecentFiles::files() const { return settings_.value(kKey).toStringList(); }

void RecentFiles::add(const QString& path) {
  const QString absolute = QFileInfo(path).absoluteFilePath();
  QStringList list = files();
  list.removeAll(absolute);
  list.prepend(absolute);
  while (list.size() > kMaxEntries) list.removeLast();
  store(list);
}

void RecentFiles::remove(const QString& path) {
  QStringList list = files();
  list.removeAll(QFileInfo(path).absoluteFilePath());
  store(list);
}

void RecentFiles::clear() { store({}); }

void RecentFiles::store(const QStringList& list) {
  settings_.setValue(kKey, list);
  settings_.sync();
}

}  // namespace ebsd::studio

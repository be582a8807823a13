#pragma once
// The files opened lately, newest first, kept in QSettings between runs.
#include <QSettings>
#include <QStringList>

namespace ebsd::studio {

class RecentFiles {
public:
  static constexpr int kMaxEntries = 10;

  explicit RecentFiles(QSettings& settings) : settings_(settings) {}

  QStringList files() const;
  // Moves (or adds) `path` to the front, as an absolute path.
  void add(const QString& path);
  void remove(const QString& path);
  void clear();

private:
  void store(const QStringList& list);
  QSettings& settings_;
};

}  // namespace ebsd::studio

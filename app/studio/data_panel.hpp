#pragma once
// What the open volume holds, as a tree: grid and units, phases with Laue group and lattice,
// channels, grain ids, missing and damaged slices, the reader's import report, and the
// provenance (every step that made the data, with its parameters).
#include <QTreeWidget>

#include <nlohmann/json.hpp>

#include "ebsd/volume/volume.hpp"

namespace ebsd::studio {

class DataPanel : public QTreeWidget {
  Q_OBJECT
public:
  explicit DataPanel(QWidget* parent = nullptr);

  // volume may be null (nothing open). `newChannels`: channels the last step added, marked
  // "(new)" in bold.
  void show(const Volume* volume, const QString& filePath, const nlohmann::json& importReport,
            const QStringList& newChannels = {});
  // The top-level section named `title` ("Phases", "Provenance" ...), or nullptr.
  QTreeWidgetItem* section(const QString& title) const;
};

}  // namespace ebsd::studio

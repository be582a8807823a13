#pragma once
// The open volume: the data layer of the studio. Views and operations observe it and never own
// its voxels. A step's result replaces the volume and the previous one is kept, so the last
// steps can be undone; opening a file starts a new history.
#include <QObject>
#include <QString>

#include <deque>
#include <memory>

#include <nlohmann/json.hpp>

#include "ebsd/volume/volume.hpp"

namespace ebsd::studio {

class VolumeDocument : public QObject {
  Q_OBJECT
public:
  explicit VolumeDocument(QObject* parent = nullptr);

  bool hasVolume() const { return volume_ != nullptr; }
  // Shared and immutable: a job may read it on a worker thread while the views show it.
  std::shared_ptr<const Volume> volume() const { return volume_; }
  // The file the volume came from or was last saved to; empty for a volume made by a step.
  const QString& filePath() const { return filePath_; }
  // "name.ang" or "untitled"; with " *" when there are unsaved changes.
  QString displayName() const;
  // What the reader reported (units, frames, warnings), or null.
  const nlohmann::json& importReport() const { return importReport_; }
  bool isModified() const { return modified_; }

  // A volume just read from `path`: forget the undo history.
  void setOpened(std::shared_ptr<const Volume> volume, const QString& path, nlohmann::json importReport);
  // A step produced `result` from the current volume (or from nothing, for a source step).
  void applyStepResult(std::shared_ptr<const Volume> result, const QString& stepTitle);
  void markSaved(const QString& path);

  bool canUndo() const { return !history_.empty(); }
  // The title of the step undoLastStep() would take back.
  QString undoTitle() const;
  void undoLastStep();

  // How many earlier volumes are kept for undo (each may be large); at least 1.
  void setUndoDepth(int depth);
  int undoDepth() const { return undoDepth_; }

signals:
  // The volume was replaced (opened, step result, undo): every view rebuilds from it.
  void volumeChanged();
  void modifiedChanged(bool modified);
  void undoAvailabilityChanged(bool available);

private:
  struct Earlier {
    std::shared_ptr<const Volume> volume;
    QString stepTitle;
    bool modified = false;
  };
  void setModified(bool modified);

  std::shared_ptr<const Volume> volume_;
  QString filePath_;
  nlohmann::json importReport_;
  bool modified_ = false;
  std::deque<Earlier> history_;  // newest last
  int undoDepth_ = 2;
};

}  // namespace ebsd::studio

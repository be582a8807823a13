#include "volume_document.hpp"

#include <QFileInfo>

namespace ebsd::studio {

VolumeDocument::VolumeDocument(QObject* parent) : QObject(parent) {}

QString VolumeDocument::displayName() const {
  QString name = filePath_.isEmpty() ? tr("untitled") : QFileInfo(filePath_).fileName();
  if (modified_) name += QStringLiteral(" *");
  return name;
}

void VolumeDocument::setOpened(std::shared_ptr<const Volume> volume, const QString& path, nlohmann::json importReport) {
  const bool hadHistory = !history_.empty();
  history_.clear();
  volume_ = std::move(volume);
  filePath_ = path;
  importReport_ = std::move(importReport);
  setModified(false);
  if (hadHistory) emit undoAvailabilityChanged(false);
  emit volumeChanged();
}

void VolumeDocument::applyStepResult(std::shared_ptr<const Volume> result, const QString& stepTitle) {
  if (volume_) {
    history_.push_back({volume_, stepTitle, modified_});
    while (static_cast<int>(history_.size()) > undoDepth_) history_.pop_front();
  }
  volume_ = std::move(result);
  setModified(true);
  emit undoAvailabilityChanged(canUndo());
  emit volumeChanged();
}

void VolumeDocument::markSaved(const QString& path) {
  filePath_ = path;
  setModified(false);
}

QString VolumeDocument::undoTitle() const { return history_.empty() ? QString() : history_.back().stepTitle; }

void VolumeDocument::undoLastStep() {
  if (history_.empty()) return;
  Earlier earlier = std::move(history_.back());
  history_.pop_back();
  volume_ = std::move(earlier.volume);
  setModified(earlier.modified);
  emit undoAvailabilityChanged(canUndo());
  emit volumeChanged();
}

void VolumeDocument::setUndoDepth(int depth) {
  undoDepth_ = std::max(1, depth);
  while (static_cast<int>(history_.size()) > undoDepth_) history_.pop_front();
}

void VolumeDocument::setModified(bool modified) {
  if (modified_ == modified) return;
  modified_ = modified;
  emit modifiedChanged(modified_);
}

}  // namespace ebsd::studio

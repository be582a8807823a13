#pragma once
// The EBSD Studio window: puts the data (VolumeDocument), the operations (JobRunner running
// file reads and pipeline steps) and the views (three SliceViews and a VolumeView3D) together
// and keeps them apart: views get pixels and geometry, never the volume.
#include <QMainWindow>
#include <QSettings>

#include <array>
#include <memory>

#include <nlohmann/json.hpp>

#include "ebsd/volume/slice_image.hpp"
#include "job_runner.hpp"

class QComboBox;
class QLabel;
class QMenu;
class QProgressBar;
class QPushButton;
class QSplitter;
class QTreeWidget;
class QTreeWidgetItem;

namespace ebsd::pipeline {
class StepRegistry;
struct StepInfo;
}

namespace ebsd::studio {

class DataPanel;
class GpuStepCatalog;
class LogPanel;
class OrthoSliceImages;
class RecentFiles;
class SliceCursor;
class SliceView;
class StepDialog;
class VolumeDocument;
class VolumeView3D;

enum class ViewId { XY, XZ, YZ, ThreeD };
// "xy", "xz", "yz", "3d" (the --view names); nullopt for anything else.
std::optional<ViewId> viewIdFromName(const QString& name);

class MainWindow : public QMainWindow {
  Q_OBJECT
public:
  // `settings` outlives the window (tests pass their own file).
  explicit MainWindow(QSettings& settings, QWidget* parent = nullptr);
  ~MainWindow() override;

  // --- opening and saving ---
  // Starts reading on a worker thread; the window stays live. False when a job already runs.
  bool openFile(const QString& path);
  // Reads and waits (events keep being processed); false with the error shown when it failed.
  bool openFileAndWait(const QString& path);
  // Writes the volume (format from the extension) on a worker thread, atomically.
  bool saveTo(const QString& path);
  // The view (with the colour legend beside it) as a picture, and as a PNG file.
  QImage viewImage(ViewId view);
  bool exportViewPng(ViewId view, const QString& path);
  // The whole window as it looks, views included (for documentation).
  QImage windowImage();

  // --- display ---
  // Throws nothing: an unavailable colouring is reported (dialog, log) and false returned.
  bool setColoring(const QString& name);
  QString coloringName() const;
  // Colours the views by the misorientation to the orientation of `voxel` (same phase only);
  // false, with the reason shown, when the voxel is not indexed.
  bool setMisorientationReference(const Index3& voxel);
  // Volume-renders a scalar ("ci", "iq", a channel) in the 3D view; "" goes back to the slices.
  void setVolumeRendering(const QString& scalar) { updateVolumeRendering(scalar); }
  // Shows the grain boundaries as surfaces in the 3D view, computed as a job (progress, Cancel);
  // false, with the reason shown, when the volume has no grain ids or another job runs.
  bool showGrainSurfaces();
  // Shows all four views, or one of them alone.
  void showAllViews();
  void showSingleView(ViewId view);

  // --- steps ---
  const pipeline::StepRegistry& stepRegistry() const { return *registry_; }
  // The GPU module's steps, declared and run by the `ebsd` executable in a child process.
  GpuStepCatalog& gpuSteps() const { return *gpuSteps_; }
  // Opens (or raises) the generated form of a step (the registry's, or a GPU module step once
  // gpuSteps() has answered).
  StepDialog* showStepDialog(const std::string& stepId);
  // Runs a step on the current volume as a job (a GPU module step in a child `ebsd run`); false
  // when another job runs or the step is unknown.
  bool runStep(const std::string& stepId, const nlohmann::json& parameters);
  void undoLastStep();

  // --- parts, for tests and tools ---
  VolumeDocument& document() const { return *document_; }
  SliceCursor& cursor() const { return *cursor_; }
  OrthoSliceImages& sliceImages() const { return *images_; }
  SliceView* sliceView(SliceAxis axis) const;
  VolumeView3D* view3D() const { return view3d_; }
  JobRunner& jobs() const { return *jobs_; }
  QString readoutText() const;
  QImage legend() const { return legendImage_; }
  LogPanel* logPanel() const { return log_; }
  DataPanel* dataPanel() const { return dataPanel_; }
  QPushButton* cancelButton() const { return cancelButton_; }
  QProgressBar* progressBar() const { return progressBar_; }
  // The text of the last error shown to the user.
  const QString& lastError() const { return lastError_; }

signals:
  void errorReported(const QString& text);

protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

private:
  void buildViews();
  void buildDocks();
  void buildActions();
  void buildStepsMenu(QMenu* menu);
  void fillGpuSteps();
  bool runStepInChild(const pipeline::StepInfo& info, const nlohmann::json& parameters);
  // A step's result replaces the volume; the log and the data panel name the channels it added.
  void applyStepOutput(const QString& title, const std::shared_ptr<const Volume>& input, Volume result);
  void onVolumeChanged();
  void onCursorMoved(const Index3& position, int changedAxes);
  void onHover(const Index3& voxel);
  void updateLegend();
  void updateColoringChoices();
  void updateVolumeRendering(const QString& scalar);
  void updateTitle();
  void updateRecentMenu();
  void reportError(const QString& title, const QString& text);
  void openWithDialog();
  void saveWithDialog();
  void exportVolumeWithDialog();
  void exportViewWithDialog();
  QWidget* viewWidget(ViewId view) const;

  QSettings& settings_;
  std::unique_ptr<RecentFiles> recent_;
  const pipeline::StepRegistry* registry_ = nullptr;  // process-wide (step_catalog.hpp)
  VolumeDocument* document_ = nullptr;
  SliceCursor* cursor_ = nullptr;
  OrthoSliceImages* images_ = nullptr;
  JobRunner* jobs_ = nullptr;

  std::array<SliceView*, 3> sliceViews_{};  // by axis X, Y, Z
  VolumeView3D* view3d_ = nullptr;
  QSplitter* topRow_ = nullptr;
  QSplitter* bottomRow_ = nullptr;
  QLabel* legendLabel_ = nullptr;
  QImage legendImage_;
  DataPanel* dataPanel_ = nullptr;
  LogPanel* log_ = nullptr;
  QTreeWidget* stepsTree_ = nullptr;
  GpuStepCatalog* gpuSteps_ = nullptr;
  QTreeWidgetItem* gpuCategory_ = nullptr;
  QMenu* gpuMenu_ = nullptr;
  QStringList newChannels_;  // added by the step whose result is being shown
  QComboBox* coloringCombo_ = nullptr;
  QLabel* readout_ = nullptr;
  QProgressBar* progressBar_ = nullptr;
  QPushButton* cancelButton_ = nullptr;
  QMenu* recentMenu_ = nullptr;
  QAction* undoAction_ = nullptr;
  QAction* saveAction_ = nullptr;
  QAction* referenceAction_ = nullptr;
  std::map<std::string, StepDialog*> stepDialogs_;
  QString lastError_;
};

}  // namespace ebsd::studio

#include "main_window.hpp"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QStatusBar>
#include <QToolBar>
#include <QTreeWidget>

#include <map>

#include <vtkImageData.h>

#include "coloring_choice.hpp"
#include "child_step_run.hpp"
#include "data_panel.hpp"
#include "gpu_step_catalog.hpp"
#include "grain_surfaces.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/io/format_registry.hpp"
#include "ebsd/io/volume_file.hpp"
#include "ebsd/pipeline/runner.hpp"
#include "ebsd/pipeline/step_registry.hpp"
#include "legend_image.hpp"
#include "log_panel.hpp"
#include "ortho_slice_images.hpp"
#include "recent_files.hpp"
#include "slice_cursor.hpp"
#include "slice_view.hpp"
#include "step_catalog.hpp"
#include "step_dialog.hpp"
#include "volume_document.hpp"
#include "volume_geometry.hpp"
#include "volume_rendering_image.hpp"
#include "volume_view_3d.hpp"
#include "voxel_readout.hpp"
#include "vtk_bridge_widget.hpp"

namespace ebsd::studio {
namespace {

// "Description (*.ang *.ctf)" for each format that can do `what`, plus "All supported".
QString fileFilter(bool forWriting) {
  QStringList filters, all;
  for (const io::FileFormat& f : io::FormatRegistry::instance().formats()) {
    if (forWriting ? !f.write : !f.read) continue;
    QStringList patterns;
    for (const auto& ext : f.extensions) patterns << QStringLiteral("*") + QString::fromStdString(ext);
    all << patterns;
    filters << QStringLiteral("%1 (%2)").arg(QString::fromStdString(f.description), patterns.join(QLatin1Char(' ')));
  }
  if (!forWriting) filters.prepend(QObject::tr("All supported files (%1)").arg(all.join(QLatin1Char(' '))));
  filters << QObject::tr("All files (*)");
  return filters.join(QStringLiteral(";;"));
}

bool isNativeFile(const QString& path) { return path.endsWith(QStringLiteral(".ebsd.h5"), Qt::CaseInsensitive); }

}  // namespace

std::optional<ViewId> viewIdFromName(const QString& name) {
  const QString n = name.toLower();
  if (n == "xy") return ViewId::XY;
  if (n == "xz") return ViewId::XZ;
  if (n == "yz") return ViewId::YZ;
  if (n == "3d") return ViewId::ThreeD;
  return std::nullopt;
}

MainWindow::MainWindow(QSettings& settings, QWidget* parent)
    : QMainWindow(parent),
      settings_(settings),
      recent_(std::make_unique<RecentFiles>(settings)),
      registry_(&studioStepRegistry()),
      document_(new VolumeDocument(this)),
      cursor_(new SliceCursor(this)),
      images_(new OrthoSliceImages(this)),
      jobs_(new JobRunner(this)),
      gpuSteps_(new GpuStepCatalog(this)) {
  setWindowTitle(tr("EBSD Studio"));
  setAcceptDrops(true);
  document_->setUndoDepth(settings_.value("undoDepth", 2).toInt());

  buildViews();
  buildDocks();
  buildActions();

  connect(document_, &VolumeDocument::volumeChanged, this, &MainWindow::onVolumeChanged);
  connect(document_, &VolumeDocument::modifiedChanged, this, &MainWindow::updateTitle);
  connect(document_, &VolumeDocument::undoAvailabilityChanged, this, [this](bool available) {
    undoAction_->setEnabled(available);
    undoAction_->setText(available ? tr("&Undo %1").arg(document_->undoTitle()) : tr("&Undo last step"));
  });
  connect(cursor_, &SliceCursor::moved, this, &MainWindow::onCursorMoved);
  connect(images_, &OrthoSliceImages::imageChanged, this, [this](SliceAxis axis) {
    sliceView(axis)->refresh();
    view3d_->refresh();
  });
  connect(images_, &OrthoSliceImages::coloringChanged, this, &MainWindow::updateLegend);

  // Jobs: progress and Cancel in the status bar; the rest of the window stays usable.
  connect(jobs_, &JobRunner::started, this, [this](const QString& title) {
    progressBar_->setValue(0);
    progressBar_->setFormat(title + QStringLiteral(" %p%"));
    progressBar_->show();
    cancelButton_->setEnabled(true);
    cancelButton_->show();
    log_->info(title + QStringLiteral("\u2026"));
  });
  connect(jobs_, &JobRunner::progressed, this, [this](double fraction, const QString& message) {
    progressBar_->setValue(int(std::lround(1000.0 * std::clamp(fraction, 0.0, 1.0))));
    if (!message.isEmpty()) progressBar_->setToolTip(message);
  });
  connect(jobs_, &JobRunner::finished, this,
          [this](const QString& title, JobRunner::Outcome outcome, const QString&, double seconds) {
            // A completion may have started the next job (grain surfaces of a new volume).
            if (!jobs_->isBusy()) {
              progressBar_->hide();
              cancelButton_->hide();
            }
            if (outcome == JobRunner::Outcome::Succeeded) log_->info(tr("%1: done in %2 s").arg(title).arg(seconds, 0, 'f', 2));
            else if (outcome == JobRunner::Outcome::Cancelled) log_->warning(tr("%1: cancelled; nothing changed").arg(title));
          });

  const QByteArray geometry = settings_.value("window/geometry").toByteArray();
  if (!geometry.isEmpty()) restoreGeometry(geometry);
  else resize(1400, 950);
  if (!restoreState(settings_.value("window/state").toByteArray())) {
    // First run: the views get the room, the docks what they need.
    resizeDocks({findChild<QDockWidget*>("logDock")}, {110}, Qt::Vertical);
    resizeDocks({findChild<QDockWidget*>("stepsDock")}, {230}, Qt::Horizontal);
  }
  const QString coloring = settings_.value("coloring", QStringLiteral("ipf-z")).toString();
  images_->setColoring(coloring);  // no volume yet: only remembered
  onVolumeChanged();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildViews() {
  for (SliceAxis axis : {SliceAxis::X, SliceAxis::Y, SliceAxis::Z}) {
    auto* view = new SliceView(axis, this);
    sliceViews_[static_cast<std::size_t>(axisIndex(axis))] = view;
    view->setImage(images_->image(axis));
    connect(view, &SliceView::sliceRequested, cursor_, &SliceCursor::setSlice);
    connect(view, &SliceView::cursorRequested, cursor_, &SliceCursor::setPosition);
    connect(view, &SliceView::voxelHovered, this, &MainWindow::onHover);
    connect(view, &SliceView::referenceRequested, this, &MainWindow::setMisorientationReference);
    connect(view, &SliceView::hoverLeft, this, [this] { readout_->clear(); });
  }
  view3d_ = new VolumeView3D(this);
  view3d_->setSliceImages(images_->image(SliceAxis::X), images_->image(SliceAxis::Y), images_->image(SliceAxis::Z));
  connect(view3d_, &VolumeView3D::volumeRenderingRequested, this, &MainWindow::updateVolumeRendering);
  connect(view3d_, &VolumeView3D::grainSurfacesRequested, this, &MainWindow::showGrainSurfaces);

  // XY beside the 3D view on top, XZ beside YZ below: each 2D view shares an axis with its
  // neighbour (x with XZ below it, z with YZ beside it).
  topRow_ = new QSplitter(Qt::Horizontal);
  topRow_->addWidget(sliceView(SliceAxis::Z));
  topRow_->addWidget(view3d_);
  bottomRow_ = new QSplitter(Qt::Horizontal);
  bottomRow_->addWidget(sliceView(SliceAxis::Y));
  bottomRow_->addWidget(sliceView(SliceAxis::X));
  auto* columns = new QSplitter(Qt::Vertical);
  columns->addWidget(topRow_);
  columns->addWidget(bottomRow_);
  setCentralWidget(columns);
}

void MainWindow::buildDocks() {
  legendLabel_ = new QLabel;
  legendLabel_->setAlignment(Qt::AlignTop | Qt::AlignHCenter);
  legendLabel_->setStyleSheet(QStringLiteral("background: white;"));
  auto* legendScroll = new QScrollArea;
  legendScroll->setWidget(legendLabel_);
  legendScroll->setWidgetResizable(true);
  auto* legendDock = new QDockWidget(tr("Colour key"), this);
  legendDock->setObjectName(QStringLiteral("legendDock"));
  legendDock->setWidget(legendScroll);
  legendDock->setMinimumWidth(kLegendWidth + 24);
  addDockWidget(Qt::RightDockWidgetArea, legendDock);

  dataPanel_ = new DataPanel;
  auto* dataDock = new QDockWidget(tr("Data"), this);
  dataDock->setObjectName(QStringLiteral("dataDock"));
  dataDock->setWidget(dataPanel_);
  addDockWidget(Qt::RightDockWidgetArea, dataDock);

  stepsTree_ = new QTreeWidget;
  stepsTree_->setHeaderLabels({tr("Step"), tr("id")});
  stepsTree_->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  std::map<std::string, QTreeWidgetItem*> categories;
  for (const pipeline::Step* step : registry_->steps()) {
    const auto& info = step->info();
    QTreeWidgetItem*& category = categories[info.category];
    if (!category) {
      category = new QTreeWidgetItem(stepsTree_, {QString::fromStdString(info.category)});
      category->setExpanded(true);
    }
    auto* item = new QTreeWidgetItem(category, {QString::fromStdString(info.title.empty() ? info.id : info.title),
                                                QString::fromStdString(info.id)});
    item->setToolTip(0, QString::fromStdString(info.description));
    item->setData(0, Qt::UserRole, QString::fromStdString(info.id));
  }
  // The GPU module's steps run in a child `ebsd` process; asking it for them loads LibTorch
  // there, so it is asked when the user first looks (expands the category or opens the menu).
  gpuCategory_ = new QTreeWidgetItem(stepsTree_, {tr("GPU module (runs in ebsd)")});
  gpuCategory_->setToolTip(0, tr("Steps of the GPU module (LibTorch): declared and run by the ebsd program in a separate process"));
  new QTreeWidgetItem(gpuCategory_, {tr("expand to look for the GPU module\u2026")});
  connect(stepsTree_, &QTreeWidget::itemExpanded, this, [this](QTreeWidgetItem* item) {
    if (item == gpuCategory_) gpuSteps_->query();
  });
  connect(gpuSteps_, &GpuStepCatalog::answered, this, &MainWindow::fillGpuSteps);
  connect(stepsTree_, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item) {
    const QString id = item->data(0, Qt::UserRole).toString();
    if (!id.isEmpty()) showStepDialog(id.toStdString());
  });
  auto* stepsDock = new QDockWidget(tr("Steps"), this);
  stepsDock->setObjectName(QStringLiteral("stepsDock"));
  stepsDock->setWidget(stepsTree_);
  addDockWidget(Qt::LeftDockWidgetArea, stepsDock);

  log_ = new LogPanel;
  auto* logDock = new QDockWidget(tr("Log"), this);
  logDock->setObjectName(QStringLiteral("logDock"));
  logDock->setWidget(log_);
  addDockWidget(Qt::BottomDockWidgetArea, logDock);

  readout_ = new QLabel;
  readout_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  readout_->setMinimumWidth(200);
  statusBar()->addWidget(readout_, 1);
  progressBar_ = new QProgressBar;
  progressBar_->setRange(0, 1000);
  progressBar_->setMaximumWidth(320);
  progressBar_->setTextVisible(true);
  progressBar_->hide();
  cancelButton_ = new QPushButton(tr("Cancel"));
  cancelButton_->setObjectName(QStringLiteral("cancelJob"));
  cancelButton_->hide();
  connect(cancelButton_, &QPushButton::clicked, this, [this] {
    cancelButton_->setEnabled(false);
    jobs_->cancel();
  });
  statusBar()->addPermanentWidget(progressBar_);
  statusBar()->addPermanentWidget(cancelButton_);
}

void MainWindow::buildActions() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("&Open\u2026"), this, &MainWindow::openWithDialog);
  open->setShortcut(QKeySequence::Open);
  recentMenu_ = file->addMenu(tr("Open &recent"));
  saveAction_ = file->addAction(tr("&Save as .ebsd.h5\u2026"), this, &MainWindow::saveWithDialog);
  saveAction_->setShortcut(QKeySequence::Save);
  file->addAction(tr("&Export volume\u2026"), this, &MainWindow::exportVolumeWithDialog);
  file->addAction(tr("Export &view as PNG\u2026"), this, &MainWindow::exportViewWithDialog);
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);

  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  undoAction_ = edit->addAction(tr("&Undo last step"), this, &MainWindow::undoLastStep);
  undoAction_->setShortcut(QKeySequence::Undo);
  undoAction_->setEnabled(false);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  QAction* all = view->addAction(tr("&All views"), this, &MainWindow::showAllViews);
  all->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
  const std::array<std::pair<ViewId, QString>, 4> singles{
      {{ViewId::XY, tr("XY only")}, {ViewId::XZ, tr("XZ only")}, {ViewId::YZ, tr("YZ only")}, {ViewId::ThreeD, tr("3D only")}}};
  int key = Qt::Key_1;
  for (const auto& [id, text] : singles) {
    QAction* a = view->addAction(text, this, [this, id = id] { showSingleView(id); });
    a->setShortcut(QKeySequence(Qt::CTRL | key++));
  }
  view->addSeparator();
  view->addAction(tr("&Fit views"), this, [this] {
    for (SliceView* v : sliceViews_) v->fitView();
    view3d_->resetCamera();
  });
  view->addSeparator();
  referenceAction_ = view->addAction(tr("Set &misorientation reference at cursor"), this,
                                     [this] { setMisorientationReference(cursor_->position()); });
  referenceAction_->setObjectName(QStringLiteral("setMisorientationReference"));
  referenceAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_M));
  referenceAction_->setToolTip(tr("Colour the views by the misorientation to the voxel at the cursor (or Ctrl+click a voxel)"));
  view->addSeparator();
  for (QDockWidget* dock : findChildren<QDockWidget*>()) view->addAction(dock->toggleViewAction());

  QMenu* steps = menuBar()->addMenu(tr("&Steps"));
  buildStepsMenu(steps);
  gpuMenu_ = steps->addMenu(tr("GPU module (runs in ebsd)"));
  gpuMenu_->addAction(tr("Looking for the GPU module\u2026"))->setEnabled(false);
  connect(gpuMenu_, &QMenu::aboutToShow, gpuSteps_, &GpuStepCatalog::query);

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About EBSD Studio"), this, [this] {
    QMessageBox::about(this, tr("About EBSD Studio"),
                       tr("<b>EBSD Studio</b><br>3D EBSD volumes: view, repair, analyse.<br>Orientations: Rowenhorst et al. "
                          "2015 conventions (passive, Bunge ZXZ)."));
  });

  QToolBar* bar = addToolBar(tr("Main"));
  bar->setObjectName(QStringLiteral("mainToolBar"));
  bar->addAction(open);
  bar->addAction(saveAction_);
  bar->addAction(undoAction_);
  bar->addSeparator();
  bar->addWidget(new QLabel(tr(" Colour by ")));
  coloringCombo_ = new QComboBox;
  coloringCombo_->setObjectName(QStringLiteral("coloring"));
  coloringCombo_->setMinimumContentsLength(18);
  connect(coloringCombo_, qOverload<int>(&QComboBox::activated), this, [this](int index) {
    const QString name = coloringCombo_->itemData(index).toString();
    if (name.isEmpty()) setMisorientationReference(cursor_->position());  // "Misorientation to the cursor voxel"
    else setColoring(name);
  });
  bar->addWidget(coloringCombo_);
  bar->addAction(referenceAction_);
  updateRecentMenu();
}

void MainWindow::buildStepsMenu(QMenu* menu) {
  std::map<std::string, QMenu*> categories;
  for (const pipeline::Step* step : registry_->steps()) {
    const auto& info = step->info();
    QMenu*& sub = categories[info.category];
    if (!sub) sub = menu->addMenu(QString::fromStdString(info.category));
    QAction* a = sub->addAction(QString::fromStdString(info.title.empty() ? info.id : info.title) + QStringLiteral("\u2026"));
    a->setToolTip(QString::fromStdString(info.description));
    connect(a, &QAction::triggered, this, [this, id = info.id] { showStepDialog(id); });
  }
}

void MainWindow::fillGpuSteps() {
  qDeleteAll(gpuCategory_->takeChildren());
  gpuMenu_->clear();
  if (gpuSteps_->state() != GpuStepCatalog::State::Available) {
    const QString reason = gpuSteps_->reason();
    auto* item = new QTreeWidgetItem(gpuCategory_, {tr("not available"), reason});
    item->setToolTip(0, reason);
    item->setToolTip(1, reason);
    item->setFlags(item->flags() & ~Qt::ItemIsEnabled);
    gpuMenu_->addAction(tr("Not available: %1").arg(reason))->setEnabled(false);
    log_->warning(tr("GPU module steps not offered: %1").arg(reason));
    return;
  }
  const QString where = tr("runs in %1").arg(gpuSteps_->executable());
  for (const pipeline::StepInfo& info : gpuSteps_->steps()) {
    const QString title = QString::fromStdString(info.title.empty() ? info.id : info.title);
    auto* item = new QTreeWidgetItem(gpuCategory_, {title, QString::fromStdString(info.id)});
    item->setToolTip(0, QString::fromStdString(info.description) + QStringLiteral("\n(") + where + QStringLiteral(")"));
    item->setData(0, Qt::UserRole, QString::fromStdString(info.id));
    QAction* a = gpuMenu_->addAction(title + QStringLiteral("\u2026"));
    a->setToolTip(QString::fromStdString(info.description));
    connect(a, &QAction::triggered, this, [this, id = info.id] { showStepDialog(id); });
  }
  gpuCategory_->setExpanded(true);
  log_->info(tr("GPU module steps offered (%1): %2").arg(where).arg(gpuSteps_->steps().size()));
}

SliceView* MainWindow::sliceView(SliceAxis axis) const { return sliceViews_[static_cast<std::size_t>(axisIndex(axis))]; }

QWidget* MainWindow::viewWidget(ViewId view) const {
  switch (view) {
    case ViewId::XY: return sliceView(SliceAxis::Z);
    case ViewId::XZ: return sliceView(SliceAxis::Y);
    case ViewId::YZ: return sliceView(SliceAxis::X);
    case ViewId::ThreeD: return view3d_;
  }
  return nullptr;
}

void MainWindow::showAllViews() {
  for (ViewId id : {ViewId::XY, ViewId::XZ, ViewId::YZ, ViewId::ThreeD}) viewWidget(id)->show();
  topRow_->show();
  bottomRow_->show();
}

void MainWindow::showSingleView(ViewId view) {
  for (ViewId id : {ViewId::XY, ViewId::XZ, ViewId::YZ, ViewId::ThreeD}) viewWidget(id)->setVisible(id == view);
  const bool top = view == ViewId::XY || view == ViewId::ThreeD;
  topRow_->setVisible(top);
  bottomRow_->setVisible(!top);
}

void MainWindow::onVolumeChanged() {
  QElapsedTimer clock;
  clock.start();
  const auto volume = document_->volume();
  const VolumeGeometry geometry = volume ? VolumeGeometry::of(*volume) : VolumeGeometry{};
  // A step that keeps the grid (segment, damage) keeps the cursor where the user left it.
  const Index3 dims = volume ? volume->dims() : Index3{1, 1, 1};
  if (dims != cursor_->dims()) {
    const QSignalBlocker block(cursor_);
    cursor_->resetTo(dims);
  }
  images_->setVolume(volume, cursor_->position());
  for (SliceView* view : sliceViews_) {
    view->setGeometry(geometry);
    view->setCursor(cursor_->position());
  }
  view3d_->setGeometry(geometry);
  view3d_->setCursor(cursor_->position());
  updateColoringChoices();
  if (view3d_->mode() == VolumeView3D::Mode::GrainSurfaces) showGrainSurfaces();
  else updateVolumeRendering(view3d_->volumeRenderingScalar());
  dataPanel_->show(volume.get(), document_->filePath(), document_->importReport(), newChannels_);
  newChannels_.clear();
  saveAction_->setEnabled(volume != nullptr);
  referenceAction_->setEnabled(volume != nullptr);
  readout_->clear();
  updateTitle();
  updateLegend();
  if (volume) log_->info(tr("Views ready in %1 s").arg(clock.elapsed() / 1000.0, 0, 'f', 2));
}

void MainWindow::onCursorMoved(const Index3& position, int changedAxes) {
  images_->setCursor(position, changedAxes);
  for (SliceView* view : sliceViews_) view->setCursor(position);
  view3d_->setCursor(position);
}

void MainWindow::onHover(const Index3& voxel) {
  const auto volume = document_->volume();
  if (!volume || !volume->contains(voxel[0], voxel[1], voxel[2])) return readout_->clear();
  readout_->setText(readVoxel(*volume, voxel, &images_->coloring()).text());
}

QString MainWindow::readoutText() const { return readout_->text(); }

bool MainWindow::setColoring(const QString& name) {
  try {
    images_->setColoring(name);
  } catch (const Error& e) {
    reportError(tr("Colouring not available"), QString::fromStdString(e.what()));
    updateColoringChoices();
    return false;
  }
  settings_.setValue("coloring", name);
  updateColoringChoices();
  return true;
}

QString MainWindow::coloringName() const { return images_->coloringName(); }

bool MainWindow::setMisorientationReference(const Index3& voxel) {
  if (!document_->hasVolume()) return false;
  const bool ok = setColoring(QStringLiteral("misorientation:%1,%2,%3").arg(voxel[0]).arg(voxel[1]).arg(voxel[2]));
  if (ok) log_->info(tr("Misorientation reference: voxel (%1, %2, %3); ramp 0 to %4\u00b0")
                         .arg(voxel[0])
                         .arg(voxel[1])
                         .arg(voxel[2])
                         .arg(images_->scalarRange().second, 0, 'g', 4));
  return ok;
}

void MainWindow::updateColoringChoices() {
  const QSignalBlocker block(coloringCombo_);
  coloringCombo_->clear();
  const auto volume = document_->volume();
  QStringList scalars;
  if (volume) {
    for (const ColoringChoice& c : coloringChoices(*volume)) {
      coloringCombo_->addItem(c.label, c.name);
      if (c.name == "ci" || c.name == "iq" || c.label.startsWith(tr("Channel"))) scalars << c.name;
    }
    // Misorientation needs a reference: the current one, and the voxel at the cursor (empty data).
    if (images_->coloring().kind == SliceColoring::Kind::Misorientation) {
      const Index3& r = images_->coloring().reference;
      coloringCombo_->addItem(tr("Misorientation to (%1, %2, %3)").arg(r[0]).arg(r[1]).arg(r[2]), images_->coloringName());
    }
    coloringCombo_->addItem(tr("Misorientation to the cursor voxel"), QString());
  }
  coloringCombo_->setCurrentIndex(std::max(0, coloringCombo_->findData(images_->coloringName())));
  coloringCombo_->setEnabled(volume != nullptr);
  view3d_->setVolumeRenderingChoices(scalars, volume && volume->has_grain_ids());
}

void MainWindow::updateVolumeRendering(const QString& scalar) {
  view3d_->setGrainSurfaces(nullptr, {});
  const auto volume = document_->volume();
  if (!volume || scalar.isEmpty()) {
    view3d_->setVolumeRenderingScalar({});
    view3d_->setVolumeRenderingImage(nullptr, {});
    return;
  }
  try {
    const SliceColoring coloring = slice_coloring_from_name(scalar.toStdString(), *volume);
    // Before the 3D view's context exists its limit is unknown; llvmpipe and current GPUs allow 2048.
    const int limit = view3d_->canvas()->max3DTextureSize() > 0 ? view3d_->canvas()->max3DTextureSize() : 2048;
    const VolumeRenderingPlan plan = planVolumeRendering(volume->dims(), limit);
    auto image = volumeRenderingImage(*volume, coloring, plan);
    view3d_->setVolumeRenderingScalar(scalar);
    view3d_->setVolumeRenderingImage(image, plan.note);
    if (!plan.note.isEmpty()) log_->info(plan.note);
  } catch (const Error& e) {
    reportError(tr("Volume rendering"), QString::fromStdString(e.what()));
    view3d_->setVolumeRenderingScalar({});
    view3d_->setVolumeRenderingImage(nullptr, {});
  }
}

bool MainWindow::showGrainSurfaces() {
  const auto volume = document_->volume();
  auto backToSlices = [this] {
    view3d_->setVolumeRenderingScalar({});
    updateVolumeRendering({});
  };
  if (!volume || !volume->has_grain_ids()) {
    reportError(tr("Grain surfaces"), tr("The volume has no grain ids: run the \"segment\" step first."));
    backToSlices();
    return false;
  }
  if (jobs_->isBusy()) {
    reportError(tr("Busy"), tr("Wait for \"%1\" to finish or cancel it before showing grain surfaces.").arg(jobs_->title()));
    backToSlices();
    return false;
  }
  view3d_->selectGrainSurfaces();
  view3d_->setVolumeRenderingImage(nullptr, {});
  const int limit = view3d_->canvas()->max3DTextureSize() > 0 ? view3d_->canvas()->max3DTextureSize() : 2048;
  const VolumeRenderingPlan plan = planVolumeRendering(volume->dims(), limit);
  // Coloured along the IPF direction being shown, along Z when the slices show something else.
  const SliceColoring& coloring = images_->coloring();
  const Eigen::Vector3d direction = coloring.kind == SliceColoring::Kind::Ipf ? coloring.direction : Eigen::Vector3d::UnitZ();
  auto result = std::make_shared<GrainSurfaces>();
  return jobs_->start(
      tr("Grain surfaces"),
      [volume, plan, direction, result](Progress& progress) { *result = buildGrainSurfaces(*volume, plan, direction, progress); },
      [this, volume, plan, result](JobRunner::Outcome outcome, const QString& error) {
        if (outcome == JobRunner::Outcome::Failed) reportError(tr("Grain surfaces"), error);
        const bool current = document_->volume() == volume && view3d_->mode() == VolumeView3D::Mode::GrainSurfaces;
        if (outcome != JobRunner::Outcome::Succeeded || !current) {
          if (view3d_->mode() == VolumeView3D::Mode::GrainSurfaces) {
            view3d_->setVolumeRenderingScalar({});
            updateVolumeRendering({});
          }
          return;
        }
        view3d_->setGrainSurfaces(result->surfaces, plan.note);
        log_->info(tr("Grain surfaces: %1 grains, %2 faces").arg(result->grainCount).arg(result->faceCount));
        if (!plan.note.isEmpty()) log_->info(plan.note);
      });
}

void MainWindow::updateLegend() {
  const auto volume = document_->volume();
  LegendRequest request;
  request.volume = volume.get();
  request.coloring = images_->coloring();
  request.scalarRange = images_->scalarRange();
  legendImage_ = legendImage(request);
  legendLabel_->setPixmap(QPixmap::fromImage(legendImage_));
}

void MainWindow::updateTitle() {
  setWindowTitle(document_->hasVolume() ? tr("%1 \u2014 EBSD Studio").arg(document_->displayName()) : tr("EBSD Studio"));
}

void MainWindow::updateRecentMenu() {
  recentMenu_->clear();
  const QStringList files = recent_->files();
  for (const QString& f : files) recentMenu_->addAction(f, this, [this, f] { openFile(f); });
  if (!files.isEmpty()) {
    recentMenu_->addSeparator();
    recentMenu_->addAction(tr("Clear list"), this, [this] {
      recent_->clear();
      updateRecentMenu();
    });
  }
  recentMenu_->setEnabled(!files.isEmpty());
}

void MainWindow::reportError(const QString& title, const QString& text) {
  lastError_ = text;
  log_->error(text);
  emit errorReported(text);
  // Window-modal and non-blocking: the event loop (and any running job) carries on.
  auto* box = new QMessageBox(QMessageBox::Critical, title, text, QMessageBox::Ok, this);
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->setObjectName(QStringLiteral("errorDialog"));
  box->open();
}

bool MainWindow::openFile(const QString& path) {
  if (jobs_->isBusy()) {
    reportError(tr("Busy"), tr("Wait for \"%1\" to finish or cancel it before opening another file.").arg(jobs_->title()));
    return false;
  }
  const QString absolute = QFileInfo(path).absoluteFilePath();
  auto result = std::make_shared<io::ReadResult>();
  const std::string file = absolute.toStdString();
  return jobs_->start(
      tr("Opening %1").arg(QFileInfo(path).fileName()),
      [result, file](Progress& progress) { *result = io::read_volume_with_report(file, progress); },
      [this, result, absolute](JobRunner::Outcome outcome, const QString& error) {
        if (outcome == JobRunner::Outcome::Failed) {
          reportError(tr("Cannot open file"), tr("%1 could not be read.\n\n%2").arg(absolute, error));
          return;
        }
        if (outcome != JobRunner::Outcome::Succeeded) return;
        for (const std::string& w : result->report.warnings) log_->warning(QString::fromStdString(w));
        const Volume& v = result->volume;
        log_->info(tr("Opened %1: %2 \u00d7 %3 \u00d7 %4 voxels, %5 phase(s), format %6")
                       .arg(absolute)
                       .arg(v.nx())
                       .arg(v.ny())
                       .arg(v.nz())
                       .arg(v.phases().size())
                       .arg(QString::fromStdString(result->report.format)));
        nlohmann::json report = result->report.to_json();
        document_->setOpened(std::make_shared<const Volume>(std::move(result->volume)), absolute, std::move(report));
        recent_->add(absolute);
        settings_.setValue("lastDirectory", QFileInfo(absolute).absolutePath());
        updateRecentMenu();
      });
}

bool MainWindow::openFileAndWait(const QString& path) {
  const QString before = lastError_;
  lastError_.clear();
  if (!openFile(path)) return false;
  jobs_->waitForIdle();
  const bool ok = lastError_.isEmpty() && document_->filePath() == QFileInfo(path).absoluteFilePath();
  if (ok) lastError_ = before;
  return ok;
}

bool MainWindow::saveTo(const QString& path) {
  const auto volume = document_->volume();
  if (!volume) {
    reportError(tr("Nothing to save"), tr("Open a file or make a volume first."));
    return false;
  }
  if (jobs_->isBusy()) {
    reportError(tr("Busy"), tr("Wait for \"%1\" to finish or cancel it.").arg(jobs_->title()));
    return false;
  }
  if (!io::FormatRegistry::instance().for_writing(path.toStdString())) {
    reportError(tr("Cannot save"), tr("No format writes files named like %1.").arg(path));
    return false;
  }
  const std::string file = path.toStdString();
  return jobs_->start(
      tr("Writing %1").arg(QFileInfo(path).fileName()),
      // The volume is immutable while shared: the worker reads it as the views do.
      [volume, file](Progress& progress) { io::write_volume(file, *volume, progress); },
      [this, path, volume](JobRunner::Outcome outcome, const QString& error) {
        if (outcome == JobRunner::Outcome::Failed) return reportError(tr("Cannot save"), tr("%1 was not written.\n\n%2").arg(path, error));
        if (outcome != JobRunner::Outcome::Succeeded) return;
        log_->info(tr("Wrote %1").arg(path));
        // Only the native file holds everything; other formats are exports.
        if (isNativeFile(path) && document_->volume() == volume) {
          document_->markSaved(QFileInfo(path).absoluteFilePath());
          recent_->add(path);
          updateRecentMenu();
        }
      });
}

QImage MainWindow::viewImage(ViewId view) {
  VtkBridgeWidget* canvas = view == ViewId::ThreeD ? view3d_->canvas()
                            : view == ViewId::XY   ? sliceView(SliceAxis::Z)->canvas()
                            : view == ViewId::XZ   ? sliceView(SliceAxis::Y)->canvas()
                                                   : sliceView(SliceAxis::X)->canvas();
  const QImage frame = canvas->grabFramebuffer().convertToFormat(QImage::Format_RGB888);
  return composeWithLegend(frame, legendImage_);
}

QImage MainWindow::windowImage() {
  // QWidget::grab() paints the widgets but not the native GL windows inside the containers:
  // their pictures are drawn in at their places.
  QImage image = grab().toImage().convertToFormat(QImage::Format_RGB888);
  QPainter painter(&image);
  std::vector<VtkBridgeWidget*> canvases{view3d_->canvas()};
  for (SliceView* v : sliceViews_) canvases.push_back(v->canvas());
  for (VtkBridgeWidget* canvas : canvases) {
    if (!canvas->isVisible()) continue;
    painter.drawImage(QRect(canvas->mapTo(this, QPoint(0, 0)), canvas->size()), canvas->grabFramebuffer());
  }
  return image;
}

bool MainWindow::exportViewPng(ViewId view, const QString& path) {
  const QImage image = viewImage(view);
  if (image.isNull() || !image.save(path, "PNG")) {
    reportError(tr("Cannot export"), tr("%1 could not be written.").arg(path));
    return false;
  }
  log_->info(tr("Wrote %1").arg(path));
  return true;
}

StepDialog* MainWindow::showStepDialog(const std::string& stepId) {
  const pipeline::Step* step = registry_->find(stepId);
  const pipeline::StepInfo* gpuStep = step ? nullptr : gpuSteps_->find(stepId);
  if (!step && !gpuStep) {
    reportError(tr("Unknown step"), tr("There is no step \"%1\".").arg(QString::fromStdString(stepId)));
    return nullptr;
  }
  StepDialog*& dialog = stepDialogs_[stepId];
  if (!dialog) {
    const QString where = gpuStep ? tr("Runs in a separate process: %1 run (the GPU module cannot be loaded into the studio).")
                                        .arg(gpuSteps_->executable())
                                  : QString();
    dialog = new StepDialog(step ? step->info() : *gpuStep, [this] { return document_->hasVolume(); }, this, where);
    connect(dialog, &StepDialog::runRequested, this, [this, dialog](const std::string& id, const nlohmann::json& params) {
      if (runStep(id, params)) dialog->hide();
      else dialog->showError(tr("Another job is running: wait for it or cancel it."));
    });
  }
  dialog->show();
  dialog->raise();
  dialog->activateWindow();
  return dialog;
}

bool MainWindow::runStep(const std::string& stepId, const nlohmann::json& parameters) {
  const pipeline::Step* step = registry_->find(stepId);
  if (jobs_->isBusy()) return false;
  if (!step) {
    const pipeline::StepInfo* gpuStep = gpuSteps_->find(stepId);
    return gpuStep && runStepInChild(*gpuStep, parameters);
  }
  const pipeline::StepInfo& info = step->info();
  const auto input = document_->volume();
  if (info.input == pipeline::StepInput::Volume && !input) {
    reportError(tr("No volume"), tr("\"%1\" works on a volume: open a file first.").arg(QString::fromStdString(info.title)));
    return false;
  }
  struct Output {
    std::optional<Volume> volume;
    nlohmann::json report;
  };
  auto output = std::make_shared<Output>();
  const QString title = QString::fromStdString(info.title.empty() ? info.id : info.title);
  const pipeline::StepRegistry* registry = registry_;
  LogPanel* log = log_;
  return jobs_->start(
      title,
      [=](Progress& progress) {
        pipeline::Workspace ws;
        // The copy is the step's to change; the document's volume stays as it is until the step
        // succeeds (and stays for undo after).
        if (input && info.input == pipeline::StepInput::Volume) ws.volume = *input;
        ws.log = [log](const std::string& line) { log->info(QString::fromStdString(line)); };
        const pipeline::StepResult result = pipeline::run_step(*registry, stepId, parameters, ws, progress);
        output->report = result.report;
        output->volume = std::move(ws.volume);
      },
      [this, output, title, input, writesFiles = info.writes_files](JobRunner::Outcome outcome, const QString& error) {
        if (outcome == JobRunner::Outcome::Failed)
          return reportError(tr("Step failed"), tr("%1 failed; the volume is unchanged.\n\n%2").arg(title, error));
        if (outcome != JobRunner::Outcome::Succeeded) return;
        if (!output->report.is_null()) log_->info(tr("%1 report: %2").arg(title, QString::fromStdString(output->report.dump())));
        // Steps that write files leave the volume as it was.
        if (!writesFiles && output->volume) applyStepOutput(title, input, std::move(*output->volume));
      });
}

bool MainWindow::runStepInChild(const pipeline::StepInfo& info, const nlohmann::json& parameters) {
  const auto input = document_->volume();
  const QString title = QString::fromStdString(info.title.empty() ? info.id : info.title);
  if (!input) {
    // Every GPU module step works on a volume: the child reads the studio's.
    reportError(tr("No volume"), tr("\"%1\" works on a volume: open a file first.").arg(title));
    return false;
  }
  const QString ebsd = gpuSteps_->executable();
  auto output = std::make_shared<std::optional<ChildStepResult>>();
  LogPanel* log = log_;
  log_->info(tr("%1 runs in a separate process: %2 run").arg(title, ebsd));
  return jobs_->start(
      title,
      [=](Progress& progress) {
        *output = runStepInChildProcess(ebsd, *input, info, parameters, progress, [log](const QString& line) { log->info(line); });
      },
      [this, output, title, input](JobRunner::Outcome outcome, const QString& error) {
        if (outcome == JobRunner::Outcome::Failed)
          return reportError(tr("Step failed"), tr("%1 failed; the volume is unchanged.\n\n%2").arg(title, error));
        if (outcome != JobRunner::Outcome::Succeeded || !*output) return;
        if (!(*output)->report.is_null()) log_->info(tr("%1 report: %2").arg(title, QString::fromStdString((*output)->report.dump())));
        applyStepOutput(title, input, std::move((*output)->volume));
      });
}

void MainWindow::applyStepOutput(const QString& title, const std::shared_ptr<const Volume>& input, Volume result) {
  QStringList added;
  for (const auto& [name, channel] : result.channels())
    if (!input || !input->has_channel(name)) added << QString::fromStdString(name);
  if (!added.isEmpty())
    log_->info(tr("%1 added %n channel(s): %2 (offered in Colour by)", "", int(added.size())).arg(title, added.join(QStringLiteral(", "))));
  newChannels_ = added;
  document_->applyStepResult(std::make_shared<const Volume>(std::move(result)), title);
}

void MainWindow::undoLastStep() {
  if (!document_->canUndo()) return;
  log_->info(tr("Undo %1").arg(document_->undoTitle()));
  document_->undoLastStep();
}

void MainWindow::openWithDialog() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open EBSD volume"), settings_.value("lastDirectory").toString(),
                                                    fileFilter(false));
  if (!path.isEmpty()) openFile(path);
}

void MainWindow::saveWithDialog() {
  QString suggestion = document_->filePath();
  if (!isNativeFile(suggestion)) suggestion = QFileInfo(suggestion).path() + QStringLiteral("/") + QFileInfo(suggestion).completeBaseName() + QStringLiteral(".ebsd.h5");
  QString path = QFileDialog::getSaveFileName(this, tr("Save volume"), suggestion, tr("EBSD Studio volume (*.ebsd.h5)"));
  if (path.isEmpty()) return;
  if (!isNativeFile(path)) path += QStringLiteral(".ebsd.h5");
  saveTo(path);
}

void MainWindow::exportVolumeWithDialog() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export volume"), settings_.value("lastDirectory").toString(), fileFilter(true));
  if (!path.isEmpty()) saveTo(path);
}

void MainWindow::exportViewWithDialog() {
  QStringList names{tr("XY"), tr("XZ"), tr("YZ"), tr("3D")};
  QMessageBox ask(QMessageBox::Question, tr("Export view"), tr("Which view?"), QMessageBox::Cancel, this);
  std::vector<QAbstractButton*> buttons;
  for (const QString& n : names) buttons.push_back(ask.addButton(n, QMessageBox::AcceptRole));
  ask.exec();
  const auto it = std::find(buttons.begin(), buttons.end(), ask.clickedButton());
  if (it == buttons.end()) return;
  const ViewId view = static_cast<ViewId>(it - buttons.begin());
  const QString path = QFileDialog::getSaveFileName(this, tr("Export view as PNG"), settings_.value("lastDirectory").toString(),
                                                    tr("PNG image (*.png)"));
  if (!path.isEmpty()) exportViewPng(view, path.endsWith(".png", Qt::CaseInsensitive) ? path : path + ".png");
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (document_->isModified()) {
    const auto answer = QMessageBox::question(this, tr("Unsaved changes"),
                                              tr("The volume has changes that are not saved. Quit anyway?"),
                                              QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer != QMessageBox::Discard) return event->ignore();
  }
  if (jobs_->isBusy()) {
    jobs_->cancel();
    jobs_->waitForIdle();
  }
  settings_.setValue("window/geometry", saveGeometry());
  settings_.setValue("window/state", saveState());
  settings_.sync();
  event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  for (const QUrl& url : event->mimeData()->urls())
    if (url.isLocalFile()) return event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  for (const QUrl& url : event->mimeData()->urls())
    if (url.isLocalFile()) {
      openFile(url.toLocalFile());
      event->acceptProposedAction();
      return;
    }
}

}  // namespace ebsd::studio

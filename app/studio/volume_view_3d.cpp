#include "volume_view_3d.hpp"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkCellData.h>
#include <vtkColorTransferFunction.h>
#include <vtkCommand.h>
#include <vtkCubeAxesActor.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkImageData.h>
#include <vtkImageProperty.h>
#include <vtkImageSlice.h>
#include <vtkImageSliceMapper.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkNew.h>
#include <vtkPiecewiseFunction.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkSmartVolumeMapper.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>
#include <vtkUnsignedCharArray.h>
#include <vtkVolume.h>
#include <vtkVolumeProperty.h>

#include "axes_marker.hpp"
#include "static_layer_cache.hpp"
#include "view_colors.hpp"
#include "vtk_bridge_widget.hpp"

namespace ebsd::studio {
namespace {

// The mode of a selector entry (its Qt::UserRole data is the scalar to volume-render).
constexpr int kModeRole = Qt::UserRole + 1;

std::array<unsigned char, 3> bytes(const std::array<double, 3>& c) {
  return {static_cast<unsigned char>(255 * c[0]), static_cast<unsigned char>(255 * c[1]),
          static_cast<unsigned char>(255 * c[2])};
}

bool samePoints(vtkPoints* a, vtkPoints* b) {
  if (!a || !b || a->GetNumberOfPoints() != b->GetNumberOfPoints()) return false;
  for (vtkIdType i = 0; i < a->GetNumberOfPoints(); ++i) {
    double p[3], q[3];
    a->GetPoint(i, p);
    b->GetPoint(i, q);
    if (p[0] != q[0] || p[1] != q[1] || p[2] != q[2]) return false;
  }
  return true;
}

bool sameColours(vtkUnsignedCharArray* a, vtkUnsignedCharArray* b) {
  if (!a || !b || a->GetNumberOfValues() != b->GetNumberOfValues()) return false;
  return std::equal(a->GetPointer(0), a->GetPointer(0) + a->GetNumberOfValues(), b->GetPointer(0));
}

}  // namespace

// Two layers: `renderer` (layer 0) draws what does not depend on the cursor (outline, frames on
// marked slices, labelled axes, volume rendering, grain surfaces, the note) and is kept between
// frames by StaticLayerCache; `cursorRenderer` (layer 1, same camera, drawn over the kept
// colour and depth) draws the three slices through the cursor and their frames.
struct VolumeView3D::Scene {
  vtkNew<vtkRenderer> renderer;
  vtkNew<vtkRenderer> cursorRenderer;
  std::array<vtkNew<vtkImageSliceMapper>, 3> mappers;
  std::array<vtkNew<vtkImageSlice>, 3> slices;
  vtkNew<vtkPolyData> lines;  // outline, missing and damaged slice frames
  vtkNew<vtkPolyDataMapper> linesMapper;
  vtkNew<vtkActor> linesActor;
  vtkNew<vtkPolyData> sliceFrames;  // the frames of the three slices, in their axis colours
  vtkNew<vtkPolyDataMapper> sliceFramesMapper;
  vtkNew<vtkActor> sliceFramesActor;
  vtkNew<vtkCubeAxesActor> cubeAxes;
  vtkNew<vtkTextActor> note;
  vtkNew<vtkSmartVolumeMapper> volumeMapper;
  vtkNew<vtkVolume> volume;
  vtkNew<vtkColorTransferFunction> volumeColours;
  vtkNew<vtkPiecewiseFunction> volumeOpacity;
  vtkNew<vtkPolyDataMapper> surfaceMapper;
  vtkNew<vtkActor> surfaceActor;
  vtkNew<vtkInteractorStyleTrackballCamera> style;
  std::unique_ptr<AxesMarker> axes;
  std::unique_ptr<StaticLayerCache> cache;

  explicit Scene(VtkBridgeWidget* canvas) {
    renderer->SetBackground(kViewBackground.data());
    cursorRenderer->SetLayer(1);
    cursorRenderer->SetActiveCamera(renderer->GetActiveCamera());
    cursorRenderer->PreserveDepthBufferOn();
    cursorRenderer->InteractiveOff();
    for (int a = 0; a < 3; ++a) {
      mappers[static_cast<std::size_t>(a)]->SetOrientation(a);
      mappers[static_cast<std::size_t>(a)]->BorderOn();
      slices[static_cast<std::size_t>(a)]->SetMapper(mappers[static_cast<std::size_t>(a)]);
      vtkImageProperty* p = slices[static_cast<std::size_t>(a)]->GetProperty();
      p->SetInterpolationTypeToNearest();
      p->SetColorWindow(255.0);
      p->SetColorLevel(127.5);
      slices[static_cast<std::size_t>(a)]->VisibilityOff();
      cursorRenderer->AddViewProp(slices[static_cast<std::size_t>(a)]);
    }
    for (auto [mapper, data, actor, into] : {std::tuple{linesMapper.Get(), lines.Get(), linesActor.Get(), renderer.Get()},
                                             std::tuple{sliceFramesMapper.Get(), sliceFrames.Get(), sliceFramesActor.Get(),
                                                        cursorRenderer.Get()}}) {
      mapper->SetInputData(data);
      mapper->SetScalarModeToUseCellData();
      mapper->SetColorModeToDirectScalars();
      actor->SetMapper(mapper);
      actor->GetProperty()->LightingOff();
      actor->GetProperty()->SetLineWidth(2.0);
      into->AddActor(actor);
    }

    cubeAxes->SetCamera(renderer->GetActiveCamera());
    cubeAxes->SetFlyModeToStaticEdges();
    cubeAxes->SetGridLineLocation(vtkCubeAxesActor::VTK_GRID_LINES_FURTHEST);
    cubeAxes->XAxisMinorTickVisibilityOff();
    cubeAxes->YAxisMinorTickVisibilityOff();
    cubeAxes->ZAxisMinorTickVisibilityOff();
    for (int a = 0; a < 3; ++a) {
      cubeAxes->GetTitleTextProperty(a)->SetColor(kAxisColors[static_cast<std::size_t>(a)].data());
      cubeAxes->GetLabelTextProperty(a)->SetColor(0.85, 0.85, 0.85);
    }
    cubeAxes->VisibilityOff();
    renderer->AddActor(cubeAxes);

    note->GetTextProperty()->SetFontSize(14);
    note->GetTextProperty()->SetColor(1.0, 0.85, 0.3);
    note->GetTextProperty()->ShadowOn();
    note->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
    note->SetPosition(0.01, 0.01);
    note->VisibilityOff();
    renderer->AddActor2D(note);

    volumeColours->AddRGBPoint(1.0, 0.10, 0.05, 0.35);
    volumeColours->AddRGBPoint(128.0, 0.85, 0.30, 0.25);
    volumeColours->AddRGBPoint(255.0, 1.0, 0.95, 0.55);
    volumeOpacity->AddPoint(0.0, 0.0);
    volumeOpacity->AddPoint(1.0, 0.0);
    volumeOpacity->AddPoint(255.0, 0.6);
    volume->GetProperty()->SetColor(volumeColours);
    volume->GetProperty()->SetScalarOpacity(volumeOpacity);
    volume->GetProperty()->SetInterpolationTypeToLinear();
    volume->GetProperty()->ShadeOff();
    volume->SetMapper(volumeMapper);
    volume->VisibilityOff();
    renderer->AddVolume(volume);

    // Grain surfaces: colours per face (cell data), flat shading from the faces' normals; mostly
    // ambient so a grain's colour stays recognisable on every side.
    surfaceMapper->SetScalarModeToUseCellData();
    surfaceMapper->SetColorModeToDirectScalars();
    surfaceActor->SetMapper(surfaceMapper);
    surfaceActor->GetProperty()->SetInterpolationToFlat();
    surfaceActor->GetProperty()->SetAmbient(0.55);
    surfaceActor->GetProperty()->SetDiffuse(0.45);
    surfaceActor->GetProperty()->SetSpecular(0.0);
    surfaceActor->VisibilityOff();
    renderer->AddActor(surfaceActor);

    vtkGenericOpenGLRenderWindow* window = canvas->renderWindow();
    window->SetNumberOfLayers(3);
    window->AddRenderer(renderer);
    window->AddRenderer(cursorRenderer);
    axes = std::make_unique<AxesMarker>(window, renderer, 2);
    cache = std::make_unique<StaticLayerCache>(window, renderer, cursorRenderer);
    renderer->AddObserver(vtkCommand::StartEvent, this, &Scene::beforeRender);
    style->SetDefaultRenderer(renderer);
    style->AddObserver(vtkCommand::StartInteractionEvent, this, &Scene::onInteractionStart);
    style->AddObserver(vtkCommand::EndInteractionEvent, this, &Scene::onInteractionEnd);
    canvas->interactor()->SetInteractorStyle(style);
  }

  void beforeRender(vtkObject*, unsigned long, void*) { axes->sync(); }

  // Level of detail while the camera moves: the labelled axes (dozens of text actors rebuilt for
  // every new viewpoint, the most expensive part of a frame under llvmpipe) give way to the plain
  // outline, and come back in the full-quality frame rendered when the mouse is released.
  void onInteractionStart(vtkObject*, unsigned long, void*) {
    interacting = true;
    axesWanted = cubeAxes->GetVisibility() != 0;
    cubeAxes->VisibilityOff();
  }
  void onInteractionEnd(vtkObject*, unsigned long, void*) {
    interacting = false;
    cubeAxes->SetVisibility(axesWanted);
  }
  bool interacting = false;
  bool axesWanted = false;
};

VolumeView3D::VolumeView3D(QWidget* parent) : QWidget(parent) {
  canvas_ = new VtkBridgeWidget(this);
  scene_ = std::make_unique<Scene>(canvas_);

  auto* title = new QLabel(tr("3D"), this);
  QFont bold = title->font();
  bold.setBold(true);
  title->setFont(bold);
  mode_ = new QComboBox(this);
  mode_->setToolTip(tr("Orthogonal slices, or a volume rendering of a scalar channel"));
  mode_->addItem(tr("Orthogonal slices"), QString());
  mode_->setItemData(0, int(Mode::Slices), kModeRole);
  connect(mode_, qOverload<int>(&QComboBox::activated), this, [this](int) {
    if (mode() == Mode::GrainSurfaces) emit grainSurfacesRequested();
    else emit volumeRenderingRequested(volumeRenderingScalar());
  });
  auto* reset = new QPushButton(tr("Reset view"), this);
  connect(reset, &QPushButton::clicked, this, &VolumeView3D::resetCamera);

  auto* header = new QHBoxLayout;
  header->setContentsMargins(4, 2, 4, 2);
  header->addWidget(title);
  header->addStretch(1);
  header->addWidget(mode_);
  header->addWidget(reset);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addLayout(header);
  layout->addWidget(canvas_, 1);
}

VolumeView3D::~VolumeView3D() = default;

void VolumeView3D::setSliceImages(vtkImageData* x, vtkImageData* y, vtkImageData* z) {
  scene_->mappers[0]->SetInputData(x);
  scene_->mappers[1]->SetInputData(y);
  scene_->mappers[2]->SetInputData(z);
  refresh();
}

void VolumeView3D::setGeometry(const VolumeGeometry& geometry) {
  const bool newGrid = !geometry.sameGrid(geometry_);
  geometry_ = geometry;
  const bool empty = geometry_.empty();
  Scene& s = *scene_;
  const bool slicesMode = mode() == Mode::Slices;
  for (auto& slice : s.slices) slice->SetVisibility(!empty && slicesMode);
  s.axesWanted = !empty;
  s.cubeAxes->SetVisibility(!empty && !s.interacting);
  if (!empty) {
    const auto b = geometry_.bounds();
    s.cubeAxes->SetBounds(b.data());
    // The axes draw their titles as vector text, which has no glyph for the micro sign.
    const QString unit = QString::fromStdString(geometry_.lengthUnit);
    s.cubeAxes->SetXTitle(QStringLiteral("x (%1)").arg(unit).toUtf8().constData());
    s.cubeAxes->SetYTitle(QStringLiteral("y (%1)").arg(unit).toUtf8().constData());
    s.cubeAxes->SetZTitle(QStringLiteral("z (%1)").arg(unit).toUtf8().constData());
  }
  updateOverlays();
  if (newGrid) resetCamera();
  else refresh();
}

void VolumeView3D::setCursor(const Index3& cursor) {
  cursor_ = cursor;
  updateSliceFrames();  // the kept layer does not depend on the cursor
  refresh();
}

void VolumeView3D::refresh() { canvas_->requestRender(); }

void VolumeView3D::resetCamera() {
  if (geometry_.empty()) return refresh();
  const auto b = geometry_.bounds();
  double centre[3], size = 0.0;
  for (int a = 0; a < 3; ++a) {
    centre[a] = 0.5 * (b[2 * a] + b[2 * a + 1]);
    size = std::max(size, b[2 * a + 1] - b[2 * a]);
  }
  vtkCamera* cam = scene_->renderer->GetActiveCamera();
  cam->ParallelProjectionOff();
  cam->SetFocalPoint(centre);
  // From above the first cut (z grows downwards on screen, as the material was removed), a
  // little from the -x, +y corner, so all three slices are seen from their coloured side.
  cam->SetPosition(centre[0] + 1.6 * size, centre[1] + 2.2 * size, centre[2] - 1.5 * size);
  cam->SetViewUp(0, 0, -1);
  scene_->renderer->ResetCamera(b[0], b[1], b[2], b[3], b[4], b[5]);
  refresh();
}

void VolumeView3D::setVolumeRenderingChoices(const QStringList& scalars, bool grainSurfaces) {
  const Mode currentMode = mode();
  const QString current = volumeRenderingScalar();
  const QSignalBlocker block(mode_);
  mode_->clear();
  mode_->addItem(tr("Orthogonal slices"), QString());
  mode_->setItemData(0, int(Mode::Slices), kModeRole);
  for (const QString& s : scalars) {
    mode_->addItem(tr("Volume rendering: %1").arg(s), s);
    mode_->setItemData(mode_->count() - 1, int(Mode::VolumeRendering), kModeRole);
  }
  if (grainSurfaces) {
    mode_->addItem(tr("Grain surfaces"), QString());
    mode_->setItemData(mode_->count() - 1, int(Mode::GrainSurfaces), kModeRole);
  }
  int i = 0;
  for (int k = 0; k < mode_->count(); ++k)
    if (mode_->itemData(k, kModeRole).toInt() == int(currentMode) && mode_->itemData(k).toString() == current) i = k;
  mode_->setCurrentIndex(i);
}

VolumeView3D::Mode VolumeView3D::mode() const { return static_cast<Mode>(mode_->currentData(kModeRole).toInt()); }

QString VolumeView3D::volumeRenderingScalar() const {
  return mode() == Mode::VolumeRendering ? mode_->currentData().toString() : QString();
}

void VolumeView3D::setVolumeRenderingScalar(const QString& scalar) {
  const QSignalBlocker block(mode_);
  int i = 0;
  for (int k = 0; k < mode_->count(); ++k)
    if (!scalar.isEmpty() && mode_->itemData(k, kModeRole).toInt() == int(Mode::VolumeRendering) && mode_->itemData(k).toString() == scalar)
      i = k;
  mode_->setCurrentIndex(i);
}

void VolumeView3D::selectGrainSurfaces() {
  const QSignalBlocker block(mode_);
  for (int k = 0; k < mode_->count(); ++k)
    if (mode_->itemData(k, kModeRole).toInt() == int(Mode::GrainSurfaces)) mode_->setCurrentIndex(k);
}

bool VolumeView3D::showsGrainSurfaces() const { return scene_->surfaceActor->GetVisibility() != 0; }

void VolumeView3D::setGrainSurfaces(vtkPolyData* surfaces, const QString& note) {
  Scene& s = *scene_;
  const bool on = surfaces != nullptr;
  if (on) {
    s.surfaceMapper->SetInputData(surfaces);
    s.volume->SetVisibility(false);
  } else {
    // Drop the geometry: the view keeps nothing it is not showing.
    s.surfaceMapper->RemoveAllInputs();
  }
  s.surfaceActor->SetVisibility(on);
  for (auto& slice : s.slices) slice->SetVisibility(!on && !geometry_.empty() && mode() == Mode::Slices);
  s.note->SetInput(note.toUtf8().constData());
  s.note->SetVisibility(on && !note.isEmpty());
  updateOverlays();
  refresh();
}

void VolumeView3D::setVolumeRenderingImage(vtkImageData* image, const QString& note) {
  Scene& s = *scene_;
  const bool on = image != nullptr;
  if (on) s.volumeMapper->SetInputData(image);
  s.volume->SetVisibility(on);
  if (on) s.surfaceActor->SetVisibility(false);
  for (auto& slice : s.slices) slice->SetVisibility(!on && !geometry_.empty() && mode() != Mode::GrainSurfaces);
  s.note->SetInput(note.toUtf8().constData());
  s.note->SetVisibility(!note.isEmpty());
  if (on) {
    // Opacity per unit length scaled to the grid, so a block of a few voxels reads as solid.
    double spacing[3];
    image->GetSpacing(spacing);
    s.volume->GetProperty()->SetScalarOpacityUnitDistance(2.0 * std::max({spacing[0], spacing[1], spacing[2]}));
  }
  updateOverlays();
  refresh();
}

std::uint64_t VolumeView3D::keptLayerRenders() const { return scene_->cache->bottomRenders(); }
std::uint64_t VolumeView3D::keptLayerReuses() const { return scene_->cache->reuses(); }

bool VolumeView3D::showsLabelledAxes() const { return scene_->cubeAxes->GetVisibility() != 0; }

void VolumeView3D::invalidateKeptLayer() {
  scene_->cache->invalidate();
  refresh();
}

QString VolumeView3D::note() const {
  return scene_->note->GetVisibility() ? QString::fromUtf8(scene_->note->GetInput()) : QString();
}

void VolumeView3D::updateOverlays() {
  Scene& s = *scene_;
  vtkNew<vtkPoints> pts;
  vtkNew<vtkCellArray> cells;
  vtkNew<vtkUnsignedCharArray> colours;
  colours->SetNumberOfComponents(3);
  vtkNew<vtkPoints> framePts;
  vtkNew<vtkCellArray> frameCells;
  vtkNew<vtkUnsignedCharArray> frameColours;
  frameColours->SetNumberOfComponents(3);
  if (!geometry_.empty()) {
    const auto b = geometry_.bounds();
    auto rectangle = [&b](vtkPoints* pts, vtkCellArray* cells, vtkUnsignedCharArray* colours, int normal, double at,
                          const std::array<double, 3>& colour) {
      const int u = normal == 0 ? 1 : 0, w = normal == 2 ? 1 : 2;
      const double us[4] = {b[2 * u], b[2 * u + 1], b[2 * u + 1], b[2 * u]};
      const double ws[4] = {b[2 * w], b[2 * w], b[2 * w + 1], b[2 * w + 1]};
      vtkIdType ids[5];
      for (int k = 0; k < 4; ++k) {
        double x[3];
        x[normal] = at;
        x[u] = us[k];
        x[w] = ws[k];
        ids[k] = pts->InsertNextPoint(x);
      }
      ids[4] = ids[0];
      cells->InsertNextCell(5, ids);
      colours->InsertNextTypedTuple(bytes(colour).data());
    };
    // The outline: the two z faces and the four vertical edges.
    rectangle(pts, cells, colours, 2, b[4], {0.7, 0.7, 0.7});
    rectangle(pts, cells, colours, 2, b[5], {0.7, 0.7, 0.7});
    for (int k = 0; k < 4; ++k) {
      const double x = (k & 1) ? b[1] : b[0], y = (k & 2) ? b[3] : b[2];
      const vtkIdType ids[2] = {pts->InsertNextPoint(x, y, b[4]), pts->InsertNextPoint(x, y, b[5])};
      cells->InsertNextCell(2, ids);
      colours->InsertNextTypedTuple(bytes({0.7, 0.7, 0.7}).data());
    }
    for (std::int64_t z : geometry_.damagedSlices) rectangle(pts, cells, colours, 2, geometry_.world(2, double(z)), kDamagedColor);
    for (std::int64_t z : geometry_.missingSlices) rectangle(pts, cells, colours, 2, geometry_.world(2, double(z)), kMissingColor);
  }
  updateSliceFrames();
  // Rebuilt only when something in it changed: a new picture of the kept layer costs a frame.
  if (pts->GetNumberOfPoints() != s.lines->GetNumberOfPoints() || !samePoints(pts, s.lines->GetPoints()) ||
      !sameColours(colours, vtkUnsignedCharArray::SafeDownCast(s.lines->GetCellData()->GetScalars()))) {
    s.lines->SetPoints(pts);
    s.lines->SetLines(cells);
    s.lines->GetCellData()->SetScalars(colours);
    s.lines->Modified();
  }
}

void VolumeView3D::updateSliceFrames() {
  Scene& s = *scene_;
  vtkNew<vtkPoints> pts;
  vtkNew<vtkCellArray> cells;
  vtkNew<vtkUnsignedCharArray> colours;
  colours->SetNumberOfComponents(3);
  if (!geometry_.empty() && mode() == Mode::Slices) {
    const auto b = geometry_.bounds();
    for (int a = 0; a < 3; ++a) {
      const double at = geometry_.world(a, double(cursor_[static_cast<std::size_t>(a)]));
      const int u = a == 0 ? 1 : 0, w = a == 2 ? 1 : 2;
      const double us[4] = {b[2 * u], b[2 * u + 1], b[2 * u + 1], b[2 * u]};
      const double ws[4] = {b[2 * w], b[2 * w], b[2 * w + 1], b[2 * w + 1]};
      vtkIdType ids[5];
      for (int k = 0; k < 4; ++k) {
        double x[3];
        x[a] = at;
        x[u] = us[k];
        x[w] = ws[k];
        ids[k] = pts->InsertNextPoint(x);
      }
      ids[4] = ids[0];
      cells->InsertNextCell(5, ids);
      colours->InsertNextTypedTuple(bytes(kAxisColors[static_cast<std::size_t>(a)]).data());
    }
  }
  s.sliceFrames->SetPoints(pts);
  s.sliceFrames->SetLines(cells);
  s.sliceFrames->GetCellData()->SetScalars(colours);
  s.sliceFrames->Modified();
}

}  // namespace ebsd::studio

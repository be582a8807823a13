#include "slice_view.hpp"

#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <QWindow>

#include <algorithm>
#include <cmath>

#include <vtkActor.h>
#include <vtkActor2D.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkCellData.h>
#include <vtkCommand.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkImageData.h>
#include <vtkImageProperty.h>
#include <vtkImageSlice.h>
#include <vtkImageSliceMapper.h>
#include <vtkNew.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkPolyDataMapper2D.h>
#include <vtkProperty.h>
#include <vtkProperty2D.h>
#include <vtkRenderer.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>
#include <vtkUnsignedCharArray.h>

#include "axes_marker.hpp"
#include "length_format.hpp"
#include "slice_cursor.hpp"
#include "view_colors.hpp"
#include "vtk_bridge_widget.hpp"
#include "vtk_gl_window.hpp"

namespace ebsd::studio {
namespace {

// Which grid axes a slice shows, and how the camera looks at it.
struct PlaneAxes {
  int normal, u, w;     // u: screen right, w: screen down
  double direction[3];  // direction of projection
  double up[3];         // view up (screen up = -w)
};

PlaneAxes planeAxes(SliceAxis axis) {
  switch (axis) {
    case SliceAxis::Z: return {2, 0, 1, {0, 0, 1}, {0, -1, 0}};
    case SliceAxis::Y: return {1, 0, 2, {0, -1, 0}, {0, 0, -1}};
    case SliceAxis::X: return {0, 1, 2, {1, 0, 0}, {0, 0, -1}};
  }
  return {2, 0, 1, {0, 0, 1}, {0, -1, 0}};
}

void styleText(vtkTextActor* text, int size, const std::array<double, 3>& rgb) {
  vtkTextProperty* p = text->GetTextProperty();
  p->SetFontSize(size);
  p->SetColor(rgb[0], rgb[1], rgb[2]);
  p->SetFontFamilyToArial();
  p->ShadowOn();
  p->SetShadowOffset(1, -1);
}

}  // namespace

// The VTK side of the view: its renderer, the slice, the overlays and the camera arithmetic.
struct SliceView::Scene {
  SliceView* view;
  PlaneAxes plane;
  vtkNew<vtkRenderer> renderer;
  vtkNew<vtkImageSliceMapper> mapper;
  vtkNew<vtkImageSlice> slice;
  vtkNew<vtkPolyData> bands;  // translucent bands over missing / damaged slices
  vtkNew<vtkPolyDataMapper> bandsMapper;
  vtkNew<vtkActor> bandsActor;
  vtkNew<vtkPolyData> frame;  // frame around a missing / damaged slice shown face-on
  vtkNew<vtkPolyDataMapper> frameMapper;
  vtkNew<vtkActor> frameActor;
  vtkNew<vtkTextActor> label;
  vtkNew<vtkTextActor> banner;
  vtkNew<vtkPolyData> bar;
  vtkNew<vtkPolyDataMapper2D> barMapper;
  vtkNew<vtkActor2D> barActor;
  vtkNew<vtkTextActor> barText;
  std::unique_ptr<AxesMarker> axes;
  bool userAdjusted = false;  // zoomed or panned: stop refitting on resize
  std::array<double, 3> barKey{-1, -1, -1};  // what the scale bar was built for: width, height, scale

  Scene(SliceView* v, SliceAxis axis) : view(v), plane(planeAxes(axis)) {
    renderer->SetBackground(kViewBackground.data());
    mapper->SetOrientation(plane.normal);
    mapper->SetSliceNumber(0);
    mapper->BorderOn();  // whole pixels up to the edge of the grid
    mapper->SliceAtFocalPointOff();
    mapper->SliceFacesCameraOff();
    slice->SetMapper(mapper);
    slice->GetProperty()->SetInterpolationTypeToNearest();
    slice->GetProperty()->SetColorWindow(255.0);
    slice->GetProperty()->SetColorLevel(127.5);
    slice->VisibilityOff();
    renderer->AddViewProp(slice);

    for (auto [mapperOf, data, actor] : {std::tuple{bandsMapper.Get(), bands.Get(), bandsActor.Get()},
                                         std::tuple{frameMapper.Get(), frame.Get(), frameActor.Get()}}) {
      mapperOf->SetInputData(data);
      mapperOf->SetScalarModeToUseCellData();
      mapperOf->SetColorModeToDirectScalars();
      actor->SetMapper(mapperOf);
      actor->GetProperty()->LightingOff();
      actor->PickableOff();
      renderer->AddActor(actor);
    }
    frameActor->GetProperty()->SetLineWidth(4.0);

    styleText(label, 14, {1, 1, 1});
    label->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
    label->GetTextProperty()->SetVerticalJustificationToTop();
    label->SetPosition(0.01, 0.985);
    renderer->AddActor2D(label);

    styleText(banner, 16, kMissingColor);
    banner->GetTextProperty()->BoldOn();
    banner->GetTextProperty()->SetJustificationToCentered();
    banner->GetTextProperty()->SetVerticalJustificationToTop();
    banner->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
    banner->SetPosition(0.5, 0.93);
    banner->VisibilityOff();
    renderer->AddActor2D(banner);

    barMapper->SetInputData(bar);
    barActor->SetMapper(barMapper);
    barActor->GetProperty()->SetColor(1, 1, 1);
    barActor->GetProperty()->SetLineWidth(2.0);
    renderer->AddActor2D(barActor);
    styleText(barText, 13, {1, 1, 1});
    barText->GetTextProperty()->SetJustificationToCentered();
    renderer->AddActor2D(barText);

    vtkGenericOpenGLRenderWindow* window = view->canvas_->renderWindow();
    window->AddRenderer(renderer);
    axes = std::make_unique<AxesMarker>(window, renderer);
    renderer->AddObserver(vtkCommand::StartEvent, this, &Scene::beforeRender);
  }

  vtkCamera* camera() const { return renderer->GetActiveCamera(); }

  // The crosshair, the traces of the other two slices in their axis colours, as overlay
  // rectangles two device pixels wide: moving it needs no VTK render (stepping z moves only
  // the crosshair of the XZ and YZ views).
  void crosshair(std::vector<OverlayRect>& out) const {
    const VolumeGeometry& g = view->geometry_;
    if (g.empty()) return;
    const auto b = g.bounds();
    const Index3& c = view->cursor_;
    const double cu = g.world(plane.u, double(c[static_cast<std::size_t>(plane.u)]));
    const double cw = g.world(plane.w, double(c[static_cast<std::size_t>(plane.w)]));
    const double n = g.world(plane.normal, double(c[static_cast<std::size_t>(plane.normal)]));
    const int height = renderer->GetRenderWindow()->GetSize()[1];
    auto display = [&](double u, double w) {  // device pixels, origin top left
      double x[3];
      x[plane.normal] = n;
      x[plane.u] = u;
      x[plane.w] = w;
      renderer->SetWorldPoint(x[0], x[1], x[2], 1.0);
      renderer->WorldToDisplay();
      double d[3];
      renderer->GetDisplayPoint(d);
      return QPointF(d[0], height - d[1]);
    };
    auto colour = [](int axis) {
      const auto& rgb = kAxisColors[static_cast<std::size_t>(axis)];
      return QColor::fromRgbF(float(rgb[0]), float(rgb[1]), float(rgb[2]));
    };
    // An axis-parallel line from a to e: two pixel rows (or columns) centred on it.
    auto line = [&](QPointF a, QPointF e, int axis) {
      const bool horizontal = std::abs(e.x() - a.x()) >= std::abs(e.y() - a.y());
      const int lo = int(std::lround(horizontal ? std::min(a.x(), e.x()) : std::min(a.y(), e.y())));
      const int hi = int(std::lround(horizontal ? std::max(a.x(), e.x()) : std::max(a.y(), e.y())));
      const int at = int(std::lround(horizontal ? a.y() : a.x()));
      out.push_back({horizontal ? QRect(lo, at - 1, std::max(1, hi - lo), 2) : QRect(at - 1, lo, 2, std::max(1, hi - lo)),
                     colour(axis)});
    };
    line(display(b[2 * plane.u], cw), display(b[2 * plane.u + 1], cw), plane.w);
    line(display(cu, b[2 * plane.w]), display(cu, b[2 * plane.w + 1]), plane.u);
  }

  // Display pixels (origin bottom left) -> sample coordinates on the view plane.
  std::array<double, 3> worldAtDisplay(double x, double y) const {
    renderer->SetDisplayPoint(x, y, 0.0);
    renderer->DisplayToWorld();
    double p[4];
    renderer->GetWorldPoint(p);
    if (p[3] != 0.0)
      for (int k = 0; k < 3; ++k) p[k] /= p[3];
    return {p[0], p[1], p[2]};
  }

  std::array<double, 3> worldAtCanvasPoint(const QPointF& point) const {
    const qreal dpr = view->canvas_->devicePixelRatioF();
    const int* size = renderer->GetRenderWindow()->GetSize();
    return worldAtDisplay(point.x() * dpr, size[1] - point.y() * dpr);
  }

  void fit() {
    const VolumeGeometry& g = view->geometry_;
    if (g.empty()) return;
    const auto b = g.bounds();
    const int* size = renderer->GetRenderWindow()->GetSize();
    const double aspect = size[1] > 0 ? double(size[0]) / size[1] : 1.0;
    double centre[3];
    for (int a = 0; a < 3; ++a) centre[a] = 0.5 * (b[2 * a] + b[2 * a + 1]);
    const double width = b[2 * plane.u + 1] - b[2 * plane.u];
    const double height = b[2 * plane.w + 1] - b[2 * plane.w];
    const double distance = 2.0 * std::max({width, height, 1.0}) + 1.0;
    vtkCamera* cam = camera();
    cam->ParallelProjectionOn();
    cam->SetFocalPoint(centre);
    cam->SetPosition(centre[0] - plane.direction[0] * distance, centre[1] - plane.direction[1] * distance,
                     centre[2] - plane.direction[2] * distance);
    cam->SetViewUp(plane.up);
    // A margin around the slice keeps the scale bar and the labels off the data.
    cam->SetParallelScale(1.15 * std::max(0.5 * height, 0.5 * width / aspect));
  }

  void beforeRender(vtkObject*, unsigned long, void*) {
    if (!userAdjusted) fit();
    const VolumeGeometry& g = view->geometry_;
    if (!g.empty()) {
      const auto b = g.bounds();
      renderer->ResetCameraClippingRange(b[0], b[1], b[2], b[3], b[4], b[5]);
    }
    updateScaleBar();
    axes->sync();
  }

  void updateScaleBar() {
    const VolumeGeometry& g = view->geometry_;
    const int* size = renderer->GetSize();
    if (g.empty() || size[0] < 40 || size[1] < 40) {
      barActor->VisibilityOff();
      barText->VisibilityOff();
      return;
    }
    const double perPixel = 2.0 * camera()->GetParallelScale() / size[1];
    // Unchanged view size and zoom: the bar stands (rebuilding it re-uploads its buffers).
    const std::array<double, 3> key{double(size[0]), double(size[1]), perPixel};
    if (key == barKey && barActor->GetVisibility()) return;
    barKey = key;
    const double length = niceScaleLength(0.25 * size[0] * perPixel);
    const double pixels = length / perPixel;
    const double x0 = size[0] - 20.0 - pixels, x1 = size[0] - 20.0, y = 18.0;
    vtkNew<vtkPoints> pts;
    pts->InsertNextPoint(x0, y, 0);
    pts->InsertNextPoint(x1, y, 0);
    pts->InsertNextPoint(x0, y - 5, 0);
    pts->InsertNextPoint(x0, y + 5, 0);
    pts->InsertNextPoint(x1, y - 5, 0);
    pts->InsertNextPoint(x1, y + 5, 0);
    vtkNew<vtkCellArray> lines;
    for (vtkIdType k = 0; k < 6; k += 2) {
      const vtkIdType ids[2] = {k, k + 1};
      lines->InsertNextCell(2, ids);
    }
    bar->SetPoints(pts);
    bar->SetLines(lines);
    bar->Modified();
    barText->SetInput(formatLength(length, g.lengthUnit).toUtf8().constData());
    barText->SetDisplayPosition(int(0.5 * (x0 + x1)), int(y + 6));
    barActor->VisibilityOn();
    barText->VisibilityOn();
  }
};

SliceView::SliceView(SliceAxis axis, QWidget* parent) : QWidget(parent), axis_(axis) {
  canvas_ = new VtkBridgeWidget(this);
  canvas_->setForwardInputToVtk(false);  // this view gives the mouse its own meaning
  canvas_->glWindow()->installEventFilter(this);
  scene_ = std::make_unique<Scene>(this, axis);
  canvas_->setOverlayProvider([this](std::vector<OverlayRect>& out) { scene_->crosshair(out); });

  title_ = new QLabel(planeName(), this);
  QFont bold = title_->font();
  bold.setBold(true);
  title_->setFont(bold);
  status_ = new QLabel(this);
  slider_ = new QSlider(Qt::Horizontal, this);
  slider_->setToolTip(tr("Slice index along %1").arg(QChar("xyz"[axisIndex(axis)])));
  spin_ = new QSpinBox(this);
  spin_->setToolTip(slider_->toolTip());
  spin_->setKeyboardTracking(false);
  connect(slider_, &QSlider::valueChanged, this, [this](int v) { requestSlice(v); });
  connect(spin_, qOverload<int>(&QSpinBox::valueChanged), this, [this](int v) { requestSlice(v); });

  auto* header = new QHBoxLayout;
  header->setContentsMargins(4, 2, 4, 2);
  header->addWidget(title_);
  header->addWidget(slider_, 1);
  header->addWidget(spin_);
  header->addWidget(status_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addLayout(header);
  layout->addWidget(canvas_, 1);
  setGeometry(VolumeGeometry{});
}

SliceView::~SliceView() = default;

QString SliceView::planeName() const {
  switch (axis_) {
    case SliceAxis::Z: return QStringLiteral("XY");
    case SliceAxis::Y: return QStringLiteral("XZ");
    case SliceAxis::X: return QStringLiteral("YZ");
  }
  return {};
}

void SliceView::setImage(vtkImageData* image) {
  scene_->mapper->SetInputData(image);
  refresh();
}

void SliceView::setGeometry(const VolumeGeometry& geometry) {
  // A step that keeps the grid (segment, a new channel) keeps the user's zoom and pan.
  if (!geometry.sameGrid(geometry_)) scene_->userAdjusted = false;
  geometry_ = geometry;
  const bool empty = geometry_.empty();
  scene_->slice->SetVisibility(!empty);
  const int n = empty ? 0 : int(geometry_.dims[static_cast<std::size_t>(scene_->plane.normal)]);
  for (QWidget* w : {static_cast<QWidget*>(slider_), static_cast<QWidget*>(spin_)}) w->setEnabled(n > 1);
  {
    const QSignalBlocker b1(slider_), b2(spin_);
    slider_->setRange(0, std::max(0, n - 1));
    spin_->setRange(0, std::max(0, n - 1));
  }
  updateOverlays();
  updateHeader();
  refresh();
}

void SliceView::setCursor(const Index3& cursor) {
  const auto n = static_cast<std::size_t>(scene_->plane.normal);
  const bool sliceMoved = cursor[n] != cursor_[n];
  cursor_ = cursor;
  if (!sliceMoved) {
    // Only the crosshair moved: the VTK scene is as it was.
    canvas_->requestOverlayPaint();
    return;
  }
  updateOverlays();
  updateHeader();
  refresh();
}

void SliceView::refresh() { canvas_->requestRender(); }

void SliceView::fitView() {
  scene_->userAdjusted = false;
  refresh();
}

void SliceView::requestSlice(std::int64_t index) {
  if (geometry_.empty()) return;
  emit sliceRequested(axis_, index);
}

void SliceView::updateHeader() {
  const int n = scene_->plane.normal;
  const std::int64_t index = cursor_[static_cast<std::size_t>(n)];
  {
    const QSignalBlocker b1(slider_), b2(spin_);
    slider_->setValue(int(index));
    spin_->setValue(int(index));
  }
  QString status;
  QString label;
  if (!geometry_.empty()) {
    label = QStringLiteral("%1   %2 = %3 / %4")
                .arg(planeName())
                .arg(QChar("xyz"[n]))
                .arg(index)
                .arg(geometry_.dims[static_cast<std::size_t>(n)] - 1);
    if (axis_ == SliceAxis::Z && geometry_.missingSlices.count(index)) status = tr("missing slice");
    else if (axis_ == SliceAxis::Z && geometry_.damagedSlices.count(index)) status = tr("damaged slice");
  }
  status_->setText(status);
  status_->setStyleSheet(status.isEmpty() ? QString() : QStringLiteral("color: %1; font-weight: bold;")
                                                            .arg(geometry_.missingSlices.count(index) ? "#e02828" : "#e08a00"));
  scene_->label->SetInput(label.toUtf8().constData());
}

void SliceView::updateOverlays() {
  Scene& s = *scene_;
  const PlaneAxes& p = s.plane;
  vtkNew<vtkPoints> bandPts;
  vtkNew<vtkCellArray> bandPolys;
  vtkNew<vtkUnsignedCharArray> bandColours;
  bandColours->SetNumberOfComponents(4);
  vtkNew<vtkPoints> framePts;
  vtkNew<vtkCellArray> frameLines;
  vtkNew<vtkUnsignedCharArray> frameColours;
  frameColours->SetNumberOfComponents(3);
  s.banner->VisibilityOff();

  if (!geometry_.empty()) {
    const auto b = geometry_.bounds();
    const double u0 = b[2 * p.u], u1 = b[2 * p.u + 1], w0 = b[2 * p.w], w1 = b[2 * p.w + 1];
    // Overlays sit a quarter voxel in front of the slice, towards the camera.
    const double n = geometry_.world(p.normal, double(cursor_[static_cast<std::size_t>(p.normal)])) -
                     p.direction[p.normal] * 0.25 * geometry_.spacing[static_cast<std::size_t>(p.normal)];
    auto point = [&](double u, double w) {
      double x[3];
      x[p.normal] = n;
      x[p.u] = u;
      x[p.w] = w;
      return std::array<double, 3>{x[0], x[1], x[2]};
    };
    auto addLine = [](vtkPoints* pts, vtkCellArray* lines, const std::array<double, 3>& a, const std::array<double, 3>& c) {
      const vtkIdType ids[2] = {pts->InsertNextPoint(a.data()), pts->InsertNextPoint(c.data())};
      lines->InsertNextCell(2, ids);
    };
    auto rgb = [](const std::array<double, 3>& c) {
      return std::array<unsigned char, 3>{static_cast<unsigned char>(255 * c[0]), static_cast<unsigned char>(255 * c[1]),
                                          static_cast<unsigned char>(255 * c[2])};
    };

    // Marked slices are z indices: rows across the XZ and YZ views, reaching a little beyond the
    // grid on the right so a one-voxel row stays visible at any zoom.
    if (p.w == 2) {
      const double sz = geometry_.spacing[2];
      const double reach = 0.04 * (u1 - u0);
      auto band = [&](std::int64_t z, const std::array<double, 3>& colour, unsigned char alpha) {
        const double za = geometry_.world(2, double(z)) - 0.5 * sz, zb = za + sz;
        const vtkIdType ids[4] = {bandPts->InsertNextPoint(point(u0, za).data()),
                                  bandPts->InsertNextPoint(point(u1 + reach, za).data()),
                                  bandPts->InsertNextPoint(point(u1 + reach, zb).data()),
                                  bandPts->InsertNextPoint(point(u0, zb).data())};
        bandPolys->InsertNextCell(4, ids);
        const auto c = rgb(colour);
        const unsigned char rgba[4] = {c[0], c[1], c[2], alpha};
        bandColours->InsertNextTypedTuple(rgba);
      };
      for (std::int64_t z : geometry_.damagedSlices) band(z, kDamagedColor, 120);
      for (std::int64_t z : geometry_.missingSlices) band(z, kMissingColor, 140);
    } else {
      // The XY view shows one z slice face-on: frame it and say so when it is marked.
      const std::int64_t z = cursor_[2];
      const bool missing = geometry_.missingSlices.count(z) > 0, damaged = geometry_.damagedSlices.count(z) > 0;
      if (missing || damaged) {
        const auto& colour = missing ? kMissingColor : kDamagedColor;
        const std::array<std::array<double, 3>, 4> corners{point(u0, w0), point(u1, w0), point(u1, w1), point(u0, w1)};
        for (int k = 0; k < 4; ++k) {
          addLine(framePts, frameLines, corners[static_cast<std::size_t>(k)], corners[static_cast<std::size_t>((k + 1) % 4)]);
          frameColours->InsertNextTypedTuple(rgb(colour).data());
        }
        s.banner->SetInput(missing ? "MISSING SLICE (no data)" : "DAMAGED SLICE");
        s.banner->GetTextProperty()->SetColor(colour[0], colour[1], colour[2]);
        s.banner->VisibilityOn();
      }
    }
  }
  s.bands->SetPoints(bandPts);
  s.bands->SetPolys(bandPolys);
  s.bands->GetCellData()->SetScalars(bandColours);
  s.bands->Modified();
  s.frame->SetPoints(framePts);
  s.frame->SetLines(frameLines);
  s.frame->GetCellData()->SetScalars(frameColours);
  s.frame->Modified();
}

std::optional<QPointF> SliceView::canvasPointOfVoxel(const Index3& voxel) const {
  const int n = scene_->plane.normal;
  if (geometry_.empty() || !geometry_.contains(voxel) ||
      voxel[static_cast<std::size_t>(n)] != cursor_[static_cast<std::size_t>(n)])
    return std::nullopt;
  vtkRenderer* r = scene_->renderer;
  if (!scene_->userAdjusted) scene_->fit();
  r->SetWorldPoint(geometry_.world(0, double(voxel[0])), geometry_.world(1, double(voxel[1])),
                   geometry_.world(2, double(voxel[2])), 1.0);
  r->WorldToDisplay();
  double d[3];
  r->GetDisplayPoint(d);
  const qreal dpr = canvas_->devicePixelRatioF();
  const int* size = r->GetRenderWindow()->GetSize();
  return QPointF(d[0] / dpr, (size[1] - d[1]) / dpr);
}

std::optional<Index3> SliceView::voxelAtCanvasPoint(const QPointF& point) const {
  if (geometry_.empty()) return std::nullopt;
  if (!scene_->userAdjusted) scene_->fit();
  const auto world = scene_->worldAtCanvasPoint(point);
  const PlaneAxes& p = scene_->plane;
  Index3 v = cursor_;
  v[static_cast<std::size_t>(p.u)] = geometry_.nearestIndex(p.u, world[static_cast<std::size_t>(p.u)]);
  v[static_cast<std::size_t>(p.w)] = geometry_.nearestIndex(p.w, world[static_cast<std::size_t>(p.w)]);
  if (!geometry_.contains(v)) return std::nullopt;
  return v;
}

bool SliceView::handleKey(QKeyEvent* event) {
  if (geometry_.empty()) return false;
  const int n = scene_->plane.normal;
  const std::int64_t index = cursor_[static_cast<std::size_t>(n)];
  const std::int64_t last = geometry_.dims[static_cast<std::size_t>(n)] - 1;
  const std::int64_t step = (event->modifiers() & Qt::ShiftModifier) ? 10 : 1;
  switch (event->key()) {
    case Qt::Key_Up:
    case Qt::Key_Right:
    case Qt::Key_PageDown:
    case Qt::Key_Plus:
    case Qt::Key_Equal: requestSlice(std::min(last, index + step)); return true;
    case Qt::Key_Down:
    case Qt::Key_Left:
    case Qt::Key_PageUp:
    case Qt::Key_Minus: requestSlice(std::max<std::int64_t>(0, index - step)); return true;
    case Qt::Key_Home: requestSlice(0); return true;
    case Qt::Key_End: requestSlice(last); return true;
    case Qt::Key_R: fitView(); return true;
    default: return false;
  }
}

bool SliceView::eventFilter(QObject* watched, QEvent* event) {
  if (watched != canvas_->glWindow()) return QWidget::eventFilter(watched, event);
  Scene& s = *scene_;
  switch (event->type()) {
    case QEvent::MouseButtonPress: {
      auto* e = static_cast<QMouseEvent*>(event);
      if (e->button() == Qt::LeftButton && (e->modifiers() & Qt::ControlModifier)) {
        if (auto v = voxelAtCanvasPoint(e->position())) emit referenceRequested(*v);
      } else if (e->button() == Qt::LeftButton) {
        draggingCursor_ = true;
        if (auto v = voxelAtCanvasPoint(e->position())) emit cursorRequested(*v);
      } else if (e->button() == Qt::MiddleButton || e->button() == Qt::RightButton) {
        panning_ = true;
        lastPan_ = e->position();
      }
      return true;
    }
    case QEvent::MouseButtonRelease: {
      auto* e = static_cast<QMouseEvent*>(event);
      if (e->button() == Qt::LeftButton) draggingCursor_ = false;
      else panning_ = false;
      return true;
    }
    case QEvent::MouseButtonDblClick: fitView(); return true;
    case QEvent::MouseMove: {
      auto* e = static_cast<QMouseEvent*>(event);
      if (panning_) {
        const auto a = s.worldAtCanvasPoint(lastPan_), b = s.worldAtCanvasPoint(e->position());
        vtkCamera* cam = s.camera();
        double f[3], pos[3];
        cam->GetFocalPoint(f);
        cam->GetPosition(pos);
        for (int k = 0; k < 3; ++k) {
          f[k] -= b[static_cast<std::size_t>(k)] - a[static_cast<std::size_t>(k)];
          pos[k] -= b[static_cast<std::size_t>(k)] - a[static_cast<std::size_t>(k)];
        }
        cam->SetFocalPoint(f);
        cam->SetPosition(pos);
        s.userAdjusted = true;
        lastPan_ = e->position();
        refresh();
      }
      const auto v = voxelAtCanvasPoint(e->position());
      if (v) {
        if (draggingCursor_) emit cursorRequested(*v);
        emit voxelHovered(*v);
      } else {
        emit hoverLeft();
      }
      return true;
    }
    case QEvent::Leave: emit hoverLeft(); return false;
    case QEvent::Wheel: {
      auto* e = static_cast<QWheelEvent*>(event);
      const double steps = e->angleDelta().y() / 120.0;
      if (steps == 0.0 || geometry_.empty()) return true;
      if (e->modifiers() & Qt::ShiftModifier) {
        const int n = s.plane.normal;
        requestSlice(std::clamp<std::int64_t>(cursor_[static_cast<std::size_t>(n)] + (steps > 0 ? 1 : -1), 0,
                                              geometry_.dims[static_cast<std::size_t>(n)] - 1));
        return true;
      }
      // Zoom about the pointer: the sample point under it stays under it.
      const auto before = s.worldAtCanvasPoint(e->position());
      vtkCamera* cam = s.camera();
      cam->SetParallelScale(cam->GetParallelScale() * std::pow(0.85, steps));
      const auto after = s.worldAtCanvasPoint(e->position());
      double f[3], pos[3];
      cam->GetFocalPoint(f);
      cam->GetPosition(pos);
      for (int k = 0; k < 3; ++k) {
        f[k] += before[static_cast<std::size_t>(k)] - after[static_cast<std::size_t>(k)];
        pos[k] += before[static_cast<std::size_t>(k)] - after[static_cast<std::size_t>(k)];
      }
      cam->SetFocalPoint(f);
      cam->SetPosition(pos);
      s.userAdjusted = true;
      refresh();
      return true;
    }
    case QEvent::KeyPress: return handleKey(static_cast<QKeyEvent*>(event));
    default: return false;
  }
}

}  // namespace ebsd::studio

#pragma once
// One orthogonal slice (XY, XZ or YZ) of the volume in 2D: the coloured slice, the crosshair of
// the other two slices, marks on missing and damaged slices, a scale bar, an axes triad and a
// slice slider. Mouse: left click or drag moves the crosshair, wheel zooms about the pointer,
// middle or right drag pans, double click fits, Ctrl+click picks the misorientation reference. Keys: Up/Down, PageUp/PageDown, +/- step the
// slice (Shift: 10 at a time), Home/End jump to the ends, R fits the view.
//
// Orientation: XY looks along +z with y downwards (the map as the microscope shows it); XZ and
// YZ put slice 0, the first cut, at the top.
#include <QWidget>

#include <memory>
#include <optional>

#include "ebsd/volume/slice_image.hpp"
#include "volume_geometry.hpp"

class QLabel;
class QSlider;
class QSpinBox;
class vtkImageData;

namespace ebsd::studio {

class VtkBridgeWidget;

class SliceView : public QWidget {
  Q_OBJECT
public:
  explicit SliceView(SliceAxis axis, QWidget* parent = nullptr);
  ~SliceView() override;

  SliceAxis axis() const { return axis_; }
  // "XY", "XZ" or "YZ".
  QString planeName() const;

  // The coloured slice to show (owned by OrthoSliceImages, which updates it in place).
  void setImage(vtkImageData* image);
  // A new grid: overlays are rebuilt and the view is fitted again. Empty geometry: nothing shown.
  void setGeometry(const VolumeGeometry& geometry);
  void setCursor(const Index3& cursor);
  // The image changed in place: paint again.
  void refresh();
  // Fits the whole slice into the view.
  void fitView();

  // Where the centre of voxel `voxel` appears in the canvas (widget coordinates), when the
  // voxel lies on the shown slice; for tests and tools.
  std::optional<QPointF> canvasPointOfVoxel(const Index3& voxel) const;
  // The voxel of the shown slice under a canvas point, or nothing outside the grid.
  std::optional<Index3> voxelAtCanvasPoint(const QPointF& point) const;

  VtkBridgeWidget* canvas() const { return canvas_; }

signals:
  void sliceRequested(ebsd::SliceAxis axis, std::int64_t index);
  void cursorRequested(const ebsd::Index3& position);
  // Ctrl+click: colour by the misorientation to this voxel.
  void referenceRequested(const ebsd::Index3& voxel);
  void voxelHovered(const ebsd::Index3& voxel);
  void hoverLeft();

protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

private:
  struct Scene;
  void updateHeader();
  void updateOverlays();
  void requestSlice(std::int64_t index);
  bool handleKey(QKeyEvent* event);

  SliceAxis axis_;
  VolumeGeometry geometry_;
  Index3 cursor_{0, 0, 0};
  VtkBridgeWidget* canvas_ = nullptr;
  QLabel* title_ = nullptr;
  QLabel* status_ = nullptr;
  QSlider* slider_ = nullptr;
  QSpinBox* spin_ = nullptr;
  std::unique_ptr<Scene> scene_;
  bool draggingCursor_ = false;
  bool panning_ = false;
  QPointF lastPan_;
};

}  // namespace ebsd::studio

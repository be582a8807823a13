#pragma once
// The voxel the three slice views cross at: the linked crosshairs. Every view shows the slices
// through this voxel, and any view moves it (click, slider, keys); the views follow its signal.
#include <QObject>

#include "ebsd/volume/slice_image.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::studio {

// Axis 0, 1, 2 for SliceAxis X, Y, Z: the index into an Index3 that the slice fixes.
inline int axisIndex(SliceAxis axis) { return axis == SliceAxis::X ? 0 : axis == SliceAxis::Y ? 1 : 2; }

class SliceCursor : public QObject {
  Q_OBJECT
public:
  explicit SliceCursor(QObject* parent = nullptr);

  const Index3& position() const { return position_; }
  const Index3& dims() const { return dims_; }
  std::int64_t slice(SliceAxis axis) const { return position_[static_cast<std::size_t>(axisIndex(axis))]; }

  // A new grid: the cursor moves to its centre.
  void resetTo(const Index3& dims);
  // Clamped into the grid; emits only when something changed.
  void setPosition(const Index3& position);
  void setSlice(SliceAxis axis, std::int64_t index);
  void step(SliceAxis axis, std::int64_t delta) { setSlice(axis, slice(axis) + delta); }

signals:
  // `changedAxes`: bit k set when coordinate k changed (bit 0 = x).
  void moved(const ebsd::Index3& position, int changedAxes);

private:
  Index3 dims_{1, 1, 1};
  Index3 position_{0, 0, 0};
};

}  // namespace ebsd::studio

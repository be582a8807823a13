#pragma once
// The three coloured slices through the cursor as vtkImageData in sample coordinates (a pixel's
// centre is its voxel's centre, origin + index * spacing): what the slice views and the 3D view
// display. A presenter between the data and the views: it reads the volume, never changes it,
// and recolours only the slice whose index moved. While the user steps through slices, the next
// slice in the same direction is coloured on a worker thread between frames, so the step that
// shows it only copies its pixels (raw data costs a few milliseconds a slice to colour).
#include <QObject>
#include <QString>

#include <array>
#include <cstdint>
#include <future>
#include <memory>
#include <vector>

#include <vtkSmartPointer.h>

#include "ebsd/volume/slice_image.hpp"
#include "ebsd/volume/volume.hpp"

class vtkImageData;

namespace ebsd::studio {

class SliceColorizer;

class OrthoSliceImages : public QObject {
  Q_OBJECT
public:
  explicit OrthoSliceImages(QObject* parent = nullptr);
  ~OrthoSliceImages() override;

  // A new volume (or none): images are rebuilt at the given cursor. Keeps the colouring when the
  // volume offers it, otherwise falls back to IPF-Z.
  void setVolume(std::shared_ptr<const Volume> volume, const Index3& cursor);
  // "ipf-z", "phase", "ci", "iq", "grain", a channel name. Throws ebsd::Error when the volume
  // does not offer it (grain ids before segmentation, an unknown channel); nothing changes then.
  void setColoring(const QString& name);
  void setCursor(const Index3& cursor, int changedAxes);
  // Slices coloured so far (the benchmark reports them per step).
  std::uint64_t slicesColoured() const { return coloured_; }

  const QString& coloringName() const { return coloringName_; }
  const SliceColoring& coloring() const { return coloring_; }
  bool hasVolume() const { return volume_ != nullptr; }
  const std::shared_ptr<const Volume>& volume() const { return volume_; }
  // The slice perpendicular to `axis`; never null, empty before a volume is set.
  vtkImageData* image(SliceAxis axis) const;
  // Value range of a scalar colouring (for the legend), from the colouriser's cache; for a
  // misorientation colouring 0 and the top of its ramp in degrees.
  std::pair<double, double> scalarRange() const;

signals:
  void imageChanged(ebsd::SliceAxis axis);
  // Colouring or volume changed: legends follow.
  void coloringChanged();

private:
  void recolour(SliceAxis axis);
  // The colouring of the next slice along `axis`, started on a worker thread.
  struct Prefetch {
    SliceAxis axis = SliceAxis::Z;
    std::int64_t index = -1;
    std::uint64_t generation = 0;
    std::vector<std::uint8_t> pixels;
    std::future<void> done;
  };
  void startPrefetch(SliceAxis axis, std::int64_t index);
  void dropPrefetch();  // waits for a running one (at most one slice's colouring)

  std::shared_ptr<const Volume> volume_;
  std::unique_ptr<SliceColorizer> colorizer_;
  QString coloringName_ = QStringLiteral("ipf-z");
  SliceColoring coloring_;
  Index3 cursor_{0, 0, 0};
  std::uint64_t coloured_ = 0;
  std::array<vtkSmartPointer<vtkImageData>, 3> images_;
  std::unique_ptr<SliceColorizer> prefetchColorizer_;  // its own caches: used only by the worker
  std::unique_ptr<Prefetch> prefetch_;
  std::uint64_t generation_ = 0;  // bumped when the volume or the colouring changes
};

}  // namespace ebsd::studio

#include "ortho_slice_images.hpp"

#include <cstring>

#include <vtkImageData.h>
#include <vtkPointData.h>
#include <vtkUnsignedCharArray.h>

#include "coloring_choice.hpp"
#include "ebsd/core/error.hpp"
#include "slice_colorizer.hpp"
#include "slice_cursor.hpp"

namespace ebsd::studio {

OrthoSliceImages::OrthoSliceImages(QObject* parent) : QObject(parent) {
  for (auto& img : images_) img = vtkSmartPointer<vtkImageData>::New();
}

OrthoSliceImages::~OrthoSliceImages() { dropPrefetch(); }

void OrthoSliceImages::dropPrefetch() {
  if (prefetch_ && prefetch_->done.valid()) prefetch_->done.wait();
  prefetch_.reset();
}

void OrthoSliceImages::startPrefetch(SliceAxis axis, std::int64_t index) {
  dropPrefetch();
  const int a = axisIndex(axis);
  if (!volume_ || index < 0 || index >= volume_->dims()[static_cast<std::size_t>(a)]) return;
  if (!prefetchColorizer_) prefetchColorizer_ = std::make_unique<SliceColorizer>(volume_, 1);
  auto p = std::make_unique<Prefetch>();
  p->axis = axis, p->index = index, p->generation = generation_;
  const auto [w, h] = sliceSize(volume_->dims(), axis);
  p->pixels.resize(static_cast<std::size_t>(w * h * 3));
  // The worker owns nothing but its buffer and its colouriser; errors (none are expected for a
  // colouring the main thread just used) leave the buffer unused: the step then colours itself.
  p->done = std::async(std::launch::async, [c = prefetchColorizer_.get(), axis, index, coloring = coloring_, out = p->pixels.data()] {
    c->colour(axis, index, coloring, out);
  });
  prefetch_ = std::move(p);
}

vtkImageData* OrthoSliceImages::image(SliceAxis axis) const { return images_[static_cast<std::size_t>(axisIndex(axis))]; }

void OrthoSliceImages::setVolume(std::shared_ptr<const Volume> volume, const Index3& cursor) {
  dropPrefetch();
  ++generation_;
  prefetchColorizer_.reset();
  volume_ = std::move(volume);
  cursor_ = cursor;
  colorizer_.reset();
  if (!volume_) {
    for (auto& img : images_) img->Initialize();
    for (SliceAxis a : {SliceAxis::X, SliceAxis::Y, SliceAxis::Z}) emit imageChanged(a);
    emit coloringChanged();
    return;
  }
  colorizer_ = std::make_unique<SliceColorizer>(volume_);
  if (!isColoringAvailable(*volume_, coloringName_)) coloringName_ = QStringLiteral("ipf-z");
  coloring_ = slice_coloring_from_name(coloringName_.toStdString(), *volume_);

  const Volume& v = *volume_;
  for (SliceAxis axis : {SliceAxis::X, SliceAxis::Y, SliceAxis::Z}) {
    const int a = axisIndex(axis);
    vtkImageData* img = image(axis);
    img->Initialize();
    // A flat extent (one sample along the slice normal); the slice index lives in the origin,
    // so moving the slice only shifts the origin and recolours in place.
    int extent[6] = {0, int(v.nx()) - 1, 0, int(v.ny()) - 1, 0, int(v.nz()) - 1};
    extent[2 * a] = extent[2 * a + 1] = 0;
    img->SetExtent(extent);
    img->SetSpacing(v.spacing().data());
    img->AllocateScalars(VTK_UNSIGNED_CHAR, 3);
    img->GetPointData()->GetScalars()->SetName("colour");
    recolour(axis);
  }
  emit coloringChanged();
}

void OrthoSliceImages::setColoring(const QString& name) {
  if (!volume_) {
    coloringName_ = name;
    return;
  }
  if (name == QLatin1String("grain") && !volume_->has_grain_ids())
    throw Error("the volume has no grain ids: run the \"segment\" step first", "", "colour");
  const SliceColoring c = slice_coloring_from_name(name.toStdString(), *volume_);  // throws
  dropPrefetch();
  ++generation_;
  coloringName_ = name;
  coloring_ = c;
  for (SliceAxis axis : {SliceAxis::X, SliceAxis::Y, SliceAxis::Z}) recolour(axis);
  emit coloringChanged();
}

void OrthoSliceImages::setCursor(const Index3& cursor, int changedAxes) {
  const Index3 before = cursor_;
  cursor_ = cursor;
  if (!volume_) return;
  SliceAxis stepped = SliceAxis::Z;
  std::int64_t next = -1;
  for (SliceAxis axis : {SliceAxis::X, SliceAxis::Y, SliceAxis::Z}) {
    const auto a = static_cast<std::size_t>(axisIndex(axis));
    if (!(changedAxes & (1 << axisIndex(axis)))) continue;
    recolour(axis);
    const std::int64_t step = cursor_[a] - before[a];
    if (step == 1 || step == -1) stepped = axis, next = cursor_[a] + step;
  }
  // One slice further the same way: what the next step (keyboard, slider, wheel) shows.
  if (next >= 0) startPrefetch(stepped, next);
}

std::pair<double, double> OrthoSliceImages::scalarRange() const {
  if (colorizer_ && coloring_.kind == SliceColoring::Kind::Misorientation) return {0.0, colorizer_->misorientationTop(coloring_)};
  if (!colorizer_ || !isScalarColoring(coloring_)) return {0.0, 0.0};
  return colorizer_->scalarRange(coloring_);
}

void OrthoSliceImages::recolour(SliceAxis axis) {
  const Volume& v = *volume_;
  const int a = axisIndex(axis);
  vtkImageData* img = image(axis);
  double origin[3] = {v.origin()[0], v.origin()[1], v.origin()[2]};
  origin[a] += static_cast<double>(cursor_[static_cast<std::size_t>(a)]) * v.spacing()[static_cast<std::size_t>(a)];
  img->SetOrigin(origin);
  auto* scalars = vtkUnsignedCharArray::SafeDownCast(img->GetPointData()->GetScalars());
  const std::int64_t index = cursor_[static_cast<std::size_t>(a)];
  bool copied = false;
  if (prefetch_ && prefetch_->axis == axis && prefetch_->index == index && prefetch_->generation == generation_) {
    try {
      prefetch_->done.get();
      std::memcpy(scalars->GetPointer(0), prefetch_->pixels.data(), prefetch_->pixels.size());
      copied = true;
    } catch (const std::exception&) {
    }
    prefetch_.reset();
  }
  if (!copied) colorizer_->colour(axis, index, coloring_, scalars->GetPointer(0));
  scalars->Modified();
  img->Modified();
  ++coloured_;
  emit imageChanged(axis);
}

}  // namespace ebsd::studio

#include "ortho_slice_images.hpp"

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

OrthoSliceImages::~OrthoSliceImages() = default;

vtkImageData* OrthoSliceImages::image(SliceAxis axis) const { return images_[static_cast<std::size_t>(axisIndex(axis))]; }

void OrthoSliceImages::setVolume(std::shared_ptr<const Volume> volume, const Index3& cursor) {
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
  coloringName_ = name;
  coloring_ = c;
  for (SliceAxis axis : {SliceAxis::X, SliceAxis::Y, SliceAxis::Z}) recolour(axis);
  emit coloringChanged();
}

void OrthoSliceImages::setCursor(const Index3& cursor, int changedAxes) {
  cursor_ = cursor;
  if (!volume_) return;
  for (SliceAxis axis : {SliceAxis::X, SliceAxis::Y, SliceAxis::Z})
    if (changedAxes & (1 << axisIndex(axis))) recolour(axis);
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
  colorizer_->colour(axis, cursor_[static_cast<std::size_t>(a)], coloring_, scalars->GetPointer(0));
  scalars->Modified();
  img->Modified();
  ++coloured_;
  emit imageChanged(axis);
}

}  // namespace ebsd::studio

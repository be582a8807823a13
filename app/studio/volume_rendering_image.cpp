#include "volume_rendering_image.hpp"

#include <QObject>

#include <algorithm>
#include <cmath>
#include <limits>

#include <vtkImageData.h>
#include <vtkPointData.h>
#include <vtkUnsignedCharArray.h>

#include "ebsd/core/error.hpp"

namespace ebsd::studio {

VolumeRenderingPlan planVolumeRendering(const Index3& dims, int max3DTextureSize, std::int64_t voxelBudget) {
  VolumeRenderingPlan plan;
  const std::int64_t limit = max3DTextureSize > 0 ? max3DTextureSize : 256;  // GL 3.2 guarantees 256
  auto reduced = [&](int f) {
    return Index3{(dims[0] + f - 1) / f, (dims[1] + f - 1) / f, (dims[2] + f - 1) / f};
  };
  bool overTexture = false;
  for (int f = 1;; ++f) {
    const Index3 d = reduced(f);
    const bool fitsTexture = d[0] <= limit && d[1] <= limit && d[2] <= limit;
    const bool fitsBudget = d[0] * d[1] * d[2] <= voxelBudget;
    if (f == 1) overTexture = !fitsTexture;
    if (fitsTexture && fitsBudget) {
      plan.factor = f;
      plan.dims = d;
      break;
    }
  }
  if (plan.factor > 1) {
    const QString grid = QStringLiteral("%1\u00d7%2\u00d7%3").arg(dims[0]).arg(dims[1]).arg(dims[2]);
    const QString reason = overTexture ? QObject::tr("%1 exceeds the GL 3D texture limit of %2").arg(grid).arg(limit)
                                       : QObject::tr("%1 exceeds the budget of %2 M samples for interactive rendering")
                                             .arg(grid)
                                             .arg(double(voxelBudget) / 1e6, 0, 'g', 3);
    plan.note = QObject::tr("3D view downsampled 1/%1 to %2\u00d7%3\u00d7%4: %5")
                    .arg(plan.factor)
                    .arg(plan.dims[0])
                    .arg(plan.dims[1])
                    .arg(plan.dims[2])
                    .arg(reason);
  }
  return plan;
}

vtkSmartPointer<vtkImageData> volumeRenderingImage(const Volume& v, const SliceColoring& scalar,
                                                   const VolumeRenderingPlan& plan) {
  std::span<const float> values;
  switch (scalar.kind) {
    case SliceColoring::Kind::Ci: values = v.confidence(); break;
    case SliceColoring::Kind::Iq: values = v.image_quality(); break;
    case SliceColoring::Kind::Channel: values = v.channel(scalar.channel).values; break;
    default: throw Error("volume rendering needs a scalar (CI, IQ or a channel)", "", "3D view");
  }
  const int f = plan.factor;
  const Index3& d = plan.dims;
  auto image = vtkSmartPointer<vtkImageData>::New();
  image->SetDimensions(int(d[0]), int(d[1]), int(d[2]));
  // A block's sample sits at the centre of the voxels it averages.
  image->SetSpacing(v.spacing()[0] * f, v.spacing()[1] * f, v.spacing()[2] * f);
  image->SetOrigin(v.origin()[0] + 0.5 * (f - 1) * v.spacing()[0], v.origin()[1] + 0.5 * (f - 1) * v.spacing()[1],
                   v.origin()[2] + 0.5 * (f - 1) * v.spacing()[2]);
  image->AllocateScalars(VTK_UNSIGNED_CHAR, 1);
  auto* out = vtkUnsignedCharArray::SafeDownCast(image->GetPointData()->GetScalars())->GetPointer(0);
  const auto valid = v.valid();
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (std::size_t i = 0; i < values.size(); ++i)
    if (valid[i] && std::isfinite(values[i])) {
      lo = std::min(lo, double(values[i]));
      hi = std::max(hi, double(values[i]));
    }
  const double span = hi > lo ? hi - lo : 1.0;
  for (std::int64_t bz = 0; bz < d[2]; ++bz)
    for (std::int64_t by = 0; by < d[1]; ++by)
      for (std::int64_t bx = 0; bx < d[0]; ++bx) {
        double sum = 0.0;
        int count = 0;
        for (std::int64_t z = bz * f; z < std::min(v.nz(), (bz + 1) * f); ++z)
          for (std::int64_t y = by * f; y < std::min(v.ny(), (by + 1) * f); ++y)
            for (std::int64_t x = bx * f; x < std::min(v.nx(), (bx + 1) * f); ++x) {
              const auto i = static_cast<std::size_t>(v.index(x, y, z));
              if (!valid[i] || !std::isfinite(values[i])) continue;
              sum += values[i];
              ++count;
            }
        std::uint8_t q = 0;
        if (count > 0) {
          const double t = std::clamp((sum / count - lo) / span, 0.0, 1.0);
          q = static_cast<std::uint8_t>(1 + std::lround(254.0 * t));
        }
        *out++ = q;
      }
  return image;
}

}  // namespace ebsd::studio

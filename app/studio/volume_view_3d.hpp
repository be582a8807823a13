#pragma once
// The 3D view: the three orthogonal slices in place (each framed in its axis colour), the
// volume's outline with labelled axes in its length unit, frames on missing slices, an axes
// triad; or a volume rendering of a scalar channel; or, once segmented, the grain boundaries as
// surfaces coloured by grain. Mouse (VTK trackball): left rotates,
// middle pans, right drag and wheel zoom; R resets the view.
#include <QWidget>

#include <array>
#include <memory>

#include <QStringList>

#include "ebsd/volume/slice_image.hpp"
#include "volume_geometry.hpp"

class QComboBox;
class QLabel;
class vtkImageData;
class vtkPolyData;

namespace ebsd::studio {

class VtkBridgeWidget;

class VolumeView3D : public QWidget {
  Q_OBJECT
public:
  explicit VolumeView3D(QWidget* parent = nullptr);
  ~VolumeView3D() override;

  // The coloured slices (owned by OrthoSliceImages, updated in place).
  void setSliceImages(vtkImageData* x, vtkImageData* y, vtkImageData* z);
  void setGeometry(const VolumeGeometry& geometry);
  void setCursor(const Index3& cursor);
  void refresh();
  void resetCamera();

  enum class Mode { Slices, VolumeRendering, GrainSurfaces };

  // What the mode selector offers besides the slices: volume rendering of "ci", "iq", channel
  // names, and grain surfaces (when the volume is segmented).
  void setVolumeRenderingChoices(const QStringList& scalars, bool grainSurfaces = false);
  Mode mode() const;
  // The selected scalar for volume rendering, or empty in the other modes.
  QString volumeRenderingScalar() const;
  void setVolumeRenderingScalar(const QString& scalar);  // "" shows the slices
  // Selects the grain surfaces entry (when offered) without asking for them.
  void selectGrainSurfaces();
  // The image to volume-render (8-bit, 0 = transparent), already reduced to what the GL
  // texture limit allows; `note` is shown in the view when it was reduced.
  void setVolumeRenderingImage(vtkImageData* image, const QString& note);
  // The grain boundary surfaces to show (derived geometry, grain_surfaces.hpp), or nullptr to
  // hide them; `note` as for the volume rendering.
  void setGrainSurfaces(vtkPolyData* surfaces, const QString& note);
  bool showsGrainSurfaces() const;

  VtkBridgeWidget* canvas() const { return canvas_; }
  // How often the layer under the slices (outline, axes, volume rendering, surfaces) was drawn,
  // and how often its kept picture was reused (StaticLayerCache; tests and the benchmark).
  std::uint64_t keptLayerRenders() const;
  std::uint64_t keptLayerReuses() const;
  // Whether the labelled axes are drawn: not while the camera is being dragged (the outline
  // stands in for them), again from the frame after the release.
  bool showsLabelledAxes() const;
  // Draws everything again on the next frame instead of reusing the kept layer.
  void invalidateKeptLayer();
  // The note the view shows (downsampling), empty when none.
  QString note() const;

signals:
  // The user picked a scalar to volume-render ("" for the slices): the owner supplies the image.
  void volumeRenderingRequested(const QString& scalar);
  // The user picked grain surfaces: the owner computes and supplies them.
  void grainSurfacesRequested();

private:
  struct Scene;
  void updateOverlays();
  void updateSliceFrames();

  VolumeGeometry geometry_;
  Index3 cursor_{0, 0, 0};
  VtkBridgeWidget* canvas_ = nullptr;
  QComboBox* mode_ = nullptr;
  std::unique_ptr<Scene> scene_;
};

}  // namespace ebsd::studio

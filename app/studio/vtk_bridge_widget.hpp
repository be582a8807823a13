#pragma once
// A VTK view as a widget: a window container around VtkGlWindow (the Qt/VTK bridge, see
// vtk_gl_window.hpp for why a native window), with what the views need of it. The studio never
// calls Render() on the VTK window: it calls requestRender() (painted on the next frame) or
// renderNow() (benchmarks), and Qt decides when to paint.
#include <QImage>
#include <QSurfaceFormat>
#include <QWidget>

#include <functional>
#include <vector>

class QWindow;
class vtkGenericOpenGLRenderWindow;
class vtkGenericRenderWindowInteractor;

namespace ebsd::studio {

class VtkGlWindow;
struct OverlayRect;

class VtkBridgeWidget : public QWidget {
  Q_OBJECT
public:
  explicit VtkBridgeWidget(QWidget* parent = nullptr);
  ~VtkBridgeWidget() override;

  // The format VTK needs; installDefaultSurfaceFormat() must run before the QApplication is
  // created, so every context Qt makes is VTK-compatible.
  static QSurfaceFormat surfaceFormat();
  static void installDefaultSurfaceFormat();

  vtkGenericOpenGLRenderWindow* renderWindow() const;
  vtkGenericRenderWindowInteractor* interactor() const;
  // The native window that receives the mouse and keys: install event filters there.
  QWindow* glWindow() const;

  // GL_MAX_3D_TEXTURE_SIZE / GL_MAX_TEXTURE_SIZE; 0 until the view was first shown.
  int max3DTextureSize() const;
  int max2DTextureSize() const;
  // When off, input is not forwarded to the VTK interactor (the slice views handle it).
  void setForwardInputToVtk(bool on);

  // The VTK scene changed: render and paint it on the next frame (cheap; several requests make
  // one paint).
  void requestRender();
  // Only the overlay changed: paint the last VTK picture with a new overlay on the next frame.
  void requestOverlayPaint();
  // Lists the overlay (rectangles over the VTK picture, device pixels) on every paint.
  void setOverlayProvider(std::function<void(std::vector<OverlayRect>&)> provider);
  // Frames painted (shown) so far, and how many of them rendered the VTK scene.
  quint64 frameCount() const;
  quint64 sceneRenderCount() const;
  // Paint now and wait for it (benchmarks).
  void renderNow();
  // The current picture in device pixels, rendered for the occasion. A view that was never
  // exposed has no GL context yet: this waits for it (events keep being processed) up to
  // `timeoutMs`, and returns a null image if it does not come.
  QImage grabFramebuffer(int timeoutMs = 5000);
  // Whether the GL context exists (the view was exposed at least once).
  bool isReady() const;

signals:
  void contextReady();

private:
  VtkGlWindow* window_ = nullptr;
};

}  // namespace ebsd::studio

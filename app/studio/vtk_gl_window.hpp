#pragma once
// The bridge between Qt 6 and VTK: a QOpenGLWindow that owns a vtkGenericOpenGLRenderWindow,
// lets VTK render into Qt's context and forwards Qt's input to a VTK interactor.
//
// Debian's VTK Qt module is built for Qt 5, so we cannot use VTK's own QVTKOpenGLWindow; this
// is our own, following ../shared/design/BUILD.md section 2 (its recipe and pitfalls hold for
// a window as for a widget). Why a QOpenGLWindow (in a window container, VtkBridgeWidget) and
// not a QOpenGLWidget: a QOpenGLWidget makes Qt compose the whole top-level window through
// OpenGL on every frame. Under Mesa llvmpipe that composition costs about 40 ms for a
// 1600 x 1100 window even when only a label changed (measured on the 2-core CI machine), which
// alone rules out 30 frames a second; a native child window swaps only its own pixels.
#include <QColor>
#include <QOpenGLWindow>
#include <QRect>
#include <QSurfaceFormat>

#include <functional>
#include <vector>

#include <vtkSmartPointer.h>

class vtkGenericOpenGLRenderWindow;
class vtkGenericRenderWindowInteractor;
class vtkObject;

namespace ebsd::studio {

// A filled rectangle drawn over the VTK picture without a VTK render (a crosshair line, say):
// device pixels, origin at the top left.
struct OverlayRect {
  QRect rect;
  QColor colour;
};

class VtkGlWindow : public QOpenGLWindow {
  Q_OBJECT
public:
  VtkGlWindow();
  ~VtkGlWindow() override;

  // The format VTK needs (OpenGL 3.2 core, double buffer, RGBA8, depth, no multisampling).
  static QSurfaceFormat surfaceFormat();

  vtkGenericOpenGLRenderWindow* renderWindow() const;
  vtkGenericRenderWindowInteractor* interactor() const;

  // GL limits of this window's context; 0 until the context exists (first exposure).
  int max3DTextureSize() const { return max3DTextureSize_; }
  int max2DTextureSize() const { return max2DTextureSize_; }

  // When off, mouse, wheel and key events are not forwarded to the VTK interactor.
  void setForwardInputToVtk(bool on) { forwardInput_ = on; }

  // The VTK scene changed: render it on the next paint.
  void requestRender();
  // Only the overlay changed: the next paint shows the last VTK picture with a new overlay.
  void requestOverlayPaint() { update(); }
  // Called on every paint, after the VTK render if there was one, to list the overlay.
  using OverlayProvider = std::function<void(std::vector<OverlayRect>&)>;
  void setOverlayProvider(OverlayProvider provider) { overlayProvider_ = std::move(provider); }

  // Frames painted (shown) so far, and how many of them rendered the VTK scene (tests check
  // that a view whose scene did not change is not rendered again; benchmarks count both).
  quint64 frameCount() const { return frames_; }
  quint64 sceneRenderCount() const { return sceneRenders_; }
  // Renders and swaps now, and waits for the GL work to finish (benchmarks, tests).
  void renderNow();
  // Renders now and reads the picture back (device pixels), or a null image before the window
  // was first exposed.
  QImage grabRendered();

signals:
  void contextReady();

protected:
  void initializeGL() override;
  void resizeGL(int w, int h) override;
  void paintGL() override;

  void mousePressEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void keyReleaseEvent(QKeyEvent* event) override;
  bool event(QEvent* event) override;

private:
  void onMakeCurrent(vtkObject*, unsigned long, void*);
  void onIsCurrent(vtkObject*, unsigned long, void* callData);
  void onFrame(vtkObject*, unsigned long, void*);
  void onInteractorRender(vtkObject*, unsigned long, void*);
  void releaseGraphics();
  void render();
  void setEventPosition(const QPointF& logical, Qt::KeyboardModifiers modifiers);
  void forwardKey(QKeyEvent* event, unsigned long vtkEvent);
  bool forwardMouseButton(Qt::MouseButton button, bool press, bool repeat);

  vtkSmartPointer<vtkGenericOpenGLRenderWindow> window_;
  vtkSmartPointer<vtkGenericRenderWindowInteractor> interactor_;
  bool inPaint_ = false;
  bool forwardInput_ = true;
  int max3DTextureSize_ = 0;
  int max2DTextureSize_ = 0;
  quint64 frames_ = 0;
  quint64 sceneRenders_ = 0;
  // Whether VTK must render before the next paint, and the size of its last picture.
  bool sceneDirty_ = true;
  QSize renderedSize_;
  OverlayProvider overlayProvider_;
  std::vector<OverlayRect> overlay_;
};

}  // namespace ebsd::studio

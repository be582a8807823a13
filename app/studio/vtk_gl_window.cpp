#include "vtk_gl_window.hpp"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QOpenGLContext>
#include <QOpenGLExtraFunctions>
#include <QWheelEvent>

#include <algorithm>

#include <vtkCommand.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkOpenGLFramebufferObject.h>
#include <vtkOpenGLState.h>

namespace ebsd::studio {
namespace {

// The keysym names VTK's interactor styles test for; letters and digits go by their text.
const char* vtkKeySym(int key) {
  switch (key) {
    case Qt::Key_Left: return "Left";
    case Qt::Key_Right: return "Right";
    case Qt::Key_Up: return "Up";
    case Qt::Key_Down: return "Down";
    case Qt::Key_PageUp: return "Prior";
    case Qt::Key_PageDown: return "Next";
    case Qt::Key_Home: return "Home";
    case Qt::Key_End: return "End";
    case Qt::Key_Escape: return "Escape";
    case Qt::Key_Return: return "Return";
    case Qt::Key_Space: return "space";
    case Qt::Key_Plus: return "plus";
    case Qt::Key_Minus: return "minus";
    case Qt::Key_Shift: return "Shift_L";
    case Qt::Key_Control: return "Control_L";
    default: return nullptr;
  }
}

}  // namespace

QSurfaceFormat VtkGlWindow::surfaceFormat() {
  // The format of VTK's own QVTKRenderWindowAdapter: VTK 9 needs a 3.2 core profile; no
  // multisampling, so that pixels are the exact voxel colours tests compare against.
  QSurfaceFormat fmt;
  fmt.setRenderableType(QSurfaceFormat::OpenGL);
  fmt.setVersion(3, 2);
  fmt.setProfile(QSurfaceFormat::CoreProfile);
  fmt.setSwapBehavior(QSurfaceFormat::DoubleBuffer);
  fmt.setRedBufferSize(8);
  fmt.setGreenBufferSize(8);
  fmt.setBlueBufferSize(8);
  // No alpha in the window itself: VTK keeps its own RGBA framebuffers and we copy only colour,
  // so an opaque window needs no extra pass to clear alpha (each full-window pass costs
  // milliseconds under llvmpipe).
  fmt.setAlphaBufferSize(0);
  fmt.setDepthBufferSize(8);
  fmt.setStencilBufferSize(0);
  fmt.setSamples(0);
  fmt.setStereo(false);
  return fmt;
}

VtkGlWindow::VtkGlWindow()
    : QOpenGLWindow(QOpenGLWindow::NoPartialUpdate),
      window_(vtkSmartPointer<vtkGenericOpenGLRenderWindow>::New()),
      interactor_(vtkSmartPointer<vtkGenericRenderWindowInteractor>::New()) {
  setFormat(surfaceFormat());

  window_->SetMultiSamples(0);
  // VTK's Frame() would copy its render framebuffer (colour and depth) into a display
  // framebuffer that only we read; with swapping off it does not, and render() copies the
  // render framebuffer straight into the window: one full-view copy a frame instead of two.
  window_->SwapBuffersOff();
  window_->AddObserver(vtkCommand::WindowMakeCurrentEvent, this, &VtkGlWindow::onMakeCurrent);
  window_->AddObserver(vtkCommand::WindowIsCurrentEvent, this, &VtkGlWindow::onIsCurrent);
  window_->AddObserver(vtkCommand::WindowFrameEvent, this, &VtkGlWindow::onFrame);

  interactor_->SetRenderWindow(window_);
  // The interactor must never render by itself: it asks Qt for a paint instead.
  interactor_->EnableRenderOff();
  interactor_->AddObserver(vtkCommand::RenderEvent, this, &VtkGlWindow::onInteractorRender);
  interactor_->Enable();
}

VtkGlWindow::~VtkGlWindow() {
  if (isValid()) {
    makeCurrent();
    releaseGraphics();
    doneCurrent();
  }
  window_->RemoveAllObservers();
  interactor_->RemoveAllObservers();
}

vtkGenericOpenGLRenderWindow* VtkGlWindow::renderWindow() const { return window_; }
vtkGenericRenderWindowInteractor* VtkGlWindow::interactor() const { return interactor_; }

void VtkGlWindow::onMakeCurrent(vtkObject*, unsigned long, void*) {
  // Only when needed, and never through a call that rebinds framebuffers behind VTK's state
  // cache (BUILD.md: "the key bug").
  QOpenGLContext* ctx = context();
  if (ctx && QOpenGLContext::currentContext() != ctx) ctx->makeCurrent(this);
}

void VtkGlWindow::onIsCurrent(vtkObject*, unsigned long, void* callData) {
  *static_cast<bool*>(callData) = context() && QOpenGLContext::currentContext() == context();
}

void VtkGlWindow::onFrame(vtkObject*, unsigned long, void*) {
  // VTK finished a frame outside paintGL: show it on the next paint.
  if (!inPaint_) update();
}

void VtkGlWindow::onInteractorRender(vtkObject*, unsigned long, void*) { requestRender(); }

void VtkGlWindow::requestRender() {
  sceneDirty_ = true;
  update();
}

void VtkGlWindow::releaseGraphics() {
  // Textures, buffers and shaders belong to the context that is going away.
  if (window_) window_->Finalize();
}

void VtkGlWindow::initializeGL() {
  window_->SetOwnContext(false);
  window_->SetForceMaximumHardwareLineWidth(1);
  window_->SetReadyForRendering(true);
  window_->SetFrameBlitModeToNoBlit();
  const qreal dpr = devicePixelRatio();
  window_->SetSize(std::max(1, int(width() * dpr)), std::max(1, int(height() * dpr)));
  window_->OpenGLInitContext();
  connect(context(), &QOpenGLContext::aboutToBeDestroyed, this, [this] {
    makeCurrent();
    releaseGraphics();
    doneCurrent();
  });

  GLint tex3d = 0, tex2d = 0;
  QOpenGLFunctions* f = context()->functions();
  f->glGetIntegerv(GL_MAX_3D_TEXTURE_SIZE, &tex3d);
  f->glGetIntegerv(GL_MAX_TEXTURE_SIZE, &tex2d);
  max3DTextureSize_ = tex3d;
  max2DTextureSize_ = tex2d;
  emit contextReady();
}

void VtkGlWindow::resizeGL(int, int) {
  const qreal dpr = devicePixelRatio();
  const int w = std::max(1, int(width() * dpr)), h = std::max(1, int(height() * dpr));
  interactor_->UpdateSize(w, h);
  window_->SetSize(w, h);
}

void VtkGlWindow::paintGL() {
  render();
  ++frames_;
}

void VtkGlWindow::render() {
  // VTK caches GL state; Qt changed it behind VTK's back (framebuffer, depth function ...).
  vtkOpenGLState* state = window_->GetState();
  state->Reset();
  state->Push();
  state->vtkglDepthFunc(GL_LEQUAL);

  const qreal dpr = devicePixelRatio();
  const int w = std::max(1, int(width() * dpr)), h = std::max(1, int(height() * dpr));
  vtkOpenGLFramebufferObject* picture = window_->GetRenderFramebuffer();
  // VTK's render framebuffer keeps its picture between paints: render only when the scene
  // changed (or the size, or nothing was rendered yet).
  if (sceneDirty_ || renderedSize_ != QSize(w, h) || !picture || picture->GetFBOIndex() == 0) {
    inPaint_ = true;
    window_->Render();
    inPaint_ = false;
    sceneDirty_ = false;
    renderedSize_ = QSize(w, h);
    ++sceneRenders_;
    picture = window_->GetRenderFramebuffer();
  }

  // Copy VTK's picture to the window's back buffer.
  state->PushFramebufferBindings();
  picture->Bind(GL_READ_FRAMEBUFFER);
  picture->ActivateReadBuffer(0);
  state->vtkglBindFramebuffer(GL_DRAW_FRAMEBUFFER, defaultFramebufferObject());
  state->vtkglDrawBuffer(GL_BACK_LEFT);
  state->vtkglDisable(GL_SCISSOR_TEST);
  const int* size = window_->GetSize();
  state->vtkglBlitFramebuffer(0, 0, size[0], size[1], 0, 0, w, h, GL_COLOR_BUFFER_BIT, GL_NEAREST);

  // The overlay: each rectangle cleared to its colour through the scissor, no shader needed.
  overlay_.clear();
  if (overlayProvider_) overlayProvider_(overlay_);
  if (!overlay_.empty()) {
    state->vtkglEnable(GL_SCISSOR_TEST);
    for (const OverlayRect& r : overlay_) {
      const QRect clipped = r.rect.intersected(QRect(0, 0, w, h));
      if (clipped.isEmpty()) continue;
      state->vtkglScissor(clipped.x(), h - clipped.y() - clipped.height(), clipped.width(), clipped.height());
      state->vtkglClearColor(float(r.colour.redF()), float(r.colour.greenF()), float(r.colour.blueF()), 1.0f);
      state->vtkglClear(GL_COLOR_BUFFER_BIT);
    }
    state->vtkglDisable(GL_SCISSOR_TEST);
  }
  state->PopFramebufferBindings();
  state->Pop();
}

void VtkGlWindow::renderNow() {
  if (!isExposed() || !isValid()) return;
  makeCurrent();
  render();
  ++frames_;
  context()->swapBuffers(this);
  context()->functions()->glFinish();
}

QImage VtkGlWindow::grabRendered() {
  if (!isValid()) return {};
  makeCurrent();
  render();
  // Read the back buffer just drawn (after a swap its content would be undefined).
  const qreal dpr = devicePixelRatio();
  const int w = std::max(1, int(width() * dpr)), h = std::max(1, int(height() * dpr));
  QOpenGLExtraFunctions* f = context()->extraFunctions();
  f->glBindFramebuffer(GL_READ_FRAMEBUFFER, defaultFramebufferObject());
  f->glReadBuffer(GL_BACK);
  f->glPixelStorei(GL_PACK_ALIGNMENT, 1);
  QImage image(w, h, QImage::Format_RGB888);
  if (image.bytesPerLine() == 3 * w) {  // one read, then flip: GL rows run bottom up
    f->glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, image.bits());
    return image.mirrored();
  }
  for (int y = 0; y < h; ++y)
    f->glReadPixels(0, h - 1 - y, w, 1, GL_RGB, GL_UNSIGNED_BYTE, image.scanLine(y));
  return image;
}

void VtkGlWindow::setEventPosition(const QPointF& logical, Qt::KeyboardModifiers modifiers) {
  const qreal dpr = devicePixelRatio();
  interactor_->SetEventInformationFlipY(int(logical.x() * dpr + 0.5), int(logical.y() * dpr + 0.5),
                                        (modifiers & Qt::ControlModifier) ? 1 : 0,
                                        (modifiers & Qt::ShiftModifier) ? 1 : 0);
  interactor_->SetAltKey((modifiers & Qt::AltModifier) ? 1 : 0);
}

bool VtkGlWindow::forwardMouseButton(Qt::MouseButton button, bool press, bool repeat) {
  unsigned long event = 0;
  switch (button) {
    case Qt::LeftButton: event = press ? vtkCommand::LeftButtonPressEvent : vtkCommand::LeftButtonReleaseEvent; break;
    case Qt::MiddleButton: event = press ? vtkCommand::MiddleButtonPressEvent : vtkCommand::MiddleButtonReleaseEvent; break;
    case Qt::RightButton: event = press ? vtkCommand::RightButtonPressEvent : vtkCommand::RightButtonReleaseEvent; break;
    default: return false;
  }
  interactor_->SetRepeatCount(repeat ? 1 : 0);
  interactor_->InvokeEvent(event);
  return true;
}

void VtkGlWindow::mousePressEvent(QMouseEvent* event) {
  if (!forwardInput_) return QOpenGLWindow::mousePressEvent(event);
  setEventPosition(event->position(), event->modifiers());
  if (forwardMouseButton(event->button(), true, false)) event->accept();
}

void VtkGlWindow::mouseDoubleClickEvent(QMouseEvent* event) {
  if (!forwardInput_) return QOpenGLWindow::mouseDoubleClickEvent(event);
  setEventPosition(event->position(), event->modifiers());
  if (forwardMouseButton(event->button(), true, true)) event->accept();
}

void VtkGlWindow::mouseReleaseEvent(QMouseEvent* event) {
  if (!forwardInput_) return QOpenGLWindow::mouseReleaseEvent(event);
  setEventPosition(event->position(), event->modifiers());
  if (forwardMouseButton(event->button(), false, false)) event->accept();
}

void VtkGlWindow::mouseMoveEvent(QMouseEvent* event) {
  if (!forwardInput_) return QOpenGLWindow::mouseMoveEvent(event);
  setEventPosition(event->position(), event->modifiers());
  interactor_->InvokeEvent(vtkCommand::MouseMoveEvent);
  event->accept();
}

void VtkGlWindow::wheelEvent(QWheelEvent* event) {
  if (!forwardInput_) return QOpenGLWindow::wheelEvent(event);
  setEventPosition(event->position(), event->modifiers());
  const int delta = event->angleDelta().y();
  if (delta > 0) interactor_->InvokeEvent(vtkCommand::MouseWheelForwardEvent);
  else if (delta < 0) interactor_->InvokeEvent(vtkCommand::MouseWheelBackwardEvent);
  event->accept();
}

void VtkGlWindow::forwardKey(QKeyEvent* event, unsigned long vtkEvent) {
  const QByteArray text = event->text().toLatin1();
  const char code = text.isEmpty() ? 0 : text.at(0);
  const char* sym = vtkKeySym(event->key());
  const QByteArray symText = sym ? QByteArray(sym) : text;
  interactor_->SetKeyEventInformation((event->modifiers() & Qt::ControlModifier) ? 1 : 0,
                                      (event->modifiers() & Qt::ShiftModifier) ? 1 : 0, code,
                                      event->isAutoRepeat() ? 1 : 0, symText.isEmpty() ? nullptr : symText.constData());
  interactor_->InvokeEvent(vtkEvent);
  if (vtkEvent == vtkCommand::KeyPressEvent && code) interactor_->InvokeEvent(vtkCommand::CharEvent);
  event->accept();
}

void VtkGlWindow::keyPressEvent(QKeyEvent* event) {
  if (!forwardInput_) return QOpenGLWindow::keyPressEvent(event);
  forwardKey(event, vtkCommand::KeyPressEvent);
}

void VtkGlWindow::keyReleaseEvent(QKeyEvent* event) {
  if (!forwardInput_) return QOpenGLWindow::keyReleaseEvent(event);
  forwardKey(event, vtkCommand::KeyReleaseEvent);
}

bool VtkGlWindow::event(QEvent* event) {
  if (forwardInput_) {
    if (event->type() == QEvent::Enter) {
      const auto* e = static_cast<QEnterEvent*>(event);
      setEventPosition(e->position(), Qt::NoModifier);
      interactor_->InvokeEvent(vtkCommand::EnterEvent);
    } else if (event->type() == QEvent::Leave) {
      interactor_->InvokeEvent(vtkCommand::LeaveEvent);
    }
  }
  return QOpenGLWindow::event(event);
}

}  // namespace ebsd::studio

#include "vtk_bridge_widget.hpp"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QVBoxLayout>

#include "vtk_gl_window.hpp"

namespace ebsd::studio {

QSurfaceFormat VtkBridgeWidget::surfaceFormat() { return VtkGlWindow::surfaceFormat(); }

void VtkBridgeWidget::installDefaultSurfaceFormat() { QSurfaceFormat::setDefaultFormat(surfaceFormat()); }

VtkBridgeWidget::VtkBridgeWidget(QWidget* parent) : QWidget(parent), window_(new VtkGlWindow) {
  // The container takes ownership of the window.
  QWidget* container = QWidget::createWindowContainer(window_, this);
  container->setFocusPolicy(Qt::StrongFocus);
  container->setMinimumSize(64, 64);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(container);
  connect(window_, &VtkGlWindow::contextReady, this, &VtkBridgeWidget::contextReady);
}

VtkBridgeWidget::~VtkBridgeWidget() = default;

vtkGenericOpenGLRenderWindow* VtkBridgeWidget::renderWindow() const { return window_->renderWindow(); }
vtkGenericRenderWindowInteractor* VtkBridgeWidget::interactor() const { return window_->interactor(); }
QWindow* VtkBridgeWidget::glWindow() const { return window_; }
int VtkBridgeWidget::max3DTextureSize() const { return window_->max3DTextureSize(); }
int VtkBridgeWidget::max2DTextureSize() const { return window_->max2DTextureSize(); }
void VtkBridgeWidget::setForwardInputToVtk(bool on) { window_->setForwardInputToVtk(on); }
void VtkBridgeWidget::requestRender() { window_->requestRender(); }
void VtkBridgeWidget::requestOverlayPaint() { window_->requestOverlayPaint(); }
void VtkBridgeWidget::setOverlayProvider(std::function<void(std::vector<OverlayRect>&)> provider) {
  window_->setOverlayProvider(std::move(provider));
}

void VtkBridgeWidget::renderNow() {
  if (isVisible()) window_->renderNow();
}

quint64 VtkBridgeWidget::frameCount() const { return window_->frameCount(); }
quint64 VtkBridgeWidget::sceneRenderCount() const { return window_->sceneRenderCount(); }

bool VtkBridgeWidget::isReady() const { return window_->isValid(); }

QImage VtkBridgeWidget::grabFramebuffer(int timeoutMs) {
  QElapsedTimer clock;
  clock.start();
  while (!window_->isValid() && isVisible() && clock.elapsed() < timeoutMs)
    QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
  return window_->grabRendered();
}

}  // namespace ebsd::studio

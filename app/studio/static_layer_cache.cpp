#include "static_layer_cache.hpp"

#include <algorithm>

#include "vtk_glew.h"

#include <vtkCamera.h>
#include <vtkObjectFactory.h>
#include <vtkCommand.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkOpenGLFramebufferObject.h>
#include <vtkOpenGLState.h>
#include <vtkProp.h>
#include <vtkPropCollection.h>
#include <vtkRenderer.h>

namespace ebsd::studio {

// Owns the kept picture's framebuffer as a prop of the bottom renderer, so that VTK releases it
// with the render window's other GL resources, while the context is current (whichever of the
// cache and the window goes first).
class KeptPicture : public vtkProp {
public:
  static KeptPicture* New();
  vtkTypeMacro(KeptPicture, vtkProp)
  void ReleaseGraphicsResources(vtkWindow* window) override {
    if (framebuffer) framebuffer->ReleaseGraphicsResources(window);
    framebuffer = nullptr;
  }
  vtkSmartPointer<vtkOpenGLFramebufferObject> framebuffer;
};
vtkStandardNewMacro(KeptPicture);

StaticLayerCache::StaticLayerCache(vtkGenericOpenGLRenderWindow* window, vtkRenderer* bottom, vtkRenderer* firstAbove)
    : window_(window), bottom_(bottom), above_(firstAbove), picture_(vtkSmartPointer<KeptPicture>::New()) {
  bottom_->AddViewProp(picture_);
  observers_[0] = window_->AddObserver(vtkCommand::StartEvent, this, &StaticLayerCache::onWindowStart);
  observers_[1] = bottom_->AddObserver(vtkCommand::EndEvent, this, &StaticLayerCache::onBottomEnd);
  observers_[2] = above_->AddObserver(vtkCommand::StartEvent, this, &StaticLayerCache::onAboveStart);
}

StaticLayerCache::~StaticLayerCache() {
  window_->RemoveObserver(observers_[0]);
  bottom_->RemoveObserver(observers_[1]);
  above_->RemoveObserver(observers_[2]);
  bottom_->DrawOn();
}

StaticLayerCache::Key StaticLayerCache::currentKey() const {
  Key k;
  vtkCamera* c = bottom_->GetActiveCamera();
  double v[3];
  std::size_t i = 0;
  auto put = [&](const double* p, int n) {
    for (int j = 0; j < n; ++j) k.camera[i++] = p[j];
  };
  c->GetPosition(v);
  put(v, 3);
  c->GetFocalPoint(v);
  put(v, 3);
  c->GetViewUp(v);
  put(v, 3);
  c->GetClippingRange(v);
  put(v, 2);
  const double more[6] = {c->GetViewAngle(), c->GetParallelScale(), double(c->GetParallelProjection()), c->GetWindowCenter()[0],
                          c->GetWindowCenter()[1], c->GetEyeAngle()};
  put(more, 6);
  const int* size = window_->GetSize();
  k.width = size[0];
  k.height = size[1];
  vtkPropCollection* props = bottom_->GetViewProps();
  vtkCollectionSimpleIterator it;
  props->InitTraversal(it);
  while (vtkProp* p = props->GetNextProp(it)) k.propsTime = std::max(k.propsTime, p->GetRedrawMTime());
  return k;
}

void StaticLayerCache::onWindowStart(vtkObject*, unsigned long, void*) {
  const Key key = currentKey();
  skipping_ = usable_ && valid_ && picture_->framebuffer && key == key_;
  bottom_->SetDraw(!skipping_);
  if (skipping_) ++reuses_;
}

bool StaticLayerCache::copy(vtkOpenGLFramebufferObject* from, vtkOpenGLFramebufferObject* to, int width, int height) {
  vtkOpenGLState* state = window_->GetState();
  while (glGetError() != GL_NO_ERROR) {
  }
  state->PushFramebufferBindings();
  from->Bind(GL_READ_FRAMEBUFFER);
  from->ActivateReadBuffer(0);
  to->Bind(GL_DRAW_FRAMEBUFFER);
  to->ActivateDrawBuffer(0);
  {
    vtkOpenGLState::ScopedglEnableDisable scissor(state, GL_SCISSOR_TEST);
    state->vtkglDisable(GL_SCISSOR_TEST);
    state->vtkglBlitFramebuffer(0, 0, width, height, 0, 0, width, height, GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT, GL_NEAREST);
  }
  state->PopFramebufferBindings();
  return glGetError() == GL_NO_ERROR;
}

void StaticLayerCache::onBottomEnd(vtkObject*, unsigned long, void*) {
  ++bottomRenders_;
  valid_ = false;
  // Taken after the render: a prop that touches itself while rendering does not spoil it.
  key_ = currentKey();
  if (!usable_) return;
  vtkOpenGLFramebufferObject* rendered = window_->GetRenderFramebuffer();
  if (!rendered) return;
  const int w = key_.width, h = key_.height;
  vtkOpenGLState* state = window_->GetState();
  vtkSmartPointer<vtkOpenGLFramebufferObject>& kept = picture_->framebuffer;
  if (!kept) {
    kept = vtkSmartPointer<vtkOpenGLFramebufferObject>::New();
    kept->SetContext(window_);
    state->PushFramebufferBindings();
    // The render framebuffer's own attachments (vtkOpenGLRenderWindow::CreateFramebuffers):
    // depth can only be copied between buffers of the same format.
    const bool ok = kept->PopulateFramebuffer(w, h, true, 1, VTK_UNSIGNED_CHAR, true, 32, 0, window_->GetStencilCapable() != 0);
    state->PopFramebufferBindings();
    if (!ok) {
      usable_ = false;
      kept = nullptr;
      return;
    }
  } else {
    int* last = kept->GetLastSize();
    if (last[0] != w || last[1] != h) {
      state->PushFramebufferBindings();
      kept->Resize(w, h);
      state->PopFramebufferBindings();
    }
  }
  if (!copy(rendered, kept, w, h)) {
    usable_ = false;  // formats differ on this GL: render everything every frame
    return;
  }
  valid_ = true;
}

void StaticLayerCache::onAboveStart(vtkObject*, unsigned long, void*) {
  if (!skipping_) return;
  vtkOpenGLFramebufferObject* target = window_->GetRenderFramebuffer();
  if (!target || !copy(picture_->framebuffer, target, key_.width, key_.height)) {
    // Could not put it back: render the whole scene on the next frame.
    usable_ = false;
    valid_ = false;
  }
  skipping_ = false;
}

}  // namespace ebsd::studio

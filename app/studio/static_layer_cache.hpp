#pragma once
// Keeps the picture of a render window's bottom renderer (colour and depth) between frames and
// puts it back when nothing that renderer shows has changed, so that only the renderers above
// it render again. The 3D view keeps the outline, the labelled axes, volume renderings and grain
// surfaces there, and the three slices through the cursor above it: stepping a slice redraws
// three textured rectangles over the kept picture instead of the whole scene (the labelled axes
// alone cost more under llvmpipe than all the rest of a frame).
//
// "Nothing changed" means: the same camera (by value), the same window size, and no prop of the
// bottom renderer modified since (vtkProp::GetRedrawMTime: the prop, its property, its mapper
// and the mapper's input). invalidate() forces a new picture.
#include <cstdint>

#include <vtkNew.h>
#include <vtkSmartPointer.h>

#include <array>

class vtkObject;
class vtkOpenGLFramebufferObject;
class vtkGenericOpenGLRenderWindow;
class vtkRenderer;

namespace ebsd::studio {

class KeptPicture;

class StaticLayerCache {
public:
  // `bottom` renders first (layer 0, it clears the window); `firstAbove` is the first renderer
  // drawn over it, with PreserveDepthBuffer on. Both must already be in `window`.
  StaticLayerCache(vtkGenericOpenGLRenderWindow* window, vtkRenderer* bottom, vtkRenderer* firstAbove);
  ~StaticLayerCache();
  StaticLayerCache(const StaticLayerCache&) = delete;
  StaticLayerCache& operator=(const StaticLayerCache&) = delete;

  void invalidate() { valid_ = false; }
  // How often the bottom renderer rendered, and how often its kept picture was used instead.
  std::uint64_t bottomRenders() const { return bottomRenders_; }
  std::uint64_t reuses() const { return reuses_; }
  // False once copying depth between framebuffers failed here (then every frame renders all).
  bool usable() const { return usable_; }

private:
  struct Key {
    std::array<double, 17> camera{};
    int width = 0, height = 0;
    unsigned long propsTime = 0;
    bool operator==(const Key&) const = default;
  };
  Key currentKey() const;
  void onWindowStart(vtkObject*, unsigned long, void*);
  void onBottomEnd(vtkObject*, unsigned long, void*);
  void onAboveStart(vtkObject*, unsigned long, void*);
  bool copy(vtkOpenGLFramebufferObject* from, vtkOpenGLFramebufferObject* to, int width, int height);

  vtkGenericOpenGLRenderWindow* window_;
  vtkRenderer* bottom_;
  vtkRenderer* above_;
  vtkSmartPointer<KeptPicture> picture_;
  Key key_;
  bool valid_ = false;
  bool usable_ = true;
  bool skipping_ = false;  // this frame reuses the picture
  std::uint64_t bottomRenders_ = 0, reuses_ = 0;
  unsigned long observers_[3] = {0, 0, 0};
};

}  // namespace ebsd::studio

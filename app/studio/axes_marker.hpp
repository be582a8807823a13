#pragma once
// A small x/y/z axes triad in a corner of a VTK view that turns with the view's camera (what
// vtkOrientationMarkerWidget does, without the InteractionWidgets module): red x, green y,
// blue z, the colours of the crosshair lines.
#include <vtkSmartPointer.h>

class vtkAxesActor;
class vtkRenderer;
class vtkRenderWindow;

namespace ebsd::studio {

class AxesMarker {
public:
  // Adds a corner renderer on `layer` (above the scene's) of `window`, following `main`'s camera.
  AxesMarker(vtkRenderWindow* window, vtkRenderer* main, int layer = 1);
  ~AxesMarker();
  AxesMarker(const AxesMarker&) = delete;
  AxesMarker& operator=(const AxesMarker&) = delete;

  // Copies the main camera's orientation; call before each render (the views do it from the
  // main renderer's StartEvent).
  void sync();

private:
  vtkRenderer* main_;
  vtkSmartPointer<vtkRenderer> corner_;
  vtkSmartPointer<vtkAxesActor> axes_;
};

}  // namespace ebsd::studio

#include "axes_marker.hpp"

#include <vtkAxesActor.h>
#include <vtkCamera.h>
#include <vtkCaptionActor2D.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>

namespace ebsd::studio {

AxesMarker::AxesMarker(vtkRenderWindow* window, vtkRenderer* main, int layer)
    : main_(main), corner_(vtkSmartPointer<vtkRenderer>::New()), axes_(vtkSmartPointer<vtkAxesActor>::New()) {
  if (window->GetNumberOfLayers() < layer + 1) window->SetNumberOfLayers(layer + 1);
  corner_->SetLayer(layer);
  corner_->SetViewport(0.0, 0.0, 0.16, 0.16);
  corner_->InteractiveOff();
  axes_->SetShaftTypeToCylinder();
  axes_->SetTotalLength(1.0, 1.0, 1.0);
  axes_->SetCylinderRadius(0.04);
  axes_->SetConeRadius(0.5);
  for (vtkCaptionActor2D* caption :
       {axes_->GetXAxisCaptionActor2D(), axes_->GetYAxisCaptionActor2D(), axes_->GetZAxisCaptionActor2D()}) {
    caption->GetTextActor()->SetTextScaleModeToNone();
    caption->GetCaptionTextProperty()->SetFontSize(14);
    caption->GetCaptionTextProperty()->ShadowOff();
    caption->GetCaptionTextProperty()->ItalicOff();
  }
  corner_->AddActor(axes_);
  window->AddRenderer(corner_);
}

AxesMarker::~AxesMarker() = default;

void AxesMarker::sync() {
  vtkCamera* from = main_->GetActiveCamera();
  vtkCamera* to = corner_->GetActiveCamera();
  double dir[3];
  from->GetDirectionOfProjection(dir);
  to->SetFocalPoint(0, 0, 0);
  to->SetPosition(-dir[0] * 5, -dir[1] * 5, -dir[2] * 5);
  to->SetViewUp(from->GetViewUp());
  to->ParallelProjectionOff();
  corner_->ResetCamera();
  to->Zoom(1.3);
}

}  // namespace ebsd::studio


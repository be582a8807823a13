// Stepping a slice renders again only the views whose picture changed, and what they show is
// what a full render shows: XZ and YZ only move their crosshair (an overlay, no VTK render), the
// 3D view redraws the slices over its kept layer (outline, axes), XY renders its new slice.
#include "gui_test_support.hpp"

#include <QMouseEvent>
#include <QWindow>
#include "view_colors.hpp"
#include "volume_view_3d.hpp"

#include <vtkCamera.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkRendererCollection.h>

namespace ebsd::studio::test {
namespace {

class IncrementalRendering : public StudioWindowTest {
protected:
  SliceView* xy() const { return window_->sliceView(SliceAxis::Z); }
  SliceView* xz() const { return window_->sliceView(SliceAxis::Y); }
  SliceView* yz() const { return window_->sliceView(SliceAxis::X); }
  VolumeView3D* view3d() const { return window_->view3D(); }

  // Runs the event loop until every view painted at least once more than in `frames`.
  void waitForPaints(const std::vector<quint64>& frames) {
    QElapsedTimer clock;
    clock.start();
    const std::vector<VtkBridgeWidget*> canvases = {xy()->canvas(), xz()->canvas(), yz()->canvas(), view3d()->canvas()};
    for (;;) {
      bool all = true;
      for (std::size_t k = 0; k < canvases.size(); ++k) all = all && canvases[k]->frameCount() > frames[k];
      if (all || clock.elapsed() > 5000) break;
      QApplication::processEvents(QEventLoop::AllEvents, 10);
    }
  }
  std::vector<quint64> frames() const {
    return {xy()->canvas()->frameCount(), xz()->canvas()->frameCount(), yz()->canvas()->frameCount(),
            view3d()->canvas()->frameCount()};
  }

  static std::array<std::uint8_t, 3> axisColour(int axis) {
    const auto& c = kAxisColors[static_cast<std::size_t>(axis)];
    return {static_cast<std::uint8_t>(std::lround(255 * c[0])), static_cast<std::uint8_t>(std::lround(255 * c[1])),
            static_cast<std::uint8_t>(std::lround(255 * c[2]))};
  }

  // The colour of the XZ view at the centre of voxel (x, ., z), and one pixel off it in z.
  std::array<int, 3> xzPixel(std::int64_t x, std::int64_t z, const QImage& frame) const {
    const auto point = xz()->canvasPointOfVoxel({x, window_->cursor().slice(SliceAxis::Y), z});
    EXPECT_TRUE(point.has_value());
    if (!point) return {-1, -1, -1};
    const qreal dpr = xz()->canvas()->devicePixelRatioF();
    const QColor c = frame.pixelColor(int(point->x() * dpr), int(point->y() * dpr));
    return {c.red(), c.green(), c.blue()};
  }
};

TEST_F(IncrementalRendering, SteppingZRendersXyAnd3DAndMovesTheCrosshairsOfXzAndYz) {
  openBlockVolume();
  window_->cursor().setPosition({30, 22, 5});
  QTest::qWait(300);  // every paint asked for so far has happened
  const auto before = frames();
  const quint64 xyRenders = xy()->canvas()->sceneRenderCount(), xzRenders = xz()->canvas()->sceneRenderCount(),
                yzRenders = yz()->canvas()->sceneRenderCount(), renders3d = view3d()->canvas()->sceneRenderCount();
  const std::uint64_t kept = view3d()->keptLayerRenders();
  window_->cursor().setSlice(SliceAxis::Z, 10);
  waitForPaints(before);
  // Every view painted; only XY and the 3D view rendered their scenes, the 3D view over its kept
  // layer.
  const auto after = frames();
  for (std::size_t k = 0; k < after.size(); ++k) EXPECT_GT(after[k], before[k]) << "view " << k;
  EXPECT_GT(xy()->canvas()->sceneRenderCount(), xyRenders);
  EXPECT_EQ(xz()->canvas()->sceneRenderCount(), xzRenders);
  EXPECT_EQ(yz()->canvas()->sceneRenderCount(), yzRenders);
  EXPECT_GT(view3d()->canvas()->sceneRenderCount(), renders3d);
  EXPECT_EQ(view3d()->keptLayerRenders(), kept);
  EXPECT_GT(view3d()->keptLayerReuses(), 0u);

  // XZ shows the z crosshair (the blue trace of the XY slice) on row 10, no longer on row 5,
  // where the voxel's own colour is back; the x trace (red) still runs through x = 30.
  const QImage frame = xz()->canvas()->grabFramebuffer();
  EXPECT_EQ(xz()->canvas()->sceneRenderCount(), xzRenders);  // grabbing needed no render either
  EXPECT_TRUE(sameColour(xzPixel(10, 10, frame), axisColour(2)));
  EXPECT_TRUE(sameColour(xzPixel(10, 5, frame), BlockVolume::ipf(10, 22, Eigen::Vector3d::UnitZ())));
  EXPECT_TRUE(sameColour(xzPixel(30, 2, frame), axisColour(0)));
  // XY shows slice 10's voxels.
  EXPECT_TRUE(sameColour(colourAt(xy(), {10, 7, 10}), BlockVolume::ipf(10, 7, Eigen::Vector3d::UnitZ())));
}

TEST_F(IncrementalRendering, The3DViewOverItsKeptLayerEqualsAFullRender) {
  window_->showSingleView(ViewId::ThreeD);
  openBlockVolume();
  for (std::int64_t z : {2, 7, 11}) {
    window_->cursor().setPosition({30 - z, 3 + z, z});
    settle();
    const std::uint64_t kept = view3d()->keptLayerRenders();
    const QImage reused = view3d()->canvas()->grabFramebuffer();
    EXPECT_EQ(view3d()->keptLayerRenders(), kept) << "z " << z;
    view3d()->invalidateKeptLayer();
    const QImage full = view3d()->canvas()->grabFramebuffer();
    EXPECT_EQ(view3d()->keptLayerRenders(), kept + 1) << "z " << z;
    ASSERT_EQ(reused.size(), full.size());
    int differing = 0;
    for (int y = 0; y < full.height(); ++y)
      for (int x = 0; x < full.width(); ++x) differing += reused.pixel(x, y) != full.pixel(x, y) ? 1 : 0;
    EXPECT_EQ(differing, 0) << "z " << z;
  }
}

TEST_F(IncrementalRendering, RotatingThe3DViewDrawsTheKeptLayerAgain) {
  window_->showSingleView(ViewId::ThreeD);
  openBlockVolume();
  const QImage before = view3d()->canvas()->grabFramebuffer();
  const std::uint64_t kept = view3d()->keptLayerRenders();
  vtkRenderer* renderer = view3d()->canvas()->renderWindow()->GetRenderers()->GetFirstRenderer();
  renderer->GetActiveCamera()->Azimuth(30);
  view3d()->refresh();
  const QImage after = view3d()->canvas()->grabFramebuffer();
  EXPECT_EQ(view3d()->keptLayerRenders(), kept + 1);
  EXPECT_NE(before, after);
}

TEST_F(IncrementalRendering, DraggingThe3DViewDrawsTheOutlineAndTheAxesComeBackOnRelease) {
  window_->showSingleView(ViewId::ThreeD);
  openBlockVolume();
  QWindow* target = view3d()->canvas()->glWindow();
  const QPointF centre(target->width() / 2.0, target->height() / 2.0);
  auto send = [&](QEvent::Type type, QPointF p, Qt::MouseButton button, Qt::MouseButtons buttons) {
    QMouseEvent e(type, p, target->mapToGlobal(p), button, buttons, Qt::NoModifier);
    QApplication::sendEvent(target, &e);
  };
  ASSERT_TRUE(view3d()->showsLabelledAxes());
  const QImage still = view3d()->canvas()->grabFramebuffer();
  send(QEvent::MouseButtonPress, centre, Qt::LeftButton, Qt::LeftButton);
  send(QEvent::MouseMove, centre + QPointF(40, 10), Qt::NoButton, Qt::LeftButton);
  EXPECT_FALSE(view3d()->showsLabelledAxes());
  const QImage moving = view3d()->canvas()->grabFramebuffer();
  EXPECT_NE(moving, still);
  const std::uint64_t kept = view3d()->keptLayerRenders();
  send(QEvent::MouseButtonRelease, centre + QPointF(40, 10), Qt::LeftButton, Qt::NoButton);
  EXPECT_TRUE(view3d()->showsLabelledAxes());
  // The release asks for the full-quality frame: the kept layer is drawn again, with the axes.
  const QImage after = view3d()->canvas()->grabFramebuffer();
  EXPECT_EQ(view3d()->keptLayerRenders(), kept + 1);
  // The labels are light grey text: there are more such pixels with the axes than without.
  auto lightGrey = [](const QImage& image) {
    int n = 0;
    for (int y = 0; y < image.height(); ++y)
      for (int x = 0; x < image.width(); ++x) {
        const QColor c = image.pixelColor(x, y);
        n += (c.red() > 150 && std::abs(c.red() - c.green()) < 12 && std::abs(c.red() - c.blue()) < 12) ? 1 : 0;
      }
    return n;
  };
  EXPECT_GT(lightGrey(after), lightGrey(moving) + 200);
}

}  // namespace
}  // namespace ebsd::studio::test

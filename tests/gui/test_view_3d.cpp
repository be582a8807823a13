// The 3D view: the orthogonal slices in place, and volume rendering reduced with a note when the
// grid is too large for interactive rendering.
#include "gui_test_support.hpp"
#include "volume_document.hpp"
#include "volume_view_3d.hpp"

namespace ebsd::studio::test {
namespace {

class View3D : public StudioWindowTest {};

TEST_F(View3D, ShowsTheThreeSlicesInTheirColours) {
  window_->showSingleView(ViewId::ThreeD);
  openBlockVolume();
  const QImage frame = window_->view3D()->canvas()->grabFramebuffer();
  int blocksSeen = 0;
  for (const auto& [x, y] : std::vector<std::pair<int, int>>{{10, 7}, {10, 22}, {30, 7}, {30, 22}})
    if (countColour(frame, BlockVolume::ipf(x, y, Eigen::Vector3d::UnitZ()), frame.rect()) > 1000) ++blocksSeen;
  EXPECT_GE(blocksSeen, 3);
}

TEST_F(View3D, MovingTheCursorMovesTheSlice) {
  window_->showSingleView(ViewId::ThreeD);
  openBlockVolume();
  const auto colour = BlockVolume::ipf(10, 7, Eigen::Vector3d::UnitZ());
  window_->cursor().setPosition({30, 22, 6});
  settle();
  const int before = countColour(window_->view3D()->canvas()->grabFramebuffer(), colour, window_->view3D()->canvas()->grabFramebuffer().rect());
  // With x at 5 the YZ slice no longer covers block 0's region seen before: the picture changes.
  window_->cursor().setPosition({5, 22, 6});
  settle();
  const int after = countColour(window_->view3D()->canvas()->grabFramebuffer(), colour, window_->view3D()->canvas()->grabFramebuffer().rect());
  EXPECT_NE(before, after);
}

TEST_F(View3D, VolumeRenderingOfALargeGridIsDownsampledWithAVisibleNote) {
  window_->showSingleView(ViewId::ThreeD);
  // 160 x 160 x 100 = 2.56 M voxels: over the interactive budget of 2^21 samples.
  auto v = std::make_shared<Volume>(Index3{160, 160, 100});
  for (std::int64_t i = 0; i < v->voxel_count(); ++i) {
    const auto c = v->coords(i);
    v->confidence()[static_cast<std::size_t>(i)] = static_cast<float>((c[0] + c[1] + c[2]) % 50) / 50.0f;
    v->valid()[static_cast<std::size_t>(i)] = 1;
  }
  v->phases().push_back(Phase{});
  window_->document().setOpened(v, QString(), nullptr);
  settle();
  const QImage background = window_->view3D()->canvas()->grabFramebuffer();
  window_->setVolumeRendering("ci");
  settle();
  EXPECT_EQ(window_->view3D()->volumeRenderingScalar(), "ci");
  EXPECT_TRUE(window_->view3D()->note().contains("downsampled 1/2")) << window_->view3D()->note().toStdString();
  const QImage rendered = window_->view3D()->canvas()->grabFramebuffer();
  EXPECT_NE(rendered, background);
  // Back to the slices: the note goes away.
  window_->setVolumeRendering(QString());
  EXPECT_TRUE(window_->view3D()->note().isEmpty());
}

}  // namespace
}  // namespace ebsd::studio::test

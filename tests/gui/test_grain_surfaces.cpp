// Grain surfaces in the 3D view: once the volume has grain ids, the boundaries are drawn as
// surfaces coloured by each grain's IPF colour, computed as a job, reduced with the same note
// as the volume rendering when the grid is large.
#include <QComboBox>

#include "grain_surfaces.hpp"
#include "gui_test_support.hpp"
#include "view_colors.hpp"
#include "volume_document.hpp"
#include "volume_view_3d.hpp"

namespace ebsd::studio::test {
namespace {

// Pixels whose colour is `rgb` shaded by lighting: s * rgb with s in [0.4, 1.05], within a few
// levels per channel.
int countShaded(const QImage& image, const std::array<std::uint8_t, 3>& rgb) {
  const double cc = double(rgb[0]) * rgb[0] + double(rgb[1]) * rgb[1] + double(rgb[2]) * rgb[2];
  int n = 0;
  for (int y = 0; y < image.height(); ++y)
    for (int x = 0; x < image.width(); ++x) {
      const QColor c = image.pixelColor(x, y);
      const double p[3] = {double(c.red()), double(c.green()), double(c.blue())};
      const double s = (p[0] * rgb[0] + p[1] * rgb[1] + p[2] * rgb[2]) / cc;
      if (s < 0.4 || s > 1.05) continue;
      bool close = true;
      for (int k = 0; k < 3; ++k) close = close && std::abs(p[k] - s * rgb[static_cast<std::size_t>(k)]) <= 6.0;
      if (close) ++n;
    }
  return n;
}

// The block volume with each block a grain (ids 1..4); unindexed voxels in none.
std::shared_ptr<Volume> segmentedBlocks() {
  auto v = std::make_shared<Volume>(BlockVolume::make());
  std::vector<std::int32_t> ids(static_cast<std::size_t>(v->voxel_count()), 0);
  for (std::int64_t i = 0; i < v->voxel_count(); ++i) {
    const auto c = v->coords(i);
    if (v->is_valid(i)) ids[static_cast<std::size_t>(i)] = 1 + BlockVolume::blockOf(c[0], c[1]);
  }
  v->set_grain_ids(std::move(ids));
  return v;
}

class GrainSurfacesView : public StudioWindowTest {};

TEST_F(GrainSurfacesView, ASegmentedVolumeShowsEachGrainInItsIpfColour) {
  window_->showSingleView(ViewId::ThreeD);
  window_->document().setOpened(segmentedBlocks(), QString(), nullptr);
  settle();
  // Offered in the 3D view's selector once there are grain ids.
  auto* selector = window_->view3D()->findChild<QComboBox*>();
  ASSERT_NE(selector, nullptr);
  EXPECT_GE(selector->findText(QStringLiteral("Grain surfaces")), 0);

  ASSERT_TRUE(window_->showGrainSurfaces());
  EXPECT_TRUE(window_->jobs().isBusy());  // computed as a job, not on the GUI thread
  window_->jobs().waitForIdle();
  settle();
  ASSERT_TRUE(window_->view3D()->showsGrainSurfaces());
  EXPECT_EQ(window_->view3D()->mode(), VolumeView3D::Mode::GrainSurfaces);
  EXPECT_TRUE(window_->view3D()->note().isEmpty());  // 14 400 voxels: no reduction

  const QImage frame = window_->view3D()->canvas()->grabFramebuffer();
  // The grains seen from the default viewpoint show their IPF-Z colours, shaded.
  int grainsSeen = 0;
  for (const auto& [x, y] : std::vector<std::pair<int, int>>{{10, 7}, {10, 22}, {30, 7}, {30, 22}}) {
    const int n = countShaded(frame, BlockVolume::ipf(x, y, Eigen::Vector3d::UnitZ()));
    if (n > 2000) ++grainsSeen;
  }
  EXPECT_GE(grainsSeen, 3);
  // Background away from the volume: the view's colour in the corners.
  const QColor corner = frame.pixelColor(3, frame.height() / 2);
  EXPECT_NEAR(corner.red(), 255 * kViewBackground[0], 3);
  EXPECT_NEAR(corner.blue(), 255 * kViewBackground[2], 3);
  // The orthogonal slices are hidden: no unshaded block colour of the slices' own remains
  // where the surfaces are, and going back to the slices hides the surfaces.
  window_->setVolumeRendering(QString());
  settle();
  EXPECT_FALSE(window_->view3D()->showsGrainSurfaces());
  EXPECT_EQ(window_->view3D()->mode(), VolumeView3D::Mode::Slices);
}

TEST_F(GrainSurfacesView, TheSurfacesAreTheBoundariesOfTheGrains) {
  // Built directly: every face lies between different grains, and each grain's colour is its
  // IPF colour.
  const auto v = segmentedBlocks();
  const VolumeRenderingPlan plan = planVolumeRendering(v->dims(), 2048);
  const GrainSurfaces s = buildGrainSurfaces(*v, plan, Eigen::Vector3d::UnitZ(), Progress::none());
  EXPECT_EQ(s.grainCount, 4);
  // Every voxel face between two different labels (0: outside, unindexed, the missing slice)
  // gives one quad per grain side, counted here from the grid by that definition.
  std::int64_t expected = 0;
  auto label = [&](std::int64_t x, std::int64_t y, std::int64_t z) -> std::int32_t {
    if (x < 0 || y < 0 || z < 0 || x >= v->nx() || y >= v->ny() || z >= v->nz()) return 0;
    const std::int64_t i = v->index(x, y, z);
    return v->is_valid(i) ? v->grain_ids()[static_cast<std::size_t>(i)] : 0;
  };
  for (std::int64_t z = -1; z < v->nz(); ++z)
    for (std::int64_t y = -1; y < v->ny(); ++y)
      for (std::int64_t x = -1; x < v->nx(); ++x) {
        const std::int32_t here = label(x, y, z);
        const std::array<std::array<std::int64_t, 3>, 3> next{{{x + 1, y, z}, {x, y + 1, z}, {x, y, z + 1}}};
        for (int a = 0; a < 3; ++a) {
          // The face must lie over the grid in the other two axes.
          const std::array<std::int64_t, 3> p{x, y, z};
          bool over = true;
          for (int k = 0; k < 3; ++k)
            if (k != a && p[static_cast<std::size_t>(k)] < 0) over = false;
          if (!over) continue;
          const auto& q = next[static_cast<std::size_t>(a)];
          const std::int32_t there = label(q[0], q[1], q[2]);
          if (here != there) expected += (here > 0) + (there > 0);
        }
      }
  EXPECT_EQ(s.faceCount, expected);
  EXPECT_EQ(s.surfaces->GetNumberOfCells(), expected);
  for (int block = 0; block < 4; ++block) {
    const std::int64_t x = block >= 2 ? 30 : 10, y = block % 2 ? 22 : 7;
    const auto c = grainSurfaceColour(*v, plan, block + 1, Eigen::Vector3d::UnitZ());
    EXPECT_TRUE(sameColour({c[0], c[1], c[2]}, BlockVolume::ipf(x, y, Eigen::Vector3d::UnitZ()), 1)) << "grain " << block + 1;
  }
}

TEST_F(GrainSurfacesView, ALargeGridIsReducedWithTheSameNoteAsTheVolumeRendering) {
  window_->showSingleView(ViewId::ThreeD);
  // 130^3 = 2.2 M voxels, over the 2^21-sample budget: eight octant grains.
  auto v = std::make_shared<Volume>(Index3{130, 130, 130});
  v->phases().push_back(Phase{"Nickel", LaueGroup::CubicHigh, {3.52, 3.52, 3.52, 90, 90, 90}});
  std::vector<std::int32_t> ids(static_cast<std::size_t>(v->voxel_count()));
  for (std::int64_t i = 0; i < v->voxel_count(); ++i) {
    const auto c = v->coords(i);
    const auto k = static_cast<std::size_t>(i);
    v->valid()[k] = 1;
    v->phase_ids()[k] = 1;
    const int octant = (c[0] >= 65) + 2 * (c[1] >= 65) + 4 * (c[2] >= 65);
    ids[k] = 1 + octant;
    v->set_orientation(i, quat_from_euler({0.3 * octant, 0.1 * octant, 0.0}));
  }
  v->set_grain_ids(std::move(ids));
  window_->document().setOpened(v, QString(), nullptr);
  settle();
  ASSERT_TRUE(window_->showGrainSurfaces());
  window_->jobs().waitForIdle();
  settle();
  ASSERT_TRUE(window_->view3D()->showsGrainSurfaces());
  EXPECT_TRUE(window_->view3D()->note().contains("downsampled 1/2")) << window_->view3D()->note().toStdString();
  const QImage frame = window_->view3D()->canvas()->grabFramebuffer();
  EXPECT_GT(countShaded(frame, ipf_color(v->orientation(0), Eigen::Vector3d::UnitZ(), LaueGroup::CubicHigh)), 1000);
}

}  // namespace
}  // namespace ebsd::studio::test

// Colouring by misorientation to a picked reference voxel: the views, the key, the readout,
// --screenshot and `ebsd export-png` all follow core's rule (slice_image.hpp).
#include <QAction>
#include <QComboBox>
#include <QMouseEvent>
#include <QProcess>

#include "ebsd/orientation/disorientation.hpp"
#include "ebsd/volume/slice_image.hpp"
#include "gui_test_support.hpp"
#include "legend_image.hpp"
#include "ortho_slice_images.hpp"

namespace ebsd::studio::test {
namespace {

constexpr double kDeg = 180.0 / std::numbers::pi;

// The angle from voxel (x, y) to the reference block 0 (identity, Nickel, m-3m), from core's
// orientation maths.
double angleToBlock0(std::int64_t x, std::int64_t y) {
  return disorientation_angle(quat_from_euler(BlockVolume::euler(BlockVolume::blockOf(x, y))),
                              quat_from_euler(BlockVolume::euler(0)), LaueGroup::CubicHigh) *
         kDeg;
}
// The top of the ramp by default: the largest angle over the Nickel voxels (blocks 0 and 1),
// rounded up.
double defaultTop() { return misorientation_nice_max_deg(std::max(angleToBlock0(10, 7), angleToBlock0(10, 22))); }

std::array<std::uint8_t, 3> expectedColour(std::int64_t x, std::int64_t y) {
  return misorientation_ramp_color(angleToBlock0(x, y) / defaultTop());
}

class Misorientation : public StudioWindowTest {
protected:
  SliceView* xy() const { return window_->sliceView(SliceAxis::Z); }
};

TEST_F(Misorientation, CtrlClickPicksTheReferenceAndTheViewsShowTheAngleRamp) {
  openBlockVolume();
  window_->cursor().setPosition({2, 2, 5});
  settle();
  // Ctrl+click on voxel (12, 4) of block 0 (identity, Nickel) in XY.
  const auto point = xy()->canvasPointOfVoxel({12, 4, 5});
  ASSERT_TRUE(point.has_value());
  QMouseEvent press(QEvent::MouseButtonPress, *point, xy()->canvas()->mapToGlobal(*point), Qt::LeftButton, Qt::LeftButton,
                    Qt::ControlModifier);
  QApplication::sendEvent(xy()->canvas()->glWindow(), &press);
  QMouseEvent release(QEvent::MouseButtonRelease, *point, xy()->canvas()->mapToGlobal(*point), Qt::LeftButton, Qt::NoButton,
                      Qt::ControlModifier);
  QApplication::sendEvent(xy()->canvas()->glWindow(), &release);
  settle();
  ASSERT_EQ(window_->coloringName(), "misorientation:12,4,5");
  EXPECT_EQ(window_->cursor().position(), (Index3{2, 2, 5}));  // Ctrl+click does not move the cursor

  // The block 1 angle is that of Bunge (30, 54.7, 45) to the identity: well above 0, below the top.
  ASSERT_GT(angleToBlock0(10, 22), 10.0);
  EXPECT_TRUE(sameColour(colourAt(xy(), {10, 7, 5}), misorientation_ramp_color(0.0)));  // same orientation: 0 deg
  EXPECT_TRUE(sameColour(colourAt(xy(), {10, 22, 5}), expectedColour(10, 22)));
  EXPECT_TRUE(sameColour(colourAt(xy(), {30, 7, 5}), {0, 0, 0}));   // Titanium: another phase, black
  EXPECT_TRUE(sameColour(colourAt(xy(), {30, 22, 5}), {0, 0, 0}));
  EXPECT_TRUE(sameColour(colourAt(xy(), {5, 5, 5}), {0, 0, 0}));    // not indexed
  // XZ shows the same rule at its voxels.
  EXPECT_TRUE(sameColour(colourAt(window_->sliceView(SliceAxis::Y), {10, 2, 9}), misorientation_ramp_color(0.0)));

  // The key: the ramp's two ends, and its range in the title area.
  const QImage key = window_->legend();
  const QRect all(0, 0, key.width(), key.height());
  EXPECT_GT(countColour(key, misorientation_ramp_color(1.0), all, 3), 20);
  EXPECT_GT(countColour(key, misorientation_ramp_color(0.0), all, 3), 20);
  EXPECT_DOUBLE_EQ(window_->sliceImages().scalarRange().second, defaultTop());

  // The readout gives the angle of the voxel under the pointer.
  const auto hover = xy()->canvasPointOfVoxel({10, 22, 5});
  QMouseEvent move(QEvent::MouseMove, *hover, xy()->canvas()->mapToGlobal(*hover), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
  QApplication::sendEvent(xy()->canvas()->glWindow(), &move);
  EXPECT_TRUE(window_->readoutText().contains(QStringLiteral("misorientation %1\u00b0").arg(angleToBlock0(10, 22), 0, 'f', 2)))
      << window_->readoutText().toStdString();

  // Colour by offers it, with its reference.
  auto* combo = window_->findChild<QComboBox*>("coloring");
  ASSERT_NE(combo, nullptr);
  EXPECT_EQ(combo->currentData().toString(), "misorientation:12,4,5");
}

TEST_F(Misorientation, TheActionUsesTheCursorVoxelAndAnUnindexedOneIsRefused) {
  openBlockVolume();
  window_->cursor().setPosition({30, 7, 5});  // Titanium, block 2
  settle();
  auto* action = window_->findChild<QAction*>("setMisorientationReference");
  ASSERT_NE(action, nullptr);
  action->trigger();
  settle();
  EXPECT_EQ(window_->coloringName(), "misorientation:30,7,5");
  // (Voxels away from the crosshair at x = 30, y = 7.)
  EXPECT_TRUE(sameColour(colourAt(xy(), {10, 10, 5}), {0, 0, 0}));  // Nickel is now the other phase
  // Block 3 (hexagonal) against block 2: a real angle, coloured by the ramp.
  EXPECT_FALSE(sameColour(colourAt(xy(), {34, 22, 5}), {0, 0, 0}));
  EXPECT_TRUE(sameColour(colourAt(xy(), {35, 10, 5}), misorientation_ramp_color(0.0)));

  // The unindexed column cannot be a reference: the reason is shown, nothing changes.
  window_->cursor().setPosition({5, 5, 5});
  EXPECT_FALSE(window_->setMisorientationReference({5, 5, 5}));
  EXPECT_TRUE(window_->lastError().contains("not indexed")) << window_->lastError().toStdString();
  EXPECT_EQ(window_->coloringName(), "misorientation:30,7,5");
}

TEST_F(Misorientation, ScreenshotAndExportPngColourLikeTheWindow) {
  const QString volume = dir_.filePath("blocks.ebsd.h5");
  io::write_volume(volume.toStdString(), BlockVolume::make());
  // ebsd-studio --screenshot: large areas of the expected colours.
  const QString shot = dir_.filePath("mis.png");
  QProcess studio;
  studio.start(QStringLiteral(EBSD_STUDIO_EXE),
               {volume, "--screenshot", shot, "--view", "xy", "--color", "misorientation:12,4,5", "--size", "800x600"});
  ASSERT_TRUE(studio.waitForFinished(120000));
  ASSERT_EQ(studio.exitCode(), 0) << studio.readAllStandardError().toStdString();
  const QImage image(shot);
  ASSERT_FALSE(image.isNull());
  const QRect view(0, 0, image.width() - kLegendWidth, image.height());
  EXPECT_GT(countColour(image, misorientation_ramp_color(0.0), view), 20000);
  EXPECT_GT(countColour(image, expectedColour(10, 22), view), 20000);

  // ebsd export-png (core's slice_image): one pixel per voxel.
  const QString png = dir_.filePath("export.png");
  QProcess cli;
  cli.start(QStringLiteral(EBSD_CLI_EXE), {"export-png", volume, "--axis", "z", "--index", "5", "--color", "misorientation:12,4,5", "-o", png});
  ASSERT_TRUE(cli.waitForFinished(120000));
  ASSERT_EQ(cli.exitCode(), 0) << cli.readAllStandardError().toStdString();
  const QImage exported(png);
  ASSERT_EQ(exported.size(), QSize(int(BlockVolume::nx), int(BlockVolume::ny)));
  auto at = [&](int x, int y) {
    const QColor c = exported.pixelColor(x, y);
    return std::array<int, 3>{c.red(), c.green(), c.blue()};
  };
  // Within one level: the expected angle is computed from the exact orientations, the file holds
  // them as float.
  EXPECT_TRUE(sameColour(at(10, 7), misorientation_ramp_color(0.0), 1));
  EXPECT_TRUE(sameColour(at(10, 22), expectedColour(10, 22), 1));
  EXPECT_TRUE(sameColour(at(30, 22), {0, 0, 0}, 0));

  // A reference outside the volume: exit code 1 and the reason.
  QProcess bad;
  bad.start(QStringLiteral(EBSD_STUDIO_EXE), {volume, "--screenshot", dir_.filePath("bad.png"), "--color", "misorientation:99,0,0"});
  ASSERT_TRUE(bad.waitForFinished(120000));
  EXPECT_EQ(bad.exitCode(), 1);
  EXPECT_TRUE(QString::fromLocal8Bit(bad.readAllStandardError()).contains("outside the volume"));
}

}  // namespace
}  // namespace ebsd::studio::test

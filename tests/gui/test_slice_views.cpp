// The slice views show the voxels where they are, in core's colours, with the marks, the key,
// the readout and the linked crosshairs a user relies on.
#include <QKeyEvent>
#include <QMessageBox>
#include <QMouseEvent>
#include <QWheelEvent>
#include <QWindow>

#include "gui_test_support.hpp"
#include "legend_image.hpp"
#include "ortho_slice_images.hpp"
#include "slice_cursor.hpp"
#include "volume_document.hpp"

namespace ebsd::studio::test {
namespace {

class SliceViews : public StudioWindowTest {
protected:
  SliceView* xy() const { return window_->sliceView(SliceAxis::Z); }
  SliceView* xz() const { return window_->sliceView(SliceAxis::Y); }
  SliceView* yz() const { return window_->sliceView(SliceAxis::X); }

  void sendMouse(SliceView* view, QEvent::Type type, const Index3& voxel, Qt::MouseButton button = Qt::NoButton) {
    const auto point = view->canvasPointOfVoxel(voxel);
    ASSERT_TRUE(point.has_value());
    QMouseEvent event(type, *point, view->canvas()->mapToGlobal(*point), button,
                      type == QEvent::MouseMove ? Qt::NoButton : button, Qt::NoModifier);
    QApplication::sendEvent(view->canvas()->glWindow(), &event);
  }
};

TEST_F(SliceViews, EachBlockShowsItsIpfColourAtItsVoxelsInXY) {
  openBlockVolume();
  // The crosshair lines cross at (2, 2): clear of the voxels looked at.
  window_->cursor().setPosition({2, 2, 5});
  settle();
  for (const auto& [x, y] : std::vector<std::pair<int, int>>{{10, 7}, {10, 22}, {30, 7}, {30, 22}, {19, 14}, {20, 15}})
    EXPECT_TRUE(sameColour(colourAt(xy(), {x, y, 5}), BlockVolume::ipf(x, y, Eigen::Vector3d::UnitZ())))
        << "voxel " << x << ", " << y;
}

TEST_F(SliceViews, XzAndYzShowTheVoxelsOfTheirSlices) {
  openBlockVolume();
  window_->cursor().setPosition({30, 22, 5});
  settle();
  // XZ at y = 22: blocks 1 (x < 20) and 3; YZ at x = 30: blocks 2 (y < 15) and 3.
  EXPECT_TRUE(sameColour(colourAt(xz(), {10, 22, 9}), BlockVolume::ipf(10, 22, Eigen::Vector3d::UnitZ())));
  EXPECT_TRUE(sameColour(colourAt(xz(), {35, 22, 0}), BlockVolume::ipf(35, 22, Eigen::Vector3d::UnitZ())));
  EXPECT_TRUE(sameColour(colourAt(yz(), {30, 4, 11}), BlockVolume::ipf(30, 4, Eigen::Vector3d::UnitZ())));
  EXPECT_TRUE(sameColour(colourAt(yz(), {30, 29, 6}), BlockVolume::ipf(30, 29, Eigen::Vector3d::UnitZ())));
}

TEST_F(SliceViews, IpfAlongXUsesTheXSampleDirection) {
  openBlockVolume();
  ASSERT_TRUE(window_->setColoring("ipf-x"));
  window_->cursor().setPosition({2, 2, 6});
  settle();
  for (const auto& [x, y] : std::vector<std::pair<int, int>>{{10, 7}, {10, 22}, {30, 7}, {30, 22}})
    EXPECT_TRUE(sameColour(colourAt(xy(), {x, y, 6}), BlockVolume::ipf(x, y, Eigen::Vector3d::UnitX())));
}

TEST_F(SliceViews, AnUnindexedVoxelIsBlack) {
  openBlockVolume();
  window_->cursor().setPosition({2, 2, 5});
  settle();
  EXPECT_TRUE(sameColour(colourAt(xy(), {5, 5, 5}), {0, 0, 0}));
  EXPECT_FALSE(sameColour(colourAt(xy(), {6, 5, 5}), {0, 0, 0}));
}

TEST_F(SliceViews, ConfidenceIsAGreyRampFromTheSmallestToTheLargestValidValue) {
  openBlockVolume();
  ASSERT_TRUE(window_->setColoring("ci"));
  window_->cursor().setPosition({2, 2, 5});
  settle();
  // CI = 0.2 + 0.02 x as stored (float): black at x = 0, white at x = 39.
  const double lo = static_cast<float>(0.2), hi = static_cast<float>(0.2 + 0.02 * 39);
  for (int x : {0, 13, 27, 39}) {
    const double ci = static_cast<float>(0.2 + 0.02 * x);
    const auto g = static_cast<std::uint8_t>(std::lround(255.0 * (ci - lo) / (hi - lo)));
    EXPECT_TRUE(sameColour(colourAt(xy(), {x, 20, 5}), {g, g, g})) << "x = " << x;
  }
}

TEST_F(SliceViews, MissingAndDamagedSlicesAreMarked) {
  openBlockVolume();
  window_->cursor().setPosition({2, 7, BlockVolume::missing});
  settle();
  // XY on the missing slice: a red frame on the grid's edge (the voxels themselves are black).
  const auto inside = xy()->canvasPointOfVoxel({0, 15, BlockVolume::missing});
  ASSERT_TRUE(inside);
  const auto right = xy()->canvasPointOfVoxel({1, 15, BlockVolume::missing});
  const double voxelPixels = right->x() - inside->x();
  const QImage frame = xy()->canvas()->grabFramebuffer();
  const QColor edge = frame.pixelColor(int(inside->x() - voxelPixels / 2), int(inside->y()));
  EXPECT_GT(edge.red(), 200);
  EXPECT_LT(edge.green(), 60);
  EXPECT_TRUE(sameColour(colourAt(xy(), {10, 9, BlockVolume::missing}), {0, 0, 0}));
  // The readout says so too.
  sendMouse(xy(), QEvent::MouseMove, {10, 9, BlockVolume::missing});
  EXPECT_TRUE(window_->readoutText().contains("MISSING SLICE")) << window_->readoutText().toStdString();

  // XZ (crosshair away from the rows looked at): the missing row is a red band over black, the damaged row an orange band over the data.
  window_->cursor().setPosition({2, 7, 5});
  settle();
  const auto missingRow = colourAt(xz(), {10, 7, BlockVolume::missing});
  EXPECT_GT(missingRow[0], 90);
  EXPECT_LT(missingRow[1], 30);
  EXPECT_LT(missingRow[2], 30);
  const auto data = BlockVolume::ipf(10, 7, Eigen::Vector3d::UnitZ());
  const auto damagedRow = colourAt(xz(), {10, 7, BlockVolume::damaged});
  const double a = 120.0 / 255.0;  // the band's opacity, orange (255, 153, 0)
  EXPECT_TRUE(sameColour(damagedRow, {static_cast<std::uint8_t>(std::lround(a * 255 + (1 - a) * data[0])),
                                      static_cast<std::uint8_t>(std::lround(a * 153 + (1 - a) * data[1])),
                                      static_cast<std::uint8_t>(std::lround(a * 0 + (1 - a) * data[2]))},
                         6));
}

TEST_F(SliceViews, TheLegendDrawsTheIpfKeyOfEachLaueGroup) {
  openBlockVolume();
  const QImage legend = window_->legend();
  int key = 0;
  for (LaueGroup g : {LaueGroup::CubicHigh, LaueGroup::HexagonalHigh}) {
    const QPoint origin = legendKeyOrigin(key++);
    const auto corners = ipf_sector_corners(g);
    for (int c = 0; c < 3; ++c) {
      // A point just inside each corner of the sector: red, green and blue dominate there.
      const Eigen::Vector3d d = (0.9 * corners[static_cast<std::size_t>(c)].direction +
                                 0.05 * corners[static_cast<std::size_t>((c + 1) % 3)].direction +
                                 0.05 * corners[static_cast<std::size_t>((c + 2) % 3)].direction)
                                    .normalized();
      const Eigen::Vector2d p = ipf_key_pixel(g, kLegendKeySize, d);
      const QColor seen = legend.pixelColor(origin.x() + int(p.x()), origin.y() + int(p.y()));
      const Eigen::Vector3d expected = ipf_color_of_direction(d, g) * 255.0;
      EXPECT_NEAR(seen.red(), expected.x(), 16) << laue_symbol(g) << " corner " << c;
      EXPECT_NEAR(seen.green(), expected.y(), 16) << laue_symbol(g) << " corner " << c;
      EXPECT_NEAR(seen.blue(), expected.z(), 16) << laue_symbol(g) << " corner " << c;
    }
  }
}

TEST_F(SliceViews, HoverReadsOutTheVoxelUnderThePointer) {
  openBlockVolume();
  window_->cursor().setSlice(SliceAxis::Z, 5);
  settle();
  sendMouse(xy(), QEvent::MouseMove, {30, 22, 5});
  const QString text = window_->readoutText();
  EXPECT_TRUE(text.contains("voxel (30, 22, 5)")) << text.toStdString();
  EXPECT_TRUE(text.contains(QString::fromUtf8("at (15, 11, 2.5) \u00b5m"))) << text.toStdString();
  EXPECT_TRUE(text.contains(QString::fromUtf8("Euler (10.0\u00b0, 80.0\u00b0, 20.0\u00b0)"))) << text.toStdString();
  EXPECT_TRUE(text.contains("phase 2 Titanium")) << text.toStdString();
  EXPECT_TRUE(text.contains("CI 0.800")) << text.toStdString();
  EXPECT_TRUE(text.contains("IQ 122")) << text.toStdString();
  EXPECT_TRUE(text.contains("bse 660")) << text.toStdString();
}

TEST_F(SliceViews, ClickingMovesTheLinkedCrosshairsOfTheOtherViews) {
  openBlockVolume();
  window_->cursor().setSlice(SliceAxis::Z, 5);
  settle();
  sendMouse(xy(), QEvent::MouseButtonPress, {33, 20, 5}, Qt::LeftButton);
  sendMouse(xy(), QEvent::MouseButtonRelease, {33, 20, 5}, Qt::LeftButton);
  settle();
  EXPECT_EQ(window_->cursor().position(), (Index3{33, 20, 5}));
  // XZ now shows y = 20 and YZ x = 33: their voxels are the clicked row and column.
  EXPECT_TRUE(xz()->canvasPointOfVoxel({0, 20, 0}).has_value());
  EXPECT_FALSE(xz()->canvasPointOfVoxel({0, 19, 0}).has_value());
  EXPECT_TRUE(yz()->canvasPointOfVoxel({33, 0, 0}).has_value());
  EXPECT_TRUE(sameColour(colourAt(yz(), {33, 2, 9}), BlockVolume::ipf(33, 2, Eigen::Vector3d::UnitZ())));
}

TEST_F(SliceViews, KeysStepThroughTheSlices) {
  openBlockVolume();
  window_->cursor().setSlice(SliceAxis::Z, 5);
  QTest::keyClick(xy()->canvas()->glWindow(), Qt::Key_Up);
  EXPECT_EQ(window_->cursor().slice(SliceAxis::Z), 6);
  QTest::keyClick(xy()->canvas()->glWindow(), Qt::Key_PageUp);
  EXPECT_EQ(window_->cursor().slice(SliceAxis::Z), 5);
  QTest::keyClick(xy()->canvas()->glWindow(), Qt::Key_Up, Qt::ShiftModifier);
  EXPECT_EQ(window_->cursor().slice(SliceAxis::Z), BlockVolume::nz - 1);  // clamped at the last slice
  QTest::keyClick(xy()->canvas()->glWindow(), Qt::Key_Home);
  EXPECT_EQ(window_->cursor().slice(SliceAxis::Z), 0);
  // The view follows: slice 0's voxels are the ones shown.
  settle();
  EXPECT_TRUE(sameColour(colourAt(xy(), {30, 7, 0}), BlockVolume::ipf(30, 7, Eigen::Vector3d::UnitZ())));
}

TEST_F(SliceViews, WheelZoomKeepsTheVoxelUnderThePointer) {
  openBlockVolume();
  const Index3 v{30, 22, window_->cursor().slice(SliceAxis::Z)};
  const auto before = xy()->canvasPointOfVoxel(v);
  const auto neighbourBefore = xy()->canvasPointOfVoxel({31, 22, v[2]});
  ASSERT_TRUE(before && neighbourBefore);
  QWheelEvent wheel(*before, xy()->canvas()->mapToGlobal(*before), {}, QPoint(0, 240), Qt::NoButton, Qt::NoModifier,
                    Qt::NoScrollPhase, false);
  QApplication::sendEvent(xy()->canvas()->glWindow(), &wheel);
  const auto after = xy()->canvasPointOfVoxel(v);
  const auto neighbourAfter = xy()->canvasPointOfVoxel({31, 22, v[2]});
  EXPECT_NEAR(after->x(), before->x(), 1.0);
  EXPECT_NEAR(after->y(), before->y(), 1.0);
  // Two wheel steps of 0.85 each: voxels grow by 1 / 0.85^2.
  EXPECT_NEAR(neighbourAfter->x() - after->x(), (neighbourBefore->x() - before->x()) / (0.85 * 0.85), 0.5);
}

TEST_F(SliceViews, ARealAngMapShowsEachPointInItsIpfColour) {
  const QString path = QStringLiteral(EBSD_SHARED_DIR "/data/real/small_in100/Small_IN100_slice_Out_Of_Order.ang");
  window_->showSingleView(ViewId::XY);
  ASSERT_TRUE(window_->openFileAndWait(path)) << window_->lastError().toStdString();
  settle();
  const auto volume = window_->document().volume();
  ASSERT_EQ(volume->nz(), 1);
  EXPECT_EQ(volume->nx(), 189);
  EXPECT_EQ(volume->ny(), 201);
  const QImage frame = xy()->canvas()->grabFramebuffer();
  const Index3 cursor = window_->cursor().position();
  int checked = 0, indexed = 0;
  for (std::int64_t i = 0; i < volume->voxel_count(); i += 97) {
    const Index3 c = volume->coords(i);
    if (c[0] == cursor[0] || c[1] == cursor[1]) continue;  // under the crosshair lines
    const auto point = xy()->canvasPointOfVoxel(c);
    ASSERT_TRUE(point);
    const QColor seen = frame.pixelColor(int(point->x()), int(point->y()));
    std::array<std::uint8_t, 3> expected{0, 0, 0};
    if (volume->is_valid(i) && volume->phase_of(i)) {
      expected = ipf_color(volume->orientation(i), Eigen::Vector3d::UnitZ(), volume->phase_of(i)->laue);
      ++indexed;
    }
    EXPECT_TRUE(sameColour({seen.red(), seen.green(), seen.blue()}, expected)) << "voxel " << c[0] << ", " << c[1];
    ++checked;
  }
  EXPECT_GT(checked, 300);
  EXPECT_GT(indexed, checked / 2);
  sendMouse(xy(), QEvent::MouseMove, {100, 100, 0});
  EXPECT_TRUE(window_->readoutText().contains("Nickel")) << window_->readoutText().toStdString();
}

TEST_F(SliceViews, AnUnreadableFileGivesAClearErrorAndChangesNothing) {
  openBlockVolume();
  const auto before = window_->document().volume();
  const QString path = dir_.filePath("broken.ang");
  {
    QFile f(path);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write("# not really an ang file\n1 2 3\n");
  }
  EXPECT_FALSE(window_->openFileAndWait(path));
  EXPECT_TRUE(window_->lastError().contains(path)) << window_->lastError().toStdString();
  EXPECT_EQ(window_->document().volume(), before);
  QMessageBox* box = window_->findChild<QMessageBox*>("errorDialog");
  ASSERT_NE(box, nullptr);
  EXPECT_TRUE(box->isVisible());
  EXPECT_TRUE(box->text().contains("broken.ang"));
  box->close();
}

}  // namespace
}  // namespace ebsd::studio::test

#pragma once
// What the GUI tests share: a hand-made volume whose every voxel is known (so expected colours
// are computed from the definition, not read back from the code under test), a window with
// settings of its own, and pixel helpers.
#include <gtest/gtest.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QImage>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

#include <array>
#include <cmath>
#include <memory>
#include <numbers>

#include "ebsd/io/volume_file.hpp"
#include "ebsd/orientation/ipf.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "job_runner.hpp"
#include "main_window.hpp"
#include "slice_cursor.hpp"
#include "slice_view.hpp"
#include "vtk_bridge_widget.hpp"

namespace ebsd::studio::test {

// 40 x 30 x 12 voxels of 0.5 um: four blocks in x-y (through every z), each one orientation.
// x < 20 is phase 1 "Nickel" (m-3m), x >= 20 phase 2 "Titanium" (6/mmm). Voxel (5, 5, z) is not
// indexed. CI = 0.2 + 0.02 x, IQ = 100 + y, channel "bse" = x * y. Slice 3 is missing (its
// voxels invalid), slice 8 damaged.
struct BlockVolume {
  static constexpr std::int64_t nx = 40, ny = 30, nz = 12;
  static constexpr std::int64_t missing = 3, damaged = 8;

  // Bunge angles (degrees) of the block at (x >= 20, y >= 15) as bit pattern 2*right + bottom.
  static Euler euler(int block) {
    constexpr double d = std::numbers::pi / 180.0;
    const std::array<Euler, 4> e{Euler{0.0, 0.0, 0.0}, Euler{30 * d, 54.7356 * d, 45 * d}, Euler{90 * d, 45 * d, 0.0},
                                 Euler{10 * d, 80 * d, 20 * d}};
    return e[static_cast<std::size_t>(block)];
  }
  static int blockOf(std::int64_t x, std::int64_t y) { return 2 * (x >= 20 ? 1 : 0) + (y >= 15 ? 1 : 0); }
  static LaueGroup laueOf(std::int64_t x) { return x >= 20 ? LaueGroup::HexagonalHigh : LaueGroup::CubicHigh; }
  static bool indexed(std::int64_t x, std::int64_t y, std::int64_t z) { return !(x == 5 && y == 5) && z != missing; }

  static Volume make() {
    Volume v({nx, ny, nz}, {0.5, 0.5, 0.5});
    v.phases() = {Phase{"Nickel", LaueGroup::CubicHigh, {3.52, 3.52, 3.52, 90, 90, 90}},
                  Phase{"Titanium", LaueGroup::HexagonalHigh, {2.95, 2.95, 4.68, 90, 90, 120}}};
    Channel bse;
    bse.values.resize(static_cast<std::size_t>(v.voxel_count()));
    for (std::int64_t z = 0; z < nz; ++z)
      for (std::int64_t y = 0; y < ny; ++y)
        for (std::int64_t x = 0; x < nx; ++x) {
          const std::int64_t i = v.index(x, y, z);
          const auto k = static_cast<std::size_t>(i);
          v.set_orientation(i, quat_from_euler(euler(blockOf(x, y))));
          v.phase_ids()[k] = x >= 20 ? 2 : 1;
          v.confidence()[k] = static_cast<float>(0.2 + 0.02 * static_cast<double>(x));
          v.image_quality()[k] = static_cast<float>(100 + y);
          v.valid()[k] = indexed(x, y, z) ? 1 : 0;
          bse.values[k] = static_cast<float>(x * y);
        }
    v.set_channel("bse", std::move(bse));
    v.mark_missing(missing);
    v.mark_damaged(damaged);
    return v;
  }

  // The IPF colour of voxel (x, y, .) along `direction`, from core's orientation maths.
  static std::array<std::uint8_t, 3> ipf(std::int64_t x, std::int64_t y, const Eigen::Vector3d& direction) {
    return ipf_color(quat_from_euler(euler(blockOf(x, y))), direction, laueOf(x));
  }
};

// A window with settings in a temporary folder, shown and exposed.
class StudioWindowTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.isValid());
    settings_ = std::make_unique<QSettings>(dir_.filePath("studio.ini"), QSettings::IniFormat);
    window_ = std::make_unique<MainWindow>(*settings_);
    window_->resize(1400, 1000);
    window_->show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(window_.get()));
  }
  void TearDown() override {
    window_->jobs().cancel();
    window_->jobs().waitForIdle();
    window_.reset();
  }

  // Writes the block volume as a native file and opens it.
  QString openBlockVolume() {
    const QString path = dir_.filePath("blocks.ebsd.h5");
    io::write_volume(path.toStdString(), BlockVolume::make());
    EXPECT_TRUE(window_->openFileAndWait(path)) << window_->lastError().toStdString();
    settle();
    return path;
  }

  // Lets pending paints and queued signals run.
  static void settle() {
    for (int i = 0; i < 5; ++i) QApplication::processEvents();
  }

  // The colour the view shows at the centre of `voxel` (which must be on its slice).
  static std::array<int, 3> colourAt(SliceView* view, const Index3& voxel) {
    const QImage frame = view->canvas()->grabFramebuffer();
    const auto point = view->canvasPointOfVoxel(voxel);
    EXPECT_TRUE(point.has_value());
    if (!point) return {-1, -1, -1};
    const qreal dpr = view->canvas()->devicePixelRatioF();
    const QColor c = frame.pixelColor(int(point->x() * dpr), int(point->y() * dpr));
    return {c.red(), c.green(), c.blue()};
  }

  QTemporaryDir dir_;
  std::unique_ptr<QSettings> settings_;
  std::unique_ptr<MainWindow> window_;
};

// Channels equal within `tolerance` (8-bit rounding in GL).
inline ::testing::AssertionResult sameColour(const std::array<int, 3>& seen, const std::array<std::uint8_t, 3>& expected,
                                            int tolerance = 2) {
  for (int k = 0; k < 3; ++k)
    if (std::abs(seen[static_cast<std::size_t>(k)] - int(expected[static_cast<std::size_t>(k)])) > tolerance)
      return ::testing::AssertionFailure() << "seen (" << seen[0] << ", " << seen[1] << ", " << seen[2] << "), expected ("
                                           << int(expected[0]) << ", " << int(expected[1]) << ", " << int(expected[2]) << ")";
  return ::testing::AssertionSuccess();
}

// How many pixels of `image` in the rectangle have exactly this colour (within tolerance).
inline int countColour(const QImage& image, const std::array<std::uint8_t, 3>& rgb, const QRect& area, int tolerance = 2) {
  int n = 0;
  for (int y = area.top(); y <= area.bottom(); ++y)
    for (int x = area.left(); x <= area.right(); ++x) {
      const QColor c = image.pixelColor(x, y);
      if (std::abs(c.red() - rgb[0]) <= tolerance && std::abs(c.green() - rgb[1]) <= tolerance &&
          std::abs(c.blue() - rgb[2]) <= tolerance)
        ++n;
    }
  return n;
}

}  // namespace ebsd::studio::test

// `ebsd-studio FILE --screenshot PATH`: renders once, writes the view with its colour key, exits;
// and fails loudly on a file it cannot read.
#include <QProcess>

#include "gui_test_support.hpp"
#include "legend_image.hpp"

namespace ebsd::studio::test {
namespace {

struct StudioRun {
  int exitCode = -1;
  QString stdErr;
};

StudioRun runStudio(const QStringList& args) {
  QProcess p;
  p.start(QStringLiteral(EBSD_STUDIO_EXE), args);
  EXPECT_TRUE(p.waitForFinished(120000));
  return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromLocal8Bit(p.readAllStandardError())};
}

class ScreenshotMode : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.isValid());
    volume_ = dir_.filePath("blocks.ebsd.h5");
    io::write_volume(volume_.toStdString(), BlockVolume::make());
  }
  QTemporaryDir dir_;
  QString volume_;
};

TEST_F(ScreenshotMode, WritesTheViewInIpfColoursWithTheKeyBesideIt) {
  const QString png = dir_.filePath("xy.png");
  const StudioRun r = runStudio({volume_, "--screenshot", png, "--view", "xy", "--size", "900x700"});
  ASSERT_EQ(r.exitCode, 0) << r.stdErr.toStdString();
  QImage image(png);
  ASSERT_FALSE(image.isNull());
  const int viewWidth = image.width() - kLegendWidth;
  ASSERT_GT(viewWidth, 500);
  // Each block covers a quarter of the slice: a large area of exactly its IPF-Z colour.
  const QRect view(0, 0, viewWidth, image.height());
  for (const auto& [x, y] : std::vector<std::pair<int, int>>{{10, 7}, {10, 22}, {30, 7}, {30, 22}})
    EXPECT_GT(countColour(image, BlockVolume::ipf(x, y, Eigen::Vector3d::UnitZ()), view), 20000) << "block at " << x << ", " << y;
  // The key of m-3m sits in the legend: red at [001], green at [101], blue at [111].
  const QPoint key = legendKeyOrigin(0) + QPoint(viewWidth, 0);
  const auto corners = ipf_sector_corners(LaueGroup::CubicHigh);
  for (int c = 0; c < 3; ++c) {
    const Eigen::Vector3d d = (0.94 * corners[static_cast<std::size_t>(c)].direction +
                               0.03 * corners[static_cast<std::size_t>((c + 1) % 3)].direction +
                               0.03 * corners[static_cast<std::size_t>((c + 2) % 3)].direction)
                                  .normalized();
    const Eigen::Vector2d p = ipf_key_pixel(LaueGroup::CubicHigh, kLegendKeySize, d);
    const QColor seen = image.pixelColor(key.x() + int(p.x()), key.y() + int(p.y()));
    // The dominant channel of each corner is the one of its pure colour.
    const int channels[3] = {seen.red(), seen.green(), seen.blue()};
    EXPECT_EQ(std::max_element(channels, channels + 3) - channels, c) << "corner " << c;
  }
}

TEST_F(ScreenshotMode, ColourOptionSelectsTheColouring) {
  const QString png = dir_.filePath("phase.png");
  const StudioRun r = runStudio({volume_, "--screenshot", png, "--view", "xy", "--color", "phase", "--size", "800x600"});
  ASSERT_EQ(r.exitCode, 0) << r.stdErr.toStdString();
  QImage image(png);
  const QRect view(0, 0, image.width() - kLegendWidth, image.height());
  // Two phases, two palette colours over half the slice each.
  EXPECT_GT(countColour(image, phasePaletteColor(1), view), 30000);
  EXPECT_GT(countColour(image, phasePaletteColor(2), view), 30000);
}

TEST_F(ScreenshotMode, ThreeDViewShowsTheSlices) {
  const QString png = dir_.filePath("3d.png");
  const StudioRun r = runStudio({volume_, "--screenshot", png, "--size", "800x700"});
  ASSERT_EQ(r.exitCode, 0) << r.stdErr.toStdString();
  QImage image(png);
  const QRect view(0, 0, image.width() - kLegendWidth, image.height());
  int blocksSeen = 0;
  for (const auto& [x, y] : std::vector<std::pair<int, int>>{{10, 7}, {10, 22}, {30, 7}, {30, 22}})
    if (countColour(image, BlockVolume::ipf(x, y, Eigen::Vector3d::UnitZ()), view) > 1000) ++blocksSeen;
  EXPECT_GE(blocksSeen, 3);
}

TEST_F(ScreenshotMode, AnUnreadableFileFailsWithAMessageAndNoPicture) {
  const QString broken = dir_.filePath("broken.ctf");
  {
    QFile f(broken);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write("Channel Text File\nthis is not a map\n");
  }
  const QString png = dir_.filePath("never.png");
  const StudioRun r = runStudio({broken, "--screenshot", png});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_TRUE(r.stdErr.contains(broken)) << r.stdErr.toStdString();
  EXPECT_FALSE(QFile::exists(png));
}

TEST_F(ScreenshotMode, AnUnknownColouringFailsWithTheChoicesNamed) {
  const StudioRun r = runStudio({volume_, "--screenshot", dir_.filePath("x.png"), "--color", "sparkle"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_TRUE(r.stdErr.contains("sparkle")) << r.stdErr.toStdString();
  EXPECT_TRUE(r.stdErr.contains("ipf-z")) << r.stdErr.toStdString();
}

TEST_F(ScreenshotMode, BadArgumentsExitWithUsageError) {
  const StudioRun r = runStudio({volume_, "--view", "sideways"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_TRUE(r.stdErr.contains("--view")) << r.stdErr.toStdString();
}

}  // namespace
}  // namespace ebsd::studio::test

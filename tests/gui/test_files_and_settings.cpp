// Opening by drag and drop, saving natively and exporting through every writer, and what is
// remembered between runs.
#include <QDropEvent>
#include <QMimeData>
#include <QUrl>

#include "data_panel.hpp"
#include "ebsd/io/format_registry.hpp"
#include "gui_test_support.hpp"
#include "recent_files.hpp"
#include "volume_document.hpp"

namespace ebsd::studio::test {
namespace {

class FilesAndSettings : public StudioWindowTest {};

TEST_F(FilesAndSettings, DroppingAFileOpensIt) {
  const QString path = dir_.filePath("dropped.ebsd.h5");
  io::write_volume(path.toStdString(), BlockVolume::make());
  QMimeData mime;
  mime.setUrls({QUrl::fromLocalFile(path)});
  const QPoint at = window_->rect().center();
  QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(window_.get(), &enter);
  EXPECT_TRUE(enter.isAccepted());
  QDropEvent drop(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(window_.get(), &drop);
  window_->jobs().waitForIdle();
  ASSERT_TRUE(window_->document().hasVolume());
  EXPECT_EQ(window_->document().filePath(), path);
  EXPECT_EQ(window_->document().volume()->dims(), (Index3{BlockVolume::nx, BlockVolume::ny, BlockVolume::nz}));
}

TEST_F(FilesAndSettings, SavingWritesTheNativeFileWithEverythingInIt) {
  openBlockVolume();
  const QString saved = dir_.filePath("saved.ebsd.h5");
  ASSERT_TRUE(window_->saveTo(saved));
  window_->jobs().waitForIdle();
  ASSERT_TRUE(QFile::exists(saved)) << window_->lastError().toStdString();
  EXPECT_EQ(io::read_volume(saved.toStdString()), *window_->document().volume());
  EXPECT_EQ(window_->document().filePath(), saved);
  EXPECT_FALSE(window_->document().isModified());
}

TEST_F(FilesAndSettings, EveryWriterFormatCanBeExported) {
  openBlockVolume();
  int written = 0;
  for (const io::FileFormat& f : io::FormatRegistry::instance().formats()) {
    // The native format is a save, not an export (SavingWritesTheNativeFile...).
    if (!f.write || f.extensions.empty() || f.extensions.front() == ".ebsd.h5") continue;
    // Slice-wise formats (.ang, .ctf) write one file per slice, named from this one.
    const QString base = QStringLiteral("export-") + QString::fromStdString(f.name).replace('.', '-');
    const QString path = dir_.filePath(base + QString::fromStdString(f.extensions.front()));
    ASSERT_TRUE(window_->saveTo(path)) << f.name;
    window_->jobs().waitForIdle();
    const QStringList files = QDir(dir_.path()).entryList({base + QStringLiteral("*")}, QDir::Files);
    EXPECT_FALSE(files.isEmpty()) << f.name << ": " << window_->lastError().toStdString();
    for (const QString& file : files) EXPECT_GT(QFileInfo(dir_.filePath(file)).size(), 0) << file.toStdString();
    ++written;
  }
  EXPECT_GE(written, 3);
  // An export is not a save: the document still names the file it was opened from.
  EXPECT_TRUE(window_->document().filePath().endsWith("blocks.ebsd.h5"));
}

TEST_F(FilesAndSettings, RecentFilesAndTheColouringAreKeptForTheNextRun) {
  const QString path = openBlockVolume();
  ASSERT_TRUE(window_->setColoring("phase"));
  window_->close();
  window_.reset();
  EXPECT_EQ(RecentFiles(*settings_).files().value(0), QFileInfo(path).absoluteFilePath());
  // The next window starts with the same colouring once a volume is open.
  window_ = std::make_unique<MainWindow>(*settings_);
  window_->show();
  ASSERT_TRUE(window_->openFileAndWait(path));
  EXPECT_EQ(window_->coloringName(), "phase");
}

TEST_F(FilesAndSettings, ExportingAViewWritesThePictureWithItsKey) {
  openBlockVolume();
  const QString png = dir_.filePath("view.png");
  ASSERT_TRUE(window_->exportViewPng(ViewId::XY, png));
  const QImage image(png);
  ASSERT_FALSE(image.isNull());
  const QImage expected = window_->viewImage(ViewId::XY);
  EXPECT_EQ(image.size(), expected.size());
  EXPECT_EQ(countColour(image, BlockVolume::ipf(30, 22, Eigen::Vector3d::UnitZ()), image.rect()),
            countColour(expected.convertToFormat(QImage::Format_RGB32), BlockVolume::ipf(30, 22, Eigen::Vector3d::UnitZ()),
                        expected.rect()));
}

TEST_F(FilesAndSettings, TheDataPanelListsPhasesChannelsMarksAndProvenance) {
  openBlockVolume();
  DataPanel* panel = window_->dataPanel();
  QTreeWidgetItem* phases = panel->section("Phases");
  ASSERT_NE(phases, nullptr);
  ASSERT_EQ(phases->childCount(), 2);
  EXPECT_EQ(phases->child(0)->text(0), "1  Nickel");
  EXPECT_EQ(phases->child(0)->text(1), "m-3m");
  EXPECT_EQ(phases->child(1)->text(0), "2  Titanium");
  EXPECT_EQ(phases->child(1)->text(1), "6/mmm");
  QTreeWidgetItem* channels = panel->section("Channels");
  ASSERT_NE(channels, nullptr);
  ASSERT_EQ(channels->childCount(), 1);
  EXPECT_EQ(channels->child(0)->text(0), "bse");
  EXPECT_EQ(panel->section("Missing slices")->text(1), QString::number(BlockVolume::missing));
  EXPECT_EQ(panel->section("Damaged slices")->text(1), QString::number(BlockVolume::damaged));
  // After a step, its record is listed with its parameters.
  ASSERT_TRUE(window_->runStep("segment", {{"threshold_deg", 3.0}}));
  window_->jobs().waitForIdle();
  QTreeWidgetItem* provenance = window_->dataPanel()->section("Provenance");
  ASSERT_NE(provenance, nullptr);
  ASSERT_GE(provenance->childCount(), 1);
  EXPECT_EQ(provenance->child(provenance->childCount() - 1)->text(0), "segment");
  EXPECT_EQ(window_->dataPanel()->section("Grains")->text(1), "8");
}

}  // namespace
}  // namespace ebsd::studio::test

// The GPU module's steps in the studio: declared by the `ebsd` executable, offered with forms
// generated from those declarations, and run in a child `ebsd run` with progress, Cancel and
// undo. Skipped, with the reason, where the GPU module is not built.
#include <algorithm>

#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QProgressBar>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTreeWidget>

#include "data_panel.hpp"
#include "gpu_step_catalog.hpp"
#include "gui_test_support.hpp"
#include "log_panel.hpp"
#include "step_dialog.hpp"
#include "step_form.hpp"
#include "volume_document.hpp"

namespace ebsd::studio::test {
namespace {

class GpuSteps : public StudioWindowTest {
protected:
  // Asks ebsd for the GPU module's steps; false (the test skips) when the module is not there.
  bool gpuModuleAvailable() {
    window_->gpuSteps().query();
    EXPECT_TRUE(window_->gpuSteps().waitForAnswer(180000));
    settle();
    return window_->gpuSteps().state() == GpuStepCatalog::State::Available;
  }
  QTreeWidgetItem* stepsItem(const QString& text) const {
    auto* tree = window_->findChild<QDockWidget*>("stepsDock")->findChild<QTreeWidget*>();
    const auto items = tree->findItems(text, Qt::MatchExactly | Qt::MatchRecursive, 0);
    return items.isEmpty() ? nullptr : items.front();
  }
  QString logText() const { return window_->logPanel()->toPlainText(); }
};

TEST_F(GpuSteps, WithoutTheEbsdProgramTheStepsDockSaysSo) {
  qputenv("EBSD_CLI", QByteArray("/nonexistent/ebsd"));
  window_->gpuSteps().query();
  qunsetenv("EBSD_CLI");
  ASSERT_TRUE(window_->gpuSteps().waitForAnswer(1000));
  settle();
  EXPECT_EQ(window_->gpuSteps().state(), GpuStepCatalog::State::Unavailable);
  QTreeWidgetItem* item = stepsItem(QStringLiteral("not available"));
  ASSERT_NE(item, nullptr);
  EXPECT_TRUE(item->text(1).contains("ebsd program was not found")) << item->text(1).toStdString();
  // The in-process steps are still there and work.
  EXPECT_NE(window_->showStepDialog("segment"), nullptr);
}

TEST_F(GpuSteps, DenoiseRunsInEbsdAndItsResultArrivesWithProvenanceAndUndo) {
  if (!gpuModuleAvailable()) GTEST_SKIP() << "GPU module not available: " << window_->gpuSteps().reason().toStdString();
  // Declarations with their full parameter specs make the same form as an in-process step.
  const pipeline::StepInfo* denoise = window_->gpuSteps().find("denoise");
  ASSERT_NE(denoise, nullptr);
  ASSERT_NE(denoise->find_parameter("device"), nullptr);
  EXPECT_EQ(denoise->find_parameter("device")->choices, (std::vector<std::string>{"cpu", "cuda"}));
  EXPECT_NE(stepsItem(QString::fromStdString(denoise->title)), nullptr);

  openBlockVolume();
  const auto before = window_->document().volume();
  StepDialog* dialog = window_->showStepDialog("denoise");
  ASSERT_NE(dialog, nullptr);
  ASSERT_NE(dialog->form()->editor("device"), nullptr);
  dialog->form()->setValue("device", "cpu");
  dialog->form()->setValue("channels", nlohmann::json::array({"ci"}));
  dialog->form()->setValue("iterations", 20);
  QTest::mouseClick(dialog->runButton(), Qt::LeftButton);
  ASSERT_TRUE(window_->jobs().isBusy());
  EXPECT_TRUE(window_->cancelButton()->isVisible());
  window_->jobs().waitForIdle();
  settle();
  ASSERT_TRUE(window_->lastError().isEmpty()) << window_->lastError().toStdString();

  const auto after = window_->document().volume();
  ASSERT_NE(after, before);
  ASSERT_TRUE(after->has_channel("ci_rpca_outliers"));
  EXPECT_EQ(after->dims(), before->dims());
  // Provenance: the input's records, then what the child recorded: its read, the denoising
  // (recorded by the step itself as "rpca-denoise"), and the pipeline it ran with every parameter.
  const auto& records = after->provenance();
  ASSERT_GT(records.size(), before->provenance().size());
  for (std::size_t k = 0; k < before->provenance().size(); ++k) EXPECT_EQ(records[k], before->provenance()[k]);
  const auto denoised = std::find_if(records.begin() + std::ptrdiff_t(before->provenance().size()), records.end(),
                                     [](const ProvenanceRecord& r) { return r.step.find("denoise") != std::string::npos; });
  EXPECT_NE(denoised, records.end());
  ASSERT_EQ(records.back().step, "pipeline");
  const auto& ran = records.back().parameters.at("steps").at(1);
  EXPECT_EQ(ran.at("step"), "denoise");
  EXPECT_EQ(ran.at("params").at("iterations"), 20);
  EXPECT_EQ(ran.at("params").at("device"), "cpu");
  // The new channel is announced and offered at once.
  EXPECT_TRUE(logText().contains("ci_rpca_outliers")) << logText().toStdString();
  auto* combo = window_->findChild<QComboBox*>("coloring");
  EXPECT_GE(combo->findData(QStringLiteral("ci_rpca_outliers")), 0);
  EXPECT_TRUE(window_->setColoring("ci_rpca_outliers"));
  // Undo as for an in-process step.
  ASSERT_TRUE(window_->document().canUndo());
  window_->undoLastStep();
  EXPECT_EQ(window_->document().volume(), before);
}

TEST_F(GpuSteps, CancellingInterruptsTheChildWhichLeavesNoFile) {
  if (!gpuModuleAvailable()) GTEST_SKIP() << "GPU module not available: " << window_->gpuSteps().reason().toStdString();
  // The child's temporary folder goes under a folder of this test.
  const QString tmp = dir_.filePath("tmp");
  ASSERT_TRUE(QDir().mkpath(tmp));
  const QByteArray oldTmp = qgetenv("TMPDIR");
  qputenv("TMPDIR", tmp.toLocal8Bit());
  openBlockVolume();
  const auto before = window_->document().volume();
  // Far more ScaledGD iterations than it could finish while the test waits.
  ASSERT_TRUE(window_->runStep("denoise", {{"iterations", 100000}, {"channels", {"ci"}}}));
  // Wait until the child reports progress of its own (past the hand-over of the volume).
  QElapsedTimer clock;
  clock.start();
  while (window_->jobs().isBusy() && window_->progressBar()->value() < 120 && clock.elapsed() < 60000)
    QApplication::processEvents(QEventLoop::AllEvents, 50);
  ASSERT_TRUE(window_->jobs().isBusy()) << "the step ended before it could be cancelled";
  JobRunner::Outcome outcome = JobRunner::Outcome::Succeeded;
  QObject::connect(&window_->jobs(), &JobRunner::finished,
                   [&](const QString&, JobRunner::Outcome o, const QString&, double) { outcome = o; });
  clock.restart();
  QTest::mouseClick(window_->cancelButton(), Qt::LeftButton);
  window_->jobs().waitForIdle();
  settle();
  if (oldTmp.isEmpty()) qunsetenv("TMPDIR");
  else qputenv("TMPDIR", oldTmp);
  EXPECT_LT(clock.elapsed(), 20000) << "cancellation took too long";
  EXPECT_EQ(outcome, JobRunner::Outcome::Cancelled);
  EXPECT_EQ(window_->document().volume(), before);
  EXPECT_FALSE(window_->document().canUndo());
  // The child was interrupted (exit code 130) and wrote nothing; its folder is gone.
  EXPECT_TRUE(logText().contains("exit code 130); output written: none")) << logText().toStdString();
  EXPECT_TRUE(QDir(tmp).entryList(QDir::NoDotAndDotDot | QDir::AllEntries).isEmpty());
}

}  // namespace
}  // namespace ebsd::studio::test

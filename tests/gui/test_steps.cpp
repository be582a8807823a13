// Steps from their generated forms: a step runs as a job and its result arrives as a new volume
// that can be undone; a long job can be cancelled while the window keeps answering.
#include <QAbstractSpinBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTimer>

#include <QComboBox>
#include <QPlainTextEdit>

#include "data_panel.hpp"
#include "ebsd/pipeline/step_registry.hpp"
#include "log_panel.hpp"
#include "gui_test_support.hpp"
#include "step_dialog.hpp"
#include "step_form.hpp"
#include "volume_document.hpp"

namespace ebsd::studio::test {
namespace {

class Steps : public StudioWindowTest {};

TEST_F(Steps, EveryRegisteredStepHasAGeneratedForm) {
  const auto steps = window_->stepRegistry().steps();
  ASSERT_FALSE(steps.empty());
  for (const pipeline::Step* step : steps) {
    StepDialog* dialog = window_->showStepDialog(step->info().id);
    ASSERT_NE(dialog, nullptr) << step->info().id;
    for (const auto& spec : step->info().parameters)
      EXPECT_NE(dialog->form()->editor(spec.name), nullptr) << step->info().id << "." << spec.name;
    dialog->hide();
  }
}

TEST_F(Steps, SegmentRunFromItsFormGivesGrainIdsAndCanBeUndone) {
  openBlockVolume();
  const auto before = window_->document().volume();
  ASSERT_FALSE(before->has_grain_ids());
  StepDialog* dialog = window_->showStepDialog("segment");
  ASSERT_NE(dialog, nullptr);
  auto* threshold = qobject_cast<QDoubleSpinBox*>(dialog->form()->editor("threshold_deg"));
  ASSERT_NE(threshold, nullptr);
  threshold->setValue(2.5);
  QTest::mouseClick(dialog->runButton(), Qt::LeftButton);
  window_->jobs().waitForIdle();
  settle();

  const auto after = window_->document().volume();
  ASSERT_NE(after, before);
  ASSERT_TRUE(after->has_grain_ids());
  // Four blocks of one orientation each, cut in two by the missing slice 3 (no valid voxel to
  // connect through): eight grains; the unindexed column and the missing slice belong to none.
  std::set<std::int32_t> ids(after->grain_ids().begin(), after->grain_ids().end());
  EXPECT_EQ(ids, (std::set<std::int32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(after->grain_ids()[static_cast<std::size_t>(after->index(5, 5, 0))], 0);
  // Its provenance records the step with the value typed into the form.
  ASSERT_FALSE(after->provenance().empty());
  EXPECT_EQ(after->provenance().back().step, "segment");
  EXPECT_DOUBLE_EQ(after->provenance().back().parameters.at("threshold_deg").get<double>(), 2.5);
  // The new colouring is offered, and the step can be undone.
  EXPECT_TRUE(window_->setColoring("grain"));
  EXPECT_TRUE(window_->document().canUndo());
  window_->undoLastStep();
  EXPECT_EQ(window_->document().volume(), before);
  EXPECT_EQ(window_->coloringName(), "ipf-z");  // grain ids are gone, so is their colouring
}

TEST_F(Steps, AFormValueOutOfRangeIsRefusedWithTheReason) {
  openBlockVolume();
  StepDialog* dialog = window_->showStepDialog("synth");
  ASSERT_NE(dialog, nullptr);
  auto* dims = qobject_cast<QLineEdit*>(dialog->form()->editor("dims"));
  ASSERT_NE(dims, nullptr);
  dims->setText("64,64");  // three values expected
  QTest::mouseClick(dialog->runButton(), Qt::LeftButton);
  EXPECT_FALSE(window_->jobs().isBusy());
  const QLabel* error = nullptr;
  for (QLabel* l : dialog->findChildren<QLabel*>())
    if (l->isVisible() && l->text().contains("dims")) error = l;
  EXPECT_NE(error, nullptr);
}

TEST_F(Steps, CancellingALongJobKeepsTheWindowAnsweringAndTheVolumeUnchanged) {
  openBlockVolume();
  const auto before = window_->document().volume();
  StepDialog* dialog = window_->showStepDialog("synth");
  ASSERT_NE(dialog, nullptr);
  dialog->form()->setValue("dims", nlohmann::json::array({400, 400, 400}));
  dialog->form()->setValue("grains", 20000);
  QTest::mouseClick(dialog->runButton(), Qt::LeftButton);
  ASSERT_TRUE(window_->jobs().isBusy());
  EXPECT_TRUE(window_->cancelButton()->isVisible());
  EXPECT_TRUE(window_->progressBar()->isVisible());

  // While it runs, the event loop turns: a 10 ms timer fires, and the views still step.
  int ticks = 0;
  QTimer timer;
  QObject::connect(&timer, &QTimer::timeout, [&] { ++ticks; });
  timer.start(10);
  QElapsedTimer clock;
  clock.start();
  while (clock.elapsed() < 600) QApplication::processEvents(QEventLoop::AllEvents, 20);
  EXPECT_GT(ticks, 20);
  window_->cursor().setSlice(SliceAxis::Z, 2);
  EXPECT_EQ(window_->cursor().slice(SliceAxis::Z), 2);
  ASSERT_TRUE(window_->jobs().isBusy()) << "the job ended before it could be cancelled";

  JobRunner::Outcome outcome = JobRunner::Outcome::Succeeded;
  QObject::connect(&window_->jobs(), &JobRunner::finished,
                   [&](const QString&, JobRunner::Outcome o, const QString&, double) { outcome = o; });
  clock.restart();
  QTest::mouseClick(window_->cancelButton(), Qt::LeftButton);
  window_->jobs().waitForIdle();
  EXPECT_LT(clock.elapsed(), 10000) << "cancellation took too long";
  EXPECT_EQ(outcome, JobRunner::Outcome::Cancelled);
  EXPECT_EQ(window_->document().volume(), before);
  EXPECT_FALSE(window_->document().canUndo());
  EXPECT_FALSE(window_->cancelButton()->isVisible());
}

TEST_F(Steps, ChannelsAStepAddsAreAnnouncedShownAsNewAndOfferedForColouring) {
  if (!window_->stepRegistry().find("kam")) GTEST_SKIP() << "the bundled kam plugin was not found";
  openBlockVolume();
  ASSERT_TRUE(window_->runStep("kam", nlohmann::json::object()));
  window_->jobs().waitForIdle();
  settle();
  ASSERT_TRUE(window_->document().volume()->has_channel("kam"));
  // The log names the channel that arrived.
  EXPECT_TRUE(window_->logPanel()->toPlainText().contains("added 1 channel(s): kam")) << window_->logPanel()->toPlainText().toStdString();
  // The data panel marks it as new.
  QTreeWidgetItem* channels = window_->dataPanel()->section(QStringLiteral("Channels"));
  ASSERT_NE(channels, nullptr);
  bool marked = false;
  for (int k = 0; k < channels->childCount(); ++k) marked = marked || channels->child(k)->text(0) == QStringLiteral("kam  (new)");
  EXPECT_TRUE(marked);
  // "Colour by" offers it at once, and it colours the views.
  auto* combo = window_->findChild<QComboBox*>("coloring");
  ASSERT_NE(combo, nullptr);
  EXPECT_GE(combo->findData(QStringLiteral("kam")), 0);
  EXPECT_TRUE(window_->setColoring("kam"));
  // A later step that adds nothing announces nothing new; the mark goes with the next result.
  ASSERT_TRUE(window_->runStep("segment", nlohmann::json::object()));
  window_->jobs().waitForIdle();
  settle();
  channels = window_->dataPanel()->section(QStringLiteral("Channels"));
  for (int k = 0; k < channels->childCount(); ++k) EXPECT_FALSE(channels->child(k)->text(0).contains("(new)"));
}

}  // namespace
}  // namespace ebsd::studio::test

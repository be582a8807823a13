// The pieces behind the views, one behaviour each: fast slice colouring equals core's, scale bar
// lengths, the 3D downsampling plan, undo, the command line.
#include <gtest/gtest.h>

#include "command_line.hpp"
#include "ebsd/synth/microstructure.hpp"
#include "length_format.hpp"
#include "slice_colorizer.hpp"
#include "volume_document.hpp"
#include "volume_rendering_image.hpp"

#include <vtkImageData.h>

namespace ebsd::studio {
namespace {

TEST(SliceColorizer, GivesCoreSliceImagePixelsForEveryColouring) {
  synth::SynthOptions o;
  o.dims = {36, 28, 10};
  o.grains = 25;
  o.seed = 3;
  o.orientation_scatter_deg = 1.0;  // every voxel its own orientation: the memo must miss correctly
  o.side_modalities = {"bse"};
  o.missing_slices = {4};
  o.phases.push_back(Phase{"Titanium", LaueGroup::HexagonalHigh, {2.95, 2.95, 4.68, 90, 90, 120}});
  auto volume = std::make_shared<const Volume>(synth::generate_microstructure(o).volume);
  SliceColorizer colorizer(volume, 3);
  // Misorientation to the first indexed voxel, with the ramp's top from the data and set.
  std::int64_t first = 0;
  while (!volume->is_valid(first)) ++first;
  const Index3 r = volume->coords(first);
  const std::string reference = "misorientation:" + std::to_string(r[0]) + "," + std::to_string(r[1]) + "," + std::to_string(r[2]);
  for (const std::string& name : {std::string("ipf-x"), std::string("ipf-y"), std::string("ipf-z"), std::string("phase"),
                                  std::string("ci"), std::string("iq"), std::string("grain"), std::string("bse"), reference,
                                  reference + ",7.5"}) {
    const SliceColoring c = slice_coloring_from_name(name, *volume);
    for (SliceAxis axis : {SliceAxis::X, SliceAxis::Y, SliceAxis::Z})
      for (std::int64_t index : {std::int64_t{0}, std::int64_t{4}, std::int64_t{9}}) {
        const RgbImage expected = slice_image(*volume, axis, index, c);
        std::vector<std::uint8_t> seen(expected.pixels.size());
        colorizer.colour(axis, index, c, seen.data());
        EXPECT_EQ(seen, expected.pixels) << name << " axis " << int(axis) << " slice " << index;
      }
  }
}

TEST(SliceColorizer, RefusesASliceOutsideTheVolume) {
  auto volume = std::make_shared<const Volume>(Index3{4, 4, 4});
  SliceColorizer colorizer(volume);
  std::vector<std::uint8_t> out(4 * 4 * 3);
  EXPECT_THROW(colorizer.colour(SliceAxis::Z, 4, SliceColoring{}, out.data()), Error);
}

TEST(ScaleBar, LengthIsTheLargestOneTwoOrFiveTimesAPowerOfTenThatFits) {
  EXPECT_DOUBLE_EQ(niceScaleLength(1.0), 1.0);
  EXPECT_DOUBLE_EQ(niceScaleLength(7.3), 5.0);
  EXPECT_DOUBLE_EQ(niceScaleLength(19.9), 10.0);
  EXPECT_DOUBLE_EQ(niceScaleLength(20.0), 20.0);
  EXPECT_NEAR(niceScaleLength(0.27), 0.2, 1e-12);
  EXPECT_DOUBLE_EQ(niceScaleLength(0.0), 0.0);
  EXPECT_EQ(formatLength(20, "um"), QString::fromUtf8("20 \u00b5m"));
  EXPECT_EQ(formatLength(0.5, "mm"), QStringLiteral("0.5 mm"));
}

TEST(VolumeRenderingPlan, FitsTheTextureLimitAndTheBudget) {
  // 512^3 under a 2048 limit but a 2^21 budget: quartered to 128^3, and the note says why.
  VolumeRenderingPlan p = planVolumeRendering({512, 512, 512}, 2048, std::int64_t{1} << 21);
  EXPECT_EQ(p.factor, 4);
  EXPECT_EQ(p.dims, (Index3{128, 128, 128}));
  EXPECT_TRUE(p.note.contains("downsampled 1/4")) << p.note.toStdString();
  EXPECT_TRUE(p.note.contains("budget")) << p.note.toStdString();
  // Above the GL 3D texture limit, whatever the budget.
  p = planVolumeRendering({300, 40, 40}, 256, std::int64_t{1} << 40);
  EXPECT_EQ(p.factor, 2);
  EXPECT_EQ(p.dims, (Index3{150, 20, 20}));
  EXPECT_TRUE(p.note.contains("GL 3D texture limit of 256")) << p.note.toStdString();
  // Small grids are rendered as they are, without a note.
  p = planVolumeRendering({100, 100, 100}, 2048);
  EXPECT_EQ(p.factor, 1);
  EXPECT_TRUE(p.note.isEmpty());
}

TEST(VolumeRenderingImage, AveragesBlocksOfValidVoxels) {
  Volume v({4, 2, 2});
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    v.confidence()[static_cast<std::size_t>(i)] = static_cast<float>(i % 4);  // x
    v.valid()[static_cast<std::size_t>(i)] = v.coords(i)[0] < 3 ? 1 : 0;      // x = 3 invalid
  }
  VolumeRenderingPlan plan;
  plan.factor = 2;
  plan.dims = {2, 1, 1};
  const auto image = volumeRenderingImage(v, slice_coloring_from_name("ci", v), plan);
  const auto* q = static_cast<const unsigned char*>(image->GetScalarPointer());
  // Valid CI runs 0..2: block x 0-1 has mean 0.5 -> 1 + 254 * 0.25; block x 2-3 has mean 2 -> 255.
  EXPECT_EQ(int(q[0]), 1 + int(std::lround(254 * 0.25)));
  EXPECT_EQ(int(q[1]), 255);
}

TEST(VolumeDocument, KeepsThePreviousVolumesForUndo) {
  VolumeDocument doc;
  doc.setUndoDepth(2);
  auto a = std::make_shared<const Volume>(Index3{2, 2, 2});
  doc.setOpened(a, "/tmp/a.ebsd.h5", nullptr);
  EXPECT_FALSE(doc.canUndo());
  EXPECT_FALSE(doc.isModified());
  auto b = std::make_shared<const Volume>(Index3{3, 2, 2});
  auto c = std::make_shared<const Volume>(Index3{4, 2, 2});
  auto d = std::make_shared<const Volume>(Index3{5, 2, 2});
  doc.applyStepResult(b, "segment");
  doc.applyStepResult(c, "crop");
  doc.applyStepResult(d, "damage");
  EXPECT_TRUE(doc.isModified());
  EXPECT_EQ(doc.undoTitle(), "damage");
  doc.undoLastStep();
  EXPECT_EQ(doc.volume(), c);
  doc.undoLastStep();
  EXPECT_EQ(doc.volume(), b);
  EXPECT_FALSE(doc.canUndo());  // depth 2: the opened volume was let go
  EXPECT_TRUE(doc.isModified());
}

TEST(VolumeDocument, UndoingBackToTheOpenedFileIsUnmodified) {
  VolumeDocument doc;
  auto a = std::make_shared<const Volume>(Index3{2, 2, 2});
  doc.setOpened(a, "/tmp/a.ebsd.h5", nullptr);
  doc.applyStepResult(std::make_shared<const Volume>(Index3{3, 2, 2}), "segment");
  doc.undoLastStep();
  EXPECT_EQ(doc.volume(), a);
  EXPECT_FALSE(doc.isModified());
}

TEST(CommandLine, ReadsFileScreenshotViewAndColour) {
  const ParsedCommandLine p =
      parseCommandLine({"ebsd-studio", "a.ang", "--screenshot", "out.png", "--view", "XZ", "--color", "ci", "--size", "640x480"});
  ASSERT_TRUE(p.options) << p.message.toStdString();
  EXPECT_EQ(p.options->file, "a.ang");
  EXPECT_EQ(p.options->screenshot, "out.png");
  EXPECT_EQ(p.options->view, "xz");
  EXPECT_EQ(p.options->color, "ci");
  EXPECT_EQ(p.options->size, QSize(640, 480));
}

TEST(CommandLine, RejectsBadViewsSizesAndAScreenshotWithoutAFile) {
  for (const QStringList& args : {QStringList{"ebsd-studio", "a.ang", "--view", "top"},
                                  QStringList{"ebsd-studio", "a.ang", "--size", "big"},
                                  QStringList{"ebsd-studio", "--screenshot", "out.png"},
                                  QStringList{"ebsd-studio", "a.ang", "b.ang"}}) {
    const ParsedCommandLine p = parseCommandLine(args);
    EXPECT_FALSE(p.options) << args.join(' ').toStdString();
    EXPECT_EQ(p.exitCode, 2);
    EXPECT_FALSE(p.message.isEmpty());
  }
}

}  // namespace
}  // namespace ebsd::studio

// `ebsd train diffusion` and `ebsd inpaint` end to end, as a user runs them: a tiny model trained
// for a few steps (its accuracy is not judged here: see bench_inpainting), then sparse EBSD
// inpainting of a synthetic hexagonal volume with its polarized-light channels.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "ebsd/io/volume_file.hpp"
#include "ebsd/orientation/disorientation.hpp"
#include "ebsd/synth/microstructure.hpp"
#include "ebsd/synth/representative_phase.hpp"
#include "run_command.hpp"

namespace {

using ebsd::test::run;
using ebsd::test::TempDir;
const std::string kEbsd = EBSD_CLI;

// One tiny model for all tests of this file (training it costs a few seconds).
const std::filesystem::path& tiny_model() {
  static TempDir dir;
  static const std::filesystem::path model = [] {
    const auto r = run(kEbsd + " train diffusion --laue 6/mmm --steps 6 --batch 2 --crop 16 --base 8 --volumes 1 "
                               "--volume-size 32 --volume-slices 2 --val-every 3 --out " + (dir / "m").string() + " --json", dir);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return dir / "m" / "model.safetensors";
  }();
  return model;
}

std::filesystem::path hex_volume(const TempDir& t, const std::string& side) {
  ebsd::synth::SynthOptions o;
  o.dims = {24, 20, 2};
  o.grains = 8;
  o.seed = 4;
  o.phases = {ebsd::synth::representative_phase(ebsd::LaueGroup::HexagonalHigh)};
  o.side_modalities = {side};
  const auto p = t / ("hex-" + side + ".ebsd.h5");
  ebsd::io::write_volume(p, ebsd::synth::generate_microstructure(o).volume);
  return p;
}

TEST(Inpaint, TrainingWritesWeightsLogAndResumes) {
  TempDir t;
  const auto out = (t / "run").string();
  auto r = run(kEbsd + " train diffusion --laue 6/mmm --steps 4 --batch 2 --crop 16 --base 8 --volumes 1 --volume-size 32 "
                       "--volume-slices 2 --val-every 2 --out " + out + " --json", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["step"].get<int>(), 4);
  EXPECT_EQ(j["side"], nlohmann::json({"pl0", "pl30", "pl60"}));
  for (const char* f : {"model.safetensors", "last.safetensors", "ema.safetensors", "state.json", "log.jsonl"})
    EXPECT_TRUE(std::filesystem::exists(t / "run" / f)) << f;
  r = run(kEbsd + " train diffusion --laue 6/mmm --steps 6 --batch 2 --crop 16 --base 8 --volumes 1 --volume-size 32 "
                  "--volume-slices 2 --val-every 2 --out " + out + " --resume " + out + " --json", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["steps_run"].get<int>(), 2);
  EXPECT_EQ(j["step"].get<int>(), 6);
}

TEST(Inpaint, FillsUnmeasuredPixelsKeepsMeasuredOnesAndReportsUncertainty) {
  TempDir t;
  const auto in = hex_volume(t, "pl3");
  for (const std::string sampler : {"repaint", "dps"}) {
    const auto out = t / ("out-" + sampler + ".ebsd.h5");
    const auto r = run(kEbsd + " inpaint " + in.string() + " -o " + out.string() + " --side pl0,pl30,pl60 --sample-fraction 0.2 " +
                           "--sampler " + sampler + " --steps 4 --resample 2 --samples 2 --model " + tiny_model().string() + " --json",
                       t);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto rep = nlohmann::json::parse(r.out);
    ASSERT_EQ(rep["slices"].size(), 2u);
    EXPECT_NEAR(rep["slices"][0]["observed_fraction"].get<double>(), 0.2, 0.08);
    const auto a = ebsd::io::read_volume(in), b = ebsd::io::read_volume(out);
    ASSERT_TRUE(b.has_channel("inpaint_uncertainty"));
    ASSERT_TRUE(b.has_channel("inpaint_observed"));
    const auto& obs = b.channel("inpaint_observed").values;
    const auto& unc = b.channel("inpaint_uncertainty").values;
    std::int64_t measured = 0;
    for (std::int64_t i = 0; i < b.voxel_count(); ++i) {
      EXPECT_TRUE(b.is_valid(i));
      EXPECT_GE(unc[static_cast<std::size_t>(i)], 0.0f);
      if (obs[static_cast<std::size_t>(i)] > 0.5f) {
        ++measured;
        EXPECT_EQ(unc[static_cast<std::size_t>(i)], 0.0f);
        for (int k = 0; k < 4; ++k)
          EXPECT_EQ(a.quaternion_data()[static_cast<std::size_t>(4 * i + k)], b.quaternion_data()[static_cast<std::size_t>(4 * i + k)]);
      }
    }
    EXPECT_GT(measured, 0);
    EXPECT_LT(measured, b.voxel_count());
  }
  // A mask channel instead of a fraction: the pixels it marks are kept.
  const auto first = t / "out-repaint.ebsd.h5", second = t / "again.ebsd.h5";
  const auto r = run(kEbsd + " inpaint " + first.string() + " -o " + second.string() + " --observed inpaint_observed --steps 3 " +
                         "--resample 1 --samples 1 --no-register --model " + tiny_model().string(),
                     t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto a = ebsd::io::read_volume(first), b = ebsd::io::read_volume(second);
  for (std::int64_t i = 0; i < a.voxel_count(); ++i)
    if (a.channel("inpaint_observed").values[static_cast<std::size_t>(i)] > 0.5f) {
      EXPECT_EQ(a.quaternion_data()[static_cast<std::size_t>(4 * i)], b.quaternion_data()[static_cast<std::size_t>(4 * i)]);
    }
}

// The models in resources/models/diffusion are found without --model, take their phase's side
// channels, and (through the evidence projection) give generated pixels measured orientations of
// their neighbourhood: even with a 3-step chain most pixels land within 5 deg of the truth.
TEST(Inpaint, ShippedModelsAreFoundByDefaultAndFillTheirPhase) {
  TempDir t;
  struct Case {
    ebsd::LaueGroup laue;
    std::string side_modality, side, file;
  };
  for (const auto& c : {Case{ebsd::LaueGroup::HexagonalHigh, "pl3", "pl0,pl30,pl60", "inpaint-6mmm.safetensors"},
                        Case{ebsd::LaueGroup::CubicHigh, "bse", "bse", "inpaint-m3m.safetensors"}}) {
    ebsd::synth::SynthOptions o;
    o.dims = {32, 32, 1};
    o.grains = 6;
    o.seed = 11;
    o.phases = {ebsd::synth::representative_phase(c.laue)};
    o.side_modalities = {c.side_modality};
    const auto in = t / (c.side_modality + ".ebsd.h5"), out = t / (c.side_modality + "-out.ebsd.h5");
    ebsd::io::write_volume(in, ebsd::synth::generate_microstructure(o).volume);
    const auto r = run(kEbsd + " inpaint " + in.string() + " -o " + out.string() + " --side " + c.side +
                           " --sample-fraction 0.25 --steps 3 --resample 1 --samples 2 --json",
                       t);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto rep = nlohmann::json::parse(r.out);
    EXPECT_NE(rep["model"].get<std::string>().find(c.file), std::string::npos) << rep["model"];
    const auto truth = ebsd::io::read_volume(in), got = ebsd::io::read_volume(out);
    std::int64_t generated = 0, close = 0;
    for (std::int64_t i = 0; i < got.voxel_count(); ++i) {
      ASSERT_TRUE(got.is_valid(i));
      if (got.channel("inpaint_observed").values[static_cast<std::size_t>(i)] > 0.5f) continue;
      ++generated;
      close += ebsd::disorientation_angle(truth.orientation(i), got.orientation(i), c.laue) < 5.0 * 3.14159265358979 / 180.0;
    }
    ASSERT_GT(generated, 0);
    EXPECT_GT(static_cast<double>(close) / static_cast<double>(generated), 0.6) << c.file;
  }
}

TEST(Inpaint, RefusesMissingInputsWithClearMessages) {
  TempDir t;
  const auto in = hex_volume(t, "pl3").string();
  const auto out = (t / "o.ebsd.h5").string();
  auto r = run(kEbsd + " inpaint " + in + " -o " + out + " --model " + tiny_model().string(), t);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--sample-fraction"), std::string::npos) << r.err;
  r = run(kEbsd + " inpaint " + in + " -o " + out + " --side pl0,pl30,bse --sample-fraction 0.1 --model " + tiny_model().string(), t);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("'bse'"), std::string::npos) << r.err;
  // A cubic volume with the hexagonal model.
  ebsd::synth::SynthOptions o;
  o.dims = {16, 16, 1};
  o.grains = 4;
  o.side_modalities = {"pl3"};
  ebsd::io::write_volume(t / "cubic.ebsd.h5", ebsd::synth::generate_microstructure(o).volume);
  r = run(kEbsd + " inpaint " + (t / "cubic.ebsd.h5").string() + " -o " + out + " --sample-fraction 0.1 --model " +
              tiny_model().string(),
          t);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("6/mmm"), std::string::npos) << r.err;
}

}  // namespace

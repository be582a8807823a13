// The bundled side-modality plugin "sem": PGM stacks placed on the EBSD grid (import-sem) and
// the channelling-contrast forward model (predict-sem).
#include <cmath>
#include <fstream>
#include <functional>
#include <random>

#include "ebsd/synth/side_modalities.hpp"
#include "plugin_test_support.hpp"
#include "run_command.hpp"

namespace ebsd::test {
namespace {

using ::testing::HasSubstr;

// Binary PGM text of one image: value(column, row) per pixel; two bytes big-endian when
// maxval > 255 (netpbm's rule).
std::string pgm(int width, int height, int maxval, const std::function<int(int, int)>& value) {
  std::string s = "P5\n# written by test_sem_plugin\n" + std::to_string(width) + " " + std::to_string(height) + "\n" +
                  std::to_string(maxval) + "\n";
  for (int r = 0; r < height; ++r)
    for (int c = 0; c < width; ++c) {
      const int v = value(c, r);
      if (maxval > 255) s += static_cast<char>((v >> 8) & 0xFF);
      s += static_cast<char>(v & 0xFF);
    }
  return s;
}

void write(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

class SemPlugin : public ::testing::Test {
protected:
  void SetUp() override {
    plugins_ = load_from({bundled_dir()});
    ASSERT_TRUE(plugins_->record("sem_images.so").loaded) << plugins_->record("sem_images.so").reason;
  }
  pipeline::StepResult import(pipeline::Workspace& ws, const std::vector<std::filesystem::path>& files,
                              const nlohmann::json& transform = nlohmann::json::array()) {
    nlohmann::json paths = nlohmann::json::array();
    for (const auto& f : files) paths.push_back(f.string());
    return run(plugins_->steps, "import-sem", {{"paths", paths}, {"transform", transform}}, ws);
  }
  // The ebsd::Error of an import that must fail.
  Error import_error(pipeline::Workspace& ws, const std::vector<std::filesystem::path>& files,
                     const nlohmann::json& transform = nlohmann::json::array()) {
    try {
      import(ws, files, transform);
    } catch (const Error& e) {
      return e;
    }
    ADD_FAILURE() << "the import succeeded";
    return Error("");
  }
  float at(const pipeline::Workspace& ws, std::int64_t x, std::int64_t y, std::int64_t z, const std::string& ch = "sem") {
    return ws.volume->channel(ch).values[static_cast<std::size_t>(ws.volume->index(x, y, z))];
  }
  std::unique_ptr<LoadedPlugins> plugins_;
  TempDir tmp_;
};

TEST_F(SemPlugin, ImportsAnEightBitStackThroughAnAffineTransform) {
  // Slice k's image has grey level 10 c + r + 50 k at column c, row r: linear, so bilinear
  // sampling reproduces it exactly. u = 2 x + 0.5, v = 2 y gives 20 i + 5 + 2 j + 50 k.
  write(tmp_ / "s0.pgm", pgm(8, 6, 255, [](int c, int r) { return 10 * c + r; }));
  write(tmp_ / "s1.pgm", pgm(8, 6, 255, [](int c, int r) { return 10 * c + r + 50; }));
  pipeline::Workspace ws;
  ws.volume = single_phase_volume({4, 3, 2});
  const auto result = import(ws, {tmp_ / "s0.pgm", tmp_ / "s1.pgm"}, {2, 0, 0.5, 0, 2, 0});
  for (std::int64_t k = 0; k < 2; ++k)
    for (std::int64_t j = 0; j < 3; ++j)
      for (std::int64_t i = 0; i < 4; ++i)
        EXPECT_FLOAT_EQ(at(ws, i, j, k), static_cast<float>(20 * i + 5 + 2 * j + 50 * k)) << i << "," << j << "," << k;
  EXPECT_EQ(ws.volume->channel("sem").unit, "grey level");
  EXPECT_EQ(result.report["images"], 2);
  EXPECT_EQ(result.report["width"], 8);
  EXPECT_EQ(result.report["height"], 6);
  EXPECT_EQ(result.report["bits"], 8);
  EXPECT_EQ(result.report["outside_voxels"], 0);
}

TEST_F(SemPlugin, TransformMapsSampleXToColumnsAndYToRows) {
  // u = y, v = x: voxel (i, j) samples column j, row i.
  write(tmp_ / "a.pgm", pgm(5, 5, 255, [](int c, int r) { return 10 * c + r; }));
  pipeline::Workspace ws;
  ws.volume = single_phase_volume({4, 3, 1});
  import(ws, {tmp_ / "a.pgm"}, {0, 1, 0, 1, 0, 0});
  for (std::int64_t j = 0; j < 3; ++j)
    for (std::int64_t i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(at(ws, i, j, 0), static_cast<float>(10 * j + i));
}

TEST_F(SemPlugin, WithoutATransformOnePixelPerVoxel) {
  write(tmp_ / "a.pgm", pgm(4, 3, 255, [](int c, int r) { return 7 * c + 3 * r; }));
  pipeline::Workspace ws;
  ws.volume = single_phase_volume({4, 3, 1});
  ws.volume->set_spacing({0.25, 0.25, 1.0});
  import(ws, {tmp_ / "a.pgm"});
  for (std::int64_t j = 0; j < 3; ++j)
    for (std::int64_t i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(at(ws, i, j, 0), static_cast<float>(7 * i + 3 * j));
}

TEST_F(SemPlugin, VoxelsOutsideTheImageAreNaNAndCounted) {
  // u = x + 6 on an 8-pixel-wide image: voxels x = 2, 3 map to u = 8, 9, beyond the last
  // pixel's edge at 7.5.
  write(tmp_ / "a.pgm", pgm(8, 6, 255, [](int c, int r) { return 10 * c + r; }));
  pipeline::Workspace ws;
  std::vector<std::string> said;
  ws.log = [&](const std::string& line) { said.push_back(line); };
  ws.volume = single_phase_volume({4, 3, 1});
  const auto result = import(ws, {tmp_ / "a.pgm"}, {1, 0, 6, 0, 1, 0});
  for (std::int64_t j = 0; j < 3; ++j) {
    EXPECT_FLOAT_EQ(at(ws, 0, j, 0), static_cast<float>(60 + j));
    EXPECT_FLOAT_EQ(at(ws, 1, j, 0), static_cast<float>(70 + j));
    EXPECT_TRUE(std::isnan(at(ws, 2, j, 0)));
    EXPECT_TRUE(std::isnan(at(ws, 3, j, 0)));
  }
  EXPECT_EQ(result.report["outside_voxels"], 6);
  ASSERT_FALSE(said.empty());
  EXPECT_THAT(said.front(), HasSubstr("6 of 12 voxels fall outside the images"));
}

TEST_F(SemPlugin, SixteenBitImagesKeepTheirGreyLevels) {
  write(tmp_ / "a.pgm", pgm(4, 3, 65535, [](int c, int r) { return 1000 * c + 300 * r + 7; }));
  pipeline::Workspace ws;
  ws.volume = single_phase_volume({4, 3, 1});
  const auto result = import(ws, {tmp_ / "a.pgm"});
  EXPECT_FLOAT_EQ(at(ws, 3, 2, 0), 3607.0f);
  EXPECT_FLOAT_EQ(at(ws, 1, 0, 0), 1007.0f);
  EXPECT_EQ(result.report["bits"], 16);
}

TEST_F(SemPlugin, AMultiImagePgmSuppliesConsecutiveSlices) {
  write(tmp_ / "stack.pgm", pgm(2, 2, 255, [](int, int) { return 11; }) + pgm(2, 2, 255, [](int, int) { return 22; }));
  pipeline::Workspace ws;
  ws.volume = single_phase_volume({2, 2, 2});
  import(ws, {tmp_ / "stack.pgm"});
  EXPECT_FLOAT_EQ(at(ws, 1, 1, 0), 11.0f);
  EXPECT_FLOAT_EQ(at(ws, 1, 1, 1), 22.0f);
}

TEST_F(SemPlugin, AGlobPatternSuppliesTheSlicesInNaturalOrder) {
  write(tmp_ / "s10.pgm", pgm(2, 2, 255, [](int, int) { return 10; }));
  write(tmp_ / "s2.pgm", pgm(2, 2, 255, [](int, int) { return 2; }));
  pipeline::Workspace ws;
  ws.volume = single_phase_volume({2, 2, 2});
  import(ws, {tmp_ / "s*.pgm"});
  EXPECT_FLOAT_EQ(at(ws, 0, 0, 0), 2.0f);   // s2 before s10, as the microscope numbered them
  EXPECT_FLOAT_EQ(at(ws, 0, 0, 1), 10.0f);
}

TEST_F(SemPlugin, TruncatedPgmIsAnErrorNamingTheFile) {
  const std::string whole = pgm(8, 6, 255, [](int, int) { return 1; });
  write(tmp_ / "cut.pgm", whole.substr(0, whole.size() - 10));  // 38 of 48 pixel bytes
  pipeline::Workspace ws;
  ws.volume = single_phase_volume({8, 6, 1});
  const Error e = import_error(ws, {tmp_ / "cut.pgm"});
  EXPECT_EQ(e.file(), (tmp_ / "cut.pgm").string());
  EXPECT_THAT(e.problem(), HasSubstr("truncated PGM"));
  EXPECT_THAT(e.problem(), HasSubstr("48 bytes of pixel data) but only 38 bytes follow"));
  EXPECT_THAT(e.place(), HasSubstr("plugin 'sem'"));
}

TEST_F(SemPlugin, WrongMagicIsAnErrorNamingTheFile) {
  write(tmp_ / "photo.pgm", "GIF89a....");
  pipeline::Workspace ws;
  ws.volume = single_phase_volume({2, 2, 1});
  const Error e = import_error(ws, {tmp_ / "photo.pgm"});
  EXPECT_EQ(e.file(), (tmp_ / "photo.pgm").string());
  EXPECT_THAT(e.problem(), HasSubstr("not a binary PGM file"));
  EXPECT_THAT(e.problem(), HasSubstr("'GI'"));
}

TEST_F(SemPlugin, AsciiPgmIsRefusedWithAHint) {
  write(tmp_ / "ascii.pgm", "P2\n2 2\n255\n1 2 3 4\n");
  pipeline::Workspace ws;
  ws.volume = single_phase_volume({2, 2, 1});
  EXPECT_THAT(import_error(ws, {tmp_ / "ascii.pgm"}).problem(), HasSubstr("save the image as binary PGM ('P5')"));
}

TEST_F(SemPlugin, AbsurdSizesAndMaxvalsAreRefused) {
  write(tmp_ / "huge.pgm", "P5\n100000 100000\n255\n");
  write(tmp_ / "zero.pgm", "P5\n2 2\n0\nabcd");
  write(tmp_ / "above.pgm", "P5\n2 1\n100\n\x10\xC8");
  pipeline::Workspace ws;
  ws.volume = single_phase_volume({2, 2, 1});
  EXPECT_THAT(import_error(ws, {tmp_ / "huge.pgm"}).problem(), HasSubstr("absurd PGM size 100000 x 100000"));
  EXPECT_THAT(import_error(ws, {tmp_ / "zero.pgm"}).problem(), HasSubstr("bad PGM maxval 0"));
  EXPECT_THAT(import_error(ws, {tmp_ / "above.pgm"}).problem(), HasSubstr("exceeds the header's maxval 100"));
}

TEST_F(SemPlugin, StackImagesOfDifferentSizesAreAnErrorNamingTheOddFile) {
  write(tmp_ / "s0.pgm", pgm(8, 6, 255, [](int, int) { return 1; }));
  write(tmp_ / "s1.pgm", pgm(7, 6, 255, [](int, int) { return 1; }));
  pipeline::Workspace ws;
  ws.volume = single_phase_volume({4, 3, 2});
  const Error e = import_error(ws, {tmp_ / "s0.pgm", tmp_ / "s1.pgm"});
  EXPECT_EQ(e.file(), (tmp_ / "s1.pgm").string());
  EXPECT_THAT(e.problem(), HasSubstr("7 x 6 pixels"));
  EXPECT_THAT(e.problem(), HasSubstr("a stack must share one size and depth"));
  EXPECT_FALSE(ws.volume->has_channel("sem"));
}

TEST_F(SemPlugin, MissingFileIsFoundInPreflight) {
  pipeline::Workspace ws;
  ws.volume = single_phase_volume({2, 2, 1});
  const Error e = import_error(ws, {tmp_ / "absent.pgm"});
  EXPECT_EQ(e.file(), (tmp_ / "absent.pgm").string());
  EXPECT_EQ(e.problem(), "no such file");
}

TEST_F(SemPlugin, TheNumberOfImagesMustMatchTheSlices) {
  write(tmp_ / "s0.pgm", pgm(2, 2, 255, [](int, int) { return 1; }));
  pipeline::Workspace ws;
  ws.volume = single_phase_volume({2, 2, 3});
  EXPECT_THAT(import_error(ws, {tmp_ / "s0.pgm"}).problem(), HasSubstr("1 image(s) in 1 file(s), but the volume has 3 z slices"));
}

TEST_F(SemPlugin, ASingularTransformIsRefusedBeforeReading) {
  write(tmp_ / "s0.pgm", pgm(2, 2, 255, [](int, int) { return 1; }));
  pipeline::Workspace ws;
  ws.volume = single_phase_volume({2, 2, 1});
  const Error e = import_error(ws, {tmp_ / "s0.pgm"}, {1, 2, 0, 2, 4, 0});
  EXPECT_THAT(e.problem(), HasSubstr("singular"));
  EXPECT_THAT(e.place(), HasSubstr("parameter 'transform'"));
}

// Random orientations, deterministic.
Volume random_orientations(LaueGroup laue, std::uint32_t seed) {
  Volume v = single_phase_volume({5, 4, 3}, laue);
  std::mt19937 rng(seed);
  std::normal_distribution<double> n;
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    const double w = n(rng), x = n(rng), y = n(rng), z = n(rng);  // in this order, for determinism
    v.set_orientation(i, Quat(w, x, y, z).normalized());
  }
  return v;
}

TEST_F(SemPlugin, PredictionEqualsTheSyntheticChannellingContrast) {
  for (const LaueGroup laue : {LaueGroup::CubicHigh, LaueGroup::HexagonalHigh, LaueGroup::Orthorhombic}) {
    pipeline::Workspace ws;
    ws.volume = random_orientations(laue, 7);
    ws.volume->valid()[5] = 0;
    run(plugins_->steps, "predict-sem", nlohmann::json::object(), ws);
    const Channel& c = ws.volume->channel("sem_predicted");
    for (std::int64_t i = 0; i < ws.volume->voxel_count(); ++i) {
      if (i == 5) {
        EXPECT_TRUE(std::isnan(c.values[5]));
        continue;
      }
      EXPECT_NEAR(c.values[static_cast<std::size_t>(i)], synth::channelling_contrast(ws.volume->orientation(i), laue), 2e-6)
          << laue_symbol(laue) << " voxel " << i;
    }
  }
}

TEST_F(SemPlugin, PredictionFollowsTheBeamDirection) {
  // For m-3m, c(d) = ((dx^4 + dy^4 + dz^4) / 3 - 1/9) / (1/3 - 1/9): 1 along <100>, 0 along <111>.
  pipeline::Workspace ws;
  ws.volume = random_orientations(LaueGroup::CubicHigh, 11);
  run(plugins_->steps, "predict-sem", {{"beam_direction", {2.0, 0.0, 0.0}}, {"output", "tilted"}}, ws);
  const Channel& c = ws.volume->channel("tilted");
  for (std::int64_t i = 0; i < ws.volume->voxel_count(); ++i) {
    const Eigen::Vector3d d = rotate(ws.volume->orientation(i), {1.0, 0.0, 0.0});
    const double m = (std::pow(d.x(), 4) + std::pow(d.y(), 4) + std::pow(d.z(), 4)) / 3.0;
    EXPECT_NEAR(c.values[static_cast<std::size_t>(i)], (m - 1.0 / 9.0) / (1.0 / 3.0 - 1.0 / 9.0), 2e-6);
  }
}

TEST_F(SemPlugin, PredictionDeclaresItsParametersAndOutput) {
  const auto& info = plugins_->steps.get("predict-sem").info();
  ASSERT_EQ(info.parameters.size(), 2u);
  EXPECT_EQ(info.parameters[0].name, "beam_direction");
  EXPECT_EQ(info.parameters[0].default_value, nlohmann::json({0.0, 0.0, 1.0}));
  EXPECT_EQ(info.parameters[0].list_size, 3u);
  EXPECT_EQ(info.parameters[1].name, "output");
  EXPECT_EQ(info.parameters[1].default_value, "sem_predicted");
}

}  // namespace
}  // namespace ebsd::test

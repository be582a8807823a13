// The slice-recovery transformer: weight files (safetensors round trip and malformed input), a
// few training steps on CPU reduce the loss, and the tiled predictor returns one orientation per
// voxel for planes larger and smaller than a crop. Uses only the torch-free entry points.
#include <gtest/gtest.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include "../../gpu/src/model_files/safetensors.hpp"
#include "../../gpu/src/recovery/recovery_engine.hpp"
#include "ebsd/analysis/recovery_metrics.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/synth/microstructure.hpp"

using namespace ebsd;
namespace mf = ebsd::gpu::model_files;
namespace fs = std::filesystem;

namespace {
fs::path temp_dir(const std::string& name) {
  const auto d = fs::temp_directory_path() / ("ebsd-recovery-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}
mf::SafetensorsFile sample_file() {
  mf::SafetensorsFile f;
  f.metadata["config"] = "{}";
  mf::TensorRecord a{"a", "F32", {2, 3}, std::vector<std::uint8_t>(24)};
  for (std::size_t i = 0; i < 24; ++i) a.data[i] = static_cast<std::uint8_t>(i);
  mf::TensorRecord b{"b", "I8", {4}, {1, 2, 3, 4}};
  f.tensors = {a, b};
  return f;
}
// The tiny model every test here trains: block 16, D 16, one layer.
nlohmann::json tiny_args(const fs::path& out, int steps) {
  return {{"steps", steps}, {"batch", 2}, {"dim", 16}, {"depth", 1}, {"heads", 2}, {"block", 16}, {"volumes", 2},
          {"volume_size", 24}, {"val_every", 1000}, {"out", out.string()}, {"seed", 3}};
}
}  // namespace

TEST(RecoverySafetensors, RoundTripKeepsNamesShapesBytesAndMetadata) {
  const auto bytes = mf::serialize_safetensors(sample_file());
  const auto g = mf::parse_safetensors(bytes);
  ASSERT_EQ(g.tensors.size(), 2u);
  EXPECT_EQ(g.metadata.at("config"), "{}");
  EXPECT_EQ(g.find("a")->shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(g.find("a")->data, sample_file().tensors[0].data);
  EXPECT_EQ(g.find("b")->dtype, "I8");
}

TEST(RecoverySafetensors, MalformedFilesAreRejected) {
  const auto good = mf::serialize_safetensors(sample_file());
  std::vector<std::uint8_t> truncated(good.begin(), good.end() - 1);
  EXPECT_THROW(mf::parse_safetensors(truncated), Error);             // data shorter than the offsets
  EXPECT_THROW(mf::parse_safetensors(std::vector<std::uint8_t>(5)), Error);  // no header length
  auto huge = good;
  huge[7] = 0x7f;  // header length far beyond the file
  EXPECT_THROW(mf::parse_safetensors(huge), Error);
  auto bad_json = good;
  bad_json[8] = '[';
  EXPECT_THROW(mf::parse_safetensors(bad_json), Error);
  // A shape that does not match the offsets.
  const std::string h = R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})";
  std::vector<std::uint8_t> f(8);
  f[0] = static_cast<std::uint8_t>(h.size());
  f.insert(f.end(), h.begin(), h.end());
  f.resize(f.size() + 8);
  EXPECT_THROW(mf::parse_safetensors(f), Error);
}

TEST(RecoveryTraining, AFewStepsOnCpuReduceTheLoss) {
  const auto out = temp_dir("train");
  const auto r = gpu::recovery::train_recovery(tiny_args(out, 60), Progress::none());
  // Mean of the first and last ten logged losses (one line per step for short runs).
  std::ifstream log(out / "log.jsonl");
  std::vector<double> losses;
  for (std::string line; std::getline(log, line);) losses.push_back(nlohmann::json::parse(line)["loss"].get<double>());
  ASSERT_EQ(losses.size(), 60u);
  double first = 0, last = 0;
  for (int i = 0; i < 10; ++i) first += losses[static_cast<std::size_t>(i)], last += losses[losses.size() - 1 - static_cast<std::size_t>(i)];
  EXPECT_LT(last, 0.8 * first);
  EXPECT_TRUE(fs::exists(out / "model.safetensors"));
  EXPECT_TRUE(fs::exists(out / "state.json"));
  // Resuming continues from the saved step.
  auto args = tiny_args(out, 62);
  args["resume"] = out.string();
  const auto r2 = gpu::recovery::train_recovery(args, Progress::none());
  EXPECT_EQ(r2["steps_run"].get<int>(), 2);
  EXPECT_EQ(r2["step"].get<int>(), 62);
  fs::remove_all(out);
}

TEST(RecoveryInference, TiledPredictorCoversPlanesLargerAndSmallerThanACrop) {
  const auto out = temp_dir("infer");
  gpu::recovery::train_recovery(tiny_args(out, 2), Progress::none());
  gpu::recovery::PredictorOptions po;
  po.model = out / "model.safetensors";
  po.stride = 12;
  const auto predict = gpu::recovery::make_transformer_predictor(po, Progress::none());
  for (Index3 dims : {Index3{30, 21, 9}, Index3{10, 12, 5}}) {
    synth::SynthOptions o;
    o.dims = dims;
    o.grains = 8;
    Volume v = synth::generate_microstructure(o).volume;
    const auto q = predict(v, 2);
    ASSERT_EQ(static_cast<std::int64_t>(q.size()), dims[0] * dims[1]);
    for (const auto& x : q) ASSERT_NEAR(x.norm(), 1.0, 1e-5);
    // The whole chain: projection onto neighbour orientations, one and two missing slices.
    analysis::RecoveryOptions ro;
    ro.method = analysis::RecoveryMethod::Projection;
    ro.predictor = predict;
    const std::vector<std::int64_t> s{2, 3};
    const Volume truth = v;
    analysis::recover_slices(v, s, ro);
    EXPECT_EQ(analysis::orientation_error(truth, v, s).unrecovered, 0);
  }
  // A weight file of another model is refused with the tensor's name.
  mf::write_safetensors(out / "other.safetensors", sample_file());
  po.model = out / "other.safetensors";
  EXPECT_THROW(gpu::recovery::make_transformer_predictor(po, Progress::none()), Error);
  fs::remove_all(out);
}

// The shipped model recovers the same slices on CUDA as on the CPU: the predictions agree to
// float rounding (cuDNN may use TF32), and the projection, which only compares disorientations to
// the prediction, makes the same choice on every voxel.
TEST(RecoveryInference, CudaAndCpuRecoverTheSameVolume) {
  if (!gpu::cuda_available()) GTEST_SKIP() << "no CUDA device";
  synth::SynthOptions so;
  so.dims = {96, 80, 14};
  so.grains = 120;
  so.twin_fraction = 0.3;
  so.seed = 21;
  const Volume truth = synth::generate_microstructure(so).volume;
  const std::vector<std::int64_t> slices{6, 7};
  std::vector<Volume> out;
  std::vector<std::vector<Quat>> preds;
  for (auto d : {gpu::Device::Cpu, gpu::Device::Cuda}) {
    gpu::recovery::PredictorOptions po;
    po.model = gpu::recovery::default_model_path();
    po.device = d;
    const auto predict = gpu::recovery::make_transformer_predictor(po, Progress::none());
    preds.push_back(predict(truth, 6));
    Volume v = truth;
    analysis::RecoveryOptions ro;
    ro.method = analysis::RecoveryMethod::Projection;
    ro.predictor = predict;
    analysis::recover_slices(v, slices, ro);
    out.push_back(std::move(v));
  }
  double max_angle = 0;
  for (std::size_t i = 0; i < preds[0].size(); ++i)
    max_angle = std::max(max_angle, 2.0 * std::acos(std::min(1.0, std::fabs(preds[0][i].dot(preds[1][i])))));
  EXPECT_LT(max_angle, 0.01) << "largest CPU/CUDA prediction difference (rad)";
  // Orientations are stored in single precision: the same voxel copied twice agrees to ~1e-7.
  std::int64_t differ = 0;
  for (std::int64_t i = 0; i < truth.voxel_count(); ++i)
    if (out[0].grain_ids()[static_cast<std::size_t>(i)] != out[1].grain_ids()[static_cast<std::size_t>(i)] ||
        std::fabs(out[0].orientation(i).dot(out[1].orientation(i))) < 1 - 1e-6)
      ++differ;
  EXPECT_EQ(differ, 0) << "voxels recovered differently on CPU and CUDA";
}

// The LLM engine on CUDA (label gpu; skips itself without a device):
// - bf16 parity with transformers on the H100: the reference models' `logits_bf16_cuda` goldens
//   (tests/llm/make_reference_models.py: the model in bf16 on CUDA, one forward over prompt + 64
//   greedy tokens) must match our bf16 CUDA logits to 1e-2 relative (max |ours - golden| / max
//   |golden|), in one prefill and in prefill + decode steps, and greedy generation must give the
//   golden tokens as far as transformers' own bf16 logits pick them;
// - Q8_0 / Q4_0 weights through our CUDA kernels (decode: packed matrix-vector kernel; prompts
//   longer than cuda_gemv_max_tokens(): dequantize + cuBLAS) give the logits of the same model
//   with the weights dequantized to F32 at load (both computed in f32 on the GPU).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "ebsd/io/model/gguf.hpp"
#include "ebsd/io/model/quantized_weights.hpp"
#include "ebsd/io/model/random_model.hpp"
#include "ebsd/io/model/safetensors.hpp"
#include "ebsd/quant/block_formats.hpp"
#include "llm/generation.hpp"
#include "nn/cuda_quantized_linear.hpp"
#include "run_command.hpp"

namespace {

namespace fs = std::filesystem;
namespace im = ebsd::io::model;
using namespace ebsd::gpu::llm;

const fs::path kModels = fs::path(EBSD_SOURCE_DIR) / "tests" / "data" / "llm";

bool have_cuda() { return torch::cuda::is_available(); }

torch::Tensor golden_tensor(const std::string& family, const std::string& name, torch::ScalarType type) {
  const im::SafetensorsModel st(kModels / family / "golden.safetensors");
  const auto& t = st.get(name);
  return torch::from_blob(const_cast<std::uint8_t*>(t.data.data()), t.shape, type).clone();
}

double relative_error(const torch::Tensor& ours, const torch::Tensor& golden) {
  return (ours.cpu() - golden.cpu()).abs().max().item<double>() / golden.abs().max().item<double>();
}

LoadOptions on_cuda(ComputeType c) {
  LoadOptions o;
  o.device = ebsd::gpu::Device::Cuda;
  o.compute = c;
  return o;
}

class LlmCudaParity : public ::testing::TestWithParam<std::string> {};

TEST_P(LlmCudaParity, Bf16LogitsAndGreedyMatchTransformersOnCuda) {
  if (!have_cuda()) GTEST_SKIP() << "no CUDA device";
  const auto family = GetParam();
  std::ifstream in(kModels / family / "golden.json");
  const auto j = nlohmann::json::parse(in);
  const auto prompt = j["prompt"].get<std::vector<std::int64_t>>();
  const auto greedy = j["greedy"].get<std::vector<std::int64_t>>();
  const auto golden = golden_tensor(family, "logits_bf16_cuda", torch::kFloat);
  const auto tokens = golden_tensor(family, "tokens", torch::kInt64);
  const std::vector<std::int64_t> sequence(tokens.data_ptr<std::int64_t>(), tokens.data_ptr<std::int64_t>() + tokens.numel());
  DecoderModel model(im::ModelFile::open(kModels / family), on_cuda(ComputeType::BF16));
  Session all(model, 80);
  const double e1 = relative_error(all.prefill(sequence, true), golden);
  Session step(model, 80);
  std::vector<torch::Tensor> rows{step.prefill({sequence.begin(), sequence.begin() + 16}, true)};
  for (std::size_t i = 16; i < sequence.size(); ++i) rows.push_back(step.decode(sequence[i]).unsqueeze(0));
  const double e2 = relative_error(torch::cat(rows, 0), golden);
  std::printf("%s bf16 CUDA: relative logit error %.3g (one prefill), %.3g (prefill + decode steps)\n", family.c_str(), e1, e2);
  EXPECT_LE(e1, 1e-2);
  EXPECT_LE(e2, 1e-2);
  // Transformers' bf16 run scored the f32 greedy sequence; its own argmax follows that sequence
  // for the first `agreed` steps, which is what the goldens define for bf16 greedy decoding.
  const auto golden_pick = golden.narrow(0, static_cast<std::int64_t>(prompt.size()) - 1, 64).argmax(1);
  std::size_t agreed = 0;
  while (agreed < greedy.size() && golden_pick[static_cast<std::int64_t>(agreed)].item<std::int64_t>() == greedy[agreed]) ++agreed;
  Session s(model, 80);
  GenerationSettings settings;
  settings.max_new_tokens = 64;
  settings.stop_at_eos = false;
  const auto r = generate(s, prompt, settings, {}, ebsd::Progress::none());
  std::size_t same = 0;
  while (same < r.tokens.size() && same < greedy.size() && r.tokens[same] == greedy[same]) ++same;
  std::printf("%s bf16 CUDA greedy: %zu of 64 tokens as the f32 goldens; transformers' bf16 logits agree for %zu\n",
              family.c_str(), same, agreed);
  EXPECT_GE(same, agreed);
}

INSTANTIATE_TEST_SUITE_P(Families, LlmCudaParity, ::testing::Values("llama", "qwen2", "gemma2"));

// The same file with every quantized tensor replaced by its dequantized F32 values.
void dequantize_to_f32(const fs::path& in, const fs::path& out) {
  const auto f = im::read_gguf(in);
  im::GgufWriter w;
  for (const auto& [key, v] : f.metadata) {
    if (v.type == im::GgufValueType::U32) w.set_uint32(key, static_cast<std::uint32_t>(v.uinteger));
    else if (v.type == im::GgufValueType::F32) w.set_float32(key, static_cast<float>(v.real));
    else if (v.type == im::GgufValueType::STRING) w.set_string(key, v.text);
  }
  for (const auto& t : f.tensors) {
    std::vector<float> x(static_cast<std::size_t>(t.element_count()));
    if (const auto fmt = im::block_format(t.type))
      ebsd::quant::dequantize_row(*fmt, t.data.data(), x.data(), t.element_count());
    else
      std::memcpy(x.data(), t.data.data(), x.size() * 4);
    w.add_tensor(t.name, im::GgmlType::F32, t.shape(),
                 std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(x.data()), x.size() * 4));
  }
  w.write(out);
}

TEST(LlmCudaQuantized, PackedKernelsGiveTheDequantizedModelsLogits) {
  if (!have_cuda()) GTEST_SKIP() << "no CUDA device";
  ASSERT_TRUE(ebsd::gpu::nn::cuda_quant_kernels_available()) << "built without the CUDA kernels";
  ebsd::test::TempDir tmp;
  im::RandomModelOptions o;  // a small qwen2: q/k/v biases, tied (quantized) embeddings
  o.hidden = 256;
  o.layers = 2;
  o.heads = 4;
  o.kv_heads = 2;
  o.intermediate = 640;
  o.vocab = 1000;
  o.context = 128;
  o.seed = 5;
  std::vector<std::int64_t> prompt;
  for (int i = 0; i < 24; ++i) prompt.push_back((i * 389 + 17) % o.vocab);  // 24 > the kernel's token limit: GEMM path
  for (auto [m, e] : {std::pair{im::GgmlType::Q8_0, im::GgmlType::Q8_0}, std::pair{im::GgmlType::Q4_0, im::GgmlType::Q8_0},
                      std::pair{im::GgmlType::Q4_0, im::GgmlType::Q4_0}}) {
    SCOPED_TRACE(std::string(im::ggml_type_traits(m).name) + " / " + im::ggml_type_traits(e).name);
    o.matrix_type = m;
    o.embedding_type = e;
    im::write_random_gguf(o, tmp / "q.gguf");
    dequantize_to_f32(tmp / "q.gguf", tmp / "ref.gguf");
    DecoderModel packed(im::ModelFile::open(tmp / "q.gguf"), on_cuda(ComputeType::F32));
    DecoderModel reference(im::ModelFile::open(tmp / "ref.gguf"), on_cuda(ComputeType::F32));
    // The packed model holds the file's bytes on the GPU: the quantized size, not 4 bytes a weight.
    EXPECT_EQ(packed.weights_owned_bytes(), packed.file().weight_bytes());
    EXPECT_LT(packed.weights_owned_bytes(), reference.weights_owned_bytes() / 3);
    Session a(packed, 64), b(reference, 64);
    const auto la = a.prefill(prompt, true), lb = b.prefill(prompt, true);
    ASSERT_TRUE(torch::isfinite(la).all().item<bool>());
    const double e_prefill = relative_error(la, lb);
    // Decode steps (the packed matrix-vector kernel) give the same logits.
    Session c(packed, 64);
    std::vector<torch::Tensor> rows{c.prefill({prompt.begin(), prompt.begin() + 4}, true)};
    for (std::size_t i = 4; i < prompt.size(); ++i) rows.push_back(c.decode(prompt[i]).unsqueeze(0));
    const double e_decode = relative_error(torch::cat(rows, 0), lb);
    std::printf("  packed vs dequantized F32, relative logit error: %.3g (prefill, GEMM), %.3g (decode, kernel)\n", e_prefill,
                e_decode);
    // f32 everywhere: only summation order differs (cuBLAS may use TF32 for f32 GEMMs when
    // allowed; LibTorch's default does not).
    EXPECT_LE(e_prefill, 1e-5);
    EXPECT_LE(e_decode, 1e-5);
  }
}

TEST(LlmCudaQuantized, Bf16DecodeStaysCloseToF32) {
  if (!have_cuda()) GTEST_SKIP() << "no CUDA device";
  ebsd::test::TempDir tmp;
  auto o = im::qwen25_05b_shape();
  o.layers = 2;
  o.matrix_type = im::GgmlType::Q4_0;
  o.embedding_type = im::GgmlType::Q8_0;
  im::write_random_gguf(o, tmp / "q.gguf");
  DecoderModel f32(im::ModelFile::open(tmp / "q.gguf"), on_cuda(ComputeType::F32));
  DecoderModel bf16(im::ModelFile::open(tmp / "q.gguf"), on_cuda(ComputeType::BF16));
  const std::vector<std::int64_t> prompt{151, 9000, 42, 77777, 3, 120000, 5, 6};
  Session a(f32, 32), b(bf16, 32);
  a.prefill(prompt);
  b.prefill(prompt);
  const auto la = a.decode(1234), lb = b.decode(1234);
  const double e = relative_error(lb, la);
  std::printf("  Qwen2.5-0.5B shape (2 layers) Q4_0: bf16 vs f32 decode logits, relative error %.3g\n", e);
  EXPECT_LE(e, 2e-2);
}

}  // namespace

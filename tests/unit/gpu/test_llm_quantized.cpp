// Quantized GGUF models in the engine: Q8_0 / Q4_0 matrices used in place by core's kernels
// (through the LibTorch glue, two threads), Q4_K / Q6_K dequantized at load, memory accounting
// of the quantized bytes, and malformed quantized tensors rejected with the tensor's name.
// The kernels themselves are tested against float64 references in tests/unit/quant.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include <torch/torch.h>

#include "../../gpu/src/llm/generation.hpp"
#include "../../gpu/src/nn/quantized_linear.hpp"
#include "ebsd/quant/bf16_prompt_matmul.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/io/model/gguf.hpp"
#include "ebsd/io/model/quantized_weights.hpp"
#include "ebsd/io/model/random_model.hpp"
#include "gguf_as_f32.hpp"
#include "run_command.hpp"

namespace {

namespace fs = std::filesystem;
namespace im = ebsd::io::model;
namespace q = ebsd::quant;
using namespace ebsd::gpu::llm;

// A small qwen2 (q/k/v biases, tied embeddings) whose rows are whole 256-value K-quant blocks.
im::RandomModelOptions small_model(im::GgmlType matrices, im::GgmlType embedding) {
  im::RandomModelOptions o;
  o.hidden = 256;
  o.layers = 2;
  o.heads = 4;
  o.kv_heads = 2;
  o.intermediate = 512;
  o.vocab = 512;
  o.context = 128;
  o.matrix_type = matrices;
  o.embedding_type = embedding;
  o.seed = 9;
  return o;
}


double relative_error(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>() / b.abs().max().item<double>();
}

const std::vector<std::int64_t> kPrompt{5, 77, 300, 12, 9, 411, 2, 3, 150, 64, 33, 200};

TEST(QuantizedGguf, KQuantsAreDequantizedToTheirExactValues) {
  ebsd::test::TempDir tmp;
  for (auto [m, e] : {std::pair{im::GgmlType::Q4_K, im::GgmlType::Q6_K}, std::pair{im::GgmlType::Q6_K, im::GgmlType::Q4_K}}) {
    im::write_random_gguf(small_model(m, e), tmp / "k.gguf");
    ebsd::test::dequantize_gguf_to_f32(tmp / "k.gguf", tmp / "ref.gguf");
    DecoderModel quantized(im::ModelFile::open(tmp / "k.gguf"), {});
    DecoderModel reference(im::ModelFile::open(tmp / "ref.gguf"), {});
    Session a(quantized, 32), b(reference, 32);
    const auto la = a.prefill(kPrompt, true), lb = b.prefill(kPrompt, true);
    EXPECT_LE(relative_error(la, lb), 1e-6) << im::ggml_type_traits(m).name;
    EXPECT_GT(quantized.weights_owned_bytes(), 0u);  // dequantized copies
  }
}

TEST(QuantizedGguf, Q8_0AndQ4_0RunInPlaceAndCountTheirBytes) {
  ebsd::test::TempDir tmp;
  torch::set_num_threads(2);
  for (auto [m, e] : {std::pair{im::GgmlType::Q8_0, im::GgmlType::Q8_0}, std::pair{im::GgmlType::Q4_0, im::GgmlType::Q8_0},
                      std::pair{im::GgmlType::Q4_0, im::GgmlType::Q4_0}}) {
    SCOPED_TRACE(std::string(im::ggml_type_traits(m).name) + " / " + im::ggml_type_traits(e).name);
    im::write_random_gguf(small_model(m, e), tmp / "q.gguf");
    ebsd::test::dequantize_gguf_to_f32(tmp / "q.gguf", tmp / "ref.gguf");
    // The same random values before any rounding: the F32 model of the same seed.
    im::write_random_gguf(small_model(im::GgmlType::F32, im::GgmlType::F32), tmp / "f32.gguf");
    DecoderModel quantized(im::ModelFile::open(tmp / "q.gguf"), {});
    DecoderModel reference(im::ModelFile::open(tmp / "ref.gguf"), {});
    DecoderModel original(im::ModelFile::open(tmp / "f32.gguf"), {});
    // Every weight is used in place: the quantized matrices and the F32 norms and biases. Where
    // the CPU's kernels read interleaved copies (AVX-512, AMX) those are owned: never more than
    // the blocks they copy, plus 64 bytes of alignment each (the tied head copies the embedding).
    if (ebsd::quant::reads_interleaved()) {
      EXPECT_GT(quantized.weights_owned_bytes(), 0u);
      EXPECT_LE(quantized.weights_owned_bytes(), 2 * quantized.file().weight_bytes());
    } else {
      EXPECT_EQ(quantized.weights_owned_bytes(), 0u);
    }
    EXPECT_EQ(quantized.weights_mapped_bytes(), quantized.file().weight_bytes());
    EXPECT_LT(quantized.weights_mapped_bytes(), reference.weights_mapped_bytes() / 3);
    Session a(quantized, 32), b(reference, 32), c0(original, 32);
    const auto la = a.prefill(kPrompt, true), lb = b.prefill(kPrompt, true), lo = c0.prefill(kPrompt, true);
    ASSERT_TRUE(torch::isfinite(la).all().item<bool>());
    // In place vs the dequantized model differs only by the activations' 8-bit block rounding
    // (step max / 127); the dequantized model vs the unrounded one only by the weights' rounding
    // (step max / 127 for Q8_0, max / 8 for Q4_0). The first effect must therefore stay of the
    // order of the second for Q8_0 (same step: within 3x) and below it for Q4_0 (16x coarser).
    const double act = relative_error(la, lb), wts = relative_error(lb, lo);
    std::printf("  %s layers, %s embedding: relative logit change from activation rounding %.3g, from weight rounding %.3g\n",
                im::ggml_type_traits(m).name, im::ggml_type_traits(e).name, act, wts);
    EXPECT_LE(act, m == im::GgmlType::Q8_0 ? 3 * wts : wts);
    // Decode steps through the KV cache give the logits of the one-shot prefill.
    Session c(quantized, 32);
    std::vector<torch::Tensor> rows{c.prefill({kPrompt.begin(), kPrompt.begin() + 4}, true)};
    for (std::size_t i = 4; i < kPrompt.size(); ++i) rows.push_back(c.decode(kPrompt[i]).unsqueeze(0));
    EXPECT_LE(relative_error(torch::cat(rows, 0), la), 1e-5);
  }
}

// Prompts of 32 tokens or more run bf16 products where the CPU has AMX-BF16
// (quant/bf16_prompt_matmul.hpp), decode steps the 8-bit ones: both stay as close to the
// dequantized model as the 8-bit path does on short prompts; with bf16 the prompt is the closer.
TEST(QuantizedGguf, LongPromptsStayWithinTheActivationRounding) {
  ebsd::test::TempDir tmp;
  torch::set_num_threads(2);
  std::vector<std::int64_t> prompt;
  for (int i = 0; i < 40; ++i) prompt.push_back((i * 37 + 11) % 512);
  std::printf("  bf16 prompt products here: %s\n", q::bf16_prompt_supported() ? "yes" : "no");
  for (auto m : {im::GgmlType::Q8_0, im::GgmlType::Q4_0}) {
    SCOPED_TRACE(im::ggml_type_traits(m).name);
    im::write_random_gguf(small_model(m, im::GgmlType::Q8_0), tmp / "q.gguf");
    ebsd::test::dequantize_gguf_to_f32(tmp / "q.gguf", tmp / "ref.gguf");
    im::write_random_gguf(small_model(im::GgmlType::F32, im::GgmlType::F32), tmp / "f32.gguf");
    DecoderModel quantized(im::ModelFile::open(tmp / "q.gguf"), {});
    DecoderModel reference(im::ModelFile::open(tmp / "ref.gguf"), {});
    DecoderModel original(im::ModelFile::open(tmp / "f32.gguf"), {});
    Session a(quantized, 64), b(reference, 64), c0(original, 64), c(quantized, 64);
    const auto la = a.prefill(prompt, true), lb = b.prefill(prompt, true), lo = c0.prefill(prompt, true);
    std::vector<torch::Tensor> rows{c.prefill({prompt.begin(), prompt.begin() + 4}, true)};
    for (std::size_t i = 4; i < prompt.size(); ++i) rows.push_back(c.decode(prompt[i]).unsqueeze(0));
    const auto steps = torch::cat(rows, 0);
    const double prompt_err = relative_error(la, lb), step_err = relative_error(steps, lb), wts = relative_error(lb, lo);
    const double between = relative_error(steps, la);
    std::printf("  %s: relative logit change, prompt %.3g, token by token %.3g (from weight rounding %.3g); between them %.3g\n",
                im::ggml_type_traits(m).name, prompt_err, step_err, wts, between);
    EXPECT_LE(prompt_err, m == im::GgmlType::Q8_0 ? 3 * wts : wts);
    EXPECT_LE(step_err, m == im::GgmlType::Q8_0 ? 3 * wts : wts);
    // Where the prompt ran in bf16 it is the closer of the two to the dequantized model (bf16
    // rounds each activation finer than an 8-bit block does).
    // Without it both are the 8-bit products and agree as in the short-prompt test.
    if (q::bf16_prompt_supported())
      EXPECT_LT(prompt_err, step_err);
    else
      EXPECT_LE(between, 1e-5);
  }
}

TEST(QuantizedLinear, GlueGivesTheKernelsResultsWithBias) {
  torch::set_num_threads(2);
  for (auto f : {q::BlockFormat::Q8_0, q::BlockFormat::Q4_0}) {
    const std::int64_t rows = 200, cols = 320;
    const auto wf = torch::randn({rows, cols});
    const auto rb = q::row_bytes(f, cols);
    std::vector<std::uint8_t> wq(rb * rows);
    for (std::int64_t r = 0; r < rows; ++r) q::quantize_row(f, wf[r].data_ptr<float>(), wq.data() + r * rb, cols);
    const q::QuantMatrix w{f, wq.data(), rows, cols, rb};
    const auto x = torch::randn({1, 5, cols});
    q::ActivationBlocks blocks;
    blocks.quantize(f, x.data_ptr<float>(), 5, cols, cols);
    auto expect = torch::empty({5, rows});
    q::quant_matmul(w, blocks, expect.data_ptr<float>(), rows, 0, rows);
    const auto bias = torch::randn({rows});
    ebsd::gpu::nn::Linear layer(w, bias);
    const auto y = layer->forward(x);
    ASSERT_EQ(y.sizes().vec(), (std::vector<std::int64_t>{1, 5, rows}));
    EXPECT_TRUE(torch::equal(y[0], expect + bias));
    ebsd::gpu::nn::Linear plain(w);
    EXPECT_EQ(plain->forward(x.to(torch::kBFloat16)).scalar_type(), torch::kBFloat16);
  }
}

TEST(QuantizedGguf, MalformedTensorsAreErrorsNamingThem) {
  ebsd::test::TempDir tmp;
  im::write_random_gguf(small_model(im::GgmlType::Q8_0, im::GgmlType::Q8_0), tmp / "q.gguf");
  const auto bytes = [&] {
    std::ifstream in(tmp / "q.gguf", std::ios::binary);
    return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }();
  const auto g = im::read_gguf(tmp / "q.gguf");
  const auto* t = g.find("blk.1.ffn_up.weight");
  ASSERT_NE(t, nullptr);
  for (std::uint16_t bad : {std::uint16_t{0x7E00}, std::uint16_t{0x7C00}}) {  // NaN, +inf scale in block 3
    auto copy = bytes;
    const auto at = g.data_offset + t->offset + 3 * 34;
    std::memcpy(copy.data() + at, &bad, 2);
    {
      std::ofstream out(tmp / "bad.gguf", std::ios::binary);
      out.write(copy.data(), static_cast<std::streamsize>(copy.size()));
    }
    try {
      DecoderModel model(im::ModelFile::open(tmp / "bad.gguf"), {});
      FAIL() << "a non-finite scale was accepted";
    } catch (const ebsd::Error& e) {
      EXPECT_EQ(e.place(), "blk.1.ffn_up.weight");
      EXPECT_NE(std::string(e.what()).find("block 3"), std::string::npos) << e.what();
    }
  }
  // A quantized type the engine has no decoder for.
  im::GgufWriter w;
  const auto f = im::read_gguf(tmp / "q.gguf");
  for (const auto& [key, v] : f.metadata)
    if (v.type == im::GgufValueType::U32) w.set_uint32(key, static_cast<std::uint32_t>(v.uinteger));
    else if (v.type == im::GgufValueType::F32) w.set_float32(key, static_cast<float>(v.real));
    else if (v.type == im::GgufValueType::STRING) w.set_string(key, v.text);
  for (const auto& tt : f.tensors) {
    if (tt.name == "blk.0.attn_q.weight") {
      const std::vector<std::uint8_t> zeros(static_cast<std::size_t>(tt.element_count() / 256 * 176), 0);
      w.add_tensor(tt.name, im::GgmlType::Q5_K, tt.shape(), zeros);
    } else {
      w.add_tensor(tt.name, tt.type, tt.shape(), tt.data);
    }
  }
  w.write(tmp / "q5k.gguf");
  try {
    DecoderModel model(im::ModelFile::open(tmp / "q5k.gguf"), {});
    FAIL() << "Q5_K was accepted";
  } catch (const ebsd::Error& e) {
    EXPECT_EQ(e.place(), "blk.0.attn_q.weight");
  }
}

}  // namespace

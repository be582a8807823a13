// Model specs from the reference models' config.json (tests/data/llm, made by
// tests/llm/make_reference_models.py), and safetensors -> GGUF conversion with llama.cpp's
// layout conventions, read back through the same ModelFile interface.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>

#include "ebsd/core/error.hpp"
#include "ebsd/io/model/convert.hpp"
#include "ebsd/io/model/float_formats.hpp"
#include "ebsd/io/model/gguf.hpp"
#include "ebsd/io/model/model_file.hpp"
#include "run_command.hpp"

namespace {

using namespace ebsd::io::model;
namespace fs = std::filesystem;

const fs::path kModels = fs::path(EBSD_SOURCE_DIR) / "tests" / "data" / "llm";

std::vector<float> as_floats(const WeightView& w) {
  std::vector<float> v(static_cast<std::size_t>(w.element_count()));
  EXPECT_EQ(w.type, GgmlType::F32);
  std::memcpy(v.data(), w.data.data(), v.size() * 4);
  return v;
}

TEST(LlmModelFile, LlamaConfigAndShardedWeights) {
  const auto m = ModelFile::open(kModels / "llama");
  const auto& s = m.spec();
  EXPECT_EQ(m.format(), "safetensors");
  EXPECT_EQ(s.architecture, Architecture::Llama);
  EXPECT_EQ(s.layers, 3);
  EXPECT_EQ(s.heads, 4);
  EXPECT_EQ(s.kv_heads, 2);
  EXPECT_EQ(s.head_dim, 16);
  EXPECT_FALSE(s.tied_embeddings);
  EXPECT_EQ(s.rope_pairing, RopePairing::RotateHalf);
  EXPECT_DOUBLE_EQ(s.rope_theta, 500000.0);
  // llama3 scaling, original context 64, factor 8: the highest frequency (wavelength 2 pi) is
  // kept, the lowest (wavelength 2 pi 500000^(14/16) ~ 6e5 > 64) divided by 8.
  ASSERT_EQ(s.rope_freq_factors.size(), 8u);
  EXPECT_FLOAT_EQ(s.rope_freq_factors.front(), 1.0f);
  EXPECT_FLOAT_EQ(s.rope_freq_factors.back(), 8.0f);
  EXPECT_EQ(m.get("blk.2.ffn_down.weight").shape, (std::vector<std::int64_t>{64, 128}));
  EXPECT_EQ(m.get("output.weight").shape, (std::vector<std::int64_t>{512, 64}));
  EXPECT_EQ(m.weights().size(), 2u + 1u + 3u * 9u);
}

TEST(LlmModelFile, Qwen2AndGemma2Specs) {
  const auto q = ModelFile::open(kModels / "qwen2" / "model.safetensors");
  EXPECT_TRUE(q.spec().qkv_bias);
  EXPECT_TRUE(q.spec().tied_embeddings);
  EXPECT_EQ(q.find("output.weight"), nullptr);
  EXPECT_EQ(q.get("blk.1.attn_k.bias").shape, (std::vector<std::int64_t>{32}));
  const auto g = ModelFile::open(kModels / "gemma2");
  const auto& s = g.spec();
  EXPECT_EQ(s.head_dim, 24);  // not hidden/heads = 16
  EXPECT_DOUBLE_EQ(s.query_scale, 1.0 / std::sqrt(32.0));
  EXPECT_EQ(s.sliding_window, 12);
  EXPECT_EQ(s.sliding_layers, (std::vector<bool>{true, false, true, false}));
  EXPECT_TRUE(s.norm_adds_one && s.sandwich_norms && s.scale_embeddings);
  EXPECT_DOUBLE_EQ(s.attn_logit_softcap, 50.0);
  EXPECT_DOUBLE_EQ(s.final_logit_softcap, 30.0);
  EXPECT_NE(g.find("blk.3.post_ffw_norm.weight"), nullptr);
}

TEST(LlmModelFile, BadConfigNamesFileAndField) {
  ebsd::test::TempDir tmp;
  fs::copy_file(kModels / "qwen2" / "model.safetensors", tmp / "model.safetensors");
  std::ifstream in(kModels / "qwen2" / "config.json");
  auto config = nlohmann::json::parse(in);
  config["num_key_value_heads"] = 3;
  std::ofstream(tmp / "config.json") << config.dump();
  try {
    ModelFile::open(tmp.path());
    FAIL();
  } catch (const ebsd::Error& e) {
    EXPECT_NE(e.file().find("config.json"), std::string::npos);
    EXPECT_EQ(e.place(), "kv_heads");
  }
  config["num_key_value_heads"] = 2;
  config["rope_parameters"] = {{"rope_type", "yarn"}, {"rope_theta", 1e6}};
  std::ofstream(tmp / "config.json", std::ios::trunc) << config.dump();
  EXPECT_THROW(ModelFile::open(tmp.path()), ebsd::Error);
  fs::remove(tmp / "config.json");
  EXPECT_THROW(ModelFile::open(tmp.path()), ebsd::Error);
}

TEST(LlmConvert, LlamaGgufHasReversedDimsPermutedQkAndRopeFactors) {
  ebsd::test::TempDir tmp;
  const auto src = ModelFile::open(kModels / "llama");
  const auto report = convert_to_gguf(src, tmp / "llama.gguf", GgmlType::F32);
  EXPECT_EQ(report.tensors, src.weights().size());
  const auto raw = read_gguf(tmp / "llama.gguf");
  EXPECT_EQ(raw.get_string("general.architecture"), "llama");
  EXPECT_EQ(raw.find("blk.0.attn_q.weight")->ne, (std::vector<std::uint64_t>{64, 64}));
  EXPECT_EQ(raw.find("blk.0.ffn_down.weight")->ne, (std::vector<std::uint64_t>{128, 64}));
  const auto g = ModelFile::open(tmp / "llama.gguf");
  EXPECT_EQ(g.format(), "gguf");
  EXPECT_EQ(g.spec().rope_pairing, RopePairing::Adjacent);
  EXPECT_EQ(g.spec().rope_freq_factors, src.spec().rope_freq_factors);
  EXPECT_EQ(g.spec().head_dim, 16);
  // K has 2 heads of 16 rows: GGUF row 2i + j of a head is HF row j*8 + i.
  const auto hf = as_floats(src.get("blk.1.attn_k.weight"));
  const auto gg = as_floats(g.get("blk.1.attn_k.weight"));
  for (int head = 0; head < 2; ++head)
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < 2; ++j)
        for (int col = 0; col < 64; col += 21)
          EXPECT_EQ(gg[static_cast<std::size_t>((head * 16 + 2 * i + j) * 64 + col)],
                    hf[static_cast<std::size_t>((head * 16 + j * 8 + i) * 64 + col)]);
  EXPECT_EQ(as_floats(g.get("blk.1.ffn_up.weight")), as_floats(src.get("blk.1.ffn_up.weight")));
}

TEST(LlmConvert, GemmaNormsGainOneAndHalfPrecisionMatricesRoundOnce) {
  ebsd::test::TempDir tmp;
  const auto src = ModelFile::open(kModels / "gemma2");
  convert_to_gguf(src, tmp / "g.gguf", GgmlType::BF16);
  const auto g = ModelFile::open(tmp / "g.gguf");
  EXPECT_FALSE(g.spec().norm_adds_one);
  EXPECT_DOUBLE_EQ(g.spec().query_scale, src.spec().query_scale);
  EXPECT_EQ(g.spec().sliding_layers, src.spec().sliding_layers);
  EXPECT_TRUE(g.spec().tied_embeddings);
  const auto hn = as_floats(src.get("blk.0.post_attention_norm.weight"));
  const auto gn = as_floats(g.get("blk.0.post_attention_norm.weight"));
  for (std::size_t i = 0; i < hn.size(); ++i) EXPECT_EQ(gn[i], hn[i] + 1.0f);
  const auto& w = g.get("blk.0.ffn_gate.weight");
  EXPECT_EQ(w.type, GgmlType::BF16);
  const auto hf = as_floats(src.get("blk.0.ffn_gate.weight"));
  for (std::size_t i = 0; i < hf.size(); i += 97) {
    std::uint16_t b;
    std::memcpy(&b, w.data.data() + 2 * i, 2);
    EXPECT_EQ(b, float_to_bf16(hf[i]));
    EXPECT_LE(std::abs(bf16_to_float(b) - hf[i]), std::abs(hf[i]) * (1.0f / 256));
  }
}

TEST(FloatFormats, HalfAndBf16RoundToNearestEven) {
  EXPECT_EQ(float_to_half(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half(-2.0f), 0xc000);
  EXPECT_EQ(float_to_half(65504.0f), 0x7bff);
  EXPECT_EQ(float_to_half(1e6f), 0x7c00);
  EXPECT_EQ(float_to_half(5.9604645e-8f), 0x0001);  // smallest subnormal
  EXPECT_EQ(float_to_half(1.0f + 1.0f / 2048), 0x3c00);  // a tie rounds to even
  EXPECT_EQ(half_to_float(0x3555), 0.333251953125f);
  EXPECT_EQ(half_to_float(0x0001), 5.9604645e-8f);
  EXPECT_EQ(float_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(float_to_bf16(1.00390625f), 0x3f80);  // tie to even
  EXPECT_EQ(bf16_to_float(0x4049), 3.140625f);
  for (float x : {0.1f, -3.7f, 1234.5f, 1e-3f}) {  // normal halves: 11 significant bits
    EXPECT_NEAR(half_to_float(float_to_half(x)), x, std::abs(x) / 1024);
    EXPECT_NEAR(bf16_to_float(float_to_bf16(x)), x, std::abs(x) / 128);
  }
}

}  // namespace

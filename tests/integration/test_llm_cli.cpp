// `ebsd llm convert|run|bench` as a user runs them, on the Gemma2 reference model (the family
// with sliding windows and soft-caps): converted GGUF, greedy JSON output equal to the
// transformers golden, streamed tokens, and the errors for a text prompt and a broken file. Text
// prompts and chat on the Qwen2 reference model with a small byte-level tokenizer.json written
// beside it.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "ebsd/io/model/tokenizer.hpp"
#include "ebsd/quant/quant_matmul.hpp"
#include "run_command.hpp"
#include "tokenizer_test_support.hpp"

namespace {

using ebsd::test::run;
using ebsd::test::TempDir;
const std::string kEbsd = EBSD_CLI;
const std::filesystem::path kModel = std::filesystem::path(EBSD_SOURCE_DIR) / "tests/data/llm/gemma2";

std::vector<std::int64_t> golden_greedy() {
  std::ifstream in(kModel / "golden.json");
  return nlohmann::json::parse(in)["greedy"].get<std::vector<std::int64_t>>();
}

std::string prompt_ids() {
  std::ifstream in(kModel / "golden.json");
  const auto golden = nlohmann::json::parse(in);  // kept alive: the loop iterates a member
  std::string s;
  for (const auto& id : golden["prompt"]) {
    if (!s.empty()) s += ',';
    s += std::to_string(id.get<int>());
  }
  return s;
}

TEST(LlmCli, ConvertThenRunGivesTheGoldenGreedyTokens) {
  TempDir t;
  const auto gguf = (t / "g.gguf").string();
  auto r = run(kEbsd + " llm convert --model " + kModel.string() + " --out " + gguf + " --type f32", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run(kEbsd + " llm run --model " + gguf + " --prompt-ids " + prompt_ids() + " --max-tokens 64 --ignore-eos --json", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["tokens"].get<std::vector<std::int64_t>>(), golden_greedy());
  EXPECT_EQ(j["stop_reason"], "max_tokens");
  EXPECT_EQ(j["model"]["format"], "gguf");
  EXPECT_GT(j["memory"]["kv_reserved_bytes"].get<std::uint64_t>(), 0u);
  // Without --json the tokens stream to stdout, space-separated.
  r = run(kEbsd + " llm run --model " + kModel.string() + " --prompt-ids " + prompt_ids() + " --max-tokens 5 --ignore-eos", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string expected;
  for (std::size_t i = 0; i < 5; ++i) expected += std::to_string(golden_greedy()[i]) + " ";
  EXPECT_EQ(r.out.substr(0, expected.size()), expected);
}

TEST(LlmCli, QuantizedConversionRunsInPlace) {
  TempDir t;
  for (const std::string types : {"--type q8_0", "--type q4_0 --embedding-type q8_0"}) {
    const auto gguf = (t / "q.gguf").string();
    auto r = run(kEbsd + " llm convert --model " + kModel.string() + " --out " + gguf + " " + types, t);
    ASSERT_EQ(r.exit_code, 0) << types << ": " << r.err;
    r = run(kEbsd + " llm run --model " + gguf + " --prompt-ids " + prompt_ids() + " --max-tokens 8 --ignore-eos --json", t);
    ASSERT_EQ(r.exit_code, 0) << types << ": " << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["tokens"].size(), 8u) << types;
    // Every weight used where it lies in the file: quantized matrices, f32 norms. On CPUs whose
    // kernels read interleaved copies (AVX-512) those are owned, at most the blocks they copy
    // plus 64 bytes each (a tied head copies the embedding too).
    const auto owned = j["memory"]["weights_owned_bytes"].get<std::uint64_t>();
    if (ebsd::quant::reads_interleaved()) {
      EXPECT_GT(owned, 0u) << types;
      EXPECT_LE(owned, 2 * j["model"]["weight_file_bytes"].get<std::uint64_t>()) << types;
    } else {
      EXPECT_EQ(owned, 0u) << types;
    }
    EXPECT_EQ(j["memory"]["weights_mapped_bytes"].get<std::uint64_t>(), j["model"]["weight_file_bytes"].get<std::uint64_t>());
    // The same prompt through bench: its generated tokens are reported too.
    r = run(kEbsd + " llm bench --model " + gguf + " --prompt-ids " + prompt_ids() + " --gen-tokens 4 --json", t);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["tokens"].size(), 4u);
  }
}

TEST(LlmCli, BenchReportsSpeedsAndMemory) {
  TempDir t;
  const auto r = run(kEbsd + " llm bench --model " + kModel.string() + " --prompt-tokens 16 --gen-tokens 8 --json", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_GT(j["prefill_tokens_per_second"].get<double>(), 0.0);
  EXPECT_GT(j["decode_tokens_per_second"].get<double>(), 0.0);
  EXPECT_EQ(j["generated_tokens"].get<int>(), 8);
}

// The Qwen2 reference model (vocabulary 512) in `dir` with a byte-level tokenizer.json: ids 0-255
// the bytes (GPT-2 alphabet), 256 "he" (the only merge), 300-302 ChatML specials, the rest
// filler pieces so every id the model can produce decodes.
void qwen2_with_tokenizer(const std::filesystem::path& dir) {
  const auto src = std::filesystem::path(EBSD_SOURCE_DIR) / "tests/data/llm/qwen2";
  for (const char* f : {"config.json", "model.safetensors"}) std::filesystem::copy_file(src / f, dir / f);
  const auto piece = ebsd::test::gpt2_byte_piece;
  nlohmann::json vocab;
  for (unsigned b = 0; b < 256; ++b) vocab[piece(b)] = b;
  vocab["he"] = 256;
  for (int id = 257; id < 512; ++id)
    if (id < 300 || id > 302) vocab["x" + std::to_string(id)] = id;
  nlohmann::json added = nlohmann::json::array();
  const char* specials[] = {"<|im_start|>", "<|im_end|>", "<|endoftext|>"};
  for (int i = 0; i < 3; ++i) added.push_back({{"id", 300 + i}, {"content", specials[i]}, {"special", true}});
  const nlohmann::json tok = {
      {"added_tokens", added},
      {"normalizer", {{"type", "NFC"}}},
      {"pre_tokenizer",
       {{"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Split"},
           {"pattern", {{"Regex", R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"}}},
           {"behavior", "Isolated"}},
          {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}}}}},
      {"decoder", {{"type", "ByteLevel"}}},
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", {"h e"}}}},
  };
  std::ofstream(dir / "tokenizer.json") << tok.dump();
}

TEST(LlmCli, TextPromptIsTokenizedAndTheAnswerStreamsAsText) {
  TempDir t;
  qwen2_with_tokenizer(t.path());
  const auto model = t.path().string();
  auto r = run(kEbsd + " llm run --model " + model + " --prompt hello --max-tokens 12 --ignore-eos --json", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["prompt_ids"].get<std::vector<std::int64_t>>(), (std::vector<std::int64_t>{256, 'l', 'l', 'o'}));
  const auto tokens = j["tokens"].get<std::vector<std::int32_t>>();
  ASSERT_EQ(tokens.size(), 12u);
  const auto tokenizer = ebsd::io::model::load_model_tokenizer(t.path());
  EXPECT_EQ(j["text"], tokenizer.decode(tokens, true));
  // The same greedy run without --json streams that text to stdout.
  r = run(kEbsd + " llm run --model " + model + " --prompt hello --max-tokens 12 --ignore-eos", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, tokenizer.decode(tokens, true) + "\n");

  // Converted to GGUF, the tokenizer travels in the file's metadata: same prompt ids, same tokens.
  const auto gguf = (t / "q.gguf").string();
  r = run(kEbsd + " llm convert --model " + model + " --out " + gguf + " --type f32", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("tokenizer: tokenizer.json"), std::string::npos) << r.out;
  r = run(kEbsd + " llm run --model " + gguf + " --prompt hello --max-tokens 12 --ignore-eos --json", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto g = nlohmann::json::parse(r.out);
  EXPECT_EQ(g["prompt_ids"], j["prompt_ids"]);
  EXPECT_EQ(g["tokens"].get<std::vector<std::int32_t>>(), tokens);

  // --chat wraps the prompt in ChatML (found from the vocabulary: no template in the file).
  r = run(kEbsd + " llm run --model " + model + " --prompt hello --chat --max-tokens 12 --json", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  const std::vector<std::int64_t> chat = {300, 'u', 's', 'e', 'r', '\n', 256, 'l', 'l', 'o', 301, '\n',
                                          300, 'a', 's', 's', 'i', 's', 't', 'a', 'n', 't', '\n'};
  EXPECT_EQ(j["prompt_ids"].get<std::vector<std::int64_t>>(), chat);
  const auto reason = j["stop_reason"].get<std::string>();
  EXPECT_TRUE(reason == "max_tokens" || reason == "eos" || reason == "stop_token") << reason;
  if (reason == "stop_token") {
    EXPECT_EQ(j["tokens"].back(), 301);
  }
}

TEST(LlmCli, TextPromptsAndBrokenFilesAreOneLineErrors) {
  TempDir t;
  // The Gemma2 reference model has no tokenizer.json.
  auto r = run(kEbsd + " llm run --model " + kModel.string() + " --prompt hello", t);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no tokenizer.json"), std::string::npos) << r.err;
  std::ofstream(t / "bad.gguf") << "GGUF\x03";
  r = run(kEbsd + " llm run --model " + (t / "bad.gguf").string() + " --prompt-ids 1", t);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("bad.gguf"), std::string::npos) << r.err;
}

}  // namespace

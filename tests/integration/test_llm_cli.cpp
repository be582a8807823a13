// `ebsd llm convert|run|bench` as a user runs them, on the Gemma2 reference model (the family
// with sliding windows and soft-caps): converted GGUF, greedy JSON output equal to the
// transformers golden, streamed tokens, and the errors for a text prompt and a broken file.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "run_command.hpp"

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
    // Every weight used where it lies in the file: quantized matrices, f32 norms.
    EXPECT_EQ(j["memory"]["weights_owned_bytes"].get<std::uint64_t>(), 0u) << types;
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

TEST(LlmCli, TextPromptsAndBrokenFilesAreOneLineErrors) {
  TempDir t;
  auto r = run(kEbsd + " llm run --model " + kModel.string() + " --prompt hello", t);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("tokenizer"), std::string::npos) << r.err;
  std::ofstream(t / "bad.gguf") << "GGUF\x03";
  r = run(kEbsd + " llm run --model " + (t / "bad.gguf").string() + " --prompt-ids 1", t);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("bad.gguf"), std::string::npos) << r.err;
}

}  // namespace

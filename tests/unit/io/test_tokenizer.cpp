// Tokenizers on small hand-built vocabularies (model/tokenizer.hpp): every expected id list
// below was worked out by hand from the vocabulary, the merge ranks or scores, and the rules
// (regex split, "▁" prefix, byte fallback, added tokens).
#include <gtest/gtest.h>

#include "ebsd/core/error.hpp"
#include "ebsd/io/model/tokenizer.hpp"
#include "tokenizer_test_support.hpp"

namespace im = ebsd::io::model;
using Ids = std::vector<std::int32_t>;

namespace {

const std::string kGpt2Regex = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
const std::string kQwenRegex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

std::string byte_piece(unsigned b) { return ebsd::test::gpt2_byte_piece(b); }

// Ids 0-255: the byte of the same value. 256 "he", 257 "ll", 258 "hell", 259 "Ġw", 260 "hello",
// 261 "<|end|>" (added, special), 262 "<mask>" (added, lstrip).
im::TokenizerData byte_level_data() {
  im::TokenizerData d;
  d.kind = im::TokenizerKind::ByteLevelBpe;
  for (unsigned b = 0; b < 256; ++b) d.tokens.push_back(byte_piece(b));
  d.tokens.insert(d.tokens.end(), {"he", "ll", "hell", "\xC4\xA0w", "hello"});
  d.merges = {{"h", "e"}, {"l", "l"}, {"he", "ll"}, {"\xC4\xA0", "w"}, {"hell", "o"}};
  d.added.push_back({"<|end|>", 261, true, false, false});
  d.added.push_back({"<mask>", 262, true, true, false});
  d.split_regex = kGpt2Regex;
  d.eos_id = 261;
  d.source = "hand-built byte-level";
  return d;
}

// SentencePiece with scores: 0 <unk>, 1 <s>, 2 </s>, 3 ▁, 4 a, 5 b, 6 c, 7 ▁a (-1), 8 ab (-0.5),
// 9 ▁ab (-3), 10 bc (-2), then the 256 byte tokens <0x00>.. at 11 + byte.
im::TokenizerData spm_data(bool with_bytes) {
  im::TokenizerData d;
  d.kind = im::TokenizerKind::SentencePieceBpe;
  d.tokens = {"<unk>", "<s>", "</s>", "\xE2\x96\x81", "a", "b", "c", "\xE2\x96\x81" "a", "ab", "\xE2\x96\x81" "ab", "bc"};
  d.scores = {0, 0, 0, -5, -5, -5, -5, -1, -0.5f, -3, -2};
  if (with_bytes) {
    for (unsigned b = 0; b < 256; ++b) {
      char name[8];
      std::snprintf(name, sizeof name, "<0x%02X>", b);
      d.byte_tokens.push_back(static_cast<std::int32_t>(d.tokens.size()));
      d.tokens.push_back(name);
      d.scores.push_back(0);
    }
  }
  d.added.push_back({"<s>", 1, true, false, false});
  d.added.push_back({"</s>", 2, true, false, false});
  d.unk_id = 0;
  d.bos_id = 1;
  d.eos_id = 2;
  d.add_bos = true;
  d.space_prefix = true;
  d.strip_leading_space_on_decode = true;
  d.source = "hand-built spm";
  return d;
}

using ebsd::test::expect_error;

}  // namespace

TEST(ByteLevelBpe, MergesByRankInsideEachRegexPiece) {
  const im::Tokenizer t(byte_level_data());
  // "hello" -> he, ll, hell, hello; " world" -> Ġw then single bytes o r l d.
  EXPECT_EQ(t.encode("hello world"), (Ids{260, 259, 'o', 'r', 'l', 'd'}));
  EXPECT_EQ(t.decode(t.encode("hello world")), "hello world");
}

TEST(ByteLevelBpe, EqualRanksMergeLeftmostFirst) {
  const im::Tokenizer t(byte_level_data());
  EXPECT_EQ(t.encode("lll"), (Ids{257, 'l'}));
}

TEST(ByteLevelBpe, AddedTokensAreSplitOutAndNeverMerged) {
  const im::Tokenizer t(byte_level_data());
  EXPECT_EQ(t.encode("hi<|end|>there"), (Ids{'h', 'i', 261, 't', 256, 'r', 'e'}));
  // As plain text the same characters go through the regex: "hi" "<|" "end" "|>" "there".
  EXPECT_EQ(t.encode("hi<|end|>there", true, false), (Ids{'h', 'i', '<', '|', 'e', 'n', 'd', '|', '>', 't', 256, 'r', 'e'}));
  EXPECT_EQ(t.decode(Ids{'h', 'i', 261}), "hi<|end|>");
  EXPECT_EQ(t.decode(Ids{'h', 'i', 261}, true), "hi");
}

TEST(ByteLevelBpe, LstripTokenSwallowsThePrecedingSpace) {
  const im::Tokenizer t(byte_level_data());
  // "a <mask> b": the space before <mask> goes, the one after stays (Ġ = byte 32).
  EXPECT_EQ(t.encode("a <mask> b"), (Ids{'a', 262, ' ', 'b'}));
}

TEST(ByteLevelBpe, NonAsciiTextBecomesBytesAndDecodesBack) {
  const im::Tokenizer t(byte_level_data());
  EXPECT_EQ(t.encode("\xC3\xA9"), (Ids{0xC3, 0xA9}));  // é
  EXPECT_EQ(t.decode(Ids{0xC3, 0xA9}), "\xC3\xA9");
  EXPECT_EQ(t.decode(Ids{0xC3}), "\xEF\xBF\xBD");  // half a character -> U+FFFD
}

TEST(ByteLevelBpe, NfcNormalisationWhenTheTokenizerAsksForIt) {
  auto d = byte_level_data();
  const im::Tokenizer plain(d);
  EXPECT_EQ(plain.encode("e\xCC\x81"), (Ids{'e', 0xCC, 0x81}));  // e + combining acute
  d.normalize_nfc = true;
  const im::Tokenizer nfc(std::move(d));
  EXPECT_EQ(nfc.encode("e\xCC\x81"), (Ids{0xC3, 0xA9}));  // precomposed é
}

TEST(ByteLevelBpe, QwenRegexSplitsDigitsAndContractions) {
  auto d = byte_level_data();
  d.split_regex = kQwenRegex;
  d.merges.push_back({"1", "2"});
  d.tokens.resize(263);      // past the added tokens 261, 262
  d.tokens.push_back("12");  // id 263
  const im::Tokenizer t(std::move(d));
  // Single digits are separate pieces, so "12" never merges (GPT-2 keeps digit runs together).
  EXPECT_EQ(t.encode("12"), (Ids{'1', '2'}));
  d = byte_level_data();
  d.split_regex = kGpt2Regex;
  d.merges.push_back({"1", "2"});
  d.tokens.resize(263);
  d.tokens.push_back("12");
  const im::Tokenizer gpt2(std::move(d));
  EXPECT_EQ(gpt2.encode("12"), (Ids{263}));
}

TEST(ByteLevelBpe, TextMustBeValidUtf8) {
  const im::Tokenizer t(byte_level_data());
  expect_error([&] { (void)t.encode("a\xFF"); }, "UTF-8");
  expect_error([&] { (void)t.encode("\xED\xA0\x80"); }, "UTF-8");  // a UTF-16 surrogate
}

TEST(StreamingDecoder, HoldsBackPartialCharacters) {
  const im::Tokenizer t(byte_level_data());
  im::StreamingDecoder s(t);
  EXPECT_EQ(s.feed('a'), "a");
  EXPECT_EQ(s.feed(0xE2), "");  // € = E2 82 AC
  EXPECT_EQ(s.feed(0x82), "");
  EXPECT_EQ(s.feed(0xAC), "\xE2\x82\xAC");
  EXPECT_EQ(s.feed(261), "");  // special token skipped
  EXPECT_EQ(s.feed(0xF0), "");
  EXPECT_EQ(s.finish(), "\xEF\xBF\xBD");  // never completed
  EXPECT_EQ(s.feed(0x80), "\xEF\xBF\xBD");  // a lone continuation byte is invalid at once
}

TEST(SentencePieceBpe, MergesByHighestScoreWithSpacePrefix) {
  const im::Tokenizer t(spm_data(false));
  // "▁abc": ab (-0.5) beats ▁a (-1) and bc (-2); then ▁ab (-3); "▁abc" is not a piece.
  EXPECT_EQ(t.encode("abc"), (Ids{1, 9, 6}));
  // "a b" -> "▁a▁b": ▁a, then ▁ and b (no "▁b" piece).
  EXPECT_EQ(t.encode("a b"), (Ids{1, 7, 3, 5}));
  EXPECT_EQ(t.encode("a b", false), (Ids{7, 3, 5}));
  EXPECT_EQ(t.decode(Ids{1, 7, 3, 5}, true), "a b");  // the prefix space is dropped again
}

TEST(SentencePieceBpe, SpacePrefixAfterEachSpecialToken) {
  const im::Tokenizer t(spm_data(false));
  EXPECT_EQ(t.encode("a</s>b"), (Ids{1, 7, 2, 3, 5}));
}

TEST(SentencePieceBpe, MergesByRankWhenMergesAreGiven) {
  auto d = spm_data(false);
  d.scores.clear();
  d.merges = {{"a", "b"}, {"\xE2\x96\x81", "ab"}};
  const im::Tokenizer t(std::move(d));
  EXPECT_EQ(t.encode("abc"), (Ids{1, 9, 6}));
  EXPECT_EQ(t.encode("ba"), (Ids{1, 3, 5, 4}));  // no ("▁","b") or ("b","a") merge
}

TEST(SentencePieceBpe, UnknownCharactersFallBackToBytes) {
  const im::Tokenizer t(spm_data(true));
  // "▁a€": ▁a, then € = E2 82 AC as byte tokens 11 + byte.
  EXPECT_EQ(t.encode("a\xE2\x82\xAC"), (Ids{1, 7, 11 + 0xE2, 11 + 0x82, 11 + 0xAC}));
  EXPECT_EQ(t.decode(t.encode("a\xE2\x82\xAC"), true), "a\xE2\x82\xAC");
  const im::Tokenizer no_bytes(spm_data(false));
  EXPECT_EQ(no_bytes.encode("a\xE2\x82\xAC"), (Ids{1, 7, 0}));  // <unk>
}

TEST(TokenizerData, RejectsInconsistentVocabularies) {
  auto d = byte_level_data();
  d.merges.push_back({"x", "zz"});  // "zz" is not a piece
  expect_error([&] { im::Tokenizer t(d); }, "merge 5");
  d = byte_level_data();
  d.eos_id = 999;
  expect_error([&] { im::Tokenizer t(d); }, "outside the vocabulary");
  d = byte_level_data();
  d.split_regex = "(unclosed";
  expect_error([&] { im::Tokenizer t(d); }, "does not compile");
  auto s = spm_data(false);
  s.scores.pop_back();
  expect_error([&] { im::Tokenizer t(s); }, "scores");
  s = spm_data(true);
  s.byte_tokens.pop_back();
  expect_error([&] { im::Tokenizer t(s); }, "256 byte tokens");
}

TEST(ByteLevelBpe, WhiteSpaceIsTheUnicodeProperty) {
  // \s is Unicode's White_Space (as in Hugging Face's tokenizers and llama.cpp): U+0085 (NEL) is
  // white space, U+FEFF is not. In "x \u0085y" the space and the NEL are then two white-space
  // pieces, so the merge (Ġ, Â) never applies; JavaScript's \s lacks U+0085 and would make
  // " \u0085" one punctuation piece and merge it.
  auto d = byte_level_data();
  d.tokens.resize(263);
  d.tokens.push_back("\xC4\xA0\xC3\x82");  // "ĠÂ", id 263 (Â = byte 0xC2)
  d.merges.push_back({"\xC4\xA0", "\xC3\x82"});
  const im::Tokenizer t(std::move(d));
  EXPECT_EQ(t.encode("x \xC2\x85y"), (Ids{'x', ' ', 0xC2, 0x85, 'y'}));
  // " ¬" (U+00AC, bytes C2 AC) is punctuation: one piece, merged.
  EXPECT_EQ(t.encode("x \xC2\xACy"), (Ids{'x', 263, 0xAC, 'y'}));
  // U+FEFF (EF BB BF) is not white space: " \uFEFF" is one punctuation piece; with the space
  // before it the Ġ stays in that piece (no merge exists for it).
  EXPECT_EQ(t.encode("x \xEF\xBB\xBFy"), (Ids{'x', ' ', 0xEF, 0xBB, 0xBF, 'y'}));
}

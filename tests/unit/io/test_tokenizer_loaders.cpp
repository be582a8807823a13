// Tokenizers loaded from GGUF metadata and from Hugging Face tokenizer.json text, including
// malformed ones: each must fail with an ebsd::Error naming the field, never crash.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include <nlohmann/json.hpp>

#include "ebsd/core/error.hpp"
#include "ebsd/io/model/chat_template.hpp"
#include "ebsd/io/model/gguf.hpp"
#include "ebsd/io/model/tokenizer.hpp"
#include "tokenizer_test_support.hpp"

namespace im = ebsd::io::model;
using Ids = std::vector<std::int32_t>;
using nlohmann::json;

namespace {

using ebsd::test::expect_error;

const std::string kMeta = "\xE2\x96\x81";  // ▁

// A SentencePiece ("llama") vocabulary as llama.cpp writes it: 0 <unk> (type 2), 1 <s>, 2 </s>
// (control), 3 ▁, 4 h, 5 i, 6 ▁h (score -1), 7 ▁hi (score -2), 8 <0x21> ('!', byte), 9
// <|user|> (user-defined). Fields to change before writing (GGUF keys cannot repeat).
struct SpmMeta {
  std::string model = "llama";
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>", kMeta, "h", "i", kMeta + "h", kMeta + "hi", "<0x21>", "<|user|>"};
  std::vector<float> scores = {0, 0, 0, -5, -5, -5, -1, -2, 0, 0};
  std::vector<std::int32_t> types = {2, 3, 3, 1, 1, 1, 1, 1, 6, 4};
  std::uint32_t bos = 1;
  bool tokens_as_integers = false;
  std::optional<bool> add_space_prefix, add_bos;
  std::optional<std::int32_t> signed_padding_id;
};

im::GgufWriter write(const SpmMeta& m) {
  im::GgufWriter w;
  w.set_string("tokenizer.ggml.model", m.model);
  if (m.tokens_as_integers)
    w.set_int32_array("tokenizer.ggml.tokens", {1, 2, 3});
  else
    w.set_string_array("tokenizer.ggml.tokens", m.tokens);
  w.set_float32_array("tokenizer.ggml.scores", m.scores);
  w.set_int32_array("tokenizer.ggml.token_type", m.types);
  w.set_uint32("tokenizer.ggml.bos_token_id", m.bos);
  w.set_uint32("tokenizer.ggml.eos_token_id", 2);
  w.set_uint32("tokenizer.ggml.unknown_token_id", 0);
  if (m.add_space_prefix) w.set_bool("tokenizer.ggml.add_space_prefix", *m.add_space_prefix);
  if (m.add_bos) w.set_bool("tokenizer.ggml.add_bos_token", *m.add_bos);
  if (m.signed_padding_id) w.set_int32("tokenizer.ggml.padding_token_id", *m.signed_padding_id);
  return w;
}

// A byte-level ("gpt2") vocabulary with the Qwen2 pre-tokenizer: 0 a, 1 b, 2 ab, 3 Ġ, 4 Ġab,
// 5 <|im_start|>, 6 <|im_end|> (control), 7 "1", 8 "2".
struct BpeMeta {
  std::string pre = "qwen2";
  std::vector<std::string> merges = {"a b", "\xC4\xA0 ab"};
};

im::GgufWriter write(const BpeMeta& m) {
  im::GgufWriter w;
  w.set_string("tokenizer.ggml.model", "gpt2");
  w.set_string("tokenizer.ggml.pre", m.pre);
  w.set_string_array("tokenizer.ggml.tokens", {"a", "b", "ab", "\xC4\xA0", "\xC4\xA0" "ab", "<|im_start|>", "<|im_end|>", "1", "2"});
  w.set_int32_array("tokenizer.ggml.token_type", {1, 1, 1, 1, 1, 3, 3, 1, 1});
  w.set_string_array("tokenizer.ggml.merges", m.merges);
  w.set_uint32("tokenizer.ggml.eos_token_id", 6);
  w.set_string("tokenizer.chat_template", "{% for m in messages %}<|im_start|>{{ m.role }}...{% endfor %}");
  return w;
}

template <class Meta>
im::Tokenizer load(const Meta& m, std::vector<std::uint8_t>& keep) {
  keep = write(m).serialize();
  return im::tokenizer_from_gguf(im::parse_gguf(keep, "test.gguf"));
}

}  // namespace

TEST(GgufTokenizer, SentencePieceWithScoresBytesAndUserTokens) {
  std::vector<std::uint8_t> keep;
  const auto t = load(SpmMeta{}, keep);
  EXPECT_EQ(t.data().kind, im::TokenizerKind::SentencePieceBpe);
  // llama.cpp's defaults: BOS added, "▁" prefix. "▁hi!": ▁h (-1) first, then ▁hi (-2); '!' -> <0x21>.
  EXPECT_EQ(t.encode("hi!"), (Ids{1, 7, 8}));
  // <|user|> (user-defined) is split out; "h" after it gets its own prefix.
  EXPECT_EQ(t.encode("<|user|>h", false), (Ids{9, 6}));
  EXPECT_EQ(t.encode("hi?", false), (Ids{7, 0}));  // '?' has no byte token: <unk>
  EXPECT_EQ(t.decode(Ids{1, 7, 8}, true), "hi!");
}

TEST(GgufTokenizer, SentencePieceWithoutSpacePrefixOrBos) {
  SpmMeta m;
  m.add_space_prefix = false;
  m.add_bos = false;
  std::vector<std::uint8_t> keep;
  const auto t = load(m, keep);
  EXPECT_EQ(t.encode("hi"), (Ids{4, 5}));  // Gemma 2 style: no "▁" in front
  EXPECT_EQ(t.encode(" hi"), (Ids{7}));
}

TEST(GgufTokenizer, SignedMinusOneMeansNoToken) {
  SpmMeta m;
  m.signed_padding_id = -1;
  std::vector<std::uint8_t> keep;
  EXPECT_EQ(load(m, keep).data().pad_id, -1);
  m.signed_padding_id = 3;
  EXPECT_EQ(load(m, keep).data().pad_id, 3);
}

TEST(GgufTokenizer, ByteLevelWithQwenPreTokenizerAndChatTemplate) {
  std::vector<std::uint8_t> keep;
  const auto t = load(BpeMeta{}, keep);
  EXPECT_EQ(t.data().kind, im::TokenizerKind::ByteLevelBpe);
  EXPECT_FALSE(t.data().add_bos);
  // "ab ab": pieces "ab" and " ab" -> ab, Ġab. Digits split one by one. Specials split out.
  EXPECT_EQ(t.encode("ab ab"), (Ids{2, 4}));
  EXPECT_EQ(t.encode("12"), (Ids{7, 8}));
  EXPECT_EQ(t.encode("<|im_start|>ab<|im_end|>"), (Ids{5, 2, 6}));
  EXPECT_EQ(im::chat_format_for(t), im::ChatFormat::ChatMl);
  EXPECT_EQ(im::chat_stop_tokens(im::ChatFormat::ChatMl, t), (Ids{6}));
}

TEST(GgufTokenizer, MalformedMetadataIsAClearError) {
  std::vector<std::uint8_t> keep;
  auto spm = [&](auto change, const std::string& needle) {
    SpmMeta m;
    change(m);
    expect_error([&] { load(m, keep); }, needle);
  };
  spm([](SpmMeta& m) { m.model = "bert"; }, "tokenizer.ggml.model");
  spm([](SpmMeta& m) { m.scores = {0, 0}; }, "tokenizer.ggml.scores");
  spm([](SpmMeta& m) { m.bos = 10; }, "tokenizer.ggml.bos_token_id");
  spm([](SpmMeta& m) { m.types[8] = 9; }, "unknown type 9");
  spm([](SpmMeta& m) { m.types.pop_back(); }, "tokenizer.ggml.token_type");
  spm([](SpmMeta& m) { m.tokens_as_integers = true; }, "tokenizer.ggml.tokens");
  spm([](SpmMeta& m) { m.types[6] = 6; }, "is not <0xXX>");  // "▁h" marked as a byte token
  auto bpe = [&](auto change, const std::string& needle) {
    BpeMeta m;
    change(m);
    expect_error([&] { load(m, keep); }, needle);
  };
  bpe([](BpeMeta& m) { m.merges = {"a b", "ab"}; }, "tokenizer.ggml.merges");
  bpe([](BpeMeta& m) { m.merges = {"a x"}; }, "not in the vocabulary");
  bpe([](BpeMeta& m) { m.merges = {}; }, "tokenizer.ggml.merges");
  bpe([](BpeMeta& m) { m.pre = "made-up"; }, "tokenizer.ggml.pre");
}

namespace {

// A Llama-2-style tokenizer.json: BPE with merges and byte fallback, Prepend + Replace
// normalisers, Strip decoder, BOS from the TemplateProcessing post-processor.
json llama2_json() {
  json vocab = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}, {kMeta, 3}, {"h", 4}, {"i", 5}, {kMeta + "h", 6}, {kMeta + "hi", 7}};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    vocab[name] = 8 + b;
  }
  return {
      {"version", "1.0"},
      {"added_tokens",
       {{{"id", 0}, {"content", "<unk>"}, {"special", true}},
        {{"id", 1}, {"content", "<s>"}, {"special", true}},
        {{"id", 2}, {"content", "</s>"}, {"special", true}}}},
      {"normalizer",
       {{"type", "Sequence"},
        {"normalizers",
         {{{"type", "Prepend"}, {"prepend", kMeta}}, {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", kMeta}}}}}},
      {"pre_tokenizer", nullptr},
      {"post_processor",
       {{"type", "TemplateProcessing"},
        {"single", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}}}},
      {"decoder",
       {{"type", "Sequence"},
        {"decoders",
         {{{"type", "Replace"}, {"pattern", {{"String", kMeta}}}, {"content", " "}},
          {{"type", "ByteFallback"}},
          {{"type", "Fuse"}},
          {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}}},
      {"model",
       {{"type", "BPE"},
        {"unk_token", "<unk>"},
        {"byte_fallback", true},
        {"vocab", vocab},
        {"merges", {"\xE2\x96\x81 h", json::array({kMeta + "h", "i"})}}}},
  };
}

im::Tokenizer load_tokenizer_json(const json& j, const std::string& config = "") { return im::tokenizer_from_json(j.dump(), config, "tokenizer.json"); }

}  // namespace

TEST(JsonTokenizer, Llama2StyleSentencePiece) {
  const auto t = load_tokenizer_json(llama2_json(), R"({"chat_template": "{{ bos_token + '[INST] ' }}", "eos_token": "</s>"})");
  EXPECT_EQ(t.data().kind, im::TokenizerKind::SentencePieceBpe);
  // "▁hi!" -> (▁,h) rank 0, (▁h,i) rank 1; '!' = 0x21 -> id 8 + 33.
  EXPECT_EQ(t.encode("hi!"), (Ids{1, 7, 8 + 0x21}));
  EXPECT_EQ(t.decode(t.encode("hi!"), true), "hi!");
  EXPECT_EQ(im::chat_format_for(t), im::ChatFormat::Llama2);
  EXPECT_EQ(im::format_chat(im::ChatFormat::Llama2, {{"system", "Be brief."}, {"user", " hi "}}, true, t),
            "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n hi [/INST]");  // strip() runs after the system block goes in
}

TEST(JsonTokenizer, WrittenAsGgufMetadataGivesTheSameIds) {
  const auto json_tok = load_tokenizer_json(llama2_json());
  im::GgufWriter w;
  im::add_tokenizer_metadata(w, json_tok);
  const auto bytes = w.serialize();
  const auto gguf_tok = im::tokenizer_from_gguf(im::parse_gguf(bytes, "llama2.gguf"));
  for (const char* text : {"hi!", "hi hi", " h i ", "<s>hi</s>", "\xE2\x82\xAC"})
    EXPECT_EQ(gguf_tok.encode(text), json_tok.encode(text)) << text;
  EXPECT_EQ(gguf_tok.encode("hi!"), (Ids{1, 7, 8 + 0x21}));
  // A Metaspace pre-tokenizer that splits words has no GGUF key: refused, nothing written.
  auto j = llama2_json();
  j["normalizer"] = nullptr;
  j["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", kMeta}, {"prepend_scheme", "first"}, {"split", true}};
  im::GgufWriter w2;
  expect_error([&] { im::add_tokenizer_metadata(w2, load_tokenizer_json(j)); }, "no GGUF keys");
  EXPECT_EQ(w2.serialize().size(), im::GgufWriter().serialize().size());
}

TEST(JsonTokenizer, MetaspacePreTokenizer) {
  auto j = llama2_json();
  j["normalizer"] = nullptr;
  j["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", kMeta}, {"prepend_scheme", "always"}, {"split", false}};
  const auto t = load_tokenizer_json(j);
  EXPECT_EQ(t.encode("hi"), (Ids{1, 7}));
  EXPECT_EQ(t.encode(" hi"), (Ids{1, 7}));  // already starts with "▁": no second one
  EXPECT_EQ(t.encode("hi</s>hi"), (Ids{1, 7, 2, 7}));
  // prepend_scheme "first": only the text at the very start gets the "▁".
  j["pre_tokenizer"]["prepend_scheme"] = "first";
  EXPECT_EQ(load_tokenizer_json(j).encode("hi</s>hi"), (Ids{1, 7, 2, 4, 5}));
  // split: each "▁"-started word is merged on its own.
  j["pre_tokenizer"]["split"] = true;
  EXPECT_EQ(load_tokenizer_json(j).encode("h hi"), (Ids{1, 6, 7}));
}

TEST(JsonTokenizer, MalformedFilesAreClearErrors) {
  expect_error([] { im::tokenizer_from_json("{not json", "", "tokenizer.json"); }, "not valid JSON");
  expect_error([] { im::tokenizer_from_json("[1,2]", "", "tokenizer.json"); }, "JSON object");
  auto j = llama2_json();
  j["model"]["type"] = "Unigram";
  expect_error([&] { load_tokenizer_json(j); }, "model.type");
  j = llama2_json();
  j["model"]["vocab"]["h"] = -4;
  expect_error([&] { load_tokenizer_json(j); }, "model.vocab[h]");
  j = llama2_json();
  j["model"]["vocab"]["h"] = "four";
  expect_error([&] { load_tokenizer_json(j); }, "model.vocab[h]");
  j = llama2_json();
  j["model"]["vocab"]["h"] = 1 << 30;
  expect_error([&] { load_tokenizer_json(j); }, "out of range");
  j = llama2_json();
  j["model"]["merges"][0] = json::array({"a", "b", "c"});
  expect_error([&] { load_tokenizer_json(j); }, "model.merges[0]");
  j = llama2_json();
  j["model"]["merges"][0] = "h";
  expect_error([&] { load_tokenizer_json(j); }, "model.merges[0]");
  j = llama2_json();
  j["model"]["vocab"].erase("<0x41>");
  expect_error([&] { load_tokenizer_json(j); }, "<0x41>");
  j = llama2_json();
  j["normalizer"] = {{"type", "BertNormalizer"}};
  expect_error([&] { load_tokenizer_json(j); }, "normalizer.type");
  j = llama2_json();
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "("}}}, {"behavior", "Isolated"}};
  expect_error([&] { load_tokenizer_json(j); }, "pre_tokenizer");
  j = llama2_json();
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "a"}}}, {"behavior", "Removed"}};
  expect_error([&] { load_tokenizer_json(j); }, "pre_tokenizer.behavior");
  j = llama2_json();
  j["added_tokens"][0]["id"] = -1;
  expect_error([&] { load_tokenizer_json(j); }, "added_tokens[0].id");
  j = llama2_json();
  j["post_processor"]["single"][0]["SpecialToken"]["id"] = "<nope>";
  expect_error([&] { load_tokenizer_json(j); }, "post_processor");
  j = llama2_json();
  j.erase("model");
  expect_error([&] { load_tokenizer_json(j); }, "model");
  expect_error([] { load_tokenizer_json(llama2_json(), "{"); }, "tokenizer_config.json");
}

TEST(JsonTokenizer, ModelWithoutTokenizerIsAClearError) {
  const auto dir = std::filesystem::temp_directory_path() / "ebsd_tok_missing";
  std::filesystem::create_directories(dir);
  expect_error([&] { im::load_model_tokenizer(dir); }, "no tokenizer.json");
  std::vector<std::uint8_t> bytes = im::GgufWriter().serialize();
  const auto gguf = dir / "empty.gguf";
  std::ofstream(gguf, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  expect_error([&] { im::load_model_tokenizer(gguf); }, "no tokenizer");
  std::filesystem::remove_all(dir);
}

TEST(ChatTemplates, EachFamilyWritesItsPublishedLayout) {
  std::vector<std::uint8_t> keep;
  const auto qwen = load(BpeMeta{}, keep);
  const std::vector<im::ChatMessage> chat = {{"system", "S"}, {"user", "Hi"}, {"assistant", "Yo"}, {"user", "More"}};
  EXPECT_EQ(im::format_chat(im::ChatFormat::ChatMl, chat, true, qwen),
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nYo<|im_end|>\n"
            "<|im_start|>user\nMore<|im_end|>\n<|im_start|>assistant\n");
  // Llama 3 and Gemma write the tokenizer's BOS text; use one whose BOS is <s>.
  const auto spm = load(SpmMeta{}, keep);
  EXPECT_EQ(im::format_chat(im::ChatFormat::Llama3, chat, true, spm),
            "<s><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\nYo<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nMore<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(im::format_chat(im::ChatFormat::Gemma, chat, true, spm),
            "<s><start_of_turn>user\nS\n\nHi<end_of_turn>\n<start_of_turn>model\nYo<end_of_turn>\n<start_of_turn>user\nMore"
            "<end_of_turn>\n<start_of_turn>model\n");
  EXPECT_EQ(im::format_chat(im::ChatFormat::Llama2, chat, true, spm),
            "<s>[INST] <<SYS>>\nS\n<</SYS>>\n\nHi [/INST] Yo </s><s>[INST] More [/INST]");
  EXPECT_EQ(im::chat_format_from_template("...<start_of_turn>..."), im::ChatFormat::Gemma);
  EXPECT_EQ(im::chat_format_from_template("...<|start_header_id|>..."), im::ChatFormat::Llama3);
  EXPECT_FALSE(im::chat_format_from_template("{{ messages }}").has_value());
  expect_error([&] { im::format_chat(im::ChatFormat::ChatMl, {{"robot", "x"}}, true, qwen); }, "unknown chat role");
  expect_error([&] { im::format_chat(im::ChatFormat::Llama2, {{"assistant", "x"}}, true, spm); }, "alternate");
}

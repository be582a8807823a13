// A tokenizer written as GGUF tokenizer.ggml.* metadata (model/tokenizer.hpp), the inverse of
// tokenizer_from_gguf, so `ebsd llm convert` carries a safetensors model's tokenizer.json into
// the GGUF file in llama.cpp's layout.
#include "ebsd/core/error.hpp"
#include "ebsd/io/model/gguf.hpp"
#include "ebsd/io/model/tokenizer.hpp"
#include "model_tokenizer_patterns.hpp"

namespace ebsd::io::model {

void add_tokenizer_metadata(GgufWriter& w, const Tokenizer& t, std::int64_t default_bos, std::int64_t default_eos) {
  const auto& d = t.data();
  auto fail = [&](const std::string& what, const std::string& field) {
    throw Error("cannot be written as GGUF tokenizer metadata: " + what, d.source, field);
  };
  // Everything is checked and built before the first key is written: a refusal leaves `w` as it was.
  std::string model = d.kind == TokenizerKind::ByteLevelBpe ? "gpt2" : "llama";
  std::string pre;
  if (d.kind == TokenizerKind::ByteLevelBpe) {
    if (d.split_regex == patterns::kGpt2 && !d.normalize_nfc)
      pre = "gpt2";
    else if (d.split_regex == patterns::kLlama3 && !d.normalize_nfc)
      pre = "llama-bpe";
    else if (d.split_regex == patterns::kQwen2 && d.normalize_nfc)
      pre = "qwen2";
    else
      fail("its pre-tokenizer (regex and normalisation) has no GGUF name", "pre_tokenizer");
    if (d.byte_level_prefix_space) fail("a byte-level prefix space has no GGUF key", "pre_tokenizer");
  } else {
    if (d.space_prefix_first_only || d.split_on_metaspace || d.space_prefix_unless_present || d.normalize_nfc ||
        d.normalize_nfkc)
      fail("its Metaspace / normalisation options have no GGUF keys", "pre_tokenizer");
  }
  std::vector<std::string> tokens = d.tokens;
  std::vector<std::int32_t> types(tokens.size(), 1);
  for (std::size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i].empty()) {
      tokens[i] = "[PAD" + std::to_string(i) + "]";  // llama.cpp's name for ids the vocabulary skips
      types[i] = 5;
    }
  for (const auto& a : d.added) types[static_cast<std::size_t>(a.id)] = a.special ? 3 : 4;
  for (const auto id : d.byte_tokens)
    if (id >= 0) types[static_cast<std::size_t>(id)] = 6;
  if (d.unk_id >= 0) types[static_cast<std::size_t>(d.unk_id)] = 2;
  std::vector<std::string> merges;
  merges.reserve(d.merges.size());
  for (std::size_t r = 0; r < d.merges.size(); ++r) {
    const auto& [a, b] = d.merges[r];
    if (a.find(' ') != std::string::npos || b.find(' ') != std::string::npos)
      fail("merge " + std::to_string(r) + " has a piece with a space", "merges");
    merges.push_back(a + " " + b);
  }
  std::vector<float> scores;
  if (d.kind == TokenizerKind::SentencePieceBpe) {
    if (!d.scores.empty()) {
      scores.assign(d.scores.begin(), d.scores.end());
    } else {
      // llama.cpp merges SentencePiece vocabularies by score: the earlier a merge makes a piece,
      // the higher its score. (We read the merges themselves back.)
      scores.assign(tokens.size(), 0.0f);
      for (std::size_t r = 0; r < d.merges.size(); ++r) {
        const auto id = t.find_token(d.merges[r].first + d.merges[r].second);
        if (id >= 0 && scores[static_cast<std::size_t>(id)] == 0.0f) scores[static_cast<std::size_t>(id)] = -static_cast<float>(r + 1);
      }
    }
  }
  const auto bos = d.bos_id >= 0 ? d.bos_id : default_bos;
  const auto eos = d.eos_id >= 0 ? d.eos_id : default_eos;
  for (const auto id : {bos, eos})
    if (id >= static_cast<std::int64_t>(tokens.size())) fail("token id " + std::to_string(id) + " is outside the vocabulary", "eos_token");

  w.set_string("tokenizer.ggml.model", model);
  if (!pre.empty()) w.set_string("tokenizer.ggml.pre", pre);
  w.set_string_array("tokenizer.ggml.tokens", tokens);
  w.set_int32_array("tokenizer.ggml.token_type", types);
  if (!scores.empty()) w.set_float32_array("tokenizer.ggml.scores", scores);
  if (!merges.empty()) w.set_string_array("tokenizer.ggml.merges", merges);
  if (bos >= 0) w.set_uint32("tokenizer.ggml.bos_token_id", static_cast<std::uint32_t>(bos));
  if (eos >= 0) w.set_uint32("tokenizer.ggml.eos_token_id", static_cast<std::uint32_t>(eos));
  if (d.unk_id >= 0) w.set_uint32("tokenizer.ggml.unknown_token_id", static_cast<std::uint32_t>(d.unk_id));
  if (d.pad_id >= 0) w.set_uint32("tokenizer.ggml.padding_token_id", static_cast<std::uint32_t>(d.pad_id));
  if (!d.end_of_turn_ids.empty()) w.set_uint32("tokenizer.ggml.eot_token_id", static_cast<std::uint32_t>(d.end_of_turn_ids[0]));
  w.set_bool("tokenizer.ggml.add_bos_token", d.add_bos);
  w.set_bool("tokenizer.ggml.add_eos_token", d.add_eos);
  if (d.kind == TokenizerKind::SentencePieceBpe) w.set_bool("tokenizer.ggml.add_space_prefix", d.space_prefix);
  if (!d.chat_template.empty()) w.set_string("tokenizer.chat_template", d.chat_template);
}

}  // namespace ebsd::io::model

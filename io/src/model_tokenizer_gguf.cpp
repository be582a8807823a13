// GGUF tokenizer metadata -> TokenizerData (LLM-CORE.md section 2.2; llama.cpp's conventions).
//   tokenizer.ggml.model  "gpt2" = byte-level BPE (regex chosen by tokenizer.ggml.pre),
//                         "llama" = SentencePiece BPE (scores, byte tokens <0xXX>)
//   tokens / scores / token_type / merges, bos/eos/eot/eom/unknown/padding ids,
//   add_bos_token, add_eos_token, add_space_prefix, tokenizer.chat_template.
// Control (3) and user-defined (4) tokens are split out of the text before BPE, as llama.cpp does
// when it parses special tokens.
#include <cstdio>

#include "ebsd/core/error.hpp"
#include "ebsd/io/model/gguf.hpp"
#include "ebsd/io/model/tokenizer.hpp"
#include "model_tokenizer_patterns.hpp"

namespace ebsd::io::model {
namespace {

enum TokenType : std::int64_t { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };

const GgufValue& array_of(const GgufFile& f, const std::string& key, std::size_t count, bool numeric) {
  const auto* v = f.find_value(key);
  if (!v) throw Error("required metadata key is missing", f.source, key);
  if (v->type != GgufValueType::ARRAY) throw Error("expected an array", f.source, key);
  const auto t = v->element_type;
  if (numeric && (t == GgufValueType::STRING || t == GgufValueType::ARRAY || t == GgufValueType::BOOL))
    throw Error("expected an array of numbers", f.source, key);
  if (count && v->array.size() != count)
    throw Error("has " + std::to_string(v->array.size()) + " entries for " + std::to_string(count) + " tokens", f.source, key);
  return *v;
}

std::int32_t id_or(const GgufFile& f, const std::string& key, std::size_t vocab) {
  const auto* v = f.find_value(key);
  if (!v) return -1;
  const bool is_signed = v->type == GgufValueType::I8 || v->type == GgufValueType::I16 || v->type == GgufValueType::I32 ||
                         v->type == GgufValueType::I64;
  if (is_signed && v->integer < 0) return -1;  // some converters write -1 (signed) for "none"
  const auto id = f.get_uint(key);
  // llama.cpp writes -1 as u32 0xFFFFFFFF for "none" in some converters.
  if (id == 0xFFFFFFFFull) return -1;
  if (id >= vocab) throw Error("token id " + std::to_string(id) + " is outside the vocabulary of " + std::to_string(vocab), f.source, key);
  return static_cast<std::int32_t>(id);
}

}  // namespace

Tokenizer tokenizer_from_gguf(const GgufFile& f) {
  const auto model = f.get_string("tokenizer.ggml.model");
  TokenizerData d;
  d.source = f.source;
  if (model == "gpt2")
    d.kind = TokenizerKind::ByteLevelBpe;
  else if (model == "llama")
    d.kind = TokenizerKind::SentencePieceBpe;
  else
    throw Error("tokenizer model '" + model + "' is not supported (gpt2 or llama)", f.source, "tokenizer.ggml.model");

  d.tokens = f.get_string_array("tokenizer.ggml.tokens");
  const auto n = d.tokens.size();
  if (n == 0) throw Error("the vocabulary is empty", f.source, "tokenizer.ggml.tokens");

  std::vector<std::int64_t> types(n, Normal);
  if (f.find_value("tokenizer.ggml.token_type")) {
    const auto& tt = array_of(f, "tokenizer.ggml.token_type", n, true);
    for (std::size_t i = 0; i < n; ++i) {
      if (!tt.array[i].is_integer()) throw Error("expected integers", f.source, "tokenizer.ggml.token_type");
      types[i] = tt.array[i].integer;
      if (types[i] < 0 || types[i] > Byte)
        throw Error("token " + std::to_string(i) + " has unknown type " + std::to_string(types[i]), f.source,
                    "tokenizer.ggml.token_type");
    }
  }
  if (f.find_value("tokenizer.ggml.scores")) {
    const auto& sc = array_of(f, "tokenizer.ggml.scores", n, true);
    d.scores.resize(n);
    for (std::size_t i = 0; i < n; ++i)
      d.scores[i] = static_cast<float>(sc.array[i].is_float() ? sc.array[i].real : static_cast<double>(sc.array[i].integer));
  }
  if (f.find_value("tokenizer.ggml.merges")) {
    const auto merges = f.get_string_array("tokenizer.ggml.merges");
    d.merges.reserve(merges.size());
    for (std::size_t i = 0; i < merges.size(); ++i) {
      const auto& s = merges[i];
      const auto sp = s.find(' ');
      if (sp == std::string::npos || sp == 0 || sp + 1 >= s.size() || s.find(' ', sp + 1) != std::string::npos)
        throw Error("merge " + std::to_string(i) + " ('" + s + "') must be two pieces separated by one space", f.source,
                    "tokenizer.ggml.merges");
      d.merges.emplace_back(s.substr(0, sp), s.substr(sp + 1));
    }
  }

  if (d.kind == TokenizerKind::ByteLevelBpe) {
    if (d.merges.empty()) throw Error("byte-level BPE needs merges", f.source, "tokenizer.ggml.merges");
    const auto pre = f.get_string("tokenizer.ggml.pre", "default");
    if (pre == "default" || pre == "gpt2") {
      d.split_regex = patterns::kGpt2;
    } else if (pre == "llama-bpe" || pre == "llama3") {
      d.split_regex = patterns::kLlama3;
      d.ignore_merges = true;  // Llama 3's tokenizer.json sets ignore_merges
    } else if (pre == "qwen2") {
      d.split_regex = patterns::kQwen2;
      d.normalize_nfc = true;  // Qwen's tokenizer.json normalises to NFC
    } else {
      throw Error("pre-tokenizer '" + pre + "' is not supported (default, gpt2, llama-bpe, qwen2)", f.source,
                  "tokenizer.ggml.pre");
    }
  } else {
    if (d.scores.empty() && d.merges.empty())
      throw Error("a SentencePiece vocabulary needs scores", f.source, "tokenizer.ggml.scores");
    d.space_prefix = f.get_bool("tokenizer.ggml.add_space_prefix", true);
    d.strip_leading_space_on_decode = d.space_prefix;
    // Byte tokens <0xXX> for the characters the vocabulary lacks.
    std::vector<std::int32_t> bytes(256, -1);
    int found = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (types[i] != Byte) continue;
      const auto& t = d.tokens[i];
      unsigned b = 0;
      char tail = 0;
      if (t.size() != 6 || std::sscanf(t.c_str(), "<0x%2X%c", &b, &tail) != 2 || tail != '>' || b > 255)
        throw Error("byte token " + std::to_string(i) + " ('" + t + "') is not <0xXX>", f.source, "tokenizer.ggml.tokens");
      if (bytes[b] < 0) ++found;
      bytes[b] = static_cast<std::int32_t>(i);
    }
    if (found > 0) d.byte_tokens = std::move(bytes);  // bytes without a token fall back to <unk>
  }

  for (std::size_t i = 0; i < n; ++i) {
    if (types[i] != Control && types[i] != UserDefined) continue;
    if (d.tokens[i].empty()) continue;
    d.added.push_back({d.tokens[i], static_cast<std::int32_t>(i), types[i] == Control, false, false});
  }
  d.unk_id = id_or(f, "tokenizer.ggml.unknown_token_id", n);
  d.bos_id = id_or(f, "tokenizer.ggml.bos_token_id", n);
  d.eos_id = id_or(f, "tokenizer.ggml.eos_token_id", n);
  d.pad_id = id_or(f, "tokenizer.ggml.padding_token_id", n);
  for (const char* key : {"tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"})
    if (const auto id = id_or(f, key, n); id >= 0) d.end_of_turn_ids.push_back(id);
  // llama.cpp's defaults: SentencePiece models add BOS unless told otherwise.
  d.add_bos = f.get_bool("tokenizer.ggml.add_bos_token", d.kind == TokenizerKind::SentencePieceBpe) && d.bos_id >= 0;
  d.add_eos = f.get_bool("tokenizer.ggml.add_eos_token", false) && d.eos_id >= 0;
  d.chat_template = f.get_string("tokenizer.chat_template", "");
  return Tokenizer(std::move(d));
}

}  // namespace ebsd::io::model

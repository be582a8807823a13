// Hugging Face tokenizer.json -> TokenizerData (model/tokenizer.hpp). The file describes a
// pipeline of components; we accept the combinations Llama 2/3, Qwen2/3, Gemma and GPT-2 files
// use (BPE model; NFC/NFKC, Prepend and Replace(" " -> "▁") normalisers; ByteLevel, Split
// (Isolated) and Metaspace pre-tokenizers; TemplateProcessing for BOS/EOS) and reject anything
// else by name, since silently skipping a component would give different ids.
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "ebsd/core/error.hpp"
#include "ebsd/io/model/tokenizer.hpp"
#include "model_tokenizer_patterns.hpp"

namespace ebsd::io::model {
namespace {

using nlohmann::json;
constexpr std::string_view kMetaspace = "\xE2\x96\x81";
constexpr std::int64_t kMaxVocab = std::int64_t{1} << 22;  // 4M ids: far above any real vocabulary (Gemma: 256k)

class JsonReader {
public:
  explicit JsonReader(std::string source) : source_(std::move(source)) {}
  [[noreturn]] void fail(const std::string& what, const std::string& field) const { throw Error(what, source_, field); }

  const json& object(const json& parent, const char* key, const std::string& field) const {
    if (!parent.is_object() || !parent.contains(key)) fail("is missing", field);
    const auto& v = parent[key];
    if (!v.is_object()) fail("must be an object", field);
    return v;
  }
  std::string string(const json& v, const std::string& field) const {
    if (!v.is_string()) fail("must be a string", field);
    return v.get<std::string>();
  }
  std::string string_or(const json& o, const char* key, const std::string& fallback, const std::string& field) const {
    if (!o.contains(key) || o[key].is_null()) return fallback;
    return string(o[key], field);
  }
  bool boolean_or(const json& o, const char* key, bool fallback, const std::string& field) const {
    if (!o.contains(key) || o[key].is_null()) return fallback;
    if (!o[key].is_boolean()) fail("must be true or false", field);
    return o[key].get<bool>();
  }
  std::int64_t integer(const json& v, const std::string& field) const {
    if (!v.is_number_integer()) fail("must be an integer", field);
    return v.get<std::int64_t>();
  }
  std::string type(const json& o, const std::string& field) const {
    if (!o.is_object()) fail("must be an object", field);
    if (!o.contains("type")) fail("has no type", field + ".type");
    return string(o["type"], field + ".type");
  }
  const std::string& source() const { return source_; }

private:
  std::string source_;
};

// A token named in tokenizer_config.json: "text" or {"content": "text", ...}.
std::string config_token(const JsonReader& r, const json& config, const char* key) {
  if (!config.is_object() || !config.contains(key) || config[key].is_null()) return {};
  const auto& v = config[key];
  if (v.is_object() && v.contains("content")) return r.string(v["content"], std::string("tokenizer_config.json ") + key);
  return r.string(v, std::string("tokenizer_config.json ") + key);
}

void read_model(const JsonReader& r, const json& root, TokenizerData& d, std::string& unk) {
  const auto& m = r.object(root, "model", "model");
  const auto type = m.contains("type") ? r.string(m["type"], "model.type") : std::string("BPE");
  if (type != "BPE") r.fail("model type '" + type + "' is not supported (only BPE)", "model.type");
  if (!r.string_or(m, "continuing_subword_prefix", "", "model.continuing_subword_prefix").empty())
    r.fail("a continuing-subword prefix is not supported", "model.continuing_subword_prefix");
  if (!r.string_or(m, "end_of_word_suffix", "", "model.end_of_word_suffix").empty())
    r.fail("an end-of-word suffix is not supported", "model.end_of_word_suffix");
  d.ignore_merges = r.boolean_or(m, "ignore_merges", false, "model.ignore_merges");
  unk = r.string_or(m, "unk_token", "", "model.unk_token");

  const auto& vocab = r.object(m, "vocab", "model.vocab");
  std::int64_t max_id = -1;
  for (const auto& [piece, idv] : vocab.items()) {
    const auto id = r.integer(idv, "model.vocab[" + piece + "]");
    if (id < 0 || id >= kMaxVocab) r.fail("token id " + std::to_string(id) + " is out of range", "model.vocab[" + piece + "]");
    max_id = std::max(max_id, id);
  }
  if (max_id < 0) r.fail("is empty", "model.vocab");
  d.tokens.assign(static_cast<std::size_t>(max_id) + 1, std::string());
  std::vector<bool> seen(d.tokens.size());
  for (const auto& [piece, idv] : vocab.items()) {
    const auto id = static_cast<std::size_t>(idv.get<std::int64_t>());
    if (seen[id]) r.fail("token id " + std::to_string(id) + " is used twice", "model.vocab[" + piece + "]");
    if (piece.empty()) r.fail("empty piece", "model.vocab");
    seen[id] = true;
    d.tokens[id] = piece;
  }

  if (m.contains("merges") && !m["merges"].is_null()) {
    const auto& merges = m["merges"];
    if (!merges.is_array()) r.fail("must be an array", "model.merges");
    d.merges.reserve(merges.size());
    for (std::size_t i = 0; i < merges.size(); ++i) {
      const auto field = "model.merges[" + std::to_string(i) + "]";
      const auto& e = merges[i];
      if (e.is_string()) {  // older files: "left right"
        const auto s = e.get<std::string>();
        const auto sp = s.find(' ');
        if (sp == std::string::npos || sp == 0 || sp + 1 >= s.size() || s.find(' ', sp + 1) != std::string::npos)
          r.fail("must be two pieces separated by one space", field);
        d.merges.emplace_back(s.substr(0, sp), s.substr(sp + 1));
      } else if (e.is_array() && e.size() == 2) {
        d.merges.emplace_back(r.string(e[0], field), r.string(e[1], field));
      } else {
        r.fail("must be \"left right\" or [left, right]", field);
      }
    }
  }

  if (r.boolean_or(m, "byte_fallback", false, "model.byte_fallback")) {
    d.byte_tokens.assign(256, -1);
    for (unsigned b = 0; b < 256; ++b) {
      char name[8];
      std::snprintf(name, sizeof name, "<0x%02X>", b);
      if (!vocab.contains(name)) r.fail(std::string("byte fallback needs the token ") + name, "model.byte_fallback");
      d.byte_tokens[b] = static_cast<std::int32_t>(vocab[name].get<std::int64_t>());
    }
  }
}

void read_added_tokens(const JsonReader& r, const json& root, TokenizerData& d) {
  if (!root.contains("added_tokens") || root["added_tokens"].is_null()) return;
  const auto& list = root["added_tokens"];
  if (!list.is_array()) r.fail("must be an array", "added_tokens");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto field = "added_tokens[" + std::to_string(i) + "]";
    const auto& t = list[i];
    if (!t.is_object() || !t.contains("id") || !t.contains("content")) r.fail("needs an id and a content", field);
    AddedToken a;
    const auto id = r.integer(t["id"], field + ".id");
    if (id < 0 || id >= kMaxVocab) r.fail("token id " + std::to_string(id) + " is out of range", field + ".id");
    a.id = static_cast<std::int32_t>(id);
    a.content = r.string(t["content"], field + ".content");
    if (a.content.empty()) r.fail("is empty", field + ".content");
    a.special = r.boolean_or(t, "special", false, field + ".special");
    a.lstrip = r.boolean_or(t, "lstrip", false, field + ".lstrip");
    a.rstrip = r.boolean_or(t, "rstrip", false, field + ".rstrip");
    if (r.boolean_or(t, "single_word", false, field + ".single_word"))
      r.fail("single_word added tokens are not supported", field + ".single_word");
    d.added.push_back(std::move(a));
  }
}

struct Pipeline {
  bool byte_level = false;
  bool replace_spaces = false;  // Replace(" " -> "▁") or Metaspace
  int splits = 0;
};

void read_normalizer(const JsonReader& r, const json& n, const std::string& field, TokenizerData& d, Pipeline& p) {
  if (n.is_null()) return;
  const auto type = r.type(n, field);
  if (type == "NFC") {
    d.normalize_nfc = true;
  } else if (type == "NFKC") {
    d.normalize_nfkc = true;
  } else if (type == "Sequence") {
    if (!n.contains("normalizers") || !n["normalizers"].is_array()) r.fail("needs a normalizers array", field + ".normalizers");
    for (std::size_t i = 0; i < n["normalizers"].size(); ++i)
      read_normalizer(r, n["normalizers"][i], field + ".normalizers[" + std::to_string(i) + "]", d, p);
  } else if (type == "Prepend") {
    if (r.string_or(n, "prepend", "", field + ".prepend") != kMetaspace) r.fail("only \"▁\" can be prepended", field + ".prepend");
    d.space_prefix = true;
  } else if (type == "Replace") {
    const auto& pat = n.contains("pattern") ? n["pattern"] : json();
    if (!pat.is_object() || !pat.contains("String") || r.string(pat["String"], field + ".pattern") != " " ||
        r.string_or(n, "content", "", field + ".content") != kMetaspace)
      r.fail("only Replace(\" \" -> \"▁\") is supported", field);
    p.replace_spaces = true;
  } else {
    r.fail("normalizer type '" + type + "' is not supported", field + ".type");
  }
}

void read_pre_tokenizer(const JsonReader& r, const json& t, const std::string& field, TokenizerData& d, Pipeline& p) {
  if (t.is_null()) return;
  const auto type = r.type(t, field);
  if (type == "Sequence") {
    if (!t.contains("pretokenizers") || !t["pretokenizers"].is_array()) r.fail("needs a pretokenizers array", field + ".pretokenizers");
    for (std::size_t i = 0; i < t["pretokenizers"].size(); ++i)
      read_pre_tokenizer(r, t["pretokenizers"][i], field + ".pretokenizers[" + std::to_string(i) + "]", d, p);
  } else if (type == "ByteLevel") {
    p.byte_level = true;
    d.byte_level_prefix_space = r.boolean_or(t, "add_prefix_space", false, field + ".add_prefix_space");
    if (r.boolean_or(t, "use_regex", true, field + ".use_regex")) {
      if (++p.splits > 1) r.fail("only one splitting regex is supported", field);
      d.split_regex = std::string(patterns::kGpt2);
    }
  } else if (type == "Split") {
    // Gemma's files split on " " after a normaliser that has already turned every space into
    // "▁": nothing is left to split on, whatever the behaviour.
    const auto& sp = t.contains("pattern") ? t["pattern"] : json();
    if (p.replace_spaces && sp.is_object() && sp.contains("String") && sp["String"] == " ") return;
    if (++p.splits > 1) r.fail("only one splitting regex is supported", field);
    if (r.string_or(t, "behavior", "Isolated", field + ".behavior") != "Isolated")
      r.fail("only the Isolated split behaviour is supported", field + ".behavior");
    if (r.boolean_or(t, "invert", false, field + ".invert")) r.fail("inverted splits are not supported", field + ".invert");
    const auto& pat = t.contains("pattern") ? t["pattern"] : json();
    if (pat.is_object() && pat.contains("Regex"))
      d.split_regex = r.string(pat["Regex"], field + ".pattern.Regex");
    else if (pat.is_object() && pat.contains("String"))
      d.split_regex = "\\Q" + r.string(pat["String"], field + ".pattern.String") + "\\E";
    else
      r.fail("needs a Regex or String pattern", field + ".pattern");
    if (d.split_regex.empty()) r.fail("is empty", field + ".pattern");
  } else if (type == "Metaspace") {
    if (r.string_or(t, "replacement", std::string(kMetaspace), field + ".replacement") != kMetaspace)
      r.fail("only \"▁\" is supported", field + ".replacement");
    p.replace_spaces = true;
    auto scheme = r.string_or(t, "prepend_scheme", "", field + ".prepend_scheme");
    if (scheme.empty()) scheme = r.boolean_or(t, "add_prefix_space", true, field + ".add_prefix_space") ? "always" : "never";
    if (scheme != "always" && scheme != "first" && scheme != "never") r.fail("unknown scheme '" + scheme + "'", field + ".prepend_scheme");
    d.space_prefix = scheme != "never";
    d.space_prefix_first_only = scheme == "first";
    d.space_prefix_unless_present = true;  // Hugging Face's Metaspace adds no second "▁"
    d.split_on_metaspace = r.boolean_or(t, "split", true, field + ".split");
  } else {
    r.fail("pre-tokenizer type '" + type + "' is not supported", field + ".type");
  }
}

// Decoders are not needed to decode (the kind decides), only to see the byte-level alphabet and
// whether the first space is stripped (Llama 2's Strip, Metaspace's prefix).
void read_decoder(const JsonReader& r, const json& t, const std::string& field, TokenizerData& d, Pipeline& p) {
  if (t.is_null()) return;
  const auto type = r.type(t, field);
  if (type == "Sequence") {
    if (!t.contains("decoders") || !t["decoders"].is_array()) r.fail("needs a decoders array", field + ".decoders");
    for (std::size_t i = 0; i < t["decoders"].size(); ++i)
      read_decoder(r, t["decoders"][i], field + ".decoders[" + std::to_string(i) + "]", d, p);
  } else if (type == "ByteLevel") {
    p.byte_level = true;
  } else if (type == "Strip") {
    if (t.contains("start") && r.integer(t["start"], field + ".start") > 0) d.strip_leading_space_on_decode = true;
  } else if (type == "Metaspace") {
    const auto scheme = r.string_or(t, "prepend_scheme", "always", field + ".prepend_scheme");
    if (scheme != "never" && r.boolean_or(t, "add_prefix_space", true, field + ".add_prefix_space"))
      d.strip_leading_space_on_decode = true;
  } else if (type != "Replace" && type != "ByteFallback" && type != "Fuse") {
    r.fail("decoder type '" + type + "' is not supported", field + ".type");
  }
}

std::int32_t token_id(const JsonReader& r, const TokenizerData& d, const std::string& text, const std::string& field) {
  for (const auto& a : d.added)
    if (a.content == text) return a.id;
  for (std::size_t i = 0; i < d.tokens.size(); ++i)
    if (d.tokens[i] == text) return static_cast<std::int32_t>(i);
  r.fail("names '" + text + "', which is not in the vocabulary", field);
}

void read_post_processor(const JsonReader& r, const json& t, TokenizerData& d) {
  if (t.is_null()) return;
  const auto type = r.type(t, "post_processor");
  if (type == "ByteLevel") return;
  if (type == "Sequence") {
    if (!t.contains("processors") || !t["processors"].is_array()) r.fail("needs a processors array", "post_processor.processors");
    for (const auto& p : t["processors"]) read_post_processor(r, p, d);
    return;
  }
  if (type != "TemplateProcessing") r.fail("post-processor type '" + type + "' is not supported", "post_processor.type");
  if (!t.contains("single") || !t["single"].is_array()) r.fail("needs a single template", "post_processor.single");
  bool seen_text = false;
  for (const auto& piece : t["single"]) {
    if (piece.is_object() && piece.contains("Sequence")) {
      seen_text = true;
    } else if (piece.is_object() && piece.contains("SpecialToken") && piece["SpecialToken"].is_object() &&
               piece["SpecialToken"].contains("id")) {
      const auto name = r.string(piece["SpecialToken"]["id"], "post_processor.single.SpecialToken.id");
      const auto id = token_id(r, d, name, "post_processor.single");
      if (seen_text) {
        d.eos_id = d.eos_id < 0 ? id : d.eos_id;
        d.add_eos = true;
      } else {
        d.bos_id = id;
        d.add_bos = true;
      }
    } else {
      r.fail("entries must be Sequence or SpecialToken", "post_processor.single");
    }
  }
}

}  // namespace

Tokenizer tokenizer_from_json(std::string_view tokenizer_json, std::string_view config_json, const std::string& source) {
  JsonReader r(source);
  json root, config;
  try {
    root = json::parse(tokenizer_json);
  } catch (const json::exception& e) {
    r.fail(std::string("not valid JSON: ") + e.what(), "");
  }
  const std::string config_source = "tokenizer_config.json";
  if (!config_json.empty()) {
    try {
      config = json::parse(config_json);
    } catch (const json::exception& e) {
      r.fail(std::string("tokenizer_config.json beside it is not valid JSON: ") + e.what(), config_source);
    }
  }
  if (!root.is_object()) r.fail("must be a JSON object", "");
  TokenizerData d;
  d.source = source;
  std::string unk;
  Pipeline p;
  read_model(r, root, d, unk);
  read_added_tokens(r, root, d);
  read_normalizer(r, root.value("normalizer", json()), "normalizer", d, p);
  read_pre_tokenizer(r, root.value("pre_tokenizer", json()), "pre_tokenizer", d, p);
  read_decoder(r, root.value("decoder", json()), "decoder", d, p);
  d.kind = p.byte_level ? TokenizerKind::ByteLevelBpe : TokenizerKind::SentencePieceBpe;
  if (p.byte_level && (p.replace_spaces || d.space_prefix))
    r.fail("mixes byte-level and SentencePiece components", "pre_tokenizer");
  if (!p.byte_level && !d.split_regex.empty()) r.fail("a regex split without ByteLevel is not supported", "pre_tokenizer");
  if (!p.byte_level && !p.replace_spaces)
    r.fail("neither byte-level nor SentencePiece (no ByteLevel, Metaspace or Replace(\" \" -> \"▁\"))", "pre_tokenizer");
  if (!unk.empty()) d.unk_id = token_id(r, d, unk, "model.unk_token");
  read_post_processor(r, root.value("post_processor", json()), d);

  if (config.is_object()) {
    // The fast tokenizer's post-processor decides BOS/EOS; the config only names the tokens
    // (and decides where no post-processor does).
    if (const auto bos = config_token(r, config, "bos_token"); !bos.empty() && d.bos_id < 0)
      d.bos_id = token_id(r, d, bos, "tokenizer_config.json bos_token");
    if (const auto eos = config_token(r, config, "eos_token"); !eos.empty())
      d.eos_id = token_id(r, d, eos, "tokenizer_config.json eos_token");
    if (const auto pad = config_token(r, config, "pad_token"); !pad.empty())
      d.pad_id = token_id(r, d, pad, "tokenizer_config.json pad_token");
    if (!root.contains("post_processor") || root["post_processor"].is_null()) {
      d.add_bos = r.boolean_or(config, "add_bos_token", false, "tokenizer_config.json add_bos_token") && d.bos_id >= 0;
      d.add_eos = r.boolean_or(config, "add_eos_token", false, "tokenizer_config.json add_eos_token") && d.eos_id >= 0;
    }
    if (config.contains("chat_template")) {
      const auto& t = config["chat_template"];
      if (t.is_string()) {
        d.chat_template = t.get<std::string>();
      } else if (t.is_array()) {  // named templates: take "default"
        for (const auto& e : t)
          if (e.is_object() && e.value("name", "") == "default" && e.contains("template") && e["template"].is_string())
            d.chat_template = e["template"].get<std::string>();
      }
    }
  }
  return Tokenizer(std::move(d));
}

Tokenizer load_tokenizer_json(const std::filesystem::path& path) {
  auto slurp = [](const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw Error("cannot open", p.string());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  const auto text = slurp(path);
  std::string config;
  const auto config_path = path.parent_path() / "tokenizer_config.json";
  if (std::filesystem::exists(config_path)) config = slurp(config_path);
  return tokenizer_from_json(text, config, path.string());
}

}  // namespace ebsd::io::model

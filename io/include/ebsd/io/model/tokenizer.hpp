#pragma once
// Text <-> token ids for the LLM engine (LLM-CORE.md section 2.2), torch-free. Two families of
// BPE share one merge engine:
//   - byte-level BPE (GPT-2, Llama 3, Qwen2/3): the text is split by a pre-tokenizer regex, each
//     piece's bytes are mapped to GPT-2's printable byte alphabet and merged by merge rank;
//   - SentencePiece-style BPE (Llama 2, Gemma): spaces become U+2581 "▁" (optionally one in
//     front), pieces are merged by merge rank or, with only scores (GGUF "llama"), by the score
//     of the merged piece, and characters outside the vocabulary fall back to byte tokens <0xXX>.
// Added / special tokens are split out of the text before anything else and never merged.
// Loaders: Hugging Face tokenizer.json (+ tokenizer_config.json beside it) and GGUF tokenizer
// metadata; both are untrusted input and fail with an ebsd::Error naming the file and the field.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ebsd::io::model {

class GgufFile;
class GgufWriter;

enum class TokenizerKind { ByteLevelBpe, SentencePieceBpe };

struct AddedToken {
  std::string content;   // matched verbatim in the text
  std::int32_t id = -1;
  bool special = true;   // control token (BOS, end of turn...): decode can skip it
  bool lstrip = false;   // swallows the whitespace before it
  bool rstrip = false;   // swallows the whitespace after it
};

// Everything that defines a tokenizer: what the loaders fill (or a test, by hand).
struct TokenizerData {
  TokenizerKind kind = TokenizerKind::ByteLevelBpe;
  std::vector<std::string> tokens;  // id -> piece (byte-level: GPT-2 byte alphabet; SPM: "▁" for spaces)
  std::vector<float> scores;        // SPM without merges: merge priority of each piece (higher first)
  std::vector<std::pair<std::string, std::string>> merges;  // by rank (first = merged first)
  std::vector<std::int32_t> byte_tokens;  // byte -> id of <0xXX> (SPM byte fallback); empty or 256
  std::vector<AddedToken> added;

  // Normalisation and pre-tokenization.
  bool normalize_nfc = false;
  bool normalize_nfkc = false;
  std::string split_regex;         // byte-level: pieces are the matches and the gaps between them
  bool byte_level_prefix_space = false;  // byte-level: a space before each text segment not starting with one
  bool space_prefix = false;       // SPM: "▁" before each text segment (before every segment, or only the first:)
  bool space_prefix_first_only = false;
  bool space_prefix_unless_present = false;  // SPM: not before text that already starts with a space (Metaspace)
  bool split_on_metaspace = false; // SPM: merge words ("▁"-started) separately (HF Metaspace split)
  bool ignore_merges = false;      // a piece already in the vocabulary is one token (Llama 3)
  bool strip_leading_space_on_decode = false;  // SPM: decode drops the space the prefix added

  std::int32_t unk_id = -1, bos_id = -1, eos_id = -1, pad_id = -1;
  std::vector<std::int32_t> end_of_turn_ids;  // extra stop tokens (eot, eom)
  bool add_bos = false, add_eos = false;
  std::string chat_template;  // Jinja text from the file: only used to recognise the chat format
  std::string source;         // file, for errors
};

class Tokenizer {
public:
  // Validates the data (ids in range, merges made of vocabulary pieces, the regex compiles) and
  // builds the lookup tables; throws ebsd::Error naming data.source and the field.
  explicit Tokenizer(TokenizerData data);
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // add_special: BOS / EOS as the tokenizer asks. parse_special: added tokens written in the
  // text ("<|im_end|>") become their ids; otherwise they are ordinary text. The text must be
  // valid UTF-8 (an ebsd::Error otherwise).
  std::vector<std::int32_t> encode(std::string_view text, bool add_special = true, bool parse_special = true) const;
  // Concatenated bytes of the tokens (invalid UTF-8 is replaced by U+FFFD).
  std::string decode(std::span<const std::int32_t> ids, bool skip_special = false) const;
  // The raw bytes one token stands for (may be part of a UTF-8 character).
  std::string token_bytes(std::int32_t id) const;
  bool is_special(std::int32_t id) const;
  std::int32_t find_token(std::string_view piece) const;  // -1 when absent

  std::size_t vocab_size() const;
  const TokenizerData& data() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Decodes a stream of generated ids into text pieces that are always complete UTF-8: bytes of a
// character split across tokens are held back until the character is complete.
class StreamingDecoder {
public:
  explicit StreamingDecoder(const Tokenizer& tokenizer, bool skip_special = true);
  std::string feed(std::int32_t id);  // text that became complete (often empty or one token's text)
  std::string finish();               // what is left, incomplete characters as U+FFFD

private:
  const Tokenizer& tokenizer_;
  bool skip_special_;
  std::string pending_;
};

// Replaces invalid UTF-8 sequences by U+FFFD; `complete_prefix` (when non-null) receives the
// length of the longest prefix that does not end inside an incomplete, still valid character.
std::string sanitize_utf8(std::string_view bytes, std::size_t* complete_prefix = nullptr);

// Hugging Face tokenizer.json text (`config_json`: tokenizer_config.json text or empty).
Tokenizer tokenizer_from_json(std::string_view tokenizer_json, std::string_view config_json,
                              const std::string& source);
// A tokenizer.json file, with tokenizer_config.json read from beside it when present.
Tokenizer load_tokenizer_json(const std::filesystem::path& path);
// GGUF metadata keys tokenizer.ggml.* (and tokenizer.chat_template).
Tokenizer tokenizer_from_gguf(const GgufFile& file);
// Writes the tokenizer as GGUF tokenizer.ggml.* keys (and tokenizer.chat_template) in llama.cpp's
// layout; BOS / EOS fall back to the given ids (-1: none) when the tokenizer names none. Throws
// an ebsd::Error, before writing anything, when the tokenizer has options GGUF cannot express
// (a pre-tokenizer regex without a GGUF name, Metaspace splitting...).
void add_tokenizer_metadata(GgufWriter& writer, const Tokenizer& tokenizer, std::int64_t default_bos = -1,
                            std::int64_t default_eos = -1);
// The tokenizer of a model given as for ModelFile::open: a GGUF file, or a safetensors file,
// index or folder with tokenizer.json beside it. Throws a clear error when there is none.
Tokenizer load_model_tokenizer(const std::filesystem::path& model_path);

}  // namespace ebsd::io::model

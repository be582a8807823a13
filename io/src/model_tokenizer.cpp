// Tokenizer encode / decode (model/tokenizer.hpp): added-token splitting, normalisation,
// pre-tokenization and one BPE merge engine for both byte-level and SentencePiece-style
// vocabularies.
#include <algorithm>
#include <array>
#include <functional>
#include <queue>
#include <unordered_map>

#include "ebsd/core/error.hpp"
#include "ebsd/io/model/tokenizer.hpp"
#include "model_tokenizer_unicode.hpp"
#include "model_tokenizer_utf8.hpp"

namespace ebsd::io::model {
namespace {

constexpr std::string_view kMetaspace = "\xE2\x96\x81";  // U+2581, SentencePiece's space

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using PieceMap = std::unordered_map<std::string, std::int32_t, StringHash, std::equal_to<>>;

// GPT-2's reversible byte -> printable code point table: printable Latin-1 bytes map to
// themselves, the other 68 bytes (controls, space, 0x7F-0xA0, soft hyphen) to U+0100 onwards in
// byte order, so every byte string becomes a string of visible characters.
std::array<char32_t, 256> gpt2_byte_alphabet() {
  std::array<char32_t, 256> table{};
  char32_t next = 256;
  for (unsigned b = 0; b < 256; ++b) {
    const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    table[b] = printable ? b : next++;
  }
  return table;
}

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (true) {
    const auto j = text.find(from, i);
    if (j == std::string_view::npos) break;
    out.append(text.substr(i, j - i)).append(to);
    i = j + from.size();
  }
  out.append(text.substr(i));
  return out;
}

}  // namespace

struct Tokenizer::Impl {
  TokenizerData d;
  PieceMap piece_to_id;
  struct Merge {
    std::int32_t rank;
    std::int32_t merged;
  };
  std::unordered_map<std::uint64_t, Merge> merges;  // (left id << 32 | right id) -> rank, result
  std::vector<std::uint8_t> special;                // per id: 1 = special (control) added token
  std::vector<std::int32_t> added_index;            // per id: index into d.added or -1
  // Byte trie over the added tokens' contents, for leftmost-longest matching.
  struct TrieNode {
    std::vector<std::pair<unsigned char, std::int32_t>> next;
    std::int32_t added = -1;
  };
  std::vector<TrieNode> trie{TrieNode{}};
  std::array<bool, 256> trie_first{};
  std::unique_ptr<unicode::RegexSplitter> splitter;
  std::array<std::string, 256> byte_to_piece;        // byte-level alphabet, UTF-8
  std::unordered_map<char32_t, unsigned char> piece_char_to_byte;
  std::vector<std::int16_t> byte_token_value;        // per id: the byte of a <0xXX> token or -1

  std::int32_t lookup(std::string_view piece) const {
    const auto it = piece_to_id.find(piece);
    return it == piece_to_id.end() ? -1 : it->second;
  }

  void error(const std::string& what, const std::string& field) const { throw Error(what, d.source, field); }

  void check_id(std::int32_t id, const char* field, std::size_t n) const {
    if (id < -1 || (id >= 0 && static_cast<std::size_t>(id) >= n))
      error("token id " + std::to_string(id) + " is outside the vocabulary of " + std::to_string(n), field);
  }

  void build();
  void add_to_trie(const std::string& content, std::int32_t index);
  std::int32_t match_added(std::string_view text, std::size_t pos, std::size_t& length) const;
  void bpe(std::string_view word, std::vector<std::int32_t>& out) const;
  void encode_text(std::string_view text, bool first_segment, std::vector<std::int32_t>& out) const;
};

void Tokenizer::Impl::build() {
  if (d.tokens.empty()) error("the vocabulary is empty", "tokens");
  if (d.tokens.size() > (std::size_t{1} << 24)) error("the vocabulary is too large", "tokens");
  // Added tokens may sit beyond the model's vocabulary (Hugging Face keeps them apart).
  const std::size_t model_vocab = d.tokens.size();
  std::size_t n = model_vocab;
  for (std::size_t i = 0; i < d.added.size(); ++i) {
    const auto id = d.added[i].id;
    // Ids index tables of the vocabulary's size: 2^24 is far above any real vocabulary.
    if (id < 0 || id >= (1 << 24)) error("added token '" + d.added[i].content + "' has id " + std::to_string(id), "added_tokens");
    if (d.added[i].content.empty()) error("added token " + std::to_string(id) + " is empty", "added_tokens");
    n = std::max(n, static_cast<std::size_t>(id) + 1);
  }
  if (n > d.tokens.size()) d.tokens.resize(n);
  for (const auto& a : d.added) d.tokens[static_cast<std::size_t>(a.id)] = a.content;
  for (std::size_t i = 0; i < d.tokens.size(); ++i)
    if (!d.tokens[i].empty()) piece_to_id.emplace(d.tokens[i], static_cast<std::int32_t>(i));  // first id wins

  check_id(d.unk_id, "unk_token", n);
  check_id(d.bos_id, "bos_token", n);
  check_id(d.eos_id, "eos_token", n);
  check_id(d.pad_id, "pad_token", n);
  for (const auto id : d.end_of_turn_ids) check_id(id, "eot_token", n);
  if (d.add_bos && d.bos_id < 0) error("the tokenizer asks for a BOS token but defines none", "add_bos_token");
  if (d.add_eos && d.eos_id < 0) error("the tokenizer asks for an EOS token but defines none", "add_eos_token");

  special.assign(n, 0);
  added_index.assign(n, -1);
  for (std::size_t i = 0; i < d.added.size(); ++i) {
    const auto& a = d.added[i];
    special[static_cast<std::size_t>(a.id)] = a.special ? 1 : 0;
    added_index[static_cast<std::size_t>(a.id)] = static_cast<std::int32_t>(i);
    add_to_trie(a.content, static_cast<std::int32_t>(i));
  }

  if (!d.scores.empty() && d.scores.size() != model_vocab)
    error("has " + std::to_string(d.scores.size()) + " scores for " + std::to_string(model_vocab) + " tokens", "scores");
  if (d.kind == TokenizerKind::SentencePieceBpe && d.merges.empty() && d.scores.empty())
    error("a SentencePiece vocabulary needs scores or merges", "scores");
  if (!d.scores.empty()) d.scores.resize(n, -1e30f);

  merges.reserve(d.merges.size());
  for (std::size_t r = 0; r < d.merges.size(); ++r) {
    const auto& [a, b] = d.merges[r];
    const auto ia = lookup(a), ib = lookup(b), im = lookup(a + b);
    if (ia < 0 || ib < 0 || im < 0)
      error("merge " + std::to_string(r) + " ('" + a + "' '" + b + "') uses a piece that is not in the vocabulary", "merges");
    const auto key = (static_cast<std::uint64_t>(ia) << 32) | static_cast<std::uint32_t>(ib);
    merges.emplace(key, Merge{static_cast<std::int32_t>(r), im});  // the first (best) rank wins
  }

  byte_token_value.assign(n, -1);
  if (!d.byte_tokens.empty()) {
    if (d.byte_tokens.size() != 256) error("needs 256 byte tokens <0x00>..<0xFF>, has " + std::to_string(d.byte_tokens.size()), "byte_fallback");
    for (unsigned b = 0; b < 256; ++b) {
      check_id(d.byte_tokens[b], "byte_fallback", n);  // -1: no token for this byte (falls back to <unk>)
      if (d.byte_tokens[b] >= 0) byte_token_value[static_cast<std::size_t>(d.byte_tokens[b])] = static_cast<std::int16_t>(b);
    }
  }

  const auto alphabet = gpt2_byte_alphabet();
  for (unsigned b = 0; b < 256; ++b) {
    utf8::append(byte_to_piece[b], alphabet[b]);
    piece_char_to_byte[alphabet[b]] = static_cast<unsigned char>(b);
  }
  if (!d.split_regex.empty()) splitter = std::make_unique<unicode::RegexSplitter>(d.split_regex, d.source, "pre_tokenizer");
}

void Tokenizer::Impl::add_to_trie(const std::string& content, std::int32_t index) {
  std::size_t node = 0;
  trie_first[static_cast<unsigned char>(content[0])] = true;
  for (const unsigned char c : content) {
    auto& next = trie[node].next;
    const auto it = std::find_if(next.begin(), next.end(), [c](const auto& p) { return p.first == c; });
    if (it != next.end()) {
      node = static_cast<std::size_t>(it->second);
    } else {
      next.emplace_back(c, static_cast<std::int32_t>(trie.size()));
      node = trie.size();
      trie.emplace_back();
    }
  }
  if (trie[node].added < 0) trie[node].added = index;
}

std::int32_t Tokenizer::Impl::match_added(std::string_view text, std::size_t pos, std::size_t& length) const {
  std::int32_t best = -1;
  std::size_t node = 0;
  for (std::size_t i = pos; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const auto& next = trie[node].next;
    const auto it = std::find_if(next.begin(), next.end(), [c](const auto& p) { return p.first == c; });
    if (it == next.end()) break;
    node = static_cast<std::size_t>(it->second);
    if (trie[node].added >= 0) {
      best = trie[node].added;
      length = i + 1 - pos;
    }
  }
  return best;
}

// Byte-pair merging of one word (already in the vocabulary's alphabet). Starts from single
// characters and repeatedly merges the best adjacent pair: lowest merge rank, or with scores
// only, highest score of the merged piece; ties go to the leftmost pair. A heap of candidate
// pairs with lazy invalidation keeps this O(n log n) for long SentencePiece inputs.
void Tokenizer::Impl::bpe(std::string_view word, std::vector<std::int32_t>& out) const {
  if (word.empty()) return;
  if (d.ignore_merges) {
    if (const auto id = lookup(word); id >= 0) {
      out.push_back(id);
      return;
    }
  }
  struct Symbol {
    std::size_t start, len;
    std::int32_t prev, next, id;
  };
  std::vector<Symbol> sym;
  for (std::size_t i = 0, n = 0; i < word.size(); i += n) {
    utf8::next(word, i, n);  // pieces are valid UTF-8 (checked by encode), but stay in bounds anyway
    n = std::min(std::max<std::size_t>(n, 1), word.size() - i);
    const auto k = static_cast<std::int32_t>(sym.size());
    sym.push_back({i, n, k - 1, k + 1, lookup(word.substr(i, n))});
  }
  sym.back().next = -1;

  struct Candidate {
    double priority;  // lower first
    std::size_t start;
    std::int32_t left, right;
    std::size_t left_len, right_len;
    std::int32_t merged;
    bool operator>(const Candidate& o) const { return priority != o.priority ? priority > o.priority : start > o.start; }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  const bool by_rank = !d.merges.empty();
  auto consider = [&](std::int32_t l, std::int32_t r) {
    if (l < 0 || r < 0) return;
    const auto& a = sym[static_cast<std::size_t>(l)];
    const auto& b = sym[static_cast<std::size_t>(r)];
    if (by_rank) {
      if (a.id < 0 || b.id < 0) return;
      const auto it = merges.find((static_cast<std::uint64_t>(a.id) << 32) | static_cast<std::uint32_t>(b.id));
      if (it == merges.end()) return;
      heap.push({static_cast<double>(it->second.rank), a.start, l, r, a.len, b.len, it->second.merged});
    } else if (!d.scores.empty()) {
      const auto id = lookup(word.substr(a.start, a.len + b.len));
      if (id < 0) return;
      heap.push({-static_cast<double>(d.scores[static_cast<std::size_t>(id)]), a.start, l, r, a.len, b.len, id});
    }
  };
  for (std::size_t i = 0; i + 1 < sym.size(); ++i) consider(static_cast<std::int32_t>(i), static_cast<std::int32_t>(i + 1));
  while (!heap.empty()) {
    const auto c = heap.top();
    heap.pop();
    auto& a = sym[static_cast<std::size_t>(c.left)];
    auto& b = sym[static_cast<std::size_t>(c.right)];
    // Stale: one side was merged into something else since this pair was queued.
    if (a.len != c.left_len || b.len != c.right_len || a.next != c.right) continue;
    a.len += b.len;
    a.id = c.merged;
    a.next = b.next;
    if (b.next >= 0) sym[static_cast<std::size_t>(b.next)].prev = c.left;
    b.len = 0;
    consider(a.prev, c.left);
    consider(c.left, a.next);
  }

  for (std::int32_t i = 0; i >= 0; i = sym[static_cast<std::size_t>(i)].next) {
    const auto& s = sym[static_cast<std::size_t>(i)];
    if (s.id >= 0) {
      out.push_back(s.id);
      continue;
    }
    // Not a piece: its bytes as <0xXX> tokens where the vocabulary has them, else <unk>.
    const bool all_bytes =
        !d.byte_tokens.empty() && std::all_of(word.begin() + static_cast<std::ptrdiff_t>(s.start),
                                              word.begin() + static_cast<std::ptrdiff_t>(s.start + s.len),
                                              [&](char c) { return d.byte_tokens[static_cast<unsigned char>(c)] >= 0; });
    if (all_bytes) {
      for (std::size_t k = 0; k < s.len; ++k) out.push_back(d.byte_tokens[static_cast<unsigned char>(word[s.start + k])]);
    } else if (d.unk_id >= 0) {
      out.push_back(d.unk_id);
    } else {
      throw Error("the text has a character ('" + std::string(word.substr(s.start, s.len)) +
                      "') that the vocabulary cannot encode and there is no unknown token",
                  d.source, "vocab");
    }
  }
}

void Tokenizer::Impl::encode_text(std::string_view raw, bool first_segment, std::vector<std::int32_t>& out) const {
  std::string text(raw);
  if (d.normalize_nfc) text = unicode::normalize(text, unicode::NormalForm::NFC);
  if (d.normalize_nfkc) text = unicode::normalize(text, unicode::NormalForm::NFKC);
  if (text.empty()) return;
  if (d.kind == TokenizerKind::ByteLevelBpe) {
    if (d.byte_level_prefix_space && text[0] != ' ') text.insert(text.begin(), ' ');
    std::vector<std::string_view> pieces;
    if (splitter)
      pieces = splitter->split(text);
    else
      pieces.push_back(text);
    std::string mapped;
    for (const auto piece : pieces) {
      mapped.clear();
      for (const unsigned char b : piece) mapped += byte_to_piece[b];
      bpe(mapped, out);
    }
    return;
  }
  // SentencePiece: spaces are "▁"; the prefix marks the start of the text as a word start.
  std::string s = replace_all(text, " ", kMetaspace);
  if (d.space_prefix && (first_segment || !d.space_prefix_first_only) &&
      !(d.space_prefix_unless_present && s.compare(0, kMetaspace.size(), kMetaspace) == 0))
    s.insert(0, kMetaspace);
  if (!d.split_on_metaspace) {
    bpe(s, out);
    return;
  }
  std::size_t start = 0;
  for (std::size_t i = kMetaspace.size(); i <= s.size(); ++i) {
    if (i == s.size() || s.compare(i, kMetaspace.size(), kMetaspace) == 0) {
      bpe(std::string_view(s).substr(start, i - start), out);
      start = i;
    }
  }
}

Tokenizer::Tokenizer(TokenizerData data) : impl_(std::make_unique<Impl>()) {
  impl_->d = std::move(data);
  impl_->build();
}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

std::vector<std::int32_t> Tokenizer::encode(std::string_view text, bool add_special, bool parse_special) const {
  const auto& d = impl_->d;
  if (!utf8::is_valid(text)) throw Error("the text is not valid UTF-8", "prompt");
  // 1. Split out added tokens (leftmost, then longest), honouring their lstrip / rstrip.
  struct Segment {
    std::string_view text;
    std::int32_t added = -1;
  };
  std::vector<Segment> segments;
  std::size_t start = 0;
  if (parse_special && !d.added.empty()) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (!impl_->trie_first[static_cast<unsigned char>(text[i])]) continue;
      std::size_t len = 0;
      const auto a = impl_->match_added(text, i, len);
      if (a < 0) continue;
      segments.push_back({text.substr(start, i - start)});
      segments.push_back({text.substr(i, len), a});
      start = i + len;
      i = start - 1;
    }
  }
  segments.push_back({text.substr(start)});
  for (std::size_t k = 0; k < segments.size(); ++k) {
    if (segments[k].added < 0) continue;
    const auto& a = d.added[static_cast<std::size_t>(segments[k].added)];
    if (a.lstrip && k > 0) {
      auto& t = segments[k - 1].text;
      while (!t.empty() && is_space(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
    }
    if (a.rstrip && k + 1 < segments.size()) {
      auto& t = segments[k + 1].text;
      while (!t.empty() && is_space(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
    }
  }
  // 2. Encode each text segment on its own.
  std::vector<std::int32_t> out;
  if (add_special && d.add_bos) out.push_back(d.bos_id);
  for (std::size_t k = 0; k < segments.size(); ++k) {
    if (segments[k].added >= 0)
      out.push_back(d.added[static_cast<std::size_t>(segments[k].added)].id);
    else if (!segments[k].text.empty())
      impl_->encode_text(segments[k].text, k == 0, out);
  }
  if (add_special && d.add_eos) out.push_back(d.eos_id);
  return out;
}

std::string Tokenizer::token_bytes(std::int32_t id) const {
  const auto& d = impl_->d;
  if (id < 0 || static_cast<std::size_t>(id) >= d.tokens.size())
    throw Error("token id " + std::to_string(id) + " is outside the vocabulary of " + std::to_string(d.tokens.size()),
                d.source, "token id");
  const auto i = static_cast<std::size_t>(id);
  const auto& piece = d.tokens[i];
  if (d.kind == TokenizerKind::SentencePieceBpe) {
    // The "▁" -> space decoder applies to added tokens too (Gemma adds runs of "▁" as tokens).
    if (impl_->byte_token_value[i] >= 0 && impl_->added_index[i] < 0)
      return std::string(1, static_cast<char>(impl_->byte_token_value[i]));
    return replace_all(piece, kMetaspace, " ");
  }
  if (impl_->added_index[i] >= 0) return piece;  // byte-level: added tokens are raw text
  std::string bytes;
  for (std::size_t p = 0, n = 0; p < piece.size(); p += n) {
    char32_t cp = 0;
    if (utf8::next(piece, p, n, &cp) != utf8::Status::Valid) {
      bytes += piece[p];  // not from the byte alphabet: pass through
      n = 1;
      continue;
    }
    const auto it = impl_->piece_char_to_byte.find(cp);
    if (it != impl_->piece_char_to_byte.end())
      bytes += static_cast<char>(it->second);
    else
      bytes.append(piece, p, n);
  }
  return bytes;
}

std::string Tokenizer::decode(std::span<const std::int32_t> ids, bool skip_special) const {
  std::string bytes;
  bool first = true;
  for (const auto id : ids) {
    if (skip_special && is_special(id)) {
      (void)token_bytes(id);  // still range-checked
      continue;
    }
    auto piece = token_bytes(id);
    if (first && impl_->d.strip_leading_space_on_decode && !piece.empty() && piece[0] == ' ' && !is_special(id))
      piece.erase(0, 1);
    first = false;
    bytes += piece;
  }
  return sanitize_utf8(bytes);
}

bool Tokenizer::is_special(std::int32_t id) const {
  return id >= 0 && static_cast<std::size_t>(id) < impl_->special.size() && impl_->special[static_cast<std::size_t>(id)];
}

std::int32_t Tokenizer::find_token(std::string_view piece) const { return impl_->lookup(piece); }
std::size_t Tokenizer::vocab_size() const { return impl_->d.tokens.size(); }
const TokenizerData& Tokenizer::data() const { return impl_->d; }

std::string sanitize_utf8(std::string_view bytes, std::size_t* complete_prefix) {
  std::string out;
  out.reserve(bytes.size());
  std::size_t i = 0, n = 0;
  while (i < bytes.size()) {
    const auto st = utf8::next(bytes, i, n);
    if (st == utf8::Status::Valid) {
      out.append(bytes.substr(i, n));
    } else if (st == utf8::Status::Incomplete && complete_prefix) {
      break;  // may still be completed by the next token
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD
      if (st == utf8::Status::Incomplete) n = bytes.size() - i;
    }
    i += n;
  }
  if (complete_prefix) *complete_prefix = i;
  return out;
}

StreamingDecoder::StreamingDecoder(const Tokenizer& tokenizer, bool skip_special)
    : tokenizer_(tokenizer), skip_special_(skip_special) {}

std::string StreamingDecoder::feed(std::int32_t id) {
  if (skip_special_ && tokenizer_.is_special(id)) return {};
  pending_ += tokenizer_.token_bytes(id);
  std::size_t done = 0;
  auto text = sanitize_utf8(pending_, &done);
  pending_.erase(0, done);
  return text;
}

std::string StreamingDecoder::finish() {
  auto text = sanitize_utf8(pending_);
  pending_.clear();
  return text;
}

}  // namespace ebsd::io::model

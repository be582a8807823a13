#pragma once
// The Unicode pieces the tokenizers need, from ICU (Debian's libicu-dev) rather than our own
// tables: NFC / NFKC normalisation and the pre-tokenizer regexes with Unicode properties
// (\p{L}, \p{N}, case-insensitive groups, look-ahead), matched directly on UTF-8.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ebsd::io::model::unicode {

enum class NormalForm { NFC, NFKC };
// `text` must be valid UTF-8.
std::string normalize(std::string_view text, NormalForm form);

// Splits text into the regex matches and the gaps between them, in order and covering the text
// (Hugging Face's Split pre-tokenizer with behaviour "Isolated").
class RegexSplitter {
public:
  // Throws ebsd::Error naming `source` and `field` when the pattern does not compile.
  RegexSplitter(const std::string& pattern, const std::string& source, const std::string& field);
  RegexSplitter(RegexSplitter&&) noexcept;
  ~RegexSplitter();
  // Thread-safe; `text` must be valid UTF-8. Views point into `text`.
  std::vector<std::string_view> split(std::string_view text) const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// \s and \S written out as the Unicode White_Space property, which is what Hugging Face's
// tokenizers (Oniguruma) and Python mean by them; ICU's own \s is a different set.
std::string rewrite_whitespace_classes(const std::string& pattern);

}  // namespace ebsd::io::model::unicode

// ICU behind the tokenizers' Unicode needs (model_tokenizer_unicode.hpp).
#include "model_tokenizer_unicode.hpp"

#include <mutex>

#include <unicode/normalizer2.h>
#include <unicode/uregex.h>
#include <unicode/ustring.h>
#include <unicode/utext.h>

#include "ebsd/core/error.hpp"

namespace ebsd::io::model::unicode {

std::string normalize(std::string_view text, NormalForm form) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = form == NormalForm::NFC ? icu::Normalizer2::getNFCInstance(status)
                                                      : icu::Normalizer2::getNFKCInstance(status);
  if (U_FAILURE(status)) throw Error(std::string("ICU normaliser unavailable: ") + u_errorName(status));
  // Most text is already normalised: skip the UTF-16 round trip then.
  const auto src = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<std::int32_t>(text.size())));
  if (n->isNormalized(src, status) && U_SUCCESS(status)) return std::string(text);
  status = U_ZERO_ERROR;
  const auto out = n->normalize(src, status);
  if (U_FAILURE(status)) throw Error(std::string("Unicode normalisation failed: ") + u_errorName(status));
  std::string result;
  out.toUTF8String(result);
  return result;
}

std::string rewrite_whitespace_classes(const std::string& pattern) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      const char e = pattern[++i];
      // Property escapes are valid both inside and outside a [...] class in ICU.
      if (e == 's')
        out += "\\p{White_Space}";
      else if (e == 'S')
        out += "\\P{White_Space}";
      else
        (out += '\\') += e;
      continue;
    }
    out += pattern[i];
  }
  return out;
}

struct RegexSplitter::Impl {
  URegularExpression* compiled = nullptr;
  mutable std::mutex mutex;  // one clone per call would also do; matching is short
  ~Impl() {
    if (compiled) uregex_close(compiled);
  }
};

RegexSplitter::RegexSplitter(const std::string& pattern, const std::string& source, const std::string& field)
    : impl_(std::make_unique<Impl>()) {
  const std::string rewritten = rewrite_whitespace_classes(pattern);
  UErrorCode status = U_ZERO_ERROR;
  UParseError where{};
  impl_->compiled = uregex_openC(rewritten.c_str(), 0, &where, &status);
  if (U_FAILURE(status))
    throw Error("pre-tokenizer regex does not compile (" + std::string(u_errorName(status)) + " at offset " +
                    std::to_string(where.offset) + "): " + pattern,
                source, field);
}

RegexSplitter::RegexSplitter(RegexSplitter&&) noexcept = default;
RegexSplitter::~RegexSplitter() = default;

std::vector<std::string_view> RegexSplitter::split(std::string_view text) const {
  std::vector<std::string_view> pieces;
  if (text.empty()) return pieces;
  std::lock_guard lock(impl_->mutex);
  UErrorCode status = U_ZERO_ERROR;
  UText* ut = utext_openUTF8(nullptr, text.data(), static_cast<std::int64_t>(text.size()), &status);
  uregex_setUText(impl_->compiled, ut, &status);
  std::size_t last = 0;
  while (U_SUCCESS(status) && uregex_findNext(impl_->compiled, &status)) {
    // Native indices of a UTF-8 UText are byte offsets.
    const auto b = static_cast<std::size_t>(uregex_start64(impl_->compiled, 0, &status));
    const auto e = static_cast<std::size_t>(uregex_end64(impl_->compiled, 0, &status));
    if (U_FAILURE(status) || e == b) continue;
    if (b > last) pieces.push_back(text.substr(last, b - last));
    pieces.push_back(text.substr(b, e - b));
    last = e;
  }
  const UErrorCode final_status = status;
  status = U_ZERO_ERROR;
  uregex_setText(impl_->compiled, u"", 0, &status);  // drop the reference to `text`
  utext_close(ut);
  if (U_FAILURE(final_status)) throw Error(std::string("pre-tokenizer regex failed: ") + u_errorName(final_status));
  if (last < text.size()) pieces.push_back(text.substr(last));
  return pieces;
}

}  // namespace ebsd::io::model::unicode

#pragma once
// Small UTF-8 helpers shared by the tokenizer files (strict: no overlong forms, no surrogates,
// nothing above U+10FFFF).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ebsd::io::model::utf8 {

enum class Status { Valid, Invalid, Incomplete };

// Classifies the sequence starting at text[pos]; `length` receives its length when Valid, the
// number of bytes to skip when Invalid (1), or the bytes present when Incomplete.
inline Status next(std::string_view text, std::size_t pos, std::size_t& length, char32_t* code_point = nullptr) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data()) + pos;
  const std::size_t left = text.size() - pos;
  const unsigned c = p[0];
  length = 1;
  std::size_t n = 0;
  char32_t cp = 0, min = 0;
  if (c < 0x80) {
    if (code_point) *code_point = c;
    return Status::Valid;
  } else if (c >= 0xC2 && c <= 0xDF) {
    n = 2, cp = c & 0x1F, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, cp = c & 0x0F, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return Status::Invalid;
  }
  for (std::size_t i = 1; i < n; ++i) {
    if (i >= left) {
      length = left;
      return Status::Incomplete;
    }
    if ((p[i] & 0xC0) != 0x80) return Status::Invalid;
    cp = (cp << 6) | (p[i] & 0x3F);
    // Reject overlong, surrogate and out-of-range forms as early as the second byte allows.
    if (i == 1) {
      if ((n == 3 && c == 0xE0 && p[1] < 0xA0) || (n == 3 && c == 0xED && p[1] > 0x9F) ||
          (n == 4 && c == 0xF0 && p[1] < 0x90) || (n == 4 && c == 0xF4 && p[1] > 0x8F))
        return Status::Invalid;
    }
  }
  if (cp < min) return Status::Invalid;
  length = n;
  if (code_point) *code_point = cp;
  return Status::Valid;
}

inline bool is_valid(std::string_view text) {
  for (std::size_t i = 0, n = 0; i < text.size(); i += n)
    if (next(text, i, n) != Status::Valid) return false;
  return true;
}

inline void append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace ebsd::io::model::utf8

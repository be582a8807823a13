#pragma once
// Private helpers for the text readers (.ang, .ctf): whole-file loading with a size check,
// line iteration that tracks line numbers, and fast number parsing with std::from_chars
// (locale independent, no allocation; libstdc++ 12 implements it with the fast_float algorithm).
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace ebsd::io::text {

// Loads the file; throws ebsd::Error for a missing/unreadable file or one above max_bytes.
std::string load_file(const std::filesystem::path& path, std::uint64_t max_bytes = std::uint64_t{1} << 34);

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_space(s.front()) || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (is_space(s.back()) || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// Iterates lines of a buffer; `number` is 1-based. Handles \n and \r\n endings.
class LineReader {
public:
  explicit LineReader(std::string_view buf) : buf_(buf) {}
  bool next(std::string_view& line) {
    if (pos_ >= buf_.size()) return false;
    const auto end = buf_.find('\n', pos_);
    const auto stop = end == std::string_view::npos ? buf_.size() : end;
    line = buf_.substr(pos_, stop - pos_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos_ = stop + 1;
    ++number_;
    return true;
  }
  std::size_t number() const { return number_; }
  // Where the next line starts; never past the end, also after a last line without '\n'
  // (pos_ then points one beyond the buffer, and callers subtract offsets from its end).
  std::size_t offset() const { return pos_ < buf_.size() ? pos_ : buf_.size(); }

private:
  std::string_view buf_;
  std::size_t pos_ = 0;
  std::size_t number_ = 0;
};

// Parses one number at p (no leading space skipping); returns the end or nullptr on failure.
inline const char* parse_double(const char* p, const char* end, double& v) {
  if (p < end && *p == '+') ++p;
  auto r = std::from_chars(p, end, v);
  return r.ec == std::errc() ? r.ptr : nullptr;
}

// What the scanner saw of one number's text: how many digits after the decimal separator and
// how many digit characters in all (sign excluded). The writers use these to print a value
// back with the file's own precision (column_format.hpp).
struct NumberShape {
  int decimals = 0;
  int digits = 0;
  bool plain = true;  // false for exponents, "inf", "nan" or mantissas the fast path cannot take
};

// Exact powers of ten as doubles (10^0 .. 10^22 are representable exactly).
inline constexpr double kPow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// Parses one decimal number at p ([+-]digits[sep digits], sep = '.' or the given separator) and
// reports its shape. The fast path (at most 15 significant digits, no exponent) computes
// mantissa / 10^decimals, one correctly rounded division of two exact doubles (Clinger's fast
// path, the same result std::from_chars gives); anything else goes to std::from_chars.
// Returns the end of the number, or nullptr when there is none.
inline const char* scan_number(const char* p, const char* end, double& v, NumberShape& shape, char decimal_sep = '.') {
  const char* start = p;
  bool negative = false;
  if (p < end && (*p == '-' || *p == '+')) negative = *p++ == '-';
  std::uint64_t mantissa = 0;
  int digits = 0, decimals = 0;
  const char* q = p;
  while (q < end && static_cast<unsigned>(*q - '0') < 10u) {
    mantissa = mantissa * 10 + static_cast<unsigned>(*q - '0');
    ++q;
  }
  digits = static_cast<int>(q - p);
  if (q < end && *q == decimal_sep) {
    const char* f = ++q;
    while (q < end && static_cast<unsigned>(*q - '0') < 10u) {
      mantissa = mantissa * 10 + static_cast<unsigned>(*q - '0');
      ++q;
    }
    decimals = static_cast<int>(q - f);
    digits += decimals;
  }
  const bool ends_cleanly = q == end || !(*q == 'e' || *q == 'E' || static_cast<unsigned>((*q | 0x20) - 'a') < 26u);
  if (digits > 0 && digits <= 15 && ends_cleanly) {
    const double m = static_cast<double>(mantissa);
    v = decimals == 0 ? m : m / kPow10[decimals];
    if (negative) v = -v;
    shape = {decimals, digits, true};
    return q;
  }
  // Slow path: exponents, long mantissas, inf/nan. A decimal comma is swapped for a point.
  p = start;
  if (p < end && *p == '+') ++p;
  shape = {decimals, digits, false};
  if (decimal_sep != '.') {
    char buf[64];
    std::size_t n = 0;
    while (p + n < end && n < sizeof buf && !is_space(p[n]) && p[n] != '\n') {
      buf[n] = p[n] == decimal_sep ? '.' : p[n];
      ++n;
    }
    auto r = std::from_chars(buf, buf + n, v);
    return r.ec == std::errc() ? p + (r.ptr - buf) : nullptr;
  }
  auto r = std::from_chars(p, end, v);
  return r.ec == std::errc() ? r.ptr : nullptr;
}

inline bool to_double(std::string_view s, double& v) {
  s = trim(s);
  if (s.empty()) return false;
  const char* e = parse_double(s.data(), s.data() + s.size(), v);
  return e == s.data() + s.size();
}

inline bool to_int(std::string_view s, long long& v) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// The text with every byte that is not part of valid UTF-8 replaced by '?': header text goes
// into JSON (provenance), which must be UTF-8, and old files are often Latin-1.
std::string utf8_or_replaced(std::string_view s);

// Lower-case ASCII copy, for case-insensitive header keys.
std::string lower(std::string_view s);

}  // namespace ebsd::io::text

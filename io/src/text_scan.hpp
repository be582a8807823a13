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
  std::size_t offset() const { return pos_; }

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

// Lower-case ASCII copy, for case-insensitive header keys.
std::string lower(std::string_view s);

}  // namespace ebsd::io::text

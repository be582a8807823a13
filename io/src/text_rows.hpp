#pragma once
// Data rows of the text readers scanned a block of rows at a time (private to io; the fast
// paths of read_ang and read_ctf).
//
// A byte-serial scanner spends most of its time waiting: where a number ends decides where the
// next one starts, a chain of dependent loads and bit scans. Here the token boundaries of a
// line come first, from whitespace masks built 16 bytes at a time, so that the numbers of a
// line are parsed independently of each other (and overlap in the processor). A token of at
// most 15 digits with an optional sign and decimal separator, the shape nearly every number in
// these files has, is converted eight digits at a time; any other token (exponents, longer
// mantissas, "nan", junk) goes to text::scan_number, the reference scanner. Either way the
// value is the reference's bit for bit: scan_number's own fast path is mantissa / 10^decimals
// for such tokens, one correctly rounded division of two exact doubles, and that is what
// TokenBlock::values computes, for a whole block in a vectorisable loop
// (tests/unit/io/test_text_rows.cpp compares the two, and both with strtod).
//
// A line that is not plainly "numbers separated by whitespace" (by single tabs, for .ctf) is
// refused (-1): the caller then reads the file with the general reader, which reports the line.
#include <bit>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
// The SSE4.1 token converter is compiled for x86-64 with GCC or Clang (as a function with its
// own target, picked at run time), whatever the build's baseline.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define EBSD_TEXT_ROWS_SSE41 1
#include <smmintrin.h>
#endif

#include "text_scan.hpp"

namespace ebsd::io::text {

// Parsed tokens of a block of up to `rows` rows, column-major (column c of row r at
// c * rows + r), so that what follows works on per-column arrays: the mantissa and a packed
// word of the rest (one store each per token: byte-sized stores could alias anything and would
// make the compiler reload every pointer after each of them).
struct TokenBlock {
  std::size_t rows = 0;
  std::vector<double> mantissa;     // value = mantissa / 10^scale, negated when negative
  std::vector<std::uint32_t> info;  // bits 0-7 decimals, 8-15 digits, 16-19 scale (0..15), 20 negative, 21 special
  std::vector<double> value;        // filled by values()

  static constexpr std::uint32_t kNegative = 1u << 20, kSpecial = 1u << 21;
  static std::uint32_t pack(unsigned decimals, unsigned digits, unsigned scale, bool negative, bool special) {
    return decimals | digits << 8 | scale << 16 | (negative ? kNegative : 0u) | (special ? kSpecial : 0u);
  }
  static int decimals(std::uint32_t i) { return static_cast<int>(i & 0xFF); }
  static int digits(std::uint32_t i) { return static_cast<int>(i >> 8 & 0xFF); }
  // The token's NumberShape; special: not a plain number (exponent, long mantissa, nan ...).
  static NumberShape shape(std::uint32_t i) { return {decimals(i), digits(i), (i & kSpecial) == 0}; }

  void resize(std::size_t block_rows, std::size_t columns) {
    rows = block_rows;
    mantissa.assign(rows * columns, 0.0);
    info.assign(rows * columns, 0);
    value.assign(rows * columns, 0.0);
  }
  // Column c of the first n rows.
  const double* column(std::size_t c) const { return value.data() + c * rows; }
  const std::uint32_t* column_info(std::size_t c) const { return info.data() + c * rows; }
  // value[] of the first n rows of the first `columns` columns: one division per value by an
  // exact power of ten (scale <= 15; mantissa below 2^53).
  void values(std::size_t n, std::size_t columns) {
    for (std::size_t c = 0; c < columns; ++c) {
      const double* m = mantissa.data() + c * rows;
      const std::uint32_t* in = info.data() + c * rows;
      double* out = value.data() + c * rows;
      for (std::size_t k = 0; k < n; ++k) {
        const double v = m[k] / kPow10[in[k] >> 16 & 0xF];
        out[k] = (in[k] & kNegative) ? -v : v;
      }
    }
  }
};

namespace rows_detail {

inline std::uint64_t load8(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// 0x80 in each byte of w that is zero (exact: no borrow between bytes).
inline std::uint64_t zero_bytes(std::uint64_t w) {
  return ~(((w & 0x7F7F7F7F7F7F7F7Full) + 0x7F7F7F7F7F7F7F7Full) | w) & 0x8080808080808080ull;
}
// 0x80 in (at least) the lowest byte of w that is not an ASCII digit, 0 when all are digits:
// above '9' sets the top bit by the addition, below '0' (or 0x80 and up) by the subtraction;
// the lowest such byte sees no carry or borrow from below.
inline std::uint64_t bad_digits(std::uint64_t w) {
  return ((w + 0x4646464646464646ull) | (w - 0x3030303030303030ull)) & 0x8080808080808080ull;
}
// The value of the eight digits of w, the first (most significant) in the lowest byte.
inline std::uint64_t eight_digits(std::uint64_t w) {
  w = ((w & 0x0F0F0F0F0F0F0F0Full) * 2561) >> 8;
  w = ((w & 0x00FF00FF00FF00FFull) * 6553601) >> 16;
  return ((w & 0x0000FFFF0000FFFFull) * 42949672960001ull) >> 32;
}
// The low n bytes set, n in 0..8.
inline constexpr std::uint64_t kLowBytes[9] = {0,
                                               0xFFull,
                                               0xFFFFull,
                                               0xFFFFFFull,
                                               0xFFFFFFFFull,
                                               0xFFFFFFFFFFull,
                                               0xFFFFFFFFFFFFull,
                                               0xFFFFFFFFFFFFFFull,
                                               ~0ull};

// Whitespace (' ', '\t', '\r') and tab bits of the 64 bytes at p, bit i for byte i.
inline void masks64(const char* p, std::uint64_t& ws, std::uint64_t& tabs) {
#if defined(__SSE2__)
  const __m128i sp = _mm_set1_epi8(' '), tb = _mm_set1_epi8('\t'), cr = _mm_set1_epi8('\r');
  ws = 0;
  tabs = 0;
  for (int i = 0; i < 4; ++i) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
    const __m128i t = _mm_cmpeq_epi8(x, tb);
    const __m128i w = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, sp), _mm_cmpeq_epi8(x, cr)), t);
    ws |= static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(w))) << (16 * i);
    tabs |= static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(t))) << (16 * i);
  }
#else
  ws = 0;
  tabs = 0;
  for (int i = 0; i < 64; ++i) {
    const char c = p[i];
    ws |= static_cast<std::uint64_t>(c == ' ' || c == '\t' || c == '\r') << i;
    tabs |= static_cast<std::uint64_t>(c == '\t') << i;
  }
#endif
}

}  // namespace rows_detail

// Token [t, t + len) through the reference scanner, which must take all of it (exponents,
// long mantissas, "nan", stray characters). Out of line: rare, and large.
[[gnu::noinline, gnu::cold]] inline bool parse_token_reference(const char* t, std::size_t len, const char* line_end, char sep, double* mantissa,
                                                              std::uint32_t* info) {
  double v = 0;
  NumberShape s;
  const char* q = scan_number(t, line_end, v, s, sep);
  if (q != t + len) return false;
  *mantissa = v;
  auto clamp = [](int x) { return static_cast<unsigned>(x < 0 ? 0 : x > 255 ? 255 : x); };
  *info = TokenBlock::pack(clamp(s.decimals), clamp(s.digits), 0, false, !s.plain);
  return true;
}

// Tokens of 9 to 16 bytes after the sign (8 to 15 digits and a separator, or 9 to 15 digits):
// two words.
[[gnu::noinline]] inline bool parse_long_token(const char* b, std::size_t body, unsigned negative, std::uint64_t seps_x8, double* mantissa,
                                               std::uint32_t* info) {
  using namespace rows_detail;
  const std::uint64_t w0 = load8(b), w1 = load8(b + 8);
  const std::uint64_t s0 = zero_bytes(w0 ^ seps_x8), s1 = zero_bytes(w1 ^ seps_x8) & kLowBytes[body - 8];
  const unsigned has_sep = (s0 | s1) != 0;
  const unsigned at = s0 ? static_cast<unsigned>(std::countr_zero(s0)) >> 3
                      : s1 ? 8 + (static_cast<unsigned>(std::countr_zero(s1)) >> 3) : static_cast<unsigned>(body);
  const unsigned n = static_cast<unsigned>(body) - has_sep;  // 8..16
  if (n > 15) return false;  // 16 digits: not exact as mantissa / 10^d
  // The n digits without the separator: the first eight in lo, the rest in hi.
  std::uint64_t lo = w0, hi = w1;
  if (has_sep && at < 8) {
    const std::uint64_t keep = kLowBytes[at];
    lo = (w0 & keep) | (((w0 >> 8) | (w1 << 56)) & ~keep);
    hi = w1 >> 8;
  } else if (has_sep) {
    const std::uint64_t keep = kLowBytes[at - 8];
    hi = (w1 & keep) | ((w1 >> 8) & ~keep);
  }
  const unsigned rest = n - 8, shift = (64 - 8 * rest) & 63;  // rest 0..7
  hi = ((hi << shift) & ~kLowBytes[8 - rest]) | (0x3030303030303030ull & kLowBytes[8 - rest]);
  if ((bad_digits(lo) | bad_digits(hi)) != 0) return false;
  const std::uint64_t m = eight_digits(lo) * static_cast<std::uint64_t>(kPow10[rest]) + eight_digits(hi);
  *mantissa = static_cast<double>(static_cast<std::int64_t>(m));  // below 10^15: exact
  const unsigned dec = (n - at) & (0u - has_sep);
  *info = dec * 0x10001u | n << 8 | negative << 20;
  return true;
}

// Parses token [t, t + len) (no whitespace inside, len >= 1) into *mantissa and *info:
// an optional sign, then at most 15 digits and at most one separator (seps_x8: the separator
// in every byte). False when it is not such a token.
inline bool parse_token(const char* t, std::size_t len, std::uint64_t seps_x8, double* mantissa, std::uint32_t* info) {
  using namespace rows_detail;
  const auto c0 = static_cast<unsigned char>(t[0]);
  if (len == 1) {  // a single digit: phase ids, counts, flags
    const unsigned d = c0 - '0';
    *mantissa = static_cast<double>(d);
    *info = 1u << 8;  // no decimals, one digit
    return d < 10;
  }
  const unsigned negative = c0 == '-';
  const unsigned sign = negative | static_cast<unsigned>(c0 == '+');
  const std::size_t body = len - sign;
  if (body - 1 >= 8) return body - 9 < 8 && parse_long_token(t + sign, body, negative, seps_x8, mantissa, info);
  const std::uint64_t w = load8(t + sign);
  const std::uint64_t seps = zero_bytes(w ^ seps_x8) & kLowBytes[body];
  const unsigned has_sep = seps != 0;
  const unsigned at = has_sep ? static_cast<unsigned>(std::countr_zero(seps)) >> 3 : static_cast<unsigned>(body);
  const unsigned n = static_cast<unsigned>(body) - has_sep;  // digit characters, 0..8
  // The digits without the separator, in order, moved to the top bytes; '0' below them.
  const std::uint64_t keep = kLowBytes[at];
  const std::uint64_t packed = (w & keep) | ((w >> 8) & ~keep);
  const unsigned shift = (64 - 8 * n) & 63;
  const std::uint64_t digits = (packed << shift) | (0x3030303030303030ull & kLowBytes[8 - n]);
  if (n == 0 || bad_digits(digits) != 0) return false;
  *mantissa = static_cast<double>(static_cast<std::int64_t>(eight_digits(digits)));
  const unsigned dec = (n - at) & (0u - has_sep);
  *info = dec * 0x10001u | n << 8 | negative << 20;  // TokenBlock::pack(dec, n, dec, negative, false)
  return true;
}

// The numbers of line [p, eol) into row `row` of b (number k in column k). kTabs (.ctf): fields are separated by
// exactly one tab, with optional spaces around the numbers. Returns the count of numbers (0 for
// a blank line), or -1 when the line is not plain numbers so separated or has more than
// max_numbers (at most 256). Reads up to 64 bytes past eol (the buffer's padding).
#if EBSD_TEXT_ROWS_SSE41
namespace rows_detail {
// pshufb patterns, per (sign, separator position or 16 for none, token length): the digit
// bytes of the token moved to the end of the 16 bytes, in order, sign and separator dropped,
// zeros (0x80) in front.
struct DigitShuffles {
  alignas(16) std::uint8_t at[2 * 17 * 17][16];
};
inline constexpr DigitShuffles kDigitShuffles = [] {
  DigitShuffles t{};
  for (int sign = 0; sign < 2; ++sign)
    for (int sep = 0; sep <= 16; ++sep)
      for (int len = 0; len <= 16; ++len) {
        std::uint8_t* m = t.at[(sign * 17 + sep) * 17 + len];
        for (int i = 0; i < 16; ++i) m[i] = 0x80;
        int digits[16], n = 0;
        for (int i = sign; i < len; ++i)
          if (i != sep) digits[n++] = i;
        for (int i = 0; i < n; ++i) m[16 - n + i] = static_cast<std::uint8_t>(digits[i]);
      }
  return t;
}();
}  // namespace rows_detail

// parse_token with SSE4.1 (for tokens of up to 16 bytes): the 16 bytes at t classified at once,
// the digits gathered by one pshufb and summed pairwise (pmaddubsw, pmaddwd). The same
// tokens, values and shapes as parse_token; false where it is false.
__attribute__((target("sse4.1"))) inline bool parse_token_sse41(const char* t, std::size_t len, __m128i sep16, double* mantissa,
                                                              std::uint32_t* info) {
  using namespace rows_detail;
  const auto c0 = static_cast<unsigned char>(t[0]);
  if (len == 1) {  // a single digit: phase ids, counts, flags
    const unsigned d = c0 - '0';
    *mantissa = static_cast<double>(d);
    *info = 1u << 8;
    return d < 10;
  }
  if (len > 16) return false;
  const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t));
  const __m128i d = _mm_sub_epi8(raw, _mm_set1_epi8('0'));
  const unsigned in_token = (1u << len) - 1;
  const unsigned digit = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d))) & in_token;
  const unsigned seps = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(raw, sep16))) & in_token;
  const unsigned negative = c0 == '-';
  const unsigned sign = negative | static_cast<unsigned>(c0 == '+');
  // Every byte a digit but the sign and the first separator (a second one is not a digit).
  if (digit != (in_token & ~sign & ~(seps & (0u - seps)))) return false;
  const unsigned has_sep = seps != 0;
  const unsigned at = has_sep ? static_cast<unsigned>(std::countr_zero(seps)) : 16u;
  const unsigned n = static_cast<unsigned>(len) - sign - has_sep;
  if (n == 0 || n > 15) return false;  // 16 digits: not exact as mantissa / 10^d
  const __m128i shuffle = _mm_load_si128(reinterpret_cast<const __m128i*>(kDigitShuffles.at[(sign * 17 + at) * 17 + len]));
  const __m128i y = _mm_shuffle_epi8(d, shuffle);                                  // 16 digits, leading zeros
  const __m128i pairs = _mm_maddubs_epi16(y, _mm_set1_epi16(0x010A));              // 10 a + b
  const __m128i quads = _mm_madd_epi16(pairs, _mm_set1_epi32(0x00010064));          // 100 ab + cd
  const __m128i octs = _mm_madd_epi16(_mm_packus_epi32(quads, quads), _mm_set1_epi32(0x00012710));  // 10^4 abcd + efgh
  const auto both = static_cast<std::uint64_t>(_mm_cvtsi128_si64(octs));
  const std::uint64_t m = (both & 0xFFFFFFFFu) * 100000000u + (both >> 32);
  *mantissa = static_cast<double>(static_cast<std::int64_t>(m));
  const unsigned dec = has_sep ? static_cast<unsigned>(len) - at - 1 : 0;
  *info = dec * 0x10001u | n << 8 | negative << 20;  // TokenBlock::pack(dec, n, dec, negative, false)
  return true;
}
#endif

namespace rows_detail {

template <bool kTabs, bool kSse41>
inline int parse_line_impl(const char* p, const char* eol, char sep, int max_numbers, TokenBlock& b, std::size_t row) {
  if constexpr (std::endian::native != std::endian::little) return -1;  // the byte tricks assume little endian
  const std::size_t len = static_cast<std::size_t>(eol - p);
  std::uint32_t starts_at[256 + 64], ends_at[256 + 64];
  int count = 0, ends = 0, tabs_total = 0;
  bool in_token = false;
  // 64-byte windows up to and including the one holding eol (bytes from eol on count as
  // whitespace, so that a token reaching eol ends there): first every token's start and end.
  for (std::size_t base = 0; base <= len; base += 64) {
    std::uint64_t ws, tabs;
    masks64(p + base, ws, tabs);
    if (len - base < 64) {
      const std::uint64_t inside = (1ull << (len - base)) - 1;
      ws |= ~inside;
      tabs &= inside;
    }
    if constexpr (kTabs)
      for (; tabs; tabs &= tabs - 1) ++tabs_total;
    // Starts: non-whitespace after whitespace; ends: whitespace after non-whitespace.
    const std::uint64_t solid = ~ws;
    const std::uint64_t before = (solid << 1) | static_cast<std::uint64_t>(in_token);
    std::uint64_t s = solid & ~before, e = ws & before;
    in_token = (solid >> 63) != 0;
    if (count > max_numbers) return -1;  // (a window adds at most 32, the arrays have room)
    for (; s; s &= s - 1) starts_at[count++] = static_cast<std::uint32_t>(base + static_cast<std::size_t>(std::countr_zero(s)));
    for (; e; e &= e - 1) ends_at[ends++] = static_cast<std::uint32_t>(base + static_cast<std::size_t>(std::countr_zero(e)));
  }
  if (count > max_numbers) return -1;
  if constexpr (kTabs) {
    // One tab between neighbouring numbers, none before the first or after the last.
    if (count > 0 && tabs_total != count - 1) return -1;
    for (int k = 1; k < count; ++k)
      if (p[ends_at[k - 1]] != '\t' && std::memchr(p + ends_at[k - 1], '\t', starts_at[k] - ends_at[k - 1]) == nullptr) return -1;
  }
  double* const mantissa = b.mantissa.data() + row;
  std::uint32_t* const info = b.info.data() + row;
  const std::size_t stride = b.rows;
  const std::uint64_t seps_x8 = 0x0101010101010101ull * static_cast<unsigned char>(sep);
#if EBSD_TEXT_ROWS_SSE41
  [[maybe_unused]] const __m128i sep16 = _mm_set1_epi8(sep);
#endif
  auto parse = [&](int k) {
    const char* t = p + starts_at[k];
    const std::size_t n = ends_at[k] - starts_at[k];
    double* m = mantissa + static_cast<std::size_t>(k) * stride;
    std::uint32_t* in = info + static_cast<std::size_t>(k) * stride;
#if EBSD_TEXT_ROWS_SSE41
    if constexpr (kSse41) return parse_token_sse41(t, n, sep16, m, in) || parse_token(t, n, seps_x8, m, in) || parse_token_reference(t, n, eol, sep, m, in);
#endif
    return parse_token(t, n, seps_x8, m, in) || parse_token_reference(t, n, eol, sep, m, in);
  };
  for (int k = 0; k < count; ++k)
    if (!parse(k)) return -1;
  return count;
}

}  // namespace rows_detail

template <bool kTabs>
int parse_line(const char* p, const char* eol, char sep, int max_numbers, TokenBlock& b, std::size_t row) {
  return rows_detail::parse_line_impl<kTabs, false>(p, eol, sep, max_numbers, b, row);
}

#if EBSD_TEXT_ROWS_SSE41
// parse_line with the SSE4.1 token converter: call only where sse41() is true. (flatten: the
// converter, a function of its own target, can be inlined only once the line loop is compiled
// for that target too; noinline helpers stay calls.)
template <bool kTabs>
__attribute__((target("sse4.1"), flatten)) int parse_line_sse41(const char* p, const char* eol, char sep, int max_numbers, TokenBlock& b,
                                                       std::size_t row) {
  return rows_detail::parse_line_impl<kTabs, true>(p, eol, sep, max_numbers, b, row);
}
inline bool sse41() {
  static const bool yes = __builtin_cpu_supports("sse4.1");
  return yes;
}
#endif

// parse_line or parse_line_sse41, whichever the processor runs.
template <bool kTabs>
int parse_line_best(const char* p, const char* eol, char sep, int max_numbers, TokenBlock& b, std::size_t row) {
#if EBSD_TEXT_ROWS_SSE41
  if (sse41()) return parse_line_sse41<kTabs>(p, eol, sep, max_numbers, b, row);
#endif
  return parse_line<kTabs>(p, eol, sep, max_numbers, b, row);
}

}  // namespace ebsd::io::text

// The AVX-512 window scanner of the fast text readers (text_windows.hpp). The scanning
// functions carry their own target, so that the library's baseline stays x86-64; the reader
// calls them only where WindowScanner::supported().
#include "text_windows.hpp"

#include <bit>
#include <cstring>
#include <utility>

#include "text_rows.hpp"
#include "text_scan.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define EBSD_TEXT_WINDOWS 1
#include <immintrin.h>
// GCC 12 warns of the undefined first operand some AVX-512 intrinsics start from (its own
// headers' _mm512_undefined_*), a false report.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#define EBSD_WINDOWS_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vbmi,avx512vbmi2,bmi,bmi2,popcnt,lzcnt")))
#else
#define EBSD_TEXT_WINDOWS 0
#define EBSD_WINDOWS_TARGET
#endif

namespace ebsd::io::text {

namespace {

// Byte classes (classes_ of WindowScanner), one bit each.
constexpr std::uint8_t kDigit = 1, kSep = 2, kMinus = 4, kSpace = 8, kTab = 16, kNewline = 32, kReturn = 64;

#if EBSD_TEXT_WINDOWS
// The 64-byte constants of the kernel.
struct Constants {
  alignas(64) std::int8_t iota[64];      // i
  alignas(64) std::int8_t iota_m1[64];   // i - 1
  alignas(64) std::int8_t slot_ofs[64];  // byte j of an 8-byte slot: j - 7
  alignas(64) std::int8_t group[4][64];  // group g, slot k: 8 g + k in all eight bytes
  alignas(64) double pow10[16];          // 10^0 .. 10^15
  alignas(64) double inv_pow10[16];      // 1 / 10^k, correctly rounded (constant evaluation divides in IEEE double)
};
constexpr Constants kConst = [] {
  Constants c{};
  for (int i = 0; i < 64; ++i) {
    c.iota[i] = static_cast<std::int8_t>(i);
    c.iota_m1[i] = static_cast<std::int8_t>(i - 1);
    c.slot_ofs[i] = static_cast<std::int8_t>(i % 8 - 7);
    for (int g = 0; g < 4; ++g) c.group[g][i] = static_cast<std::int8_t>(8 * g + i / 8);
  }
  double p = 1;
  for (int k = 0; k < 16; ++k, p *= 10) {
    c.pow10[k] = p;
    c.inv_pow10[k] = 1.0 / p;
  }
  return c;
}();
#endif

}  // namespace

bool tab_separated(const char* a, const char* b) {
  int numbers = 0, tabs = 0;
  bool in_number = false, gap_has_tab = false;
  for (const char* q = a; q < b; ++q) {
    const char c = *q;
    if (c != ' ' && c != '\t' && c != '\r') {
      if (!in_number) {
        if (numbers > 0 && !gap_has_tab) return false;
        ++numbers;
        in_number = true;
        gap_has_tab = false;
      }
    } else {
      in_number = false;
      if (c == '\t') {
        ++tabs;
        gap_has_tab = true;
      }
    }
  }
  return numbers == 0 || tabs == numbers - 1;
}

WindowScanner::WindowScanner(char sep, bool tabs, int ncol) : sep_(sep), tabs_(tabs), ncol_(ncol) {
  std::memset(classes_, 0, sizeof classes_);
  for (int c = '0'; c <= '9'; ++c) classes_[c] = kDigit;
  classes_[static_cast<unsigned char>(sep) & 0x7F] = kSep;
  classes_['-'] = kMinus;
  classes_[' '] = kSpace;
  classes_['\t'] = kSpace | kTab;
  classes_['\r'] = kSpace | kReturn;
  classes_['\n'] = kNewline;
  if (static_cast<unsigned char>(sep) >= 0x80 || classes_[static_cast<unsigned char>(sep)] != kSep) classes_[static_cast<unsigned char>(sep) & 0x7F] = 0;
}

bool WindowScanner::supported() {
#if EBSD_TEXT_WINDOWS
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
                          __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512vbmi2") &&
                          __builtin_cpu_supports("bmi2");
  return yes;
#else
  return false;
#endif
}

// A line ends at nl with numbers_before numbers stored before it (since the block began): a
// blank line or exactly ncol numbers; with check, the tab rule byte by byte.
inline bool WindowScanner::line_end(const char* nl, std::size_t numbers_before, RowNumbers& out, bool check) {
  const std::size_t whole = out.rows * static_cast<std::size_t>(ncol_);
  if (check && !tab_separated(row_start_, nl)) return false;
  row_start_ = nl + 1;
  if (numbers_before == whole) return true;  // a blank line
  if (numbers_before != whole + static_cast<std::size_t>(ncol_)) return false;
  ++out.rows;
  return true;
}

// Token [t, t + len) through the line scanner's converter, else the reference scanner.
bool WindowScanner::slow_token(const char* t, std::size_t len, const char* lim, double* value, std::uint32_t* info) const {
  const std::uint64_t seps_x8 = 0x0101010101010101ull * static_cast<unsigned char>(sep_);
  double m = 0;
  std::uint32_t in = 0;
  if (!parse_token(t, len, seps_x8, &m, &in) && !parse_token_reference(t, len, lim, sep_, &m, &in)) return false;
  const double v = m / kPow10[in >> 16 & 0xF];
  *value = (in & TokenBlock::kNegative) ? -v : v;
  *info = in;
  return true;
}

// The tokens starting at the bits of `starts` (runs of `solid` bits), one at a time.
bool WindowScanner::slow_tokens(const char* p, std::uint64_t starts, std::uint64_t solid, const char* lim, double* value,
                                std::uint32_t* info) const {
  for (std::size_t k = 0; starts; starts &= starts - 1, ++k) {
    const int s = std::countr_zero(starts);
    const int len = std::countr_zero(~(solid >> s));  // the token ends before the window does
    if (!slow_token(p + s, static_cast<std::size_t>(len), lim, value + k, info + k)) return false;
  }
  return true;
}

#if EBSD_TEXT_WINDOWS

namespace {

// The mantissas of eight right-aligned 8-digit slots (digit values, leading zeros). (Inlined
// always: a vector argument of a function of its own target would change the ABI.)
[[gnu::always_inline]] EBSD_WINDOWS_TARGET inline __m512i eight_digit_slots(__m512i d) {
  const __m512i pairs = _mm512_maddubs_epi16(d, _mm512_set1_epi16(0x010A));        // 10 a + b
  const __m512i quads = _mm512_madd_epi16(pairs, _mm512_set1_epi32(0x00010064));    // 100 ab + cd
  return _mm512_add_epi64(_mm512_mul_epu32(quads, _mm512_set1_epi64(10000)), _mm512_srli_epi64(quads, 32));
}

// RN(a / b) for integers 0 <= a < 2^50 and b = 10^d, d <= 15, without a division (vdivpd takes
// 16 cycles a register, and a third of the scanner's time waited for it), given y = RN(1 / b):
//   q0 = RN(a y), r = a - b q0 (one fma, exact), q1 = RN(q0 + r y) (one fma) = RN(a / b).
// Why q1 is the correctly rounded quotient Q = a / b (Markstein's correction step, here with the
// bounds worked out for these operands; e: Q's binary exponent, Q < 2^50):
//   - q0 is within 2 ulp(Q) = 2^(e-51) of Q (y and the product each round by at most 2^-53
//     relative); so r = b (Q - q0) is a multiple of ulp(q0) (a is an integer, q0 a multiple
//     of its ulp <= 1) of magnitude at most 4b ulp(q0) < 2^52 ulp(q0): exact in a double;
//   - q0 + r y = Q + r (y - 1/b), and |y - 1/b| <= 2^-53 / b, so |q0 + r y - Q| <= 2^(e-104);
//   - a midpoint between neighbouring doubles near Q is an odd multiple of 2^(e-54) or 2^(e-53);
//     Q - M = (a 2^(54-e) - odd b) / (b 2^(54-e)) has an integer numerator, so Q is either a
//     midpoint or at least 2^(e-54) / b > 2^(e-104) from every one (b <= 10^15 < 2^50). Q is
//     never a midpoint: a / 10^d is a dyadic rational only when 5^d divides a, and then it has
//     at most 50 significant bits, a midpoint 54;
//   - so no midpoint lies between Q and q0 + r y, and the one rounding of the fma gives RN(Q).
// a = 0 gives +0, as the division does. test_text_windows.cpp checks numbers of every digit
// count and decimal count against strtod.
[[gnu::always_inline]] EBSD_WINDOWS_TARGET inline __m512d quotient_by_pow10(__m512d a, __m512d b, __m512d y) {
  const __m512d q0 = _mm512_mul_pd(a, y);
  const __m512d r = _mm512_fnmadd_pd(b, q0, a);
  return _mm512_fmadd_pd(r, y, q0);
}

// Bytes of class c (one of the class bits).
[[gnu::always_inline]] EBSD_WINDOWS_TARGET inline std::uint64_t of_class(__m512i classes, std::uint8_t c) {
  return _mm512_test_epi8_mask(classes, _mm512_set1_epi8(static_cast<char>(c)));
}

// The constants of the conversion, loaded once per call of the scanning functions.
struct Kernel {
  __m512i zero, ones, iota, iota_m1, minus_one, slot_ofs, eights, fifteens, hundred_million, negative_flag;
  __m512d pow_lo, pow_hi, inv_lo, inv_hi, sign_bit;
};
[[gnu::always_inline]] EBSD_WINDOWS_TARGET inline Kernel kernel() {
  return {_mm512_setzero_si512(),
          _mm512_set1_epi8(1),
          _mm512_load_si512(kConst.iota),
          _mm512_load_si512(kConst.iota_m1),
          _mm512_set1_epi8(-1),
          _mm512_load_si512(kConst.slot_ofs),
          _mm512_set1_epi8(8),
          _mm512_set1_epi8(15),
          _mm512_set1_epi64(100000000),
          _mm512_set1_epi64(TokenBlock::kNegative),
          _mm512_load_pd(kConst.pow10),
          _mm512_load_pd(kConst.pow10 + 8),
          _mm512_load_pd(kConst.inv_pow10),
          _mm512_load_pd(kConst.inv_pow10 + 8),
          _mm512_set1_pd(-0.0)};
}

// The token grammar of a window's whole tokens (in: the bytes before the cut): [-] digits
// [sep digits], at least one digit. plain: every token so; decimals: the digits after a
// separator; last: each token's last digit.
struct Grammar {
  std::uint64_t digits, decimals, last;
  int tokens;
  bool plain;
};
[[gnu::always_inline]] inline Grammar grammar(std::uint64_t digit, std::uint64_t sep, std::uint64_t minus, std::uint64_t solid, std::uint64_t starts,
                                              std::uint64_t in) {
  const std::uint64_t d = digit & in, s = sep & in;
  const std::uint64_t after_sep = d + (s << 1);        // each run of digits after a separator cleared, carried one further
  const std::uint64_t decimals = d & ~after_sep;       // those runs: the decimals
  const std::uint64_t past_decimals = after_sep & ~d;  // where they end (or the byte after a separator without them)
  const std::uint64_t end_next = ~solid;               // after a token: whitespace, a line end or past the window
  const std::uint64_t last = d & (end_next >> 1 | (s & end_next >> 1) >> 1);
  const int tokens = std::popcount(starts);
  const bool plain = ((solid & in & ~(d | s | (minus & starts))) | (past_decimals & solid)) == 0 && std::popcount(last) == tokens;
  return {d, decimals, last, tokens, plain};
}

// The plain tokens of window x (g: their grammar; tokens > 0) into value[] and info[], eight at
// a time: the digits packed (vpcompressb), each token's placed right-aligned in an 8-byte slot
// (vpermb) by the index of its last digit, a second slot for 9 to 15 digits. False, with
// nothing stored, when a token has 16 digits or more.
[[gnu::always_inline]] EBSD_WINDOWS_TARGET inline bool convert_tokens(const Kernel& k, __m512i x, const Grammar& g, std::uint64_t minus,
                                                                      std::uint64_t starts, double* value, std::uint32_t* info) {
  // Each token's last digit, as an index into the packed digits, and the previous token's.
  const __m512i lpos = _mm512_maskz_compress_epi8(_pext_u64(g.last, g.digits), k.iota);
  const __m512i prev = _mm512_mask_permutexvar_epi8(k.minus_one, ~1ull, k.iota_m1, lpos);
  const __m512i digit_count = _mm512_sub_epi8(lpos, prev);
  const std::uint64_t live = (1ull << g.tokens) - 1;  // tokens <= 32
  if (_mm512_mask_cmpgt_epi8_mask(live, digit_count, k.fifteens)) return false;  // not exact this way
  const bool long_digits = _mm512_mask_cmpgt_epi8_mask(live, digit_count, k.eights) != 0;
  // Digit values: '0'..'9' are 0x30..0x39 (one constant fewer than subtracting '0').
  const __m512i digits = _mm512_maskz_compress_epi8(g.digits, _mm512_and_si512(x, k.fifteens));
  const __m512i decimal_flags = _mm512_maskz_mov_epi8(_pext_u64(g.decimals, g.digits), k.ones);
  const std::uint64_t negative = _pext_u64(minus & starts, starts);
  for (int grp = 0; grp * 8 < g.tokens; ++grp) {
    const __m512i pick = _mm512_load_si512(kConst.group[grp]);
    const __m512i lb = _mm512_permutexvar_epi8(pick, lpos), pb = _mm512_permutexvar_epi8(pick, prev);
    const __m512i idx = _mm512_add_epi8(lb, k.slot_ofs);
    const __mmask64 mine = _mm512_cmpgt_epi8_mask(idx, pb);
    __m512i mant = eight_digit_slots(_mm512_maskz_permutexvar_epi8(mine, idx, digits));
    __m512i dec = _mm512_sad_epu8(_mm512_maskz_permutexvar_epi8(mine, idx, decimal_flags), k.zero);
    __m512i n = _mm512_sad_epu8(_mm512_maskz_mov_epi8(mine, k.ones), k.zero);
    if (long_digits) {
      // The digits before the last eight.
      const __m512i idx2 = _mm512_sub_epi8(idx, k.eights);
      const __mmask64 mine2 = _mm512_cmpgt_epi8_mask(idx2, pb);
      const __m512i high = eight_digit_slots(_mm512_maskz_permutexvar_epi8(mine2, idx2, digits));
      mant = _mm512_add_epi64(_mm512_mullo_epi64(high, k.hundred_million), mant);
      dec = _mm512_add_epi64(dec, _mm512_sad_epu8(_mm512_maskz_permutexvar_epi8(mine2, idx2, decimal_flags), k.zero));
      n = _mm512_add_epi64(n, _mm512_sad_epu8(_mm512_maskz_mov_epi8(mine2, k.ones), k.zero));
    }
    const __mmask8 neg = static_cast<__mmask8>(negative >> (8 * grp));
    // mantissa / 10^decimals correctly rounded, as the reference's division, then the sign.
    __m512d v = quotient_by_pow10(_mm512_cvtepu64_pd(mant), _mm512_permutex2var_pd(k.pow_lo, dec, k.pow_hi),
                                  _mm512_permutex2var_pd(k.inv_lo, dec, k.inv_hi));
    v = _mm512_mask_xor_pd(v, neg, v, k.sign_bit);
    // TokenBlock's packed shape: decimals, digits, scale (= decimals), sign.
    __m512i packed = _mm512_or_si512(_mm512_or_si512(dec, _mm512_slli_epi64(dec, 16)), _mm512_slli_epi64(n, 8));
    packed = _mm512_mask_or_epi64(packed, neg, packed, k.negative_flag);
    _mm512_storeu_pd(value + 8 * grp, v);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(info + 8 * grp), _mm512_cvtepi64_epi32(packed));
  }
  return true;
}

}  // namespace

// The hot loop: whole 64-byte windows (up to stop = lim - 64) whose tokens are all plain
// numbers of at most 15 digits and (tabs) whose whitespace is regular, with nothing to check
// byte by byte. No calls, so that the constants stay in registers. Stops without consuming
// the first window it cannot take, or once rows >= max_rows; bad: a line of a wrong count.
EBSD_WINDOWS_TARGET const char* WindowScanner::fast_windows(const char* p, const char* stop, RowNumbers& out, std::size_t max_rows, bool& bad) {
  const Kernel k = kernel();
  const __m512i table_lo = _mm512_load_si512(classes_), table_hi = _mm512_load_si512(classes_ + 64);
  const __m512i c_digit = _mm512_set1_epi8(kDigit), c_sep = _mm512_set1_epi8(kSep), c_minus = _mm512_set1_epi8(kMinus);
  const __m512i c_space = _mm512_set1_epi8(kSpace), c_newline = _mm512_set1_epi8(kNewline), c_tab = _mm512_set1_epi8(kTab);
  const __m512i c_return = _mm512_set1_epi8(kReturn);
  const std::size_t ncol = static_cast<std::size_t>(ncol_);
  const bool tabs = tabs_;
  std::size_t count = out.count, rows = out.rows;
  std::size_t pend = count - rows * ncol;  // numbers of the line in progress
  double* const value_base = out.value.data();
  std::uint32_t* const info_base = out.info.data();
  const char* row_start = row_start_;
  bool tab_pending = tab_pending_;

  while (p <= stop && rows < max_rows) {
    const __m512i x = _mm512_loadu_si512(p);
    const __m512i c = _mm512_maskz_permutex2var_epi8(~_mm512_movepi8_mask(x), table_lo, x, table_hi);
    const std::uint64_t space = _mm512_test_epi8_mask(c, c_space), newline = _mm512_test_epi8_mask(c, c_newline);
    const std::uint64_t solid = ~(space | newline);
    std::uint64_t starts = solid & ~(solid << 1);
    std::size_t cut = 64;
    std::uint64_t in = ~0ull;
    if (solid >> 63) {
      cut = static_cast<std::size_t>(63 - std::countl_zero(starts));
      if (cut == 0) break;
      in = (1ull << cut) - 1;
      starts &= in;
    }
    bool next_tab_pending = false;
    if (tabs) {
      const std::uint64_t tab = _mm512_test_epi8_mask(c, c_tab), ret = _mm512_test_epi8_mask(c, c_return);
      // A CR as the window's last byte: its '\n' is in the next window, which starts there.
      if (cut == 64 && (ret >> 63)) {
        cut = 63;
        in >>= 1;
        starts &= in;
      }
      const std::uint64_t other_space = space & ~tab & ~(ret & (newline >> 1));
      const std::uint64_t lone_tab = tab & (solid << 1) & ((solid >> 1) | (1ull << 63));
      if (((other_space | (tab & ~lone_tab)) & in) != 0 || (tab_pending && !(solid & 1))) break;
      next_tab_pending = cut == 64 && (tab >> 63) != 0;
    }
    const std::uint64_t minus = _mm512_test_epi8_mask(c, c_minus);
    const Grammar g = grammar(_mm512_test_epi8_mask(c, c_digit), _mm512_test_epi8_mask(c, c_sep), minus, solid, starts, in);
    if (!g.plain) break;
    const int tokens = g.tokens;
    if (tokens > 0 && !convert_tokens(k, x, g, minus, starts, value_base + count, info_base + count)) break;
    // Line ends: each closes a blank line or a row of exactly ncol numbers.
    const std::uint64_t nl = newline & in;
    std::uint64_t open = starts;
    for (std::uint64_t e = nl; e; e &= e - 1) {
      const std::uint64_t before = _bzhi_u64(open, static_cast<unsigned>(std::countr_zero(e)));
      const std::size_t total = pend + static_cast<std::size_t>(std::popcount(before));
      if (total != 0 && total != ncol) {
        bad = true;
        return nullptr;
      }
      rows += total != 0;
      pend = 0;
      open &= ~before;
    }
    pend += static_cast<std::size_t>(std::popcount(open));
    if (pend > ncol) {
      bad = true;
      return nullptr;
    }
    if (nl) row_start = p + (64 - std::countl_zero(nl));
    count += static_cast<std::size_t>(tokens);
    tab_pending = next_tab_pending;
    p += cut;
  }
  out.count = count;
  out.rows = rows;
  row_start_ = row_start;
  tab_pending_ = tab_pending;
  return p;
}

// One window, whatever it holds: the tail of the chunk, tokens one at a time, the tab rule
// byte by byte. Returns where the next window starts, or nullptr.
EBSD_WINDOWS_TARGET const char* WindowScanner::general_window(const char* p, const char* lim, RowNumbers& out) {
  const __m512i table_lo = _mm512_load_si512(classes_), table_hi = _mm512_load_si512(classes_ + 64);
  const std::size_t ncol = static_cast<std::size_t>(ncol_);
  const std::size_t left = static_cast<std::size_t>(lim - p);
  const std::uint64_t present = left >= 64 ? ~0ull : (1ull << left) - 1;
  const __m512i x = _mm512_loadu_si512(p);
  // Class bits of each byte; bytes of 0x80 and up have none.
  const __m512i c = _mm512_maskz_permutex2var_epi8(~_mm512_movepi8_mask(x), table_lo, x, table_hi);
  const std::uint64_t digit = of_class(c, kDigit) & present, sep = of_class(c, kSep) & present, minus = of_class(c, kMinus) & present;
  const std::uint64_t space = of_class(c, kSpace) & present, newline = of_class(c, kNewline) & present;
  const std::uint64_t solid = ~(space | newline) & present;
  // A window starts at a token or after whitespace: no token runs in from before.
  std::uint64_t starts = solid & ~(solid << 1);
  // Only whole tokens: one running past the window waits for the next window.
  std::size_t cut = left >= 64 ? 64 : left;
  if (solid >> 63) {
    cut = static_cast<std::size_t>(63 - std::countl_zero(starts));
    if (cut == 0) {
      // A token of 64 bytes or more (the reference scanner may still read it): alone.
      const char* e = p;
      while (*e != ' ' && *e != '\t' && *e != '\r' && *e != '\n') ++e;  // lim follows a '\n'
      if (out.count + 1 > (out.rows + 1) * static_cast<std::size_t>(ncol_)) return nullptr;
      if (!slow_token(p, static_cast<std::size_t>(e - p), lim, out.value.data() + out.count, out.info.data() + out.count)) return nullptr;
      ++out.count;
      check_row_ = check_row_ || tabs_;  // its line: by the tab rule byte by byte
      tab_pending_ = false;
      return e;
    }
  }
  // The tab rule (.ctf): whitespace is single tabs between tokens, or CR before a line end
  // (a CR as the window's last byte waits for the next window, with its '\n').
  const std::uint64_t tab = of_class(c, kTab) & present, ret = of_class(c, kReturn) & present;
  if (tabs_ && cut == 64 && (ret >> 63)) cut = 63;
  const std::uint64_t in = cut == 64 ? ~0ull : (1ull << cut) - 1;
  starts &= in;
  const std::uint64_t nl = newline & in;

  bool irregular = false;
  if (tabs_) {
    const std::uint64_t other_space = space & ~tab & ~(ret & (newline >> 1));
    const std::uint64_t lone_tab = tab & (solid << 1) & ((solid >> 1) | (1ull << 63));
    irregular = ((other_space | (tab & ~lone_tab)) & in) != 0;
    if (tab_pending_ && !(solid & 1)) irregular = true;
    tab_pending_ = cut == 64 && (tab >> 63) != 0;
  }

  // Plain tokens eight at a time; anything else one at a time.
  const Grammar g = grammar(digit, sep, minus, solid, starts, in);
  const int tokens = g.tokens;
  const std::size_t before = out.count;
  double* const value = out.value.data() + before;
  std::uint32_t* const info = out.info.data() + before;
  if (tokens > 0 && !(g.plain && convert_tokens(kernel(), x, g, minus, starts, value, info)) && !slow_tokens(p, starts, solid, lim, value, info))
    return nullptr;

  // Line ends: each closes a blank line or a row of exactly ncol numbers. With irregular
  // whitespace (tabs), every line this window touches is checked byte by byte.
  bool check = check_row_ || irregular;
  for (std::uint64_t e = nl; e; e &= e - 1) {
    const int b = std::countr_zero(e);
    const std::size_t numbers = before + static_cast<std::size_t>(std::popcount(starts & ((1ull << b) - 1)));
    if (!line_end(p + b, numbers, out, check)) return nullptr;
    check = irregular;
  }
  check_row_ = check;
  out.count = before + static_cast<std::size_t>(tokens);
  // The row in progress may not hold more than ncol numbers.
  if (out.count > (out.rows + 1) * ncol) return nullptr;
  return p + cut;
}

EBSD_WINDOWS_TARGET const char* WindowScanner::scan(const char* p, const char* lim, RowNumbers& out, std::size_t max_rows) {
  while (p < lim && out.rows < max_rows) {
    if (!check_row_ && lim - p >= 64) {
      bool bad = false;
      p = fast_windows(p, lim - 64, out, max_rows, bad);
      if (bad) return nullptr;
      if (out.rows >= max_rows || p >= lim) break;
    }
    p = general_window(p, lim, out);
    if (!p) return nullptr;
  }
  return p;
}

namespace {

// Rows of at most 16 columns, eight at a time, by shuffles (on this machine's cores gathers
// cost about 11 cycles each, a fifth of a read's time went into them; the shuffles below cost
// about one cycle each). Eight rows of doubles: each row as two registers (columns 0-7 and
// 8-15), then the classic 8 x 8 transposition in three steps of two-register shuffles. Eight
// rows of 32-bit shapes: each row as one register (16 columns), then three steps give two
// columns of eight rows to a register. NC known at compile time: the shuffles of the columns
// past NC are dropped.
template <int NC>
[[gnu::always_inline]] EBSD_WINDOWS_TARGET inline void transpose_8x8_pd(const __m512d (&row)[8], double* dst, std::size_t capacity,
                                                                         int first_column) {
  const __m512i lo_rows = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13), hi_rows = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
  __m512d t[8], u[8];
  for (int p = 0; p < 4; ++p) {
    t[2 * p] = _mm512_unpacklo_pd(row[2 * p], row[2 * p + 1]);      // columns 0 2 4 6 of rows 2p, 2p+1
    t[2 * p + 1] = _mm512_unpackhi_pd(row[2 * p], row[2 * p + 1]);  // columns 1 3 5 7
  }
  for (int h = 0; h < 2; ++h)      // rows 0-3, 4-7
    for (int odd = 0; odd < 2; ++odd) {
      const __m512d a = t[4 * h + odd], b = t[4 * h + 2 + odd];
      u[4 * h + odd] = _mm512_permutex2var_pd(a, lo_rows, b);      // columns odd, 4 + odd
      u[4 * h + 2 + odd] = _mm512_permutex2var_pd(a, hi_rows, b);  // columns 2 + odd, 6 + odd
    }
  for (int k = 0; k < 4; ++k) {
    if (first_column + k < NC) _mm512_storeu_pd(dst + static_cast<std::size_t>(first_column + k) * capacity, _mm512_shuffle_f64x2(u[k], u[4 + k], 0x44));
    if (first_column + 4 + k < NC)
      _mm512_storeu_pd(dst + static_cast<std::size_t>(first_column + 4 + k) * capacity, _mm512_shuffle_f64x2(u[k], u[4 + k], 0xEE));
  }
}

template <int NC>
EBSD_WINDOWS_TARGET void transpose_rows_shuffles(const double* src, const std::uint32_t* src_info, std::size_t first, std::size_t rows,
                                                 std::size_t capacity, double* value, std::uint32_t* info) {
  const __m512i halves_lo = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11), halves_hi = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
  for (std::size_t r = first; r < rows; r += 8) {
    const double* s = src + r * NC;
    __m512d a[8], b[8];
    for (int i = 0; i < 8; ++i) {
      a[i] = _mm512_loadu_pd(s + i * NC);
      if constexpr (NC > 8) b[i] = _mm512_loadu_pd(s + i * NC + 8);
    }
    transpose_8x8_pd<NC>(a, value + r, capacity, 0);
    if constexpr (NC > 8) transpose_8x8_pd<NC>(b, value + r, capacity, 8);

    // Shapes: row i's 16 columns in register i; step 1 pairs rows (2p, 2p+1) per column, step 2
    // gathers four rows of a column in 128-bit lane j (column 4j + k in register k of the four
    // rows), step 3 puts rows 0-3 and 4-7 of a column side by side: two columns to a register.
    const std::uint32_t* si = src_info + r * NC;
    __m512i x[8], t[8], u[8];
    for (int i = 0; i < 8; ++i) x[i] = _mm512_loadu_si512(si + i * NC);
    for (int p = 0; p < 4; ++p) {
      t[2 * p] = _mm512_unpacklo_epi32(x[2 * p], x[2 * p + 1]);      // per lane j: columns 4j, 4j+1 of both rows
      t[2 * p + 1] = _mm512_unpackhi_epi32(x[2 * p], x[2 * p + 1]);  // columns 4j+2, 4j+3
    }
    for (int h = 0; h < 2; ++h)
      for (int q = 0; q < 2; ++q) {
        u[4 * h + 2 * q] = _mm512_unpacklo_epi64(t[4 * h + q], t[4 * h + 2 + q]);      // column 4j + 2q of four rows
        u[4 * h + 2 * q + 1] = _mm512_unpackhi_epi64(t[4 * h + q], t[4 * h + 2 + q]);  // column 4j + 2q + 1
      }
    for (int k = 0; k < 4; ++k) {
      // u[k] lane j: column 4j + k of rows 0-3; u[4 + k] the same of rows 4-7.
      const __m512i c01 = _mm512_permutex2var_epi64(u[k], halves_lo, u[4 + k]);  // columns k, 4 + k
      const __m512i c23 = _mm512_permutex2var_epi64(u[k], halves_hi, u[4 + k]);  // columns 8 + k, 12 + k
      auto out = [&](int c) { return reinterpret_cast<__m256i*>(info + static_cast<std::size_t>(c) * capacity + r); };
      if (k < NC) _mm256_storeu_si256(out(k), _mm512_castsi512_si256(c01));
      if (4 + k < NC) _mm256_storeu_si256(out(4 + k), _mm512_extracti64x4_epi64(c01, 1));
      if (8 + k < NC) _mm256_storeu_si256(out(8 + k), _mm512_castsi512_si256(c23));
      if (12 + k < NC) _mm256_storeu_si256(out(12 + k), _mm512_extracti64x4_epi64(c23, 1));
    }
  }
}

// Eight rows of a column at a time, by gathers: rows of more than 16 columns.
EBSD_WINDOWS_TARGET void transpose_rows_gathers(const RowNumbers& numbers, std::size_t first, std::size_t rows, std::size_t capacity, double* value,
                                                std::uint32_t* info) {
  const auto nc = static_cast<int>(numbers.ncol);
  const __m256i step = _mm256_set1_epi32(8 * nc);
  const __m256i lanes = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(nc));
  for (int c = 0; c < nc; ++c) {
    const double* src = numbers.value.data() + first * static_cast<std::size_t>(nc) + c;
    const int* src_info = reinterpret_cast<const int*>(numbers.info.data()) + first * static_cast<std::size_t>(nc) + c;
    double* dst = value + static_cast<std::size_t>(c) * capacity;
    std::uint32_t* dst_info = info + static_cast<std::size_t>(c) * capacity;
    __m256i idx = lanes;
    for (std::size_t r = first; r < rows; r += 8) {
      _mm512_storeu_pd(dst + r, _mm512_i32gather_pd(idx, src, 8));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst_info + r), _mm256_i32gather_epi32(src_info, idx, 4));
      idx = _mm256_add_epi32(idx, step);
    }
  }
}

template <int... N>
void transpose_by_width(std::integer_sequence<int, N...>, const RowNumbers& numbers, std::size_t first, std::size_t rows, std::size_t capacity,
                        double* value, std::uint32_t* info) {
  using Fn = void (*)(const double*, const std::uint32_t*, std::size_t, std::size_t, std::size_t, double*, std::uint32_t*);
  static constexpr Fn table[] = {&transpose_rows_shuffles<N + 1>...};
  table[numbers.ncol - 1](numbers.value.data(), numbers.info.data(), first, rows, capacity, value, info);
}

}  // namespace

// Rows are read up to the next multiple of eight: RowNumbers has room past its rows (a row of
// 16 numbers read from each of the eight rows, the last of them at most row rows + 7), and the
// block past its rows too.
void transpose_rows_avx512(const RowNumbers& numbers, std::size_t first, std::size_t rows, std::size_t capacity, double* value,
                           std::uint32_t* info) {
  if (numbers.ncol >= 1 && numbers.ncol <= 16)
    transpose_by_width(std::make_integer_sequence<int, 16>{}, numbers, first, rows, capacity, value, info);
  else
    transpose_rows_gathers(numbers, first, rows, capacity, value, info);
}

#else

void transpose_rows_avx512(const RowNumbers&, std::size_t, std::size_t, std::size_t, double*, std::uint32_t*) {}
const char* WindowScanner::scan(const char*, const char*, RowNumbers&, std::size_t) { return nullptr; }
const char* WindowScanner::fast_windows(const char*, const char*, RowNumbers&, std::size_t, bool&) { return nullptr; }
const char* WindowScanner::general_window(const char*, const char*, RowNumbers&) { return nullptr; }

#endif

}  // namespace ebsd::io::text

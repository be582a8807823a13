// The row scanner of the fast text readers (io/src/text_rows.hpp, its portable and its SSE4.1
// token converter) against the reference scanner
// text::scan_number and against std::strtod / std::from_chars: for random and edge-case tokens
// (long mantissas, exponents, leading '+', "-0", decimal commas, "nan", "inf", junk) the value
// must be the reference's bit for bit and the shape (decimals, digits, plain) the same; a line
// is refused exactly when one of its tokens is not a number the reference reads whole.
#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "../../../io/src/text_rows.hpp"

namespace {

using ebsd::io::text::NumberShape;
using ebsd::io::text::TokenBlock;

std::uint64_t bits(double d) { return std::bit_cast<std::uint64_t>(d); }

struct Reference {
  bool ok = false;  // scan_number reads the whole token
  std::uint64_t value = 0;
  NumberShape shape;
};

Reference reference(const std::string& token, char sep) {
  std::string buf = token;
  buf += '\n';
  Reference r;
  double v = 0;
  const char* q = ebsd::io::text::scan_number(buf.data(), buf.data() + token.size(), v, r.shape, sep);
  r.ok = q == buf.data() + token.size();
  r.value = bits(v);
  return r;
}

// The line as the chunked reader hands it over: text, then the end, then padding.
std::vector<char> padded(const std::string& line) {
  std::vector<char> buf(line.begin(), line.end());
  buf.resize(buf.size() + 256, '\0');
  return buf;
}

// Parses `tokens` joined by `gap` as one line; checks every token against the reference.
template <bool kTabs>
void expect_line(const std::vector<std::string>& tokens, const std::string& gap, char sep) {
  std::string line;
  for (std::size_t k = 0; k < tokens.size(); ++k) {
    if (k) line += gap;
    line += tokens[k];
  }
  const auto buf = padded(line);
  bool all_ok = true;
  std::vector<Reference> refs;
  for (const auto& t : tokens) {
    refs.push_back(reference(t, sep));
    all_ok = all_ok && refs.back().ok;
  }
  // The portable scanner, and the SSE4.1 one where the processor has it.
  for (int simd = 0; simd < 2; ++simd) {
    TokenBlock b;
    b.resize(3, 300);
    int n = 0;
    if (simd == 0) {
      n = ebsd::io::text::parse_line<kTabs>(buf.data(), buf.data() + line.size(), sep, 256, b, 1);
    } else {
#if EBSD_TEXT_ROWS_SSE41
      if (!ebsd::io::text::sse41()) continue;
      n = ebsd::io::text::parse_line_sse41<kTabs>(buf.data(), buf.data() + line.size(), sep, 256, b, 1);
#else
      continue;
#endif
    }
    const char* which = simd ? " (SSE4.1)" : "";
    if (!all_ok) {
      EXPECT_EQ(n, -1) << "[" << line << "]" << which;
      continue;
    }
    ASSERT_EQ(n, static_cast<int>(tokens.size())) << "[" << line << "]" << which;
    b.values(3, tokens.size());
    for (std::size_t k = 0; k < tokens.size(); ++k) {
      const std::size_t slot = k * b.rows + 1;
      EXPECT_EQ(bits(b.value[slot]), refs[k].value) << "[" << tokens[k] << "] " << b.value[slot] << which;
      const NumberShape s = TokenBlock::shape(b.info[slot]);
      EXPECT_EQ(s.decimals, refs[k].shape.decimals) << "[" << tokens[k] << "]" << which;
      EXPECT_EQ(s.digits, refs[k].shape.digits) << "[" << tokens[k] << "]" << which;
      EXPECT_EQ(s.plain, refs[k].shape.plain) << "[" << tokens[k] << "]" << which;
    }
  }
}

void expect_token(const std::string& token, char sep = '.') {
  if (token.empty()) return;  // a blank line, not a token
  expect_line<false>({token}, " ", sep);
  expect_line<true>({token}, "\t", sep);
}

std::string with_sep(std::string t, char sep) {
  for (auto& c : t)
    if (c == '.') c = sep;
  return t;
}

TEST(TextRows, EdgeCaseTokens) {
  const std::vector<std::string> tokens = {
      "0", "-0", "+0", "0.0", "-0.0", "-0.00000", "1", "-1", "+1", "12.56637", "0.85705", "-0.85705", "273.4", "0.351", "883", "-846",
      "326.00000", "-326.00000", "1326.00000", "1.", "-1.", ".5", "-.5", "+.5", ".", "-", "+", "-.", "+-5", "-+5", "--5", "++5", "1234567",
      "12345678", "123456789", "1234567.1234567", "1234567.12345678", "12345678.1234567", "0.1234567", "0.12345678", "999999999999999",
      "9999999.9999999", "99999999.9999999", "123456789012345", "1234567890123456", "12345678901234567890123",
      "0.00000000000000000000001", "1e5", "1E5", "1.5e3", "-1.5e-3", "1e400", "1e-400", "-1e400", "1.5E+03", "nan", "NaN", "-nan", "inf",
      "-inf", "infinity", "Infinity", "0x10", "1x", "1.5x", "1.5.3", "1..5", "1,5", "abc", "e5", "1e", "1e+", "4.9406564584124654e-324",
      "2.2250738585072014e-308", "1.7976931348623157e308", "9007199254740993", "0.1", "0.2", "0.3", "3.14159265358979", "360", "359.99",
      "0.0000", "175.94", "19.500", "-1.015", "12345678.", ".12345678", "-.123456789012345", "1\x80", "\xC3\xA9", "1\x01", "5-", "5+"};
  for (const auto& t : tokens)
    for (char sep : {'.', ','}) expect_token(with_sep(t, sep), sep);
}

TEST(TextRows, CommonTokensMatchStrtod) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 200000; ++i) {
    const int int_digits = static_cast<int>(rng() % 9), frac_digits = static_cast<int>(rng() % 10);
    std::string t;
    const auto sign = rng() % 4;
    if (sign == 1) t += '-';
    if (sign == 2) t += '+';
    for (int k = 0; k < int_digits; ++k) t += static_cast<char>('0' + rng() % 10);
    const char sep = (rng() % 4 == 0) ? ',' : '.';
    if (frac_digits > 0 || rng() % 8 == 0) {
      t += sep;
      for (int k = 0; k < frac_digits; ++k) t += static_cast<char>('0' + rng() % 10);
    }
    expect_token(t, sep);
    const Reference r = reference(t, sep);
    if (r.ok && int_digits + frac_digits > 0) {
      std::string dotted = t;  // strtod needs the point
      for (auto& c : dotted)
        if (c == sep) c = '.';
      const double want = std::strtod(dotted.c_str(), nullptr);
      EXPECT_EQ(r.value, bits(want)) << t;
    }
  }
}

TEST(TextRows, RandomBytesAndLongTokens) {
  std::mt19937_64 rng(7);
  const std::string alphabet = "0123456789.,-+eEnaifx";
  for (int i = 0; i < 100000; ++i) {
    std::string t;
    const int len = 1 + static_cast<int>(rng() % 20);
    for (int k = 0; k < len; ++k) t += alphabet[rng() % alphabet.size()];
    expect_token(t, rng() % 2 ? '.' : ',');
  }
  // Values of every magnitude written with all their digits.
  for (int i = 0; i < 50000; ++i) {
    const double v = std::ldexp(static_cast<double>(rng() >> 11), static_cast<int>(rng() % 80) - 60);
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
    expect_token(std::string(buf, r.ptr));
  }
}

TEST(TextRows, DigitsOfEveryLength) {
  // n integer and m fraction digits for every n, m up to 17, digits 0 and 9 at both ends (the
  // carry patterns of the eight-at-a-time conversion).
  for (int n = 0; n <= 17; ++n)
    for (int m = 0; m <= 17; ++m)
      for (char d : {'0', '1', '5', '9'}) {
        std::string t(static_cast<std::size_t>(n), d);
        if (n > 0) t[0] = d == '0' ? '1' : d;
        if (m > 0 || n == 0) {
          t += '.';
          t.append(static_cast<std::size_t>(m), d == '0' ? '9' : d);
        }
        expect_token(t);
        expect_token(std::string(1, '-').append(t));
      }
}

TEST(TextRows, LinesAndSeparators) {
  // Whitespace-separated (.ang): any run of spaces, tabs and CRs; tab-separated (.ctf): one
  // tab between numbers, spaces around them allowed.
  expect_line<false>({"1", "2.5", "-3"}, " ", '.');
  expect_line<false>({"1", "2.5", "-3"}, " \t \r ", '.');
  std::vector<std::string> many;
  for (int k = 0; k < 200; ++k) many.push_back(std::to_string(k * 37 % 1000) + ".25");
  expect_line<false>(many, "  ", '.');  // lines of several 64-byte windows
  expect_line<true>(many, " \t ", '.');
  auto parse = [](const std::string& line, bool tabs) {
    const auto buf = padded(line);
    TokenBlock b;
    b.resize(1, 300);
    return tabs ? ebsd::io::text::parse_line<true>(buf.data(), buf.data() + line.size(), '.', 256, b, 0)
                : ebsd::io::text::parse_line<false>(buf.data(), buf.data() + line.size(), '.', 256, b, 0);
  };
  EXPECT_EQ(parse("", false), 0);
  EXPECT_EQ(parse("  \t \r", false), 0);
  EXPECT_EQ(parse("\t\t", true), 0);
  EXPECT_EQ(parse("1\t2\t3", true), 3);
  EXPECT_EQ(parse(" 1 \t 2 \t3 ", true), 3);
  EXPECT_EQ(parse("1\t\t2", true), -1);   // an empty field
  EXPECT_EQ(parse("\t1\t2", true), -1);   // an empty first field
  EXPECT_EQ(parse("1\t2\t", true), -1);   // an empty last field
  EXPECT_EQ(parse("1 2\t3", true), -1);   // two numbers in one field
  EXPECT_EQ(parse("1 2 3", false), 3);
  EXPECT_EQ(parse("1 2 3", true), -1);
  std::string wide;
  for (int k = 0; k < 300; ++k) wide += "1 ";
  EXPECT_EQ(parse(wide, false), -1);  // more numbers than asked for
}

}  // namespace

// The AVX-512 window scanner of the fast text readers (io/src/text_windows.hpp) and the row
// stream around it (text_row_stream.hpp) against the line scanner (text_rows.hpp, itself
// checked against the reference scanner and strtod in test_text_rows.cpp): on generated rows of
// plain, edge-case and junk tokens, with every whitespace the formats allow, the windows must
// give the same values bit for bit, the same shapes, and refuse exactly the same text. Windows
// fall at every offset (a blank first line of 0 to 70 spaces shifts them) and blocks end after
// 1 to 9 rows, so tokens and lines cross window and block boundaries everywhere.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "../../../io/src/text_chunks.hpp"
#include "../../../io/src/text_row_stream.hpp"
#include "../../../io/src/text_rows.hpp"
#include "../../../io/src/text_windows.hpp"

namespace {

namespace text = ebsd::io::text;

std::uint64_t bits(double d) { return std::bit_cast<std::uint64_t>(d); }

struct Rows {
  bool ok = false;
  std::vector<std::uint64_t> value;  // bits, row-major
  std::vector<std::uint32_t> info;
};

// The line scanner, line by line: the expected result.
Rows by_lines(const std::string& s, char sep, bool tabs, int ncol) {
  Rows r;
  text::TokenBlock b;
  b.resize(1, static_cast<std::size_t>(ncol));
  std::vector<char> buf(s.begin(), s.end());
  buf.resize(buf.size() + 256, '\0');
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::size_t nl = s.find('\n', pos);
    if (nl == std::string::npos) nl = s.size();
    const char* p = buf.data() + pos;
    const char* eol = buf.data() + nl;
    const int n = tabs ? text::parse_line<true>(p, eol, sep, ncol, b, 0) : text::parse_line<false>(p, eol, sep, ncol, b, 0);
    if (n < 0 || (n > 0 && n != ncol)) return r;
    for (int k = 0; k < n; ++k) {
      const std::uint32_t in = b.info[static_cast<std::size_t>(k)];
      const double v = b.mantissa[static_cast<std::size_t>(k)] / text::kPow10[in >> 16 & 0xF];
      r.value.push_back(bits((in & text::TokenBlock::kNegative) ? -v : v));
      r.info.push_back(in);
    }
    pos = nl + 1;
  }
  r.ok = true;
  return r;
}

// The window scanner over the whole text (which ends with '\n'), blocks of block_rows rows.
Rows by_windows(const std::string& s, char sep, bool tabs, int ncol, std::size_t block_rows) {
  Rows r;
  std::vector<char> buf(s.begin(), s.end());
  buf.resize(buf.size() + 256, '\0');
  text::WindowScanner w(sep, tabs, ncol);
  text::RowNumbers out;
  out.reserve_rows(block_rows, ncol);
  const char* p = buf.data();
  const char* lim = buf.data() + s.size();
  w.start_chunk(p);
  auto take = [&] {
    for (std::size_t k = 0; k < out.rows * static_cast<std::size_t>(ncol); ++k) {
      r.value.push_back(bits(out.value[k]));
      r.info.push_back(out.info[k]);
    }
    out.drop_rows();
  };
  while (p < lim) {
    p = w.scan(p, lim, out, block_rows);
    if (!p) return r;
    take();
  }
  if (out.count != 0) return r;  // a row left open: cannot be, the text ends with '\n'
  r.ok = true;
  return r;
}

void expect_same(const std::string& s, char sep, bool tabs, int ncol, std::size_t block_rows) {
  const Rows want = by_lines(s, sep, tabs, ncol);
  const Rows got = by_windows(s, sep, tabs, ncol, block_rows);
  ASSERT_EQ(got.ok, want.ok) << "[" << s << "] ncol " << ncol << " tabs " << tabs;
  if (!want.ok) return;
  ASSERT_EQ(got.value.size(), want.value.size()) << "[" << s << "]";
  for (std::size_t k = 0; k < want.value.size(); ++k) {
    ASSERT_EQ(got.value[k], want.value[k]) << "number " << k << " of [" << s << "]";
    ASSERT_EQ(got.info[k], want.info[k]) << "number " << k << " of [" << s << "]";
  }
}

const std::vector<std::string> kEdgeTokens = {
    "0", "-0", "+0", "0.0", "-0.0", "-0.00000", "1", "-1", "+1", "12.56637", "0.85705", "-0.85705", "273.4", "0.351", "883", "-846",
    "326.00000", "-326.00000", "1326.00000", "1.", "-1.", ".5", "-.5", "+.5", "1234567", "12345678", "123456789", "1234567.1234567",
    "1234567.12345678", "12345678.1234567", "0.1234567", "0.12345678", "999999999999999", "9999999.9999999", "99999999.9999999",
    "123456789012345", "1234567890123456", "12345678901234567890123", "0.00000000000000000000001", "1e5", "1.5e3", "-1.5e-3",
    "nan", "-inf", "4.9406564584124654e-324", "9007199254740993", "3.14159265358979", "360", "359.99", "0.0000", "175.94", "19.500",
    "-1.015", "12345678.", ".12345678", "-.123456789012345", "00000001", "-000000000000012.5"};
const std::vector<std::string> kJunkTokens = {".", "-", "+", "-.", "+-5", "--5", "1.5.3", "1..5", "abc", "e5", "1e", "5-", "1\x80", "1,5,", "1e400"};

std::string random_token(std::mt19937_64& rng, char sep, int junk_per_mille) {
  const auto roll = rng() % 1000;
  std::string t;
  if (static_cast<int>(roll) < junk_per_mille) {
    t = kJunkTokens[rng() % kJunkTokens.size()];
  } else if (roll < 150) {
    t = kEdgeTokens[rng() % kEdgeTokens.size()];
  } else {
    const int frac_digits = static_cast<int>(rng() % 8), int_digits = static_cast<int>(rng() % 6) + (frac_digits == 0);
    if (rng() % 4 == 0) t += '-';
    for (int k = 0; k < int_digits; ++k) t += static_cast<char>('0' + rng() % 10);
    if (frac_digits > 0 || int_digits == 0) {
      t += '.';
      for (int k = 0; k < frac_digits; ++k) t += static_cast<char>('0' + rng() % 10);
    }
  }
  for (auto& c : t)
    if (c == '.') c = sep;
  return t;
}

// Rows of ncol tokens; gaps and line ends as the format allows, now and then what it does not.
std::string random_rows(std::mt19937_64& rng, char sep, bool tabs, int ncol, int rows, int junk_per_mille) {
  std::string s;
  for (int r = 0; r < rows; ++r) {
    if (rng() % 20 == 0) s += rng() % 2 ? "\n" : (tabs ? "\r\n" : "  \t\r\n");  // a blank line
    int n = ncol;
    if (static_cast<int>(rng() % 1000) < junk_per_mille) n += rng() % 2 ? 1 : -1;  // a wrong count
    if (!tabs && rng() % 4 == 0) s.append(rng() % 4, ' ');
    for (int k = 0; k < n; ++k) {
      if (k > 0) {
        if (tabs) {
          const auto g = rng() % 100;
          const bool bad = static_cast<int>(rng() % 1000) < junk_per_mille;  // an empty field, or none
          s += bad ? (rng() % 2 ? "\t\t" : " ") : g < 90 ? "\t" : g < 95 ? " \t" : "\t ";
        } else {
          const auto g = rng() % 10;
          s += g < 6 ? " " : g < 8 ? std::string(1 + rng() % 12, ' ') : g < 9 ? "\t" : " \t\r ";
        }
      }
      s += random_token(rng, sep, junk_per_mille);
    }
    if (rng() % 8 == 0) s += tabs ? (rng() % 4 ? "\r" : " ") : "  ";
    s += '\n';
  }
  return s;
}

class TextWindows : public ::testing::Test {
protected:
  void SetUp() override {
    if (!text::WindowScanner::supported()) GTEST_SKIP() << "no AVX-512 VBMI2 on this processor";
  }
};

TEST_F(TextWindows, EdgeTokensAtEveryOffset) {
  // Each edge-case token alone and between plain neighbours, at every offset of the window.
  for (char sep : {'.', ','})
    for (bool tabs : {false, true})
      for (const auto& t0 : kEdgeTokens) {
        std::string t = t0;
        for (auto& c : t)
          if (c == '.') c = sep;
        for (int shift = 0; shift < 70; ++shift) {
          const std::string gap = tabs ? "\t" : " ";
          const std::string lead = std::string(static_cast<std::size_t>(shift), ' ') + "\n";
          expect_same(lead + t + "\n", sep, tabs, 1, 4);
          expect_same(lead + "1" + gap + t + gap + "22" + "\n" + t + gap + t + gap + t + "\n", sep, tabs, 3, 1);
        }
      }
}

TEST_F(TextWindows, JunkIsRefusedLikeTheLineScanner) {
  for (char sep : {'.', ','})
    for (bool tabs : {false, true})
      for (const auto& j : kJunkTokens)
        for (int shift = 0; shift < 70; shift += 3) {
          const std::string gap = tabs ? "\t" : " ";
          const std::string lead = std::string(static_cast<std::size_t>(shift), ' ') + "\n";
          expect_same(lead + "1" + gap + j + gap + "2\n", sep, tabs, 3, 2);
        }
  // Counts, long lines, tab rules, bytes past the line.
  expect_same("1 2 3\n4 5\n", '.', false, 3, 4);
  expect_same("1 2 3\n4 5 6 7\n", '.', false, 3, 4);
  expect_same("1\t2\t3\n\t4\t5\t6\n", '.', true, 3, 4);
  expect_same("1\t2\t3\n4\t5\t6\t\n", '.', true, 3, 4);
  expect_same("1\t2\t3\n4\t\t5\t6\n", '.', true, 3, 4);
  expect_same("1\t2\t3\r\n4 \t 5\t6 \r\n", '.', true, 3, 4);
  expect_same("1\t2\r\t3\n", '.', true, 3, 4);
  std::string wide;
  for (int k = 0; k < 300; ++k) wide += "1.5 ";
  expect_same(wide + "\n", '.', false, 300, 4);
  expect_same(wide + "\n", '.', false, 299, 4);
  const std::string long_token(70, '1');
  expect_same("1 " + long_token + "\n", '.', false, 2, 4);
  std::string tab_run(63, '7');
  expect_same(tab_run + "\t1\n", '.', true, 2, 4);  // a tab as the last byte of a window
  expect_same(tab_run + "\t\t1\n", '.', true, 2, 4);
  expect_same(tab_run + "\t 1\n", '.', true, 2, 4);
}

TEST_F(TextWindows, LineEndsAndTabsAtEveryOffset) {
  // CR LF, tabs and blank lines where a window ends (a CR as a window's last byte waits for
  // the next window), for both kinds of rows.
  for (int shift = 0; shift < 140; ++shift)
    for (bool tabs : {false, true}) {
      const std::string gap = tabs ? "\t" : " ";
      std::string s = std::string(static_cast<std::size_t>(shift), ' ') + "\r\n";
      for (int r = 0; r < 6; ++r) s += "1" + gap + "-22.5" + gap + "333.25\r\n" + (r % 2 ? "\r\n" : "");
      expect_same(s, '.', tabs, 3, 2);
      expect_same(s + "4" + gap + "5\r\n", '.', tabs, 3, 2);        // a short last row
      expect_same(s + "4\r" + gap + "5\t6\n", '.', tabs, 3, 2);     // a CR inside a row
      expect_same(s + "4" + gap + "5" + gap + "6\r\r\n", '.', tabs, 3, 2);
    }
}

TEST_F(TextWindows, RandomRowsMatchTheLineScanner) {
  std::mt19937_64 rng(2026);
  int readable = 0;
  for (int i = 0; i < 3000; ++i) {
    const bool tabs = rng() % 2;
    const char sep = tabs && rng() % 3 == 0 ? ',' : '.';
    const int ncol = 1 + static_cast<int>(rng() % 14);
    const int junk = i % 3 == 0 ? 3 : 0;  // a third of the texts with rare junk, which must be refused alike
    const std::string lead = std::string(rng() % 70, ' ') + "\n";
    const std::string s = lead + random_rows(rng, sep, tabs, ncol, 1 + static_cast<int>(rng() % 60), junk);
    expect_same(s, sep, tabs, ncol, 1 + rng() % 9);
    readable += by_lines(s, sep, tabs, ncol).ok;
  }
  EXPECT_GT(readable, 1000);
}

// The windows divide without a division (text_windows.cpp, quotient_by_pow10): numbers of 1 to
// 15 digits with 0 to 15 decimals, random and at the extremes (all nines, a one and zeros, mantissas
// near powers of two), must be strtod's correctly rounded doubles, bit for bit.
TEST(TextWindowQuotients, AreCorrectlyRounded) {
  if (!text::WindowScanner::supported()) GTEST_SKIP() << "no AVX-512 VBMI2 on this processor";
  std::mt19937_64 rng(2026);
  constexpr int kCols = 8;
  std::string s;
  std::vector<double> want;
  auto add = [&](const std::string& digits, int decimals) {
    std::string t = digits.substr(0, digits.size() - static_cast<std::size_t>(decimals));
    if (decimals > 0) t += "." + digits.substr(digits.size() - static_cast<std::size_t>(decimals));
    if (t.empty() || t[0] == '.') t = "0" + t;
    if (rng() % 2) t = "-" + t;
    want.push_back(std::strtod(t.c_str(), nullptr));
    s += t;
    s += want.size() % kCols == 0 ? "\n" : " ";
  };
  for (int n = 1; n <= 15; ++n)
    for (int d = 0; d <= n; ++d) {
      if (d == 15) continue;  // "0." then fifteen digits: sixteen digits, not this path
      add(std::string(static_cast<std::size_t>(n), '9'), d);
      add("1" + std::string(static_cast<std::size_t>(n - 1), '0'), d);
      for (int i = 0; i < 400; ++i) {
        std::string t;
        for (int k = 0; k < n; ++k) t += static_cast<char>('0' + rng() % 10);
        add(t, d);
      }
    }
  for (int b = 1; b < 50; ++b)  // mantissas next to powers of two
    for (long long delta = -2; delta <= 2; ++delta)
      for (int d = 0; d <= 15; ++d) {
        const std::string t = std::to_string((1LL << b) + delta);
        if (t.size() <= 15 && d <= static_cast<int>(t.size()) && d < 15) add(t, d);
      }
  while (want.size() % kCols != 0) add("7", 0);
  const Rows got = by_windows(s, '.', false, kCols, 64);
  ASSERT_TRUE(got.ok);
  ASSERT_EQ(got.value.size(), want.size());
  for (std::size_t k = 0; k < want.size(); ++k) ASSERT_EQ(got.value[k], bits(want[k])) << "number " << k;
}

// The row stream over files, with and without the windows and with small chunks (refills in
// every few lines), gives the same blocks; a last line without '\n' is read too.
TEST(TextRowStream, WindowsAndLinesGiveTheSameBlocks) {
  std::mt19937_64 rng(99);
  const auto path = std::filesystem::temp_directory_path() / "ebsd_test_row_stream.txt";
  int readable = 0;
  for (int i = 0; i < 200; ++i) {
    const bool tabs = rng() % 2;
    const int ncol = 1 + static_cast<int>(rng() % 20);  // up to 16 columns by shuffles, more by gathers
    std::string s = random_rows(rng, '.', tabs, ncol, 1 + static_cast<int>(rng() % 400), 0);
    if (rng() % 2) s.pop_back();  // no '\n' after the last line
    std::ofstream(path, std::ios::binary) << s;
    std::vector<std::uint64_t> got[2];
    bool ok[2] = {false, false};
    for (int windows = 0; windows < 2; ++windows) {
      text::ChunkedFile f(path, 64 + rng() % 2000, 1u << 30);
      ASSERT_TRUE(f.ok() && f.refill());
      text::RowStream stream(f, '.', tabs, ncol, 1 + rng() % 300, windows == 1);
      text::ColumnBlock b;
      std::size_t n = 0;
      ok[windows] = true;
      while (true) {
        if (!stream.next(b, n)) {
          ok[windows] = false;
          break;
        }
        if (n == 0) break;
        for (std::size_t r = 0; r < n; ++r)
          for (int c = 0; c < ncol; ++c) {
            got[windows].push_back(bits(b.column(static_cast<std::size_t>(c))[r]));
            got[windows].push_back(b.column_info(static_cast<std::size_t>(c))[r]);
          }
      }
    }
    ASSERT_EQ(ok[0], ok[1]) << s;
    const Rows want = by_lines(s, '.', tabs, ncol);
    ASSERT_EQ(ok[0], want.ok);
    if (want.ok) {
      ASSERT_EQ(got[0], got[1]) << s;
      ++readable;
      ASSERT_EQ(got[0].size(), 2 * want.value.size()) << "[" << s << "]";
    }
  }
  EXPECT_GT(readable, 100);  // most texts are readable: the comparison is not only of refusals
  std::filesystem::remove(path);
}

}  // namespace

#pragma once
// Data rows of the text readers scanned 64 bytes at a time with AVX-512 (private to io; the
// fast paths of read_ang and read_ctf, through text_row_stream.hpp).
//
// The line-by-line scanner (text_rows.hpp) spends about 130 instructions on each number: the
// token boundaries of a line, then one number at a time through a 16-byte converter. Here a
// 64-byte window of the file is classified at once (one byte-table lookup, vpermi2b), and
// every complete number in it is converted together, eight per register:
//   - masks give the token starts, the line ends, the digits, the separators, the signs;
//   - a few bit operations on those masks check the grammar of every token at once (a leading
//     '-', digits, at most one separator followed only by digits);
//   - the digits of the window are packed together (vpcompressb); each token's last digit,
//     found by the masks, places its digits right-aligned in an 8-byte slot (vpermb), where
//     two multiply-adds and one 32-bit multiply give the mantissa of eight tokens at once;
//   - mantissa / 10^decimals is then one vector division, correctly rounded like the
//     reference's scalar one (same exact operands, same quotient).
// Tokens of 9 to 15 digits take a second slot of digits. A window with anything else (an
// exponent, '+', "nan", 16 digits or more, junk) converts its tokens one at a time with the
// line scanner's converter and the reference scanner: the values are always the reference's
// bit for bit (tests/unit/io/test_text_windows.cpp). Numbers go into row-major arrays; a line
// must hold exactly `ncol` numbers or none (a blank line), else the scan fails and the caller
// declines, as it does for a line the line scanner refuses.
//
// .ctf rows (tabs): fields are separated by exactly one tab, with optional spaces around the
// numbers. A window whose whitespace is only single tabs between tokens and CR before a line
// end passes at once; the lines a window with anything else touches are checked byte by byte.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ebsd::io::text {

// Numbers of whole rows, row-major (number c of row r at r * ncol + c), as the scanners
// collect them: `rows` whole rows, then `count - rows * ncol` numbers of the row in progress.
struct RowNumbers {
  int ncol = 0;
  std::size_t rows = 0, count = 0;
  std::vector<double> value;        // the number
  std::vector<std::uint32_t> info;  // its shape, packed as TokenBlock::info (text_rows.hpp)

  // Rows a block may hold beyond the max_rows asked for (those the last window completes).
  static constexpr std::size_t kSlackRows = 64;

  // Room for max_rows rows and what one more window may add.
  void reserve_rows(std::size_t max_rows, int columns) {
    ncol = columns;
    const std::size_t n = (max_rows + kSlackRows) * static_cast<std::size_t>(columns) + 128;
    value.assign(n, 0.0);
    info.assign(n, 0);
    rows = count = 0;
  }
  std::size_t capacity_rows() const { return (value.size() - 128) / static_cast<std::size_t>(ncol); }
  // Drops the whole rows, keeping the numbers of the row in progress.
  void drop_rows() {
    const std::size_t whole = rows * static_cast<std::size_t>(ncol), rest = count - whole;
    for (std::size_t k = 0; k < rest; ++k) {
      value[k] = value[whole + k];
      info[k] = info[whole + k];
    }
    count = rest;
    rows = 0;
  }
};

// The window scanner; supported() says whether the processor runs it (AVX-512 F, BW, DQ, VL,
// VBMI, VBMI2 and BMI2).
class WindowScanner {
public:
  WindowScanner(char sep, bool tabs, int ncol);
  static bool supported();

  // A new chunk of text starts at p, at the start of a line.
  void start_chunk(const char* p) {
    row_start_ = p;
    check_row_ = tab_pending_ = false;
  }
  // Scans from p (where the last call stopped, or the start of the chunk) up to lim, which must
  // follow a '\n' (and have 64 readable bytes after it), into out; stops at lim, or sooner once
  // out.rows >= max_rows. Returns where to go on, or nullptr when a line is not plain numbers
  // (or holds a number other than exactly ncol): the caller then declines.
  const char* scan(const char* p, const char* lim, RowNumbers& out, std::size_t max_rows);

private:
  const char* fast_windows(const char* p, const char* stop, RowNumbers& out, std::size_t max_rows, bool& bad);
  const char* general_window(const char* p, const char* lim, RowNumbers& out);
  bool line_end(const char* nl, std::size_t numbers_before, RowNumbers& out, bool check);
  bool slow_token(const char* t, std::size_t len, const char* lim, double* value, std::uint32_t* info) const;
  bool slow_tokens(const char* p, std::uint64_t starts, std::uint64_t solid, const char* lim, double* value, std::uint32_t* info) const;

  alignas(64) std::uint8_t classes_[128];
  char sep_;
  bool tabs_;
  int ncol_;
  const char* row_start_ = nullptr;
  bool check_row_ = false;    // the line in progress must be checked byte by byte (tabs)
  bool tab_pending_ = false;  // the last window ended on a tab: the next must start with a number
};

// Rows [first, rows) of numbers into column-major arrays (column c of row r at c * capacity + r),
// first a multiple of eight, by AVX-512 shuffles (gathers for rows of more than 16 numbers):
// only where WindowScanner::supported(), and capacity >= rows + 8.
void transpose_rows_avx512(const RowNumbers& numbers, std::size_t first, std::size_t rows, std::size_t capacity, double* value,
                           std::uint32_t* info);

// .ctf rows: whether line [a, b) has exactly one tab between neighbouring numbers and none
// before the first or after the last (spaces and CR around numbers allowed), as the line
// scanner requires; a line without numbers passes.
bool tab_separated(const char* a, const char* b);

}  // namespace ebsd::io::text

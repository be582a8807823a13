#pragma once
// The data rows of a .ang or .ctf file, a block at a time (private to io): the one row loop of
// both fast readers (ang_fast.cpp, ctf_fast.cpp). Rows stream through text::ChunkedFile; each
// block comes as per-column arrays (ColumnBlock) of values and packed shapes. The window
// scanner (text_windows.hpp, AVX-512) reads them where the processor has it, else the line
// scanner (text_rows.hpp) one line at a time; both give the reference scanner's values bit for
// bit, and both refuse the same lines.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "text_chunks.hpp"
#include "text_rows.hpp"
#include "text_windows.hpp"

namespace ebsd::io::text {

// A block of rows, column-major: column c of row r at c * capacity + r.
struct ColumnBlock {
  std::size_t capacity = 0;
  std::vector<double> value;
  std::vector<std::uint32_t> info;  // TokenBlock's packed shape

  const double* column(std::size_t c) const { return value.data() + c * capacity; }
  const std::uint32_t* column_info(std::size_t c) const { return info.data() + c * capacity; }
};

class RowStream {
public:
  // The data start at f.begin(); rows of ncol numbers separated by whitespace (tabs: single
  // tabs, .ctf), sep the decimal separator. Blocks of block_rows rows (a few more with the
  // window scanner). windows: use the window scanner where supported (false: the line
  // scanner, for tests).
  RowStream(ChunkedFile& f, char sep, bool tabs, int ncol, std::size_t block_rows, bool windows = true);

  // The next block into b (resized as needed): its row count, 0 after the last row. False
  // when a line is neither blank nor ncol numbers the reference scanner reads whole (or the
  // file cannot be read): the fast path then declines.
  bool next(ColumnBlock& b, std::size_t& rows);

  // Every block in turn into b, handing its row count to process; rows counts them. False where
  // next() fails, a block would take rows past max_rows, or no row or not exactly max_rows rows
  // arrived: the reader's whole-file loop, written once for .ang and .ctf.
  template <class Process>
  bool read_all(ColumnBlock& b, std::int64_t max_rows, std::int64_t& rows, Process&& process) {
    std::size_t n = 0;
    while (true) {
      if (!next(b, n)) return false;
      if (n == 0) break;
      if (static_cast<std::int64_t>(n) > max_rows - rows) return false;
      rows += static_cast<std::int64_t>(n);
      process(n);
    }
    return rows > 0 && rows == max_rows;
  }

  // The first line at f.begin() (up to its '\n' or the end of the file), reading more of the
  // file if needed; false on a read error.
  static bool first_line(ChunkedFile& f, const char*& begin, const char*& end);

private:
  bool fill();
  bool scan_line(const char* p, const char* eol);
  void size_block(ColumnBlock& b) const;
  // Rows [first, rows) of numbers_ into b (first: 0, or a multiple of eight with the windows).
  void transpose(ColumnBlock& b, std::size_t first, std::size_t rows) const;

  static constexpr std::size_t kTransposeStep = 32;

  ChunkedFile& f_;
  char sep_;
  bool tabs_;
  int ncol_;
  std::size_t block_rows_;
  RowNumbers numbers_;
  std::optional<WindowScanner> windows_;
  TokenBlock line_;              // the line scanner's output for one line
  const char* pos_ = nullptr;    // where scanning goes on
  const char* lim_ = nullptr;    // just after the chunk's last '\n'
  bool started_ = false, done_ = false;
};

}  // namespace ebsd::io::text

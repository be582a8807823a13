#include "text_row_stream.hpp"

#include <algorithm>
#include <cstring>

namespace ebsd::io::text {

RowStream::RowStream(ChunkedFile& f, char sep, bool tabs, int ncol, std::size_t block_rows, bool windows)
    : f_(f), sep_(sep), tabs_(tabs), ncol_(ncol), block_rows_(block_rows) {
  numbers_.reserve_rows(block_rows, ncol);
  if (windows && WindowScanner::supported()) windows_.emplace(sep, tabs, ncol);
  line_.resize(1, static_cast<std::size_t>(ncol));
}

bool RowStream::first_line(ChunkedFile& f, const char*& begin, const char*& end) {
  while (true) {
    begin = f.begin();
    const auto* nl = static_cast<const char*>(std::memchr(begin, '\n', static_cast<std::size_t>(f.end() - begin)));
    if (nl || f.file_done()) {
      end = nl ? nl : f.end();
      return true;
    }
    if (!f.refill()) return false;
  }
}

// One line through the line scanner: blank, or ncol numbers appended as a row.
bool RowStream::scan_line(const char* p, const char* eol) {
  const int n = tabs_ ? parse_line_best<true>(p, eol, sep_, ncol_, line_, 0) : parse_line_best<false>(p, eol, sep_, ncol_, line_, 0);
  if (n == 0) return true;
  if (n != ncol_) return false;
  double* value = numbers_.value.data() + numbers_.count;
  std::uint32_t* info = numbers_.info.data() + numbers_.count;
  for (int k = 0; k < n; ++k) {
    const std::uint32_t in = line_.info[static_cast<std::size_t>(k)];
    const double v = line_.mantissa[static_cast<std::size_t>(k)] / kPow10[in >> 16 & 0xF];
    value[k] = (in & TokenBlock::kNegative) ? -v : v;
    info[k] = in;
  }
  numbers_.count += static_cast<std::size_t>(n);
  ++numbers_.rows;
  return true;
}

bool RowStream::next(ColumnBlock& b, std::size_t& rows) {
  numbers_.drop_rows();
  size_block(b);
  std::size_t transposed = 0;  // rows already in b (a multiple of eight)
  while (numbers_.rows < block_rows_ && !done_) {
    if (!started_ || pos_ == lim_) {
      if (started_) {
        if (f_.file_done()) {
          // The last line, when it has no '\n'.
          if (pos_ < f_.end() && !scan_line(pos_, f_.end())) return false;
          done_ = true;
          break;
        }
        f_.consume(pos_);
        if (!f_.refill()) return false;
      }
      started_ = true;
      pos_ = f_.begin();
      // Whole lines only: up to the chunk's last '\n' (the rest comes with the next chunk).
      const char* e = f_.end();
      while (e > pos_ && e[-1] != '\n') --e;
      lim_ = e;
      if (windows_) windows_->start_chunk(pos_);
      continue;
    }
    if (windows_) {
      // kTransposeStep rows at a time, each eight whole rows transposed while the scanner's
      // numbers are still in L1 (the whole block transposed at the end waited on L2).
      pos_ = windows_->scan(pos_, lim_, numbers_, std::min(block_rows_, numbers_.rows + kTransposeStep));
      if (!pos_) return false;
      const std::size_t whole = numbers_.rows & ~std::size_t{7};
      if (whole > transposed) {
        transpose_rows_avx512(numbers_, transposed, whole, b.capacity, b.value.data(), b.info.data());
        transposed = whole;
      }
    } else {
      while (pos_ < lim_ && numbers_.rows < block_rows_) {
        const auto* eol = static_cast<const char*>(std::memchr(pos_, '\n', static_cast<std::size_t>(lim_ - pos_)));
        if (!scan_line(pos_, eol)) return false;
        pos_ = eol + 1;
      }
    }
  }
  rows = numbers_.rows;
  transpose(b, transposed, rows);
  return true;
}

void RowStream::size_block(ColumnBlock& b) const {
  const auto nc = static_cast<std::size_t>(ncol_);
  const std::size_t cap = numbers_.capacity_rows();
  if (b.capacity != cap || b.value.size() != cap * nc) {
    b.capacity = cap;
    b.value.assign(cap * nc, 0.0);
    b.info.assign(cap * nc, 0);
  }
}

void RowStream::transpose(ColumnBlock& b, std::size_t first, std::size_t rows) const {
  const auto nc = static_cast<std::size_t>(ncol_);
  const std::size_t cap = b.capacity;
  if (windows_) {
    if (rows > first) transpose_rows_avx512(numbers_, first, rows, cap, b.value.data(), b.info.data());
    return;
  }
  for (std::size_t c = 0; c < nc; ++c) {
    const double* src = numbers_.value.data() + c;
    const std::uint32_t* src_info = numbers_.info.data() + c;
    double* dst = b.value.data() + c * cap;
    std::uint32_t* dst_info = b.info.data() + c * cap;
    for (std::size_t r = 0; r < rows; ++r) {
      dst[r] = src[r * nc];
      dst_info[r] = src_info[r * nc];
    }
  }
}

}  // namespace ebsd::io::text

#pragma once
// A text file read a chunk at a time into one reused buffer (private to io), for the readers'
// fast paths: holding a whole 100 MB file costs as much in page faults on fresh memory as
// parsing it, while a buffer of a few hundred KB stays in the cache. The buffer always holds
// whole lines (a line longer than the buffer grows it) and kScanPadding zero bytes past its
// end, which the row scanners (text_rows.hpp) may read.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <vector>

namespace ebsd::io::text {

class ChunkedFile {
public:
  static constexpr std::size_t kPadding = 256;

  // Opens the file; ok() is false when it is not a readable regular file of at most max_bytes
  // (the caller then takes the path that reports the error).
  ChunkedFile(const std::filesystem::path& path, std::size_t chunk_bytes, std::uint64_t max_bytes);
  bool ok() const { return ok_; }
  std::uint64_t file_size() const { return size_; }

  // The unconsumed bytes: [begin(), end()); *end() and the kPadding bytes after it are zero.
  const char* begin() const { return buf_.data() + pos_; }
  const char* end() const { return buf_.data() + len_; }
  // Bytes of the file before begin().
  std::uint64_t offset() const { return read_ - (len_ - pos_); }
  bool at_eof() const { return eof_ && pos_ == len_; }
  bool file_done() const { return eof_; }

  // Marks [begin(), p) as consumed.
  void consume(const char* p) { pos_ = static_cast<std::size_t>(p - buf_.data()); }
  // Moves the unconsumed bytes to the front and reads more of the file behind them, at least
  // until the buffer holds a newline or the end of the file. False on a read error.
  bool refill();

private:
  std::ifstream in_;
  std::vector<char> buf_;
  std::size_t chunk_ = 0, pos_ = 0, len_ = 0;
  std::uint64_t size_ = 0, read_ = 0;
  bool ok_ = false, eof_ = false;
};

}  // namespace ebsd::io::text

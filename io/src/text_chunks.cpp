#include "text_chunks.hpp"

#include <cstring>
#include <system_error>

namespace ebsd::io::text {

ChunkedFile::ChunkedFile(const std::filesystem::path& path, std::size_t chunk_bytes, std::uint64_t max_bytes) : chunk_(chunk_bytes) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return;
  size_ = std::filesystem::file_size(path, ec);
  if (ec || size_ > max_bytes) return;
  in_.open(path, std::ios::binary);
  if (!in_) return;
  // A small file needs no more than itself (plus room to see its end).
  if (size_ + 64 < chunk_) chunk_ = static_cast<std::size_t>(size_) + 64;
  buf_.assign(chunk_ + kPadding, '\0');
  ok_ = true;
}

bool ChunkedFile::refill() {
  if (eof_) return true;
  // Keep the unconsumed tail (a partial line) at the front.
  const std::size_t keep = len_ - pos_;
  if (keep > 0 && pos_ > 0) std::memmove(buf_.data(), buf_.data() + pos_, keep);
  pos_ = 0;
  len_ = keep;
  bool have_newline = std::memchr(buf_.data(), '\n', len_) != nullptr;
  do {
    if (buf_.size() - kPadding - len_ < chunk_ / 2) buf_.resize(len_ + chunk_ + kPadding);  // a line longer than the chunk
    const std::size_t room = buf_.size() - kPadding - len_;
    in_.read(buf_.data() + len_, static_cast<std::streamsize>(room));
    const auto got = static_cast<std::size_t>(in_.gcount());
    if (got < room) {
      if (in_.bad()) return false;
      eof_ = true;
    }
    have_newline = have_newline || std::memchr(buf_.data() + len_, '\n', got) != nullptr;
    len_ += got;
    read_ += got;
  } while (!have_newline && !eof_);
  std::memset(buf_.data() + len_, 0, kPadding);
  return true;
}

}  // namespace ebsd::io::text

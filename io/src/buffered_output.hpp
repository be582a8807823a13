#pragma once
// A plain FILE* writer with a large buffer and error checks (private to io): text writers
// produce hundreds of MB, one short field at a time.
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "ebsd/core/error.hpp"

namespace ebsd::io {

class BufferedOutput {
public:
  explicit BufferedOutput(const std::filesystem::path& path) : path_(path.string()) {
    f_ = std::fopen(path_.c_str(), "wb");
    if (!f_) throw Error("cannot open for writing", path_);
  }
  ~BufferedOutput() {
    if (f_) std::fclose(f_);
  }
  BufferedOutput(const BufferedOutput&) = delete;
  BufferedOutput& operator=(const BufferedOutput&) = delete;

  // Room for at least `n` more bytes at the returned pointer; commit(k) keeps k of them.
  char* reserve(std::size_t n) {
    if (used_ + n > buf_.size()) flush();
    return buf_.data() + used_;
  }
  void commit(std::size_t n) { used_ += n; }
  void put(std::string_view s) {
    if (s.size() > buf_.size() / 2) {
      flush();
      write(s.data(), s.size());
      return;
    }
    char* p = reserve(s.size());
    s.copy(p, s.size());
    commit(s.size());
  }
  void put(char c) { *reserve(1) = c, commit(1); }
  // Flushes and closes; throws ebsd::Error when the disk refused any byte.
  void close() {
    flush();
    const bool bad = std::ferror(f_) != 0;
    const int rc = std::fclose(f_);
    f_ = nullptr;
    if (bad || rc != 0) throw Error("write failed (disk full?)", path_);
  }

private:
  void flush() {
    write(buf_.data(), used_);
    used_ = 0;
  }
  void write(const char* p, std::size_t n) {
    if (n && std::fwrite(p, 1, n, f_) != n) throw Error("write failed (disk full?)", path_);
  }
  std::string path_;
  std::FILE* f_ = nullptr;
  std::size_t used_ = 0;
  std::vector<char> buf_ = std::vector<char>(std::size_t{1} << 20);  // on the heap: writers may run on worker threads
};

}  // namespace ebsd::io

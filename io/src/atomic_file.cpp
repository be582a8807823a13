#include "ebsd/io/atomic_file.hpp"

#include <atomic>
#include <string>
#include <system_error>
#include <unistd.h>

#include "ebsd/core/error.hpp"

namespace ebsd::io {

void write_atomically(const std::filesystem::path& target,
                      const std::function<void(const std::filesystem::path&)>& write) {
  namespace fs = std::filesystem;
  static std::atomic<unsigned> counter{0};
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw Error("the folder does not exist", target.string());
  // A dot-prefixed name keeps half-written files out of globs such as '*.ebsd.h5'.
  std::string name = ".";
  name += target.filename().string();
  name += ".part-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  const fs::path tmp = folder / name;
  try {
    write(tmp);
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw Error("cannot move the finished file into place: " + ec.message(), target.string());
  }
}

}  // namespace ebsd::io

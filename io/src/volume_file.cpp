#include "ebsd/io/volume_file.hpp"

#include <system_error>

#include "ebsd/core/error.hpp"
#include "ebsd/io/ang.hpp"
#include "ebsd/io/ctf.hpp"
#include "ebsd/io/native_file.hpp"

namespace ebsd::io {
namespace {
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

std::string detect_format(const std::filesystem::path& path) {
  if (looks_like_native(path)) return "ebsd.h5";
  if (looks_like_ctf(path)) return "ctf";
  if (looks_like_ang(path)) return "ang";
  return {};
}

Volume read_volume(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error("no such file", path.string());
  if (std::filesystem::is_directory(path, ec)) throw Error("is a folder, expected a file", path.string());
  const std::string format = detect_format(path);
  if (format == "ebsd.h5") return read_native(path);
  if (format == "ctf") return read_ctf(path).volume;
  if (format == "ang") return read_ang(path).volume;
  throw Error("unrecognised file format (expected .ebsd.h5, .ang or .ctf content)", path.string());
}

void write_volume(const std::filesystem::path& path, const Volume& volume) {
  const std::string name = path.filename().string();
  if (ends_with(name, ".ebsd.h5") || ends_with(name, ".h5")) return write_native(path, volume);
  throw Error("cannot tell the output format from the extension (supported: .ebsd.h5)", path.string());
}

}  // namespace ebsd::io

#include "text_scan.hpp"

#include <cctype>
#include <fstream>

#include "ebsd/core/error.hpp"

namespace ebsd::io::text {

std::string load_file(const std::filesystem::path& path, std::uint64_t max_bytes) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error("no such file", path.string());
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw Error("cannot read the file size: " + ec.message(), path.string());
  if (size > max_bytes) throw Error("file of " + std::to_string(size) + " bytes is larger than the supported " + std::to_string(max_bytes), path.string());
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("cannot open for reading", path.string());
  std::string buf(static_cast<std::size_t>(size), '\0');
  f.read(buf.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::uint64_t>(f.gcount()) != size) throw Error("short read", path.string());
  return buf;
}

std::string utf8_or_replaced(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 0x2;
    if (ok && len == 2 && c < 0xC2) ok = false;  // overlong encodings
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out.push_back('?');
      ++i;
    }
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

}  // namespace ebsd::io::text

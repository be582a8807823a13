#pragma once
// A read-only memory mapping of a whole file: model weights are viewed in place (zero copy)
// and only the pages a computation touches are read. Movable, not copyable.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>

namespace ebsd::io::model {

class MappedFile {
public:
  // Throws ebsd::Error naming the file when it cannot be opened or mapped.
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const std::uint8_t> bytes() const { return {data_, size_}; }
  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// Mappings are shared by the files and tensor views that point into them.
using SharedMapping = std::shared_ptr<const MappedFile>;
SharedMapping map_file(const std::filesystem::path& path);

}  // namespace ebsd::io::model

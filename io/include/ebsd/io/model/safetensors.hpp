#pragma once
// safetensors files (LLM-CORE.md section 2.3), viewed in place: u64 little-endian header
// length N, N bytes of JSON {"name": {"dtype", "shape", "data_offsets": [begin, end]},
// "__metadata__": {string: string}}, then the data. The checks are the reference
// implementation's: known dtype, begin <= end inside the data, end - begin = product(shape) x
// dtype size, and sorted by offset the tensors tile the data exactly (no hole, no overlap).
// Sharded checkpoints (model.safetensors.index.json) are read by SafetensorsModel.
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "ebsd/io/model/mapped_file.hpp"

namespace ebsd::io::model {

struct SafetensorsTensor {
  std::string name;
  std::string dtype;                    // "F32", "F16", "BF16", "I64", ...
  std::vector<std::int64_t> shape;      // PyTorch order (outermost first)
  std::span<const std::uint8_t> data;   // view into the file
  std::int64_t element_count() const;
};

// Bytes per element of a safetensors dtype name, or 0 when unknown.
std::size_t safetensors_dtype_size(const std::string& dtype);

inline constexpr std::uint64_t kSafetensorsMaxHeaderBytes = 100'000'000;  // the reference limit

struct SafetensorsView {
  std::map<std::string, std::string> metadata;
  std::vector<SafetensorsTensor> tensors;  // sorted by data offset
  const SafetensorsTensor* find(const std::string& name) const;
};

// `bytes` must outlive the result. Throws ebsd::Error naming `source` and the field.
SafetensorsView parse_safetensors_view(std::span<const std::uint8_t> bytes, const std::string& source = "<memory>");

// One safetensors file, a sharded checkpoint (model.safetensors.index.json and its shards), or
// a folder holding either; memory-mapped, tensors looked up by name across shards.
class SafetensorsModel {
public:
  // `path`: a .safetensors file, an index .json, or a folder with model.safetensors or
  // model.safetensors.index.json.
  explicit SafetensorsModel(const std::filesystem::path& path);
  const SafetensorsTensor* find(const std::string& name) const;
  const SafetensorsTensor& get(const std::string& name) const;  // throws naming the checkpoint
  std::vector<std::string> names() const;
  const std::filesystem::path& folder() const { return folder_; }
  std::string source() const { return source_; }

private:
  std::filesystem::path folder_;
  std::string source_;
  std::vector<SharedMapping> mappings_;
  std::map<std::string, SafetensorsTensor> tensors_;
};

}  // namespace ebsd::io::model

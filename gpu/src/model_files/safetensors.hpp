#pragma once
// safetensors files (LLM-CORE.md section 2.3): u64 little-endian header length N, N bytes of JSON
// {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {string: string}},
// then the data. Reading checks every size and offset: files are untrusted input. Torch-free, so
// the LLM loader and tests use it without LibTorch; tensors are plain bytes here.
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace ebsd::gpu::model_files {

struct TensorRecord {
  std::string name;
  std::string dtype;                // safetensors dtype names: "F32", "F16", "BF16", "I8", ...
  std::vector<std::int64_t> shape;
  std::vector<std::uint8_t> data;   // little-endian, row-major
  std::int64_t element_count() const;
};

struct SafetensorsFile {
  std::map<std::string, std::string> metadata;
  std::vector<TensorRecord> tensors;  // in file order (by data offset)
  const TensorRecord* find(const std::string& name) const;
};

// Bytes per element of a dtype name, or 0 when unknown (io/model/safetensors.hpp's table).
std::size_t dtype_size(const std::string& dtype);

// Headers above this many bytes are rejected (the format's own limit is 100 MB).
inline constexpr std::uint64_t kMaxHeaderBytes = 100u * 1024u * 1024u;

// Throws ebsd::Error naming `source` and the place (header, tensor name) on any malformed input.
SafetensorsFile parse_safetensors(std::span<const std::uint8_t> bytes, const std::string& source = "<memory>");
SafetensorsFile read_safetensors(const std::filesystem::path& path);
std::vector<std::uint8_t> serialize_safetensors(const SafetensorsFile& file);
// Written atomically (temporary file, then rename).
void write_safetensors(const std::filesystem::path& path, const SafetensorsFile& file);

}  // namespace ebsd::gpu::model_files

#pragma once
// GGUF v2/v3 files (LLM-CORE.md section 2.1; ggml-org/ggml docs/gguf.md), read through a memory
// mapping and written by GgufWriter. Headers are untrusted input: the parser bounds every count,
// length, offset and size against the bytes that are really there, rejects duplicate keys and
// names, misaligned or overlapping tensor data and unknown types, and reports each problem as an
// ebsd::Error naming the file and the field. Nothing is allocated from a count before the bytes
// backing it have been checked to exist.
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "ebsd/io/model/ggml_types.hpp"
#include "ebsd/io/model/mapped_file.hpp"

namespace ebsd::io::model {

enum class GgufValueType : std::uint32_t {
  U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, BOOL = 7, STRING = 8, ARRAY = 9,
  U64 = 10, I64 = 11, F64 = 12,
};

// One metadata value. Integers live in `integer` (signed ones sign-extended), floats in `real`,
// strings in `text`, arrays in `array` (all elements of `element_type`).
struct GgufValue {
  GgufValueType type = GgufValueType::U32;
  std::int64_t integer = 0;
  std::uint64_t uinteger = 0;
  double real = 0;
  std::string text;
  GgufValueType element_type = GgufValueType::U8;
  std::vector<GgufValue> array;

  bool is_integer() const;
  bool is_float() const { return type == GgufValueType::F32 || type == GgufValueType::F64; }
};

struct GgufTensor {
  std::string name;
  GgmlType type = GgmlType::F32;
  std::vector<std::uint64_t> ne;      // ggml order: innermost (contiguous) dimension first
  std::uint64_t offset = 0;           // from the start of the data section
  std::uint64_t byte_size = 0;
  std::span<const std::uint8_t> data; // view into the file

  std::uint64_t element_count() const;
  std::vector<std::int64_t> shape() const;  // PyTorch order: outermost first (ne reversed)
};

class GgufFile {
public:
  std::uint32_t version = 3;
  std::uint32_t alignment = 32;
  std::uint64_t data_offset = 0;  // file offset of the data section
  std::map<std::string, GgufValue> metadata;
  std::vector<GgufTensor> tensors;  // in file order
  std::string source;               // the file name, for errors

  const GgufTensor* find(const std::string& name) const;
  const GgufValue* find_value(const std::string& key) const;
  // Typed getters: throw ebsd::Error naming the file and key when absent or of another type.
  std::uint64_t get_uint(const std::string& key) const;
  std::uint64_t get_uint(const std::string& key, std::uint64_t fallback) const;
  double get_float(const std::string& key) const;  // accepts any numeric type
  double get_float(const std::string& key, double fallback) const;
  std::string get_string(const std::string& key) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  bool get_bool(const std::string& key, bool fallback) const;
  std::vector<std::string> get_string_array(const std::string& key) const;

private:
  friend GgufFile parse_gguf(std::span<const std::uint8_t>, const std::string&);
  friend GgufFile read_gguf(const std::filesystem::path&);
  SharedMapping mapping_;  // keeps `data` views valid for files read from disk
};

// Limits on what a header may claim (beyond what the bytes allow).
inline constexpr std::uint64_t kGgufMaxKeyBytes = 65535;
inline constexpr std::uint64_t kGgufMaxTensorNameBytes = 64;
inline constexpr std::uint32_t kGgufMaxDims = 4;
inline constexpr int kGgufMaxArrayNesting = 3;

// `bytes` must outlive the result (tensor views point into it).
GgufFile parse_gguf(std::span<const std::uint8_t> bytes, const std::string& source = "<memory>");
// Memory-maps the file; the result keeps the mapping alive.
GgufFile read_gguf(const std::filesystem::path& path);

// Builds a GGUF v3 file: metadata in insertion order, tensors in insertion order, each tensor's
// data aligned to `alignment` (written as general.alignment when not 32).
class GgufWriter {
public:
  explicit GgufWriter(std::uint32_t alignment = 32);
  void set_uint32(const std::string& key, std::uint32_t v);
  void set_uint64(const std::string& key, std::uint64_t v);
  void set_int32(const std::string& key, std::int32_t v);
  void set_float32(const std::string& key, float v);
  void set_bool(const std::string& key, bool v);
  void set_string(const std::string& key, const std::string& v);
  void set_string_array(const std::string& key, const std::vector<std::string>& v);
  void set_float32_array(const std::string& key, const std::vector<float>& v);
  void set_int32_array(const std::string& key, const std::vector<std::int32_t>& v);
  // `shape` in PyTorch order (outermost first); stored reversed as the format wants. The bytes
  // are copied when the tensor is added.
  void add_tensor(const std::string& name, GgmlType type, const std::vector<std::int64_t>& shape,
                  std::span<const std::uint8_t> bytes);
  std::vector<std::uint8_t> serialize() const;
  // Written atomically (temporary file, then rename).
  void write(const std::filesystem::path& path) const;

private:
  struct Tensor {
    std::string name;
    GgmlType type;
    std::vector<std::uint64_t> ne;
    std::vector<std::uint8_t> bytes;
  };
  std::uint32_t alignment_;
  std::vector<std::uint8_t> kv_;  // encoded key/value pairs
  std::uint64_t kv_count_ = 0;
  std::vector<std::string> keys_;
  std::vector<Tensor> tensors_;
  void begin_kv(const std::string& key, GgufValueType type);
};

}  // namespace ebsd::io::model

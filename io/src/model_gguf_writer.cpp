// GGUF v3 writer (model/gguf.hpp).
#include <cstring>
#include <fstream>

#include "ebsd/core/error.hpp"
#include "ebsd/io/atomic_file.hpp"
#include "ebsd/io/model/gguf.hpp"

namespace ebsd::io::model {
namespace {

template <class T>
void put(std::vector<std::uint8_t>& out, T v) {
  const std::size_t at = out.size();
  out.resize(at + sizeof(T));  // resize + memcpy: GCC 12 misreads insert() of a local array
  std::memcpy(out.data() + at, &v, sizeof(T));
}

void put_string(std::vector<std::uint8_t>& out, const std::string& s) {
  put<std::uint64_t>(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

std::uint64_t align_up(std::uint64_t x, std::uint64_t a) { return (x + a - 1) / a * a; }

}  // namespace

GgufWriter::GgufWriter(std::uint32_t alignment) : alignment_(alignment) {
  if (alignment < 8 || (alignment & (alignment - 1)) != 0) throw Error("GGUF alignment must be a power of two >= 8");
  if (alignment != 32) set_uint32("general.alignment", alignment);
}

void GgufWriter::begin_kv(const std::string& key, GgufValueType type) {
  if (key.empty() || key.size() > kGgufMaxKeyBytes) throw Error("invalid metadata key length", "", key);
  for (const auto& k : keys_)
    if (k == key) throw Error("duplicate metadata key", "", key);
  keys_.push_back(key);
  ++kv_count_;
  put_string(kv_, key);
  put<std::uint32_t>(kv_, static_cast<std::uint32_t>(type));
}

void GgufWriter::set_uint32(const std::string& key, std::uint32_t v) { begin_kv(key, GgufValueType::U32); put(kv_, v); }
void GgufWriter::set_uint64(const std::string& key, std::uint64_t v) { begin_kv(key, GgufValueType::U64); put(kv_, v); }
void GgufWriter::set_int32(const std::string& key, std::int32_t v) { begin_kv(key, GgufValueType::I32); put(kv_, v); }
void GgufWriter::set_float32(const std::string& key, float v) { begin_kv(key, GgufValueType::F32); put(kv_, v); }
void GgufWriter::set_bool(const std::string& key, bool v) {
  begin_kv(key, GgufValueType::BOOL);
  put<std::uint8_t>(kv_, v ? 1 : 0);
}
void GgufWriter::set_string(const std::string& key, const std::string& v) {
  begin_kv(key, GgufValueType::STRING);
  put_string(kv_, v);
}
void GgufWriter::set_string_array(const std::string& key, const std::vector<std::string>& v) {
  begin_kv(key, GgufValueType::ARRAY);
  put<std::uint32_t>(kv_, static_cast<std::uint32_t>(GgufValueType::STRING));
  put<std::uint64_t>(kv_, v.size());
  for (const auto& s : v) put_string(kv_, s);
}
void GgufWriter::set_float32_array(const std::string& key, const std::vector<float>& v) {
  begin_kv(key, GgufValueType::ARRAY);
  put<std::uint32_t>(kv_, static_cast<std::uint32_t>(GgufValueType::F32));
  put<std::uint64_t>(kv_, v.size());
  for (float x : v) put(kv_, x);
}
void GgufWriter::set_int32_array(const std::string& key, const std::vector<std::int32_t>& v) {
  begin_kv(key, GgufValueType::ARRAY);
  put<std::uint32_t>(kv_, static_cast<std::uint32_t>(GgufValueType::I32));
  put<std::uint64_t>(kv_, v.size());
  for (auto x : v) put(kv_, x);
}

void GgufWriter::add_tensor(const std::string& name, GgmlType type, const std::vector<std::int64_t>& shape,
                            std::span<const std::uint8_t> bytes) {
  if (name.empty() || name.size() > kGgufMaxTensorNameBytes)
    throw Error("tensor names must have 1 to 64 bytes", "", name);
  if (shape.size() > kGgufMaxDims) throw Error("at most 4 dimensions", "", name);
  for (const auto& t : tensors_)
    if (t.name == name) throw Error("duplicate tensor name", "", name);
  const auto& tr = ggml_type_traits(type);
  Tensor t{name, type, {}, {}};
  std::uint64_t count = 1;
  for (auto it = shape.rbegin(); it != shape.rend(); ++it) {
    if (*it < 0) throw Error("negative dimension", "", name);
    t.ne.push_back(static_cast<std::uint64_t>(*it));
    count *= static_cast<std::uint64_t>(*it);
  }
  const std::uint64_t ne0 = t.ne.empty() ? 1 : t.ne[0];
  if (ne0 % tr.block_elements) throw Error("innermost dimension is not a multiple of the block size", "", name);
  if (count / tr.block_elements * tr.block_bytes != bytes.size())
    throw Error("expected " + std::to_string(count / tr.block_elements * tr.block_bytes) + " bytes for the shape, got " +
                    std::to_string(bytes.size()),
                "", name);
  t.bytes.assign(bytes.begin(), bytes.end());
  tensors_.push_back(std::move(t));
}

std::vector<std::uint8_t> GgufWriter::serialize() const {
  std::vector<std::uint8_t> out;
  put<std::uint32_t>(out, 0x46554747);
  put<std::uint32_t>(out, 3);
  put<std::uint64_t>(out, tensors_.size());
  put<std::uint64_t>(out, kv_count_);
  out.insert(out.end(), kv_.begin(), kv_.end());
  std::uint64_t offset = 0;
  for (const auto& t : tensors_) {
    put_string(out, t.name);
    put<std::uint32_t>(out, static_cast<std::uint32_t>(t.ne.size()));
    for (auto d : t.ne) put<std::uint64_t>(out, d);
    put<std::uint32_t>(out, static_cast<std::uint32_t>(t.type));
    put<std::uint64_t>(out, offset);
    offset = align_up(offset + t.bytes.size(), alignment_);
  }
  out.resize(static_cast<std::size_t>(align_up(out.size(), alignment_)), 0);
  for (const auto& t : tensors_) {
    out.insert(out.end(), t.bytes.begin(), t.bytes.end());
    out.resize(static_cast<std::size_t>(align_up(out.size(), alignment_)), 0);
  }
  return out;
}

void GgufWriter::write(const std::filesystem::path& path) const {
  const auto bytes = serialize();
  write_atomically(path, [&](const std::filesystem::path& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw Error("cannot write", tmp.string());
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw Error("write failed", path.string());
  });
}

}  // namespace ebsd::io::model

// GGUF parser (model/gguf.hpp). Every read goes through Cursor, which checks the remaining
// bytes first; counts are checked against the bytes their elements need before anything is
// reserved, so a header claiming 2^60 tensors fails at once instead of allocating.
#include <algorithm>
#include <cstring>
#include <limits>

#include "ebsd/core/error.hpp"
#include "ebsd/io/model/gguf.hpp"

namespace ebsd::io::model {
namespace {

constexpr std::uint32_t kMagic = 0x46554747;  // "GGUF" read as little-endian u32

class Cursor {
public:
  Cursor(std::span<const std::uint8_t> b, const std::string& source) : b_(b), source_(source) {}
  std::uint64_t pos() const { return pos_; }
  std::uint64_t left() const { return b_.size() - pos_; }
  void need(std::uint64_t n, const std::string& field) const {
    if (n > left())
      throw Error("truncated: " + field + " needs " + std::to_string(n) + " bytes at offset " + std::to_string(pos_) +
                      ", " + std::to_string(left()) + " left",
                  source_, field);
  }
  template <class T>
  T read(const std::string& field) {
    need(sizeof(T), field);
    T v;
    std::memcpy(&v, b_.data() + pos_, sizeof(T));  // files and hosts are little-endian
    pos_ += sizeof(T);
    return v;
  }
  std::string read_string(const std::string& field, std::uint64_t max_bytes) {
    const auto n = read<std::uint64_t>(field + " (length)");
    if (n > max_bytes)
      throw Error("string length " + std::to_string(n) + " exceeds the limit of " + std::to_string(max_bytes), source_,
                  field);
    need(n, field);
    std::string s(reinterpret_cast<const char*>(b_.data() + pos_), static_cast<std::size_t>(n));
    pos_ += n;
    return s;
  }

private:
  std::span<const std::uint8_t> b_;
  const std::string& source_;
  std::uint64_t pos_ = 0;
};

// The fewest bytes one value of a type occupies (a string: its length field).
std::uint64_t min_value_bytes(GgufValueType t) {
  switch (t) {
    case GgufValueType::U8: case GgufValueType::I8: case GgufValueType::BOOL: return 1;
    case GgufValueType::U16: case GgufValueType::I16: return 2;
    case GgufValueType::U32: case GgufValueType::I32: case GgufValueType::F32: return 4;
    case GgufValueType::U64: case GgufValueType::I64: case GgufValueType::F64: case GgufValueType::STRING: return 8;
    case GgufValueType::ARRAY: return 12;
  }
  return 1;
}

GgufValueType value_type(std::uint32_t raw, const std::string& source, const std::string& field) {
  if (raw > static_cast<std::uint32_t>(GgufValueType::F64))
    throw Error("unknown value type " + std::to_string(raw), source, field);
  return static_cast<GgufValueType>(raw);
}

GgufValue read_value(Cursor& c, GgufValueType t, const std::string& source, const std::string& field, int depth) {
  GgufValue v;
  v.type = t;
  switch (t) {
    case GgufValueType::U8: v.uinteger = c.read<std::uint8_t>(field); v.integer = static_cast<std::int64_t>(v.uinteger); break;
    case GgufValueType::I8: v.integer = c.read<std::int8_t>(field); break;
    case GgufValueType::U16: v.uinteger = c.read<std::uint16_t>(field); v.integer = static_cast<std::int64_t>(v.uinteger); break;
    case GgufValueType::I16: v.integer = c.read<std::int16_t>(field); break;
    case GgufValueType::U32: v.uinteger = c.read<std::uint32_t>(field); v.integer = static_cast<std::int64_t>(v.uinteger); break;
    case GgufValueType::I32: v.integer = c.read<std::int32_t>(field); break;
    case GgufValueType::U64: v.uinteger = c.read<std::uint64_t>(field); v.integer = static_cast<std::int64_t>(v.uinteger); break;
    case GgufValueType::I64: v.integer = c.read<std::int64_t>(field); break;
    case GgufValueType::F32: v.real = c.read<float>(field); break;
    case GgufValueType::F64: v.real = c.read<double>(field); break;
    case GgufValueType::BOOL: {
      const auto b = c.read<std::uint8_t>(field);
      if (b > 1) throw Error("bool must be 0 or 1, found " + std::to_string(b), source, field);
      v.integer = b;
      v.uinteger = b;
      break;
    }
    case GgufValueType::STRING: v.text = c.read_string(field, c.left()); break;
    case GgufValueType::ARRAY: {
      if (depth >= kGgufMaxArrayNesting) throw Error("arrays nested deeper than " + std::to_string(kGgufMaxArrayNesting), source, field);
      v.element_type = value_type(c.read<std::uint32_t>(field + " (element type)"), source, field);
      const auto n = c.read<std::uint64_t>(field + " (element count)");
      if (n > c.left() / min_value_bytes(v.element_type))
        throw Error("array claims " + std::to_string(n) + " elements, more than the " + std::to_string(c.left()) +
                        " bytes left can hold",
                    source, field);
      v.array.reserve(static_cast<std::size_t>(n));
      for (std::uint64_t i = 0; i < n; ++i)
        v.array.push_back(read_value(c, v.element_type, source, field + "[" + std::to_string(i) + "]", depth + 1));
      break;
    }
  }
  if (t == GgufValueType::I8 || t == GgufValueType::I16 || t == GgufValueType::I32 || t == GgufValueType::I64)
    v.uinteger = static_cast<std::uint64_t>(v.integer);
  return v;
}

std::uint64_t align_up(std::uint64_t x, std::uint64_t a) { return (x + a - 1) / a * a; }

}  // namespace

bool GgufValue::is_integer() const {
  return type != GgufValueType::F32 && type != GgufValueType::F64 && type != GgufValueType::STRING &&
         type != GgufValueType::ARRAY && type != GgufValueType::BOOL;
}

std::uint64_t GgufTensor::element_count() const {
  std::uint64_t n = 1;
  for (auto d : ne) n *= d;
  return n;
}

std::vector<std::int64_t> GgufTensor::shape() const {
  std::vector<std::int64_t> s;
  for (auto it = ne.rbegin(); it != ne.rend(); ++it) s.push_back(static_cast<std::int64_t>(*it));
  return s;
}

GgufFile parse_gguf(std::span<const std::uint8_t> bytes, const std::string& source) {
  GgufFile f;
  f.source = source;
  Cursor c(bytes, source);
  const auto magic = c.read<std::uint32_t>("magic");
  if (magic != kMagic) throw Error("not a GGUF file (magic bytes are not 'GGUF')", source, "magic");
  f.version = c.read<std::uint32_t>("version");
  if (f.version == 1) throw Error("GGUF version 1 is obsolete (32-bit counts); convert the file again", source, "version");
  if (f.version >= 0x01000000u)
    throw Error("big-endian GGUF files are not supported (version field reads " + std::to_string(f.version) + ")", source,
                "version");
  if (f.version != 2 && f.version != 3)
    throw Error("unsupported GGUF version " + std::to_string(f.version) + " (expected 2 or 3)", source, "version");
  const auto tensor_count = c.read<std::uint64_t>("tensor_count");
  const auto kv_count = c.read<std::uint64_t>("metadata_kv_count");
  // A key/value pair takes at least 8 (key length) + 4 (type) + 1 bytes; a tensor info at least
  // 8 (name length) + 4 (n_dims) + 4 (type) + 8 (offset).
  if (kv_count > c.left() / 13)
    throw Error("metadata_kv_count " + std::to_string(kv_count) + " cannot fit in the " + std::to_string(c.left()) +
                    " bytes left",
                source, "metadata_kv_count");
  if (tensor_count > c.left() / 24)
    throw Error("tensor_count " + std::to_string(tensor_count) + " cannot fit in the " + std::to_string(c.left()) +
                    " bytes left",
                source, "tensor_count");

  for (std::uint64_t i = 0; i < kv_count; ++i) {
    const std::string where = "metadata[" + std::to_string(i) + "]";
    auto key = c.read_string(where + " key", kGgufMaxKeyBytes);
    if (key.empty()) throw Error("empty metadata key", source, where);
    const auto t = value_type(c.read<std::uint32_t>(key + " (type)"), source, key);
    auto v = read_value(c, t, source, key, 0);
    if (f.metadata.count(key)) throw Error("duplicate metadata key", source, key);
    f.metadata.emplace(std::move(key), std::move(v));
  }
  if (const auto* a = f.find_value("general.alignment")) {
    if (a->type != GgufValueType::U32) throw Error("must be a u32", source, "general.alignment");
    const auto al = a->uinteger;
    if (al < 8 || (al & (al - 1)) != 0)
      throw Error("alignment " + std::to_string(al) + " is not a power of two of at least 8", source, "general.alignment");
    f.alignment = static_cast<std::uint32_t>(al);
  }

  f.tensors.reserve(static_cast<std::size_t>(tensor_count));
  for (std::uint64_t i = 0; i < tensor_count; ++i) {
    GgufTensor t;
    t.name = c.read_string("tensor[" + std::to_string(i) + "] name", kGgufMaxTensorNameBytes);
    const std::string& n = t.name;
    const auto n_dims = c.read<std::uint32_t>(n + " n_dims");
    if (n_dims > kGgufMaxDims) throw Error("n_dims " + std::to_string(n_dims) + " exceeds 4", source, n);
    std::uint64_t count = 1;
    for (std::uint32_t d = 0; d < n_dims; ++d) {
      const auto e = c.read<std::uint64_t>(n + " ne[" + std::to_string(d) + "]");
      if (e > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
          (e != 0 && count > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / e))
        throw Error("dimension " + std::to_string(d) + " overflows the element count", source, n);
      count *= e;
      t.ne.push_back(e);
    }
    const auto raw_type = c.read<std::uint32_t>(n + " type");
    const auto traits = ggml_type_traits(raw_type);
    if (!traits) throw Error("unknown tensor type " + std::to_string(raw_type), source, n);
    t.type = traits->type;
    const std::uint64_t ne0 = t.ne.empty() ? 1 : t.ne[0];
    if (ne0 % traits->block_elements != 0)
      throw Error("innermost dimension " + std::to_string(ne0) + " is not a multiple of the " + traits->name +
                      " block size " + std::to_string(traits->block_elements),
                  source, n);
    t.byte_size = count / traits->block_elements * traits->block_bytes;
    t.offset = c.read<std::uint64_t>(n + " offset");
    if (t.offset % f.alignment != 0)
      throw Error("data offset " + std::to_string(t.offset) + " is not a multiple of the alignment " +
                      std::to_string(f.alignment),
                  source, n);
    f.tensors.push_back(std::move(t));
  }

  f.data_offset = align_up(c.pos(), f.alignment);
  if (f.data_offset > bytes.size() && !f.tensors.empty())
    throw Error("the data section starts at " + std::to_string(f.data_offset) + ", past the end of the file (" +
                    std::to_string(bytes.size()) + " bytes)",
                source, "data section");
  const std::uint64_t data_size = f.data_offset <= bytes.size() ? bytes.size() - f.data_offset : 0;
  std::vector<std::size_t> order(f.tensors.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  for (auto& t : f.tensors) {
    if (t.offset > data_size || t.byte_size > data_size - t.offset)
      throw Error("data [" + std::to_string(t.offset) + ", +" + std::to_string(t.byte_size) + ") runs past the end of the " +
                      std::to_string(data_size) + "-byte data section",
                  source, t.name);
    t.data = bytes.subspan(static_cast<std::size_t>(f.data_offset + t.offset), static_cast<std::size_t>(t.byte_size));
  }
  std::sort(order.begin(), order.end(), [&](auto a, auto b) {
    return f.tensors[a].offset != f.tensors[b].offset ? f.tensors[a].offset < f.tensors[b].offset
                                                      : f.tensors[a].name < f.tensors[b].name;
  });
  for (std::size_t k = 1; k < order.size(); ++k) {
    const auto& prev = f.tensors[order[k - 1]];
    const auto& cur = f.tensors[order[k]];
    if (cur.name == prev.name) throw Error("duplicate tensor name", source, cur.name);
    if (cur.offset < prev.offset + prev.byte_size && cur.byte_size > 0 && prev.byte_size > 0)
      throw Error("tensor data overlaps '" + prev.name + "'", source, cur.name);
  }
  // Names must be unique even where offsets differ.
  std::vector<std::string> names;
  names.reserve(f.tensors.size());
  for (const auto& t : f.tensors) names.push_back(t.name);
  std::sort(names.begin(), names.end());
  if (const auto d = std::adjacent_find(names.begin(), names.end()); d != names.end())
    throw Error("duplicate tensor name", source, *d);
  return f;
}

GgufFile read_gguf(const std::filesystem::path& path) {
  auto mapping = map_file(path);
  GgufFile f = parse_gguf(mapping->bytes(), path.string());
  f.mapping_ = std::move(mapping);
  return f;
}

const GgufTensor* GgufFile::find(const std::string& name) const {
  for (const auto& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

const GgufValue* GgufFile::find_value(const std::string& key) const {
  const auto it = metadata.find(key);
  return it == metadata.end() ? nullptr : &it->second;
}

std::uint64_t GgufFile::get_uint(const std::string& key) const {
  const auto* v = find_value(key);
  if (!v) throw Error("required metadata key is missing", source, key);
  if (!v->is_integer() || v->integer < 0) throw Error("expected a non-negative integer", source, key);
  return v->uinteger;
}
std::uint64_t GgufFile::get_uint(const std::string& key, std::uint64_t fallback) const {
  return find_value(key) ? get_uint(key) : fallback;
}
double GgufFile::get_float(const std::string& key) const {
  const auto* v = find_value(key);
  if (!v) throw Error("required metadata key is missing", source, key);
  if (v->is_float()) return v->real;
  if (v->is_integer()) return static_cast<double>(v->integer);
  throw Error("expected a number", source, key);
}
double GgufFile::get_float(const std::string& key, double fallback) const {
  return find_value(key) ? get_float(key) : fallback;
}
std::string GgufFile::get_string(const std::string& key) const {
  const auto* v = find_value(key);
  if (!v) throw Error("required metadata key is missing", source, key);
  if (v->type != GgufValueType::STRING) throw Error("expected a string", source, key);
  return v->text;
}
std::string GgufFile::get_string(const std::string& key, const std::string& fallback) const {
  return find_value(key) ? get_string(key) : fallback;
}
bool GgufFile::get_bool(const std::string& key, bool fallback) const {
  const auto* v = find_value(key);
  if (!v) return fallback;
  if (v->type != GgufValueType::BOOL) throw Error("expected a bool", source, key);
  return v->integer != 0;
}
std::vector<std::string> GgufFile::get_string_array(const std::string& key) const {
  const auto* v = find_value(key);
  if (!v) throw Error("required metadata key is missing", source, key);
  if (v->type != GgufValueType::ARRAY || v->element_type != GgufValueType::STRING)
    throw Error("expected an array of strings", source, key);
  std::vector<std::string> out;
  out.reserve(v->array.size());
  for (const auto& e : v->array) out.push_back(e.text);
  return out;
}

}  // namespace ebsd::io::model

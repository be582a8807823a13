// safetensors reader and writer (model_files/safetensors.hpp).
#include "model_files/safetensors.hpp"

#include <algorithm>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include "ebsd/core/error.hpp"

namespace ebsd::gpu::model_files {

std::int64_t TensorRecord::element_count() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

const TensorRecord* SafetensorsFile::find(const std::string& name) const {
  for (const auto& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

std::size_t dtype_size(const std::string& d) {
  if (d == "F64" || d == "I64" || d == "U64") return 8;
  if (d == "F32" || d == "I32" || d == "U32") return 4;
  if (d == "F16" || d == "BF16" || d == "I16" || d == "U16") return 2;
  if (d == "I8" || d == "U8" || d == "BOOL") return 1;
  return 0;
}

SafetensorsFile parse_safetensors(std::span<const std::uint8_t> bytes, const std::string& source) {
  if (bytes.size() < 8) throw Error("file too short for a safetensors header (8 bytes)", source, "header length");
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[static_cast<std::size_t>(i)];
  if (n > kMaxHeaderBytes || n > bytes.size() - 8)
    throw Error("header length " + std::to_string(n) + " exceeds the file (" + std::to_string(bytes.size()) + " bytes)",
                source, "header length");
  nlohmann::json h;
  try {
    h = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("header is not valid JSON: ") + e.what(), source, "header");
  }
  if (!h.is_object()) throw Error("header must be a JSON object", source, "header");
  const std::span<const std::uint8_t> data = bytes.subspan(8 + static_cast<std::size_t>(n));
  SafetensorsFile f;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (const auto& [name, e] : h.items()) {
    if (name == "__metadata__") {
      if (!e.is_object()) throw Error("__metadata__ must be an object", source, "__metadata__");
      for (const auto& [k, v] : e.items()) {
        if (!v.is_string()) throw Error("metadata values must be strings", source, "__metadata__." + k);
        f.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    if (!e.is_object() || !e.contains("dtype") || !e.contains("shape") || !e.contains("data_offsets") ||
        !e["dtype"].is_string() || !e["shape"].is_array() || !e["data_offsets"].is_array() ||
        e["data_offsets"].size() != 2)
      throw Error("expected {dtype, shape, data_offsets: [begin, end]}", source, name);
    TensorRecord t;
    t.name = name;
    t.dtype = e["dtype"].get<std::string>();
    const std::size_t es = dtype_size(t.dtype);
    if (es == 0) throw Error("unknown dtype '" + t.dtype + "'", source, name);
    std::uint64_t count = 1;
    for (const auto& d : e["shape"]) {
      if (!d.is_number_unsigned()) throw Error("shape entries must be non-negative integers", source, name);
      const auto v = d.get<std::uint64_t>();
      if (v != 0 && count > std::numeric_limits<std::uint64_t>::max() / 16 / v)
        throw Error("shape overflows", source, name);
      count *= v;
      t.shape.push_back(static_cast<std::int64_t>(v));
    }
    const auto& o = e["data_offsets"];
    if (!o[0].is_number_unsigned() || !o[1].is_number_unsigned())
      throw Error("data_offsets must be non-negative integers", source, name);
    const auto b = o[0].get<std::uint64_t>(), en = o[1].get<std::uint64_t>();
    if (b > en || en > data.size())
      throw Error("data_offsets [" + std::to_string(b) + ", " + std::to_string(en) + "] outside the data (" +
                      std::to_string(data.size()) + " bytes)",
                  source, name);
    if (en - b != count * es)
      throw Error("expected " + std::to_string(count * es) + " bytes for the shape, the offsets give " +
                      std::to_string(en - b),
                  source, name);
    t.data.assign(data.begin() + static_cast<std::ptrdiff_t>(b), data.begin() + static_cast<std::ptrdiff_t>(en));
    ranges.emplace_back(b, en);
    f.tensors.push_back(std::move(t));
  }
  // Tensors may not overlap (the format requires a dense, ordered data section).
  std::vector<std::size_t> order(f.tensors.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return ranges[a] < ranges[b]; });
  for (std::size_t i = 1; i < order.size(); ++i)
    if (ranges[order[i]].first < ranges[order[i - 1]].second)
      throw Error("tensor data overlaps '" + f.tensors[order[i - 1]].name + "'", source, f.tensors[order[i]].name);
  std::vector<TensorRecord> sorted;
  for (auto i : order) sorted.push_back(std::move(f.tensors[i]));
  f.tensors = std::move(sorted);
  return f;
}

SafetensorsFile read_safetensors(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open", path.string());
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_safetensors(bytes, path.string());
}

std::vector<std::uint8_t> serialize_safetensors(const SafetensorsFile& f) {
  nlohmann::json h = nlohmann::json::object();
  if (!f.metadata.empty()) h["__metadata__"] = f.metadata;
  std::uint64_t offset = 0;
  for (const auto& t : f.tensors) {
    if (dtype_size(t.dtype) == 0) throw Error("unknown dtype '" + t.dtype + "'", "", t.name);
    if (static_cast<std::uint64_t>(t.element_count()) * dtype_size(t.dtype) != t.data.size())
      throw Error("data size does not match the shape", "", t.name);
    h[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
  }
  std::string header = h.dump();
  while ((header.size() + 8) % 8) header.push_back(' ');  // align the data section to 8 bytes
  std::vector<std::uint8_t> out;
  out.reserve(8 + header.size() + static_cast<std::size_t>(offset));
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(header.size() >> (8 * i)));
  for (char ch : header) out.push_back(static_cast<std::uint8_t>(ch));
  for (const auto& t : f.tensors) out.insert(out.end(), t.data.begin(), t.data.end());
  return out;
}

void write_safetensors(const std::filesystem::path& path, const SafetensorsFile& f) {
  const auto bytes = serialize_safetensors(f);
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw Error("cannot write", tmp);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw Error("write failed", tmp);
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace ebsd::gpu::model_files

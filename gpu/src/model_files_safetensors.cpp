// safetensors reader and writer (model_files/safetensors.hpp).
#include "model_files/safetensors.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include "ebsd/core/error.hpp"
#include "ebsd/io/model/safetensors.hpp"

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

std::size_t dtype_size(const std::string& d) { return io::model::safetensors_dtype_size(d); }

SafetensorsFile parse_safetensors(std::span<const std::uint8_t> bytes, const std::string& source) {
  // One parser for the project: io/model's view reader checks the header and the offsets (the
  // reference rules: tensors tile the data exactly); this API copies the bytes out of it.
  const auto view = io::model::parse_safetensors_view(bytes, source);
  SafetensorsFile f;
  f.metadata = view.metadata;
  for (const auto& t : view.tensors)
    f.tensors.push_back({t.name, t.dtype, t.shape, std::vector<std::uint8_t>(t.data.begin(), t.data.end())});
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

// safetensors views and sharded checkpoints (model/safetensors.hpp).
#include "ebsd/io/model/safetensors.hpp"

#include <algorithm>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "ebsd/core/error.hpp"

namespace ebsd::io::model {

std::int64_t SafetensorsTensor::element_count() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::size_t safetensors_dtype_size(const std::string& d) {
  if (d == "F64" || d == "I64" || d == "U64" || d == "C64") return 8;
  if (d == "F32" || d == "I32" || d == "U32") return 4;
  if (d == "F16" || d == "BF16" || d == "I16" || d == "U16") return 2;
  if (d == "I8" || d == "U8" || d == "BOOL" || d == "F8_E5M2" || d == "F8_E4M3" || d == "F8_E8M0") return 1;
  return 0;
}

const SafetensorsTensor* SafetensorsView::find(const std::string& name) const {
  for (const auto& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

SafetensorsView parse_safetensors_view(std::span<const std::uint8_t> bytes, const std::string& source) {
  if (bytes.size() < 8) throw Error("file too short for a safetensors header (8 bytes)", source, "header length");
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[static_cast<std::size_t>(i)];
  if (n > kSafetensorsMaxHeaderBytes || n > bytes.size() - 8)
    throw Error("header length " + std::to_string(n) + " exceeds the file (" + std::to_string(bytes.size()) +
                    " bytes) or the 100 MB limit",
                source, "header length");
  nlohmann::json h;
  try {
    h = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("header is not valid JSON: ") + e.what(), source, "header");
  }
  if (!h.is_object()) throw Error("header must be a JSON object", source, "header");
  const std::span<const std::uint8_t> data = bytes.subspan(8 + static_cast<std::size_t>(n));
  SafetensorsView f;
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
    SafetensorsTensor t;
    t.name = name;
    t.dtype = e["dtype"].get<std::string>();
    const std::size_t es = safetensors_dtype_size(t.dtype);
    if (es == 0) throw Error("unknown dtype '" + t.dtype + "'", source, name);
    std::uint64_t count = 1;
    for (const auto& d : e["shape"]) {
      if (!d.is_number_unsigned()) throw Error("shape entries must be non-negative integers", source, name);
      const auto v = d.get<std::uint64_t>();
      if (v != 0 && count > std::numeric_limits<std::uint64_t>::max() / 16 / v) throw Error("shape overflows", source, name);
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
    t.data = data.subspan(static_cast<std::size_t>(b), static_cast<std::size_t>(en - b));
    ranges.emplace_back(b, en);
    f.tensors.push_back(std::move(t));
  }
  std::vector<std::size_t> order(f.tensors.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return ranges[a] < ranges[b]; });
  std::uint64_t expected = 0;
  for (auto i : order) {
    if (ranges[i].first < expected) throw Error("tensor data overlaps the previous tensor's", source, f.tensors[i].name);
    if (ranges[i].first > expected)
      throw Error("a hole of " + std::to_string(ranges[i].first - expected) + " bytes precedes this tensor's data", source,
                  f.tensors[i].name);
    expected = ranges[i].second;
  }
  if (expected != data.size())
    throw Error(std::to_string(data.size() - expected) + " bytes after the last tensor belong to none", source, "data");
  std::vector<SafetensorsTensor> sorted;
  sorted.reserve(order.size());
  for (auto i : order) sorted.push_back(std::move(f.tensors[i]));
  f.tensors = std::move(sorted);
  return f;
}

SafetensorsModel::SafetensorsModel(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  fs::path file = path;
  if (fs::is_directory(path)) {
    if (fs::exists(path / "model.safetensors.index.json"))
      file = path / "model.safetensors.index.json";
    else if (fs::exists(path / "model.safetensors"))
      file = path / "model.safetensors";
    else
      throw Error("no model.safetensors or model.safetensors.index.json in the folder", path.string());
  }
  folder_ = file.parent_path();
  source_ = file.string();
  auto add_file = [&](const fs::path& p) -> SafetensorsView {
    auto m = map_file(p);
    auto v = parse_safetensors_view(m->bytes(), p.string());
    mappings_.push_back(std::move(m));
    return v;
  };
  if (file.extension() == ".json") {
    std::ifstream in(file);
    if (!in) throw Error("cannot open", file.string());
    nlohmann::json index;
    try {
      index = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      throw Error(std::string("not valid JSON: ") + e.what(), file.string());
    }
    if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
      throw Error("expected an object with a \"weight_map\" object", file.string(), "weight_map");
    std::map<std::string, std::vector<std::string>> by_shard;
    for (const auto& [name, shard] : index["weight_map"].items()) {
      if (!shard.is_string()) throw Error("shard names must be strings", file.string(), "weight_map." + name);
      const auto s = shard.get<std::string>();
      // Shards are plain file names beside the index; anything else could reach outside.
      if (s.empty() || s.find('/') != std::string::npos || s.find('\\') != std::string::npos || s == "." || s == "..")
        throw Error("shard '" + s + "' is not a file name in the index's folder", file.string(), "weight_map." + name);
      by_shard[s].push_back(name);
    }
    for (const auto& [shard, names] : by_shard) {
      auto view = add_file(folder_ / shard);
      for (const auto& name : names) {
        const auto* t = view.find(name);
        if (!t) throw Error("tensor listed in the index is missing from shard '" + shard + "'", file.string(), name);
        tensors_.emplace(name, *t);
      }
    }
  } else {
    auto view = add_file(file);
    for (auto& t : view.tensors) tensors_.emplace(t.name, std::move(t));
  }
}

const SafetensorsTensor* SafetensorsModel::find(const std::string& name) const {
  const auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

const SafetensorsTensor& SafetensorsModel::get(const std::string& name) const {
  const auto* t = find(name);
  if (!t) throw Error("tensor is missing", source_, name);
  return *t;
}

std::vector<std::string> SafetensorsModel::names() const {
  std::vector<std::string> n;
  for (const auto& [k, v] : tensors_) n.push_back(k);
  return n;
}

}  // namespace ebsd::io::model

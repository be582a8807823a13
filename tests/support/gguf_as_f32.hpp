#pragma once
// Test models rewritten with every tensor as F32: the reference the engine's quantized and
// half-precision load paths are compared with. One place for the metadata copy (the u32, f32 and
// string keys our converter writes, which are all the engine reads) and the tensor rewrite.
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <span>
#include <vector>

#include "ebsd/io/model/gguf.hpp"
#include "ebsd/io/model/quantized_weights.hpp"
#include "ebsd/quant/block_formats.hpp"

namespace ebsd::test {

// Every tensor of `in` decoded to F32 by `decode(tensor, out_values)`, written to `out`.
template <class Decode>
void rewrite_gguf_as_f32(const std::filesystem::path& in, const std::filesystem::path& out, Decode decode) {
  namespace im = ebsd::io::model;
  const auto f = im::read_gguf(in);
  im::GgufWriter w;
  for (const auto& [key, v] : f.metadata) {
    if (v.type == im::GgufValueType::U32) w.set_uint32(key, static_cast<std::uint32_t>(v.uinteger));
    else if (v.type == im::GgufValueType::F32) w.set_float32(key, static_cast<float>(v.real));
    else if (v.type == im::GgufValueType::STRING) w.set_string(key, v.text);
  }
  for (const auto& t : f.tensors) {
    std::vector<float> x(static_cast<std::size_t>(t.element_count()));
    decode(t, x);
    w.add_tensor(t.name, im::GgmlType::F32, t.shape(),
                 std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(x.data()), x.size() * 4));
  }
  w.write(out);
}

// The same file with every quantized tensor replaced by its dequantized F32 values (the
// dequantize-then-float reference model); F32 tensors are copied.
inline void dequantize_gguf_to_f32(const std::filesystem::path& in, const std::filesystem::path& out) {
  rewrite_gguf_as_f32(in, out, [](const auto& t, std::vector<float>& x) {
    if (const auto fmt = ebsd::io::model::block_format(t.type))
      ebsd::quant::dequantize_row(*fmt, t.data.data(), x.data(), t.element_count());
    else
      std::memcpy(x.data(), t.data.data(), x.size() * 4);
  });
}

}  // namespace ebsd::test

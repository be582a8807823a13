// Quantized GGUF tensors (model/quantized_weights.hpp).
#include "ebsd/io/model/quantized_weights.hpp"

#include "ebsd/core/error.hpp"

namespace ebsd::io::model {

std::optional<quant::BlockFormat> block_format(GgmlType type) {
  switch (type) {
    case GgmlType::Q8_0: return quant::BlockFormat::Q8_0;
    case GgmlType::Q4_0: return quant::BlockFormat::Q4_0;
    case GgmlType::Q4_K: return quant::BlockFormat::Q4_K;
    case GgmlType::Q6_K: return quant::BlockFormat::Q6_K;
    default: return std::nullopt;
  }
}

GgmlType ggml_type(quant::BlockFormat format) {
  switch (format) {
    case quant::BlockFormat::Q8_0: return GgmlType::Q8_0;
    case quant::BlockFormat::Q4_0: return GgmlType::Q4_0;
    case quant::BlockFormat::Q4_K: return GgmlType::Q4_K;
    case quant::BlockFormat::Q6_K: return GgmlType::Q6_K;
  }
  return GgmlType::F32;
}

quant::BlockFormat check_quantized_weight(const WeightView& w, const std::string& source) {
  const auto f = block_format(w.type);
  if (!f)
    throw Error(std::string("tensor type ") + ggml_type_traits(w.type).name +
                    " is not supported (quantized weights may be Q8_0, Q4_0, Q4_K or Q6_K)",
                source, w.name);
  const auto& t = quant::block_traits(*f);
  if (w.shape.empty() || w.shape.back() % t.block_elements != 0)
    throw Error("rows of " + std::to_string(w.shape.empty() ? 0 : w.shape.back()) + " values are not whole " + t.name +
                    " blocks of " + std::to_string(t.block_elements),
                source, w.name);
  const auto blocks = w.element_count() / t.block_elements;
  const auto want = static_cast<std::uint64_t>(blocks) * static_cast<std::uint64_t>(t.block_bytes);
  if (w.data.size() != want)
    throw Error("expected " + std::to_string(want) + " bytes of " + t.name + " blocks, found " + std::to_string(w.data.size()),
                source, w.name);
  if (const auto bad = quant::first_nonfinite_block(*f, w.data.data(), blocks); bad >= 0)
    throw Error(std::string(t.name) + " block " + std::to_string(bad) + " (row " +
                    std::to_string(bad * t.block_elements / w.shape.back()) + ") has a scale that is NaN or infinite",
                source, w.name);
  return *f;
}

}  // namespace ebsd::io::model

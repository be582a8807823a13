#pragma once
// ggml tensor types as GGUF files store them (LLM-CORE.md section 2.1): id, elements per block,
// bytes per block. Blocks run along the innermost dimension (ne[0], a weight's input axis).
#include <cstdint>
#include <optional>
#include <string>

namespace ebsd::io::model {

enum class GgmlType : std::uint32_t {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
  Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
  I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, BF16 = 30,
};

struct GgmlTypeTraits {
  GgmlType type;
  const char* name;              // "F32", "Q4_K", ...
  std::uint32_t block_elements;  // 1 for plain types
  std::uint32_t block_bytes;
  bool quantized;
};

// The traits of a type id, or nothing for ids this reader does not know.
std::optional<GgmlTypeTraits> ggml_type_traits(std::uint32_t id);
const GgmlTypeTraits& ggml_type_traits(GgmlType type);
// "F32", "F16", "BF16" <-> GgmlType; throws ebsd::Error for other names.
GgmlType ggml_type_from_name(const std::string& name);

}  // namespace ebsd::io::model

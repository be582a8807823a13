// The ggml type table (model/ggml_types.hpp); sizes from ggml's block structs.
#include "ebsd/io/model/ggml_types.hpp"

#include <array>

#include "ebsd/core/error.hpp"

namespace ebsd::io::model {
namespace {

constexpr std::array<GgmlTypeTraits, 20> kTypes{{
    {GgmlType::F32, "F32", 1, 4, false},      {GgmlType::F16, "F16", 1, 2, false},
    {GgmlType::Q4_0, "Q4_0", 32, 18, true},   {GgmlType::Q4_1, "Q4_1", 32, 20, true},
    {GgmlType::Q5_0, "Q5_0", 32, 22, true},   {GgmlType::Q5_1, "Q5_1", 32, 24, true},
    {GgmlType::Q8_0, "Q8_0", 32, 34, true},   {GgmlType::Q8_1, "Q8_1", 32, 36, true},
    {GgmlType::Q2_K, "Q2_K", 256, 84, true},  {GgmlType::Q3_K, "Q3_K", 256, 110, true},
    {GgmlType::Q4_K, "Q4_K", 256, 144, true}, {GgmlType::Q5_K, "Q5_K", 256, 176, true},
    {GgmlType::Q6_K, "Q6_K", 256, 210, true}, {GgmlType::Q8_K, "Q8_K", 256, 292, true},
    {GgmlType::I8, "I8", 1, 1, false},        {GgmlType::I16, "I16", 1, 2, false},
    {GgmlType::I32, "I32", 1, 4, false},      {GgmlType::I64, "I64", 1, 8, false},
    {GgmlType::F64, "F64", 1, 8, false},      {GgmlType::BF16, "BF16", 1, 2, false},
}};

}  // namespace

std::optional<GgmlTypeTraits> ggml_type_traits(std::uint32_t id) {
  for (const auto& t : kTypes)
    if (static_cast<std::uint32_t>(t.type) == id) return t;
  return std::nullopt;
}

const GgmlTypeTraits& ggml_type_traits(GgmlType type) {
  for (const auto& t : kTypes)
    if (t.type == type) return t;
  throw Error("unknown ggml type " + std::to_string(static_cast<std::uint32_t>(type)));
}

GgmlType ggml_type_from_name(const std::string& name) {
  for (const auto& t : kTypes)
    if (name == t.name) return t.type;
  throw Error("unknown tensor type '" + name + "'");
}

}  // namespace ebsd::io::model

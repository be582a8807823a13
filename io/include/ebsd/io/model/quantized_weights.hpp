#pragma once
// GGUF quantized tensors as core's block formats (ebsd/quant/block_formats.hpp): the mapping
// from ggml type ids, and the check every quantized weight passes before the engine uses it.
#include <optional>
#include <string>

#include "ebsd/io/model/ggml_types.hpp"
#include "ebsd/io/model/model_file.hpp"
#include "ebsd/quant/block_formats.hpp"

namespace ebsd::io::model {

// Q8_0, Q4_0, Q4_K, Q6_K; nothing for plain types and for quantized types without a decoder.
std::optional<quant::BlockFormat> block_format(GgmlType type);
GgmlType ggml_type(quant::BlockFormat format);

// Checks a quantized weight: a supported block format, rows (the innermost dimension) a whole
// number of blocks, exactly the bytes its shape needs, and every block's scale finite. Returns
// its format; otherwise throws ebsd::Error naming the file and the tensor.
quant::BlockFormat check_quantized_weight(const WeightView& w, const std::string& source);

}  // namespace ebsd::io::model

#pragma once
// safetensors (+ config.json) -> GGUF, laid out as llama.cpp's converter does so the file is
// interchangeable: dims reversed, Llama q/k rows permuted for adjacent-pair RoPE, Gemma norms
// stored as (1 + w), Llama 3 RoPE scaling as the rope_freqs.weight tensor, norms and biases in
// F32, matrices in the chosen type (F32, F16, BF16, or the quantized Q8_0 / Q4_0, rounded to
// the nearest level per block; a matrix whose rows are not whole blocks of 32 stays F16, as
// llama.cpp does). The token embedding (and the untied output head) may take another type,
// e.g. Q8_0 beside Q4_0 layers. A tokenizer.json beside the
// model goes into the tokenizer.ggml.* keys.
#include <filesystem>

#include "ebsd/core/progress.hpp"
#include "ebsd/io/model/ggml_types.hpp"
#include "ebsd/io/model/model_file.hpp"

namespace ebsd::io::model {

struct ConvertReport {
  std::size_t tensors = 0;
  std::uint64_t bytes = 0;  // size of the written file
  std::string tokenizer;    // "tokenizer.json" when its tokenizer went into the file, else why not
};

ConvertReport convert_to_gguf(const ModelFile& source, const std::filesystem::path& out, GgmlType matrix_type,
                              Progress& progress = Progress::none());
// embedding_type: the type of token_embd.weight and output.weight.
ConvertReport convert_to_gguf(const ModelFile& source, const std::filesystem::path& out, GgmlType matrix_type,
                              GgmlType embedding_type, Progress& progress = Progress::none());

}  // namespace ebsd::io::model

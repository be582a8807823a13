#pragma once
// safetensors (+ config.json) -> GGUF, laid out as llama.cpp's converter does so the file is
// interchangeable: dims reversed, Llama q/k rows permuted for adjacent-pair RoPE, Gemma norms
// stored as (1 + w), Llama 3 RoPE scaling as the rope_freqs.weight tensor, norms and biases in
// F32, matrices in the chosen type (F32, F16 or BF16). A tokenizer.json beside the model goes
// into the tokenizer.ggml.* keys.
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

}  // namespace ebsd::io::model

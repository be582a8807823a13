// Finds a model's tokenizer (model/tokenizer.hpp): GGUF metadata, or tokenizer.json beside a
// safetensors checkpoint.
#include <cstring>
#include <fstream>

#include "ebsd/core/error.hpp"
#include "ebsd/io/model/gguf.hpp"
#include "ebsd/io/model/tokenizer.hpp"

namespace ebsd::io::model {
namespace {

bool starts_with_gguf_magic(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && std::memcmp(magic, "GGUF", 4) == 0;
}

}  // namespace

Tokenizer load_model_tokenizer(const std::filesystem::path& model_path) {
  namespace fs = std::filesystem;
  if (!fs::exists(model_path)) throw Error("no such file or folder", model_path.string());
  if (fs::is_regular_file(model_path) && starts_with_gguf_magic(model_path)) {
    const auto file = read_gguf(model_path);
    if (!file.find_value("tokenizer.ggml.model"))
      throw Error("the GGUF file has no tokenizer (no tokenizer.ggml.model metadata); pass token ids with --prompt-ids",
                  model_path.string(), "tokenizer.ggml.model");
    return tokenizer_from_gguf(file);
  }
  const auto folder = fs::is_directory(model_path) ? model_path : model_path.parent_path();
  const auto json = folder / "tokenizer.json";
  if (!fs::exists(json))
    throw Error("the model has no tokenizer.json beside it; pass token ids with --prompt-ids", model_path.string(),
                "tokenizer.json");
  return load_tokenizer_json(json);
}

}  // namespace ebsd::io::model

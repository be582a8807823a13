#pragma once
// Random-weight GGUF models of a real model's shape, for benchmarks and tests: speed barely
// depends on weight values, so a file of the right shape and tensor types times the same as the
// real model in our engine and in llama.cpp. The file is a complete qwen2 / llama model for
// llama.cpp too: it carries a byte-level vocabulary (the 256 byte tokens of GPT-2's byte
// encoding, then filler tokens up to the vocabulary size) so llama.cpp's loader accepts it.
#include <cstdint>
#include <filesystem>
#include <string>

#include "ebsd/io/model/ggml_types.hpp"

namespace ebsd::io::model {

struct RandomModelOptions {
  std::string architecture = "qwen2";  // "qwen2" (q/k/v biases) or "llama"
  std::int64_t hidden = 896, layers = 24, heads = 14, kv_heads = 2, intermediate = 4864, vocab = 151936;
  std::int64_t context = 32768;
  double rope_theta = 1e6, rms_eps = 1e-6;
  bool tied_embeddings = true;
  GgmlType matrix_type = GgmlType::Q8_0;     // every layer's matrices
  GgmlType embedding_type = GgmlType::Q8_0;  // token_embd (and output when untied)
  std::uint64_t seed = 1;
};

// Qwen2.5-0.5B's shape (hidden 896, 24 layers, 14 heads, 2 KV heads, FFN 4864, vocabulary
// 151,936, tied embeddings), from its published config.json.
RandomModelOptions qwen25_05b_shape();

// Writes the model: matrices and biases uniform with standard deviation 0.02, norms 1, from a
// splitmix64 stream of `seed` (the same seed gives the same bytes). Returns the file size.
std::uint64_t write_random_gguf(const RandomModelOptions& options, const std::filesystem::path& path);

}  // namespace ebsd::io::model

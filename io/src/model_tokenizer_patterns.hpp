#pragma once
// Pre-tokenizer regexes of the byte-level BPE families, as their tokenizer.json files write them
// (GGUF files name them by tokenizer.ggml.pre instead). \s means the White_Space property
// (model_tokenizer_unicode.hpp rewrites it for ICU).
#include <string_view>

namespace ebsd::io::model::patterns {

// GPT-2 (Hugging Face's ByteLevel pre-tokenizer with use_regex).
inline constexpr std::string_view kGpt2 =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
// Llama 3 ("llama-bpe"): digits in groups of up to three.
inline constexpr std::string_view kLlama3 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// Qwen2 / Qwen2.5 / Qwen3 ("qwen2"): single digits.
inline constexpr std::string_view kQwen2 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

}  // namespace ebsd::io::model::patterns

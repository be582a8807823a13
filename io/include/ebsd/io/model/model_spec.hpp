#pragma once
// The architecture-neutral description of a decoder-only LLM (LLM-CORE.md section 2.4): the
// hyper-parameters plus the layout facts that differ between families and file formats (RoPE
// pairing, (1 + w) norms, soft-caps, sliding-window layers). Built from a Hugging Face
// config.json or from GGUF metadata; the engine reads nothing else.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ebsd::io::model {

enum class Architecture { Llama, Qwen2, Gemma2 };
// RotateHalf: element i pairs with i + d/2 (HF checkpoints, GGUF qwen2/gemma2).
// Adjacent: element 2i pairs with 2i + 1 (GGUF llama, whose converter permutes q/k rows).
enum class RopePairing { RotateHalf, Adjacent };
enum class Activation { Silu, GeluTanh };

struct ModelSpec {
  Architecture architecture = Architecture::Llama;
  std::int64_t vocab_size = 0, hidden_size = 0, intermediate_size = 0, layers = 0;
  std::int64_t heads = 0, kv_heads = 0, head_dim = 0, context_length = 0;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  RopePairing rope_pairing = RopePairing::RotateHalf;
  // Per-frequency divisors of the RoPE inverse frequencies (Llama 3 "llama3" scaling), head_dim/2
  // values; empty when the frequencies are unscaled.
  std::vector<float> rope_freq_factors;
  bool qkv_bias = false;          // Qwen2
  bool tied_embeddings = false;   // output head = token embedding
  bool norm_adds_one = false;     // norms multiply by (1 + w): Gemma in HF files (GGUF folds the 1 in)
  bool sandwich_norms = false;    // Gemma2: post-attention and post-FFN norms too
  bool scale_embeddings = false;  // Gemma: embeddings times sqrt(hidden_size)
  Activation activation = Activation::Silu;
  double query_scale = 0;         // multiplies q k^T; 1/sqrt(head_dim) unless the family says otherwise
  double attn_logit_softcap = 0;  // 0: none
  double final_logit_softcap = 0;
  std::int64_t sliding_window = 0;       // 0: none
  std::vector<bool> sliding_layers;      // per layer: attends only to the last sliding_window keys
  std::int64_t bos_token_id = -1, eos_token_id = -1;

  std::string architecture_name() const;  // "llama", "qwen2", "gemma2"
  // Throws ebsd::Error (naming `source`) when the numbers are inconsistent or out of range.
  void validate(const std::string& source) const;
  nlohmann::json to_json() const;
};

Architecture architecture_from_name(const std::string& name, const std::string& source);

// From a Hugging Face config.json (the parsed object; `source` names the file for errors).
ModelSpec spec_from_hf_config(const nlohmann::json& config, const std::string& source);

// Llama 3 frequency scaling (HF rope_type "llama3"): the divisor of each inverse frequency.
std::vector<float> llama3_rope_factors(std::int64_t head_dim, double theta, double factor, double low_freq_factor,
                                       double high_freq_factor, double original_context);

}  // namespace ebsd::io::model

// ModelSpec from Hugging Face config.json (model/model_spec.hpp). Fields and defaults follow
// transformers' LlamaConfig, Qwen2Config and Gemma2Config (5.x writes rope settings as
// "rope_parameters"; 4.x as "rope_theta" + "rope_scaling": both are read).
#include "ebsd/io/model/model_spec.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "ebsd/core/error.hpp"

namespace ebsd::io::model {
namespace {

std::int64_t get_int(const nlohmann::json& c, const char* key, const std::string& source) {
  if (!c.contains(key) || !c[key].is_number_integer()) throw Error("expected an integer", source, key);
  return c[key].get<std::int64_t>();
}

std::int64_t get_int(const nlohmann::json& c, const char* key, std::int64_t fallback, const std::string& source) {
  if (!c.contains(key) || c[key].is_null()) return fallback;
  return get_int(c, key, source);
}

double get_number(const nlohmann::json& c, const char* key, double fallback, const std::string& source) {
  if (!c.contains(key) || c[key].is_null()) return fallback;
  if (!c[key].is_number()) throw Error("expected a number", source, key);
  return c[key].get<double>();
}

// bos/eos ids may be a number, a list (Llama 3: several eos ids) or null.
std::int64_t first_id(const nlohmann::json& c, const char* key) {
  if (!c.contains(key)) return -1;
  const auto& v = c[key];
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_array() && !v.empty() && v[0].is_number_integer()) return v[0].get<std::int64_t>();
  return -1;
}

void read_rope(const nlohmann::json& c, ModelSpec& s, const std::string& source) {
  nlohmann::json rope = nlohmann::json::object();
  std::string where = "rope_parameters";
  if (c.contains("rope_parameters") && c["rope_parameters"].is_object()) {
    rope = c["rope_parameters"];
  } else if (c.contains("rope_scaling") && c["rope_scaling"].is_object()) {
    rope = c["rope_scaling"];
    where = "rope_scaling";
  }
  s.rope_theta = get_number(rope, "rope_theta", get_number(c, "rope_theta", 10000.0, source), source);
  std::string type = "default";
  if (rope.contains("rope_type") && rope["rope_type"].is_string()) type = rope["rope_type"].get<std::string>();
  else if (rope.contains("type") && rope["type"].is_string()) type = rope["type"].get<std::string>();
  if (type == "default") return;
  if (type == "llama3") {
    s.rope_freq_factors = llama3_rope_factors(s.head_dim, s.rope_theta, get_number(rope, "factor", 8.0, source),
                                              get_number(rope, "low_freq_factor", 1.0, source),
                                              get_number(rope, "high_freq_factor", 4.0, source),
                                              get_number(rope, "original_max_position_embeddings", 8192.0, source));
    return;
  }
  throw Error("RoPE type '" + type + "' is not supported yet (default and llama3 are)", source, where);
}

}  // namespace

std::string ModelSpec::architecture_name() const {
  switch (architecture) {
    case Architecture::Llama: return "llama";
    case Architecture::Qwen2: return "qwen2";
    case Architecture::Gemma2: return "gemma2";
  }
  return "?";
}

Architecture architecture_from_name(const std::string& name, const std::string& source) {
  if (name == "llama") return Architecture::Llama;
  if (name == "qwen2") return Architecture::Qwen2;
  if (name == "gemma2") return Architecture::Gemma2;
  throw Error("architecture '" + name + "' is not supported (llama, qwen2, gemma2 are)", source, "architecture");
}

std::vector<float> llama3_rope_factors(std::int64_t head_dim, double theta, double factor, double low_freq_factor,
                                       double high_freq_factor, double original_context) {
  // transformers' _compute_llama3_parameters, expressed as the divisor of each inverse frequency.
  const double low_wavelen = original_context / low_freq_factor, high_wavelen = original_context / high_freq_factor;
  std::vector<float> f;
  for (std::int64_t i = 0; i < head_dim / 2; ++i) {
    const double inv_freq = 1.0 / std::pow(theta, static_cast<double>(2 * i) / static_cast<double>(head_dim));
    const double wavelen = 2 * std::numbers::pi / inv_freq;
    if (wavelen < high_wavelen) {
      f.push_back(1.0f);
    } else if (wavelen > low_wavelen) {
      f.push_back(static_cast<float>(factor));
    } else {
      const double smooth = (original_context / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor);
      f.push_back(static_cast<float>(1.0 / ((1 - smooth) / factor + smooth)));
    }
  }
  return f;
}

ModelSpec spec_from_hf_config(const nlohmann::json& c, const std::string& source) {
  if (!c.is_object()) throw Error("config must be a JSON object", source);
  if (!c.contains("model_type") || !c["model_type"].is_string()) throw Error("expected a string", source, "model_type");
  ModelSpec s;
  s.architecture = architecture_from_name(c["model_type"].get<std::string>(), source);
  s.vocab_size = get_int(c, "vocab_size", source);
  s.hidden_size = get_int(c, "hidden_size", source);
  s.intermediate_size = get_int(c, "intermediate_size", source);
  s.layers = get_int(c, "num_hidden_layers", source);
  s.heads = get_int(c, "num_attention_heads", source);
  s.kv_heads = get_int(c, "num_key_value_heads", s.heads, source);
  if (s.heads <= 0) throw Error("must be positive", source, "num_attention_heads");
  s.head_dim = get_int(c, "head_dim", s.hidden_size / s.heads, source);
  s.context_length = get_int(c, "max_position_embeddings", 2048, source);
  s.rms_norm_eps = get_number(c, "rms_norm_eps", 1e-6, source);
  s.bos_token_id = first_id(c, "bos_token_id");
  s.eos_token_id = first_id(c, "eos_token_id");
  read_rope(c, s, source);
  s.rope_pairing = RopePairing::RotateHalf;  // HF checkpoints rotate halves
  s.query_scale = 1.0 / std::sqrt(static_cast<double>(s.head_dim));
  const bool tie_default = s.architecture == Architecture::Gemma2;
  s.tied_embeddings = c.value("tie_word_embeddings", tie_default);
  auto require_false = [&](const char* key) {
    if (c.contains(key) && c[key].is_boolean() && c[key].get<bool>())
      throw Error("is true, which this engine does not support yet", source, key);
  };
  switch (s.architecture) {
    case Architecture::Llama:
      require_false("attention_bias");
      require_false("mlp_bias");
      if (c.value("hidden_act", std::string("silu")) != "silu") throw Error("expected \"silu\"", source, "hidden_act");
      break;
    case Architecture::Qwen2:
      s.qkv_bias = true;
      require_false("use_sliding_window");
      if (c.value("hidden_act", std::string("silu")) != "silu") throw Error("expected \"silu\"", source, "hidden_act");
      break;
    case Architecture::Gemma2: {
      s.norm_adds_one = true;
      s.sandwich_norms = true;
      s.scale_embeddings = true;
      s.activation = Activation::GeluTanh;
      const auto act = c.value("hidden_activation", std::string("gelu_pytorch_tanh"));
      if (act != "gelu_pytorch_tanh") throw Error("expected \"gelu_pytorch_tanh\", found \"" + act + "\"", source, "hidden_activation");
      s.query_scale = 1.0 / std::sqrt(get_number(c, "query_pre_attn_scalar", static_cast<double>(s.head_dim), source));
      s.attn_logit_softcap = get_number(c, "attn_logit_softcapping", 0.0, source);
      s.final_logit_softcap = get_number(c, "final_logit_softcapping", 0.0, source);
      s.sliding_window = get_int(c, "sliding_window", 0, source);
      s.sliding_layers.assign(static_cast<std::size_t>(std::max<std::int64_t>(s.layers, 0)), false);
      if (c.contains("layer_types") && c["layer_types"].is_array()) {
        const auto& lt = c["layer_types"];
        if (static_cast<std::int64_t>(lt.size()) != s.layers)
          throw Error("has " + std::to_string(lt.size()) + " entries for " + std::to_string(s.layers) + " layers", source,
                      "layer_types");
        for (std::size_t i = 0; i < lt.size(); ++i) {
          const auto t = lt[i].is_string() ? lt[i].get<std::string>() : std::string();
          if (t != "sliding_attention" && t != "full_attention")
            throw Error("expected \"sliding_attention\" or \"full_attention\"", source, "layer_types[" + std::to_string(i) + "]");
          s.sliding_layers[i] = t == "sliding_attention";
        }
      } else {
        for (std::size_t i = 0; i < s.sliding_layers.size(); ++i) s.sliding_layers[i] = i % 2 == 0;  // Gemma2: even layers local
      }
      break;
    }
  }
  if (s.sliding_layers.empty()) s.sliding_layers.assign(static_cast<std::size_t>(std::max<std::int64_t>(s.layers, 0)), false);
  s.validate(source);
  return s;
}

void ModelSpec::validate(const std::string& source) const {
  auto range = [&](std::int64_t v, std::int64_t lo, std::int64_t hi, const char* what) {
    if (v < lo || v > hi)
      throw Error(std::string(what) + " = " + std::to_string(v) + " is outside [" + std::to_string(lo) + ", " +
                      std::to_string(hi) + "]",
                  source, what);
  };
  // Generous bounds that no real model reaches but that stop absurd allocations.
  range(vocab_size, 1, 1 << 22, "vocab_size");
  range(hidden_size, 1, 1 << 17, "hidden_size");
  range(intermediate_size, 1, 1 << 19, "intermediate_size");
  range(layers, 1, 1024, "layers");
  range(heads, 1, 1024, "heads");
  range(kv_heads, 1, heads, "kv_heads");
  range(head_dim, 2, 1024, "head_dim");
  range(context_length, 1, 1 << 24, "context_length");
  if (heads % kv_heads != 0)
    throw Error(std::to_string(heads) + " query heads are not a multiple of " + std::to_string(kv_heads) + " KV heads", source,
                "kv_heads");
  if (head_dim % 2) throw Error("head_dim must be even for RoPE", source, "head_dim");
  if (!rope_freq_factors.empty() && static_cast<std::int64_t>(rope_freq_factors.size()) != head_dim / 2)
    throw Error("expected head_dim/2 = " + std::to_string(head_dim / 2) + " RoPE frequency factors", source, "rope_freqs");
  for (float f : rope_freq_factors)
    if (!(f > 0) || !std::isfinite(f)) throw Error("RoPE frequency factors must be positive", source, "rope_freqs");
  if (!(rms_norm_eps > 0) || !(rope_theta > 0) || !(query_scale > 0) || !std::isfinite(query_scale))
    throw Error("rms_norm_eps, rope theta and the query scale must be positive", source);
  if (!(attn_logit_softcap >= 0) || !(final_logit_softcap >= 0)) throw Error("soft-caps must be >= 0", source);
  if (static_cast<std::int64_t>(sliding_layers.size()) != layers) throw Error("one sliding flag per layer expected", source);
  if (sliding_window < 0) throw Error("sliding_window must be >= 0", source, "sliding_window");
}

nlohmann::json ModelSpec::to_json() const {
  nlohmann::json sl = nlohmann::json::array();
  for (bool b : sliding_layers) sl.push_back(b);
  return {{"architecture", architecture_name()},
          {"vocab_size", vocab_size},
          {"hidden_size", hidden_size},
          {"intermediate_size", intermediate_size},
          {"layers", layers},
          {"heads", heads},
          {"kv_heads", kv_heads},
          {"head_dim", head_dim},
          {"context_length", context_length},
          {"rms_norm_eps", rms_norm_eps},
          {"rope_theta", rope_theta},
          {"rope_pairing", rope_pairing == RopePairing::Adjacent ? "adjacent" : "rotate_half"},
          {"rope_scaled", !rope_freq_factors.empty()},
          {"qkv_bias", qkv_bias},
          {"tied_embeddings", tied_embeddings},
          {"attn_logit_softcap", attn_logit_softcap},
          {"final_logit_softcap", final_logit_softcap},
          {"sliding_window", sliding_window},
          {"sliding_layers", sl}};
}

}  // namespace ebsd::io::model

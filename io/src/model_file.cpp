// ModelFile: one view of GGUF and safetensors models (model/model_file.hpp).
#include "ebsd/io/model/model_file.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>
#include <regex>

#include "ebsd/core/error.hpp"
#include "ebsd/io/model/gguf.hpp"
#include "ebsd/io/model/safetensors.hpp"

namespace ebsd::io::model {

struct ModelFile::Storage {
  std::optional<GgufFile> gguf;
  std::optional<SafetensorsModel> safetensors;
};

ModelFile::ModelFile(ModelFile&&) noexcept = default;
ModelFile& ModelFile::operator=(ModelFile&&) noexcept = default;
ModelFile::~ModelFile() = default;

std::int64_t WeightView::element_count() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

namespace {

bool is_gguf(const std::filesystem::path& p) {
  if (!std::filesystem::is_regular_file(p)) return false;
  std::ifstream in(p, std::ios::binary);
  char m[4] = {};
  in.read(m, 4);
  return in.gcount() == 4 && m[0] == 'G' && m[1] == 'G' && m[2] == 'U' && m[3] == 'F';
}

ModelSpec spec_from_gguf(const GgufFile& g) {
  const std::string arch = g.get_string("general.architecture");
  ModelSpec s;
  s.architecture = architecture_from_name(arch, g.source);
  const auto key = [&](const std::string& k) { return arch + "." + k; };
  auto as_int = [&](std::uint64_t v, const std::string& k) {
    if (v > (1ull << 40)) throw Error("value " + std::to_string(v) + " is out of range", g.source, k);
    return static_cast<std::int64_t>(v);
  };
  s.hidden_size = as_int(g.get_uint(key("embedding_length")), key("embedding_length"));
  s.intermediate_size = as_int(g.get_uint(key("feed_forward_length")), key("feed_forward_length"));
  s.layers = as_int(g.get_uint(key("block_count")), key("block_count"));
  s.heads = as_int(g.get_uint(key("attention.head_count")), key("attention.head_count"));
  s.kv_heads = as_int(g.get_uint(key("attention.head_count_kv"), static_cast<std::uint64_t>(s.heads)), key("attention.head_count_kv"));
  if (s.heads <= 0) throw Error("must be positive", g.source, key("attention.head_count"));
  s.head_dim = as_int(g.get_uint(key("attention.key_length"), static_cast<std::uint64_t>(s.hidden_size / s.heads)),
                      key("attention.key_length"));
  if (g.get_uint(key("attention.value_length"), static_cast<std::uint64_t>(s.head_dim)) != static_cast<std::uint64_t>(s.head_dim))
    throw Error("value heads of another size than key heads are not supported", g.source, key("attention.value_length"));
  s.context_length = as_int(g.get_uint(key("context_length")), key("context_length"));
  s.rms_norm_eps = g.get_float(key("attention.layer_norm_rms_epsilon"));
  s.rope_theta = g.get_float(key("rope.freq_base"), 10000.0);
  if (g.get_uint(key("rope.dimension_count"), static_cast<std::uint64_t>(s.head_dim)) != static_cast<std::uint64_t>(s.head_dim))
    throw Error("partial RoPE (dimension_count != head_dim) is not supported yet", g.source, key("rope.dimension_count"));
  if (const auto* t = g.find_value(key("rope.scaling.type")); t && t->type == GgufValueType::STRING && t->text != "none")
    throw Error("RoPE scaling '" + t->text + "' is not supported yet", g.source, key("rope.scaling.type"));
  s.bos_token_id = static_cast<std::int64_t>(g.get_uint("tokenizer.ggml.bos_token_id", static_cast<std::uint64_t>(-1)));
  s.eos_token_id = static_cast<std::int64_t>(g.get_uint("tokenizer.ggml.eos_token_id", static_cast<std::uint64_t>(-1)));
  s.query_scale = 1.0 / std::sqrt(static_cast<double>(s.head_dim));
  s.sliding_layers.assign(static_cast<std::size_t>(std::min<std::int64_t>(std::max<std::int64_t>(s.layers, 0), 1024)), false);
  // llama.cpp's converter permutes Llama q/k rows so RoPE rotates adjacent pairs; qwen2 and
  // gemma2 files keep HF's rotate-half layout.
  s.rope_pairing = s.architecture == Architecture::Llama ? RopePairing::Adjacent : RopePairing::RotateHalf;
  if (s.architecture == Architecture::Qwen2) s.qkv_bias = true;
  if (s.architecture == Architecture::Gemma2) {
    s.sandwich_norms = true;
    s.scale_embeddings = true;
    s.activation = Activation::GeluTanh;
    s.norm_adds_one = false;  // the converter stored 1 + w
    // Not a llama.cpp key: ours, written by our converter; llama.cpp uses 1/sqrt(head_dim).
    s.query_scale = 1.0 / std::sqrt(g.get_float(key("attention.query_pre_attn_scalar"), static_cast<double>(s.head_dim)));
    s.attn_logit_softcap = g.get_float(key("attn_logit_softcapping"), 0.0);
    s.final_logit_softcap = g.get_float(key("final_logit_softcapping"), 0.0);
    s.sliding_window = as_int(g.get_uint(key("attention.sliding_window"), 0), key("attention.sliding_window"));
    for (std::size_t i = 0; i < s.sliding_layers.size(); ++i) s.sliding_layers[i] = i % 2 == 0;  // llama.cpp's rule
  }
  return s;
}

}  // namespace

std::string canonical_weight_name(const std::string& hf, Architecture arch) {
  if (hf == "model.embed_tokens.weight") return "token_embd.weight";
  if (hf == "model.norm.weight") return "output_norm.weight";
  if (hf == "lm_head.weight") return "output.weight";
  static const std::regex layer(R"(model\.layers\.(\d+)\.(.+))");
  std::smatch m;
  if (!std::regex_match(hf, m, layer)) return "";
  const std::string blk = "blk." + m[1].str() + ".";
  const std::string rest = m[2].str();
  struct Pair { const char* hf; const char* gguf; };
  static const Pair common[] = {
      {"input_layernorm.weight", "attn_norm.weight"},
      {"self_attn.q_proj.weight", "attn_q.weight"}, {"self_attn.k_proj.weight", "attn_k.weight"},
      {"self_attn.v_proj.weight", "attn_v.weight"}, {"self_attn.o_proj.weight", "attn_output.weight"},
      {"self_attn.q_proj.bias", "attn_q.bias"},     {"self_attn.k_proj.bias", "attn_k.bias"},
      {"self_attn.v_proj.bias", "attn_v.bias"},
      {"mlp.gate_proj.weight", "ffn_gate.weight"},  {"mlp.up_proj.weight", "ffn_up.weight"},
      {"mlp.down_proj.weight", "ffn_down.weight"},
  };
  for (const auto& p : common)
    if (rest == p.hf) return blk + p.gguf;
  if (arch == Architecture::Gemma2) {
    if (rest == "post_attention_layernorm.weight") return blk + "post_attention_norm.weight";
    if (rest == "pre_feedforward_layernorm.weight") return blk + "ffn_norm.weight";
    if (rest == "post_feedforward_layernorm.weight") return blk + "post_ffw_norm.weight";
  } else if (rest == "post_attention_layernorm.weight") {
    return blk + "ffn_norm.weight";
  }
  return "";
}

ModelFile ModelFile::open(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  if (!fs::exists(path)) throw Error("no such file or folder", path.string());
  ModelFile mf;
  mf.storage_ = std::make_unique<Storage>();
  mf.source_ = path.string();
  if (is_gguf(path)) {
    mf.format_ = "gguf";
    auto& g = mf.storage_->gguf.emplace(read_gguf(path));
    mf.spec_ = spec_from_gguf(g);
    for (const auto& t : g.tensors) {
      if (t.name == "rope_freqs.weight") {
        if (t.type != GgmlType::F32 || t.ne.size() != 1) throw Error("expected a 1-D F32 tensor", mf.source_, t.name);
        mf.spec_.rope_freq_factors.resize(static_cast<std::size_t>(t.ne[0]));
        std::memcpy(mf.spec_.rope_freq_factors.data(), t.data.data(), t.data.size());
        continue;
      }
      mf.weights_.push_back({t.name, t.name, t.type, t.shape(), t.data});
    }
    if (const auto* v = g.find_value(mf.spec_.architecture_name() + ".vocab_size"); v && v->is_integer())
      mf.spec_.vocab_size = v->integer;
  } else {
    mf.format_ = "safetensors";
    auto& st = mf.storage_->safetensors.emplace(path);
    const fs::path config_path = st.folder() / "config.json";
    std::ifstream in(config_path);
    if (!in) throw Error("a safetensors model needs its config.json beside it", config_path.string());
    nlohmann::json config;
    try {
      config = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      throw Error(std::string("not valid JSON: ") + e.what(), config_path.string());
    }
    mf.spec_ = spec_from_hf_config(config, config_path.string());
    for (const auto& name : st.names()) {
      const auto& t = st.get(name);
      const std::string canonical = canonical_weight_name(name, mf.spec_.architecture);
      if (canonical.empty()) {
        if (name.find("rotary_emb") != std::string::npos) continue;  // derived buffers some exports include
        throw Error("tensor name is not part of a " + mf.spec_.architecture_name() + " checkpoint", st.source(), name);
      }
      GgmlType type;
      if (t.dtype == "F32") type = GgmlType::F32;
      else if (t.dtype == "F16") type = GgmlType::F16;
      else if (t.dtype == "BF16") type = GgmlType::BF16;
      else throw Error("dtype " + t.dtype + " is not supported for weights (F32, F16, BF16 are)", st.source(), name);
      mf.weights_.push_back({canonical, name, type, t.shape, t.data});
    }
  }
  if (mf.spec_.vocab_size <= 0)
    if (const auto* e = mf.find("token_embd.weight"); e && e->shape.size() == 2) mf.spec_.vocab_size = e->shape[0];
  if (mf.format_ == "gguf" || !mf.find("output.weight")) mf.spec_.tied_embeddings = mf.find("output.weight") == nullptr;
  if (mf.format_ == "gguf" && mf.spec_.layers > 0) mf.spec_.qkv_bias = mf.find("blk.0.attn_q.bias") != nullptr;
  mf.spec_.validate(mf.source_);
  return mf;
}

const WeightView* ModelFile::find(const std::string& name) const {
  for (const auto& w : weights_)
    if (w.name == name) return &w;
  return nullptr;
}

const WeightView& ModelFile::get(const std::string& name) const {
  const auto* w = find(name);
  if (!w) throw Error("weight is missing", source_, name);
  return *w;
}

std::uint64_t ModelFile::weight_bytes() const {
  std::uint64_t n = 0;
  for (const auto& w : weights_) n += w.data.size();
  return n;
}

}  // namespace ebsd::io::model

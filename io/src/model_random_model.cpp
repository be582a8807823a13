// Random-weight GGUF models (model/random_model.hpp).
#include "ebsd/io/model/random_model.hpp"

#include <cmath>
#include <cstring>
#include <vector>

#include "ebsd/core/error.hpp"
#include "ebsd/io/model/float_formats.hpp"
#include "ebsd/io/model/gguf.hpp"
#include "ebsd/io/model/quantized_weights.hpp"

namespace ebsd::io::model {
namespace {

struct SplitMix64 {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [-a, a).
  float uniform(float a) { return a * (static_cast<float>(next() >> 40) * (2.0f / 16777216.0f) - 1.0f); }
};

std::vector<std::uint8_t> encode_matrix(GgmlType type, std::int64_t rows, std::int64_t cols, float a, SplitMix64& rng) {
  std::vector<float> row(static_cast<std::size_t>(cols));
  std::vector<std::uint8_t> out;
  if (const auto f = block_format(type)) {
    const auto rb = quant::row_bytes(*f, cols);
    out.resize(rb * static_cast<std::size_t>(rows));
    for (std::int64_t r = 0; r < rows; ++r) {
      for (auto& v : row) v = rng.uniform(a);
      quant::quantize_row(*f, row.data(), out.data() + static_cast<std::size_t>(r) * rb, cols);
    }
    return out;
  }
  const auto& t = ggml_type_traits(type);
  if (type != GgmlType::F32 && type != GgmlType::F16 && type != GgmlType::BF16)
    throw Error(std::string("random models cannot be written in ") + t.name);
  out.resize(static_cast<std::size_t>(rows * cols) * t.block_bytes);
  for (std::int64_t i = 0; i < rows * cols; ++i) {
    const float v = rng.uniform(a);
    if (type == GgmlType::F32) {
      std::memcpy(out.data() + 4 * i, &v, 4);
    } else {
      const std::uint16_t h = type == GgmlType::F16 ? float_to_half(v) : float_to_bf16(v);
      std::memcpy(out.data() + 2 * i, &h, 2);
    }
  }
  return out;
}

std::vector<std::uint8_t> f32_bytes(const std::vector<float>& v) {
  std::vector<std::uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// GPT-2's byte -> printable code point table, as UTF-8 strings: the byte tokens every
// byte-level BPE vocabulary starts from.
std::vector<std::string> byte_tokens() {
  std::vector<int> cp(256, -1);
  for (int b = 0; b < 256; ++b)
    if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) cp[static_cast<std::size_t>(b)] = b;
  int n = 0;
  for (int b = 0; b < 256; ++b)
    if (cp[static_cast<std::size_t>(b)] < 0) cp[static_cast<std::size_t>(b)] = 256 + n++;
  std::vector<std::string> out;
  for (int c : cp) {
    std::string s;
    if (c < 0x80) {
      s += static_cast<char>(c);
    } else {
      s += static_cast<char>(0xC0 | (c >> 6));
      s += static_cast<char>(0x80 | (c & 0x3F));
    }
    out.push_back(s);
  }
  return out;
}

}  // namespace

RandomModelOptions qwen25_05b_shape() { return {}; }

std::uint64_t write_random_gguf(const RandomModelOptions& o, const std::filesystem::path& path) {
  if (o.architecture != "qwen2" && o.architecture != "llama")
    throw Error("random models are qwen2 or llama, not '" + o.architecture + "'", path.string());
  if (o.hidden % o.heads != 0 || o.heads % o.kv_heads != 0 || o.vocab < 300)
    throw Error("inconsistent shape (hidden / heads / KV heads / vocabulary >= 300)", path.string());
  const std::string a = o.architecture;
  const std::int64_t head_dim = o.hidden / o.heads;
  GgufWriter w;
  w.set_string("general.architecture", a);
  w.set_string("general.name", "random " + a + " (EBSD Studio benchmark model)");
  w.set_uint32("general.quantization_version", 2);
  w.set_uint32(a + ".context_length", static_cast<std::uint32_t>(o.context));
  w.set_uint32(a + ".embedding_length", static_cast<std::uint32_t>(o.hidden));
  w.set_uint32(a + ".block_count", static_cast<std::uint32_t>(o.layers));
  w.set_uint32(a + ".feed_forward_length", static_cast<std::uint32_t>(o.intermediate));
  w.set_uint32(a + ".attention.head_count", static_cast<std::uint32_t>(o.heads));
  w.set_uint32(a + ".attention.head_count_kv", static_cast<std::uint32_t>(o.kv_heads));
  w.set_float32(a + ".attention.layer_norm_rms_epsilon", static_cast<float>(o.rms_eps));
  w.set_uint32(a + ".rope.dimension_count", static_cast<std::uint32_t>(head_dim));
  w.set_float32(a + ".rope.freq_base", static_cast<float>(o.rope_theta));
  w.set_uint32(a + ".vocab_size", static_cast<std::uint32_t>(o.vocab));
  // A byte-level BPE vocabulary without merges: every byte is a token, the rest are fillers.
  auto tokens = byte_tokens();
  while (static_cast<std::int64_t>(tokens.size()) < o.vocab) tokens.push_back("<filler_" + std::to_string(tokens.size()) + ">");
  w.set_string("tokenizer.ggml.model", "gpt2");
  w.set_string("tokenizer.ggml.pre", a == "qwen2" ? "qwen2" : "llama-bpe");
  w.set_string_array("tokenizer.ggml.tokens", tokens);
  w.set_int32_array("tokenizer.ggml.token_type", std::vector<std::int32_t>(tokens.size(), 1));
  w.set_string_array("tokenizer.ggml.merges", {});
  w.set_uint32("tokenizer.ggml.bos_token_id", static_cast<std::uint32_t>(o.vocab - 1));
  w.set_uint32("tokenizer.ggml.eos_token_id", static_cast<std::uint32_t>(o.vocab - 1));
  w.set_bool("tokenizer.ggml.add_bos_token", false);

  SplitMix64 rng{o.seed};
  const float a_w = 0.02f * std::sqrt(3.0f);  // uniform with std 0.02
  w.add_tensor("token_embd.weight", o.embedding_type, {o.vocab, o.hidden},
               encode_matrix(o.embedding_type, o.vocab, o.hidden, a_w, rng));
  const std::vector<float> ones(static_cast<std::size_t>(o.hidden), 1.0f);
  for (std::int64_t l = 0; l < o.layers; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    const auto mat = [&](const std::string& n, std::int64_t rows, std::int64_t cols) {
      w.add_tensor(b + n + ".weight", o.matrix_type, {rows, cols}, encode_matrix(o.matrix_type, rows, cols, a_w, rng));
    };
    const auto vec = [&](const std::string& n, std::int64_t size) {
      w.add_tensor(b + n, GgmlType::F32, {size}, encode_matrix(GgmlType::F32, 1, size, a_w, rng));
    };
    w.add_tensor(b + "attn_norm.weight", GgmlType::F32, {o.hidden}, f32_bytes(ones));
    mat("attn_q", o.hidden, o.hidden);
    mat("attn_k", o.kv_heads * head_dim, o.hidden);
    mat("attn_v", o.kv_heads * head_dim, o.hidden);
    if (a == "qwen2") {
      vec("attn_q.bias", o.hidden);
      vec("attn_k.bias", o.kv_heads * head_dim);
      vec("attn_v.bias", o.kv_heads * head_dim);
    }
    mat("attn_output", o.hidden, o.hidden);
    w.add_tensor(b + "ffn_norm.weight", GgmlType::F32, {o.hidden}, f32_bytes(ones));
    mat("ffn_gate", o.intermediate, o.hidden);
    mat("ffn_up", o.intermediate, o.hidden);
    mat("ffn_down", o.hidden, o.intermediate);
  }
  w.add_tensor("output_norm.weight", GgmlType::F32, {o.hidden}, f32_bytes(ones));
  if (!o.tied_embeddings)
    w.add_tensor("output.weight", o.embedding_type, {o.vocab, o.hidden}, encode_matrix(o.embedding_type, o.vocab, o.hidden, a_w, rng));
  w.write(path);
  return std::filesystem::file_size(path);
}

}  // namespace ebsd::io::model

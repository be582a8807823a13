// safetensors -> GGUF (model/convert.hpp). Mirrors llama.cpp's convert_hf_to_gguf.py layout
// choices (they are format conventions, not code), so llama.cpp reads our files and we read its.
#include "ebsd/io/model/convert.hpp"
#include "ebsd/io/model/tokenizer.hpp"

#include <cstring>
#include <filesystem>

#include "ebsd/core/error.hpp"
#include "ebsd/io/model/float_formats.hpp"
#include "ebsd/io/model/gguf.hpp"
#include "ebsd/io/model/quantized_weights.hpp"

namespace ebsd::io::model {
namespace {

std::vector<float> to_float(const WeightView& w, const std::string& source) {
  const auto n = static_cast<std::size_t>(w.element_count());
  std::vector<float> out(n);
  const std::uint8_t* p = w.data.data();
  switch (w.type) {
    case GgmlType::F32: std::memcpy(out.data(), p, n * 4); break;
    case GgmlType::F16:
      for (std::size_t i = 0; i < n; ++i) {
        std::uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        out[i] = half_to_float(h);
      }
      break;
    case GgmlType::BF16:
      for (std::size_t i = 0; i < n; ++i) {
        std::uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        out[i] = bf16_to_float(h);
      }
      break;
    default: throw Error("only F32, F16 and BF16 sources can be converted", source, w.name);
  }
  return out;
}

std::vector<std::uint8_t> encode(const std::vector<float>& v, GgmlType type) {
  std::vector<std::uint8_t> out;
  if (const auto f = block_format(type)) {  // shape checked by the caller: rows are whole blocks
    out.resize(quant::row_bytes(*f, static_cast<std::int64_t>(v.size())));
    quant::quantize_row(*f, v.data(), out.data(), static_cast<std::int64_t>(v.size()));
    return out;
  }
  if (type == GgmlType::F32) {
    out.resize(v.size() * 4);
    std::memcpy(out.data(), v.data(), out.size());
    return out;
  }
  out.resize(v.size() * 2);
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::uint16_t h = type == GgmlType::F16 ? float_to_half(v[i]) : float_to_bf16(v[i]);
    std::memcpy(out.data() + 2 * i, &h, 2);
  }
  return out;
}

// llama.cpp's permute(): within each head, rows [0, d/2) and [d/2, d) interleave so that RoPE on
// adjacent pairs (2i, 2i+1) equals HF's rotate-half on (i, i + d/2).
std::vector<float> permute_rows_for_adjacent_rope(const std::vector<float>& w, std::int64_t rows, std::int64_t cols,
                                                  std::int64_t heads) {
  const std::int64_t hd = rows / heads, half = hd / 2;
  std::vector<float> out(w.size());
  for (std::int64_t h = 0; h < heads; ++h)
    for (std::int64_t i = 0; i < half; ++i)
      for (int j = 0; j < 2; ++j) {
        const std::int64_t src = h * hd + j * half + i, dst = h * hd + 2 * i + j;
        std::memcpy(&out[static_cast<std::size_t>(dst * cols)], &w[static_cast<std::size_t>(src * cols)],
                    static_cast<std::size_t>(cols) * 4);
      }
  return out;
}

bool ends_with(const std::string& s, const std::string& t) {
  return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

}  // namespace

ConvertReport convert_to_gguf(const ModelFile& src, const std::filesystem::path& out, GgmlType matrix_type,
                              Progress& progress) {
  return convert_to_gguf(src, out, matrix_type, matrix_type, progress);
}

ConvertReport convert_to_gguf(const ModelFile& src, const std::filesystem::path& out, GgmlType matrix_type,
                              GgmlType embedding_type, Progress& progress) {
  for (GgmlType t : {matrix_type, embedding_type})
    if (t != GgmlType::F32 && t != GgmlType::F16 && t != GgmlType::BF16 && t != GgmlType::Q8_0 && t != GgmlType::Q4_0)
      throw Error("output type must be F32, F16, BF16, Q8_0 or Q4_0", out.string());
  if (src.format() != "safetensors") throw Error("conversion reads safetensors models", src.source());
  const ModelSpec& s = src.spec();
  const std::string a = s.architecture_name();
  GgufWriter w;
  w.set_string("general.architecture", a);
  w.set_string("general.name", std::filesystem::path(src.source()).filename().string());
  // llama.cpp's llama_ftype numbers: ALL_F32 0, MOSTLY_F16 1, MOSTLY_Q4_0 2, MOSTLY_Q8_0 7, MOSTLY_BF16 32.
  w.set_uint32("general.file_type", matrix_type == GgmlType::F32    ? 0
                                    : matrix_type == GgmlType::F16  ? 1
                                    : matrix_type == GgmlType::Q4_0 ? 2
                                    : matrix_type == GgmlType::Q8_0 ? 7
                                                                    : 32);
  if (block_format(matrix_type) || block_format(embedding_type)) w.set_uint32("general.quantization_version", 2);
  w.set_uint32(a + ".context_length", static_cast<std::uint32_t>(s.context_length));
  w.set_uint32(a + ".embedding_length", static_cast<std::uint32_t>(s.hidden_size));
  w.set_uint32(a + ".block_count", static_cast<std::uint32_t>(s.layers));
  w.set_uint32(a + ".feed_forward_length", static_cast<std::uint32_t>(s.intermediate_size));
  w.set_uint32(a + ".attention.head_count", static_cast<std::uint32_t>(s.heads));
  w.set_uint32(a + ".attention.head_count_kv", static_cast<std::uint32_t>(s.kv_heads));
  w.set_uint32(a + ".attention.key_length", static_cast<std::uint32_t>(s.head_dim));
  w.set_uint32(a + ".attention.value_length", static_cast<std::uint32_t>(s.head_dim));
  w.set_float32(a + ".attention.layer_norm_rms_epsilon", static_cast<float>(s.rms_norm_eps));
  w.set_uint32(a + ".rope.dimension_count", static_cast<std::uint32_t>(s.head_dim));
  w.set_float32(a + ".rope.freq_base", static_cast<float>(s.rope_theta));
  w.set_uint32(a + ".vocab_size", static_cast<std::uint32_t>(s.vocab_size));
  if (s.architecture == Architecture::Gemma2) {
    for (std::size_t i = 0; i < s.sliding_layers.size(); ++i)
      if (s.sliding_layers[i] != (i % 2 == 0))
        throw Error("GGUF gemma2 files assume local attention on even layers; this config differs at layer " +
                        std::to_string(i),
                    src.source(), "layer_types");
    w.set_float32(a + ".attn_logit_softcapping", static_cast<float>(s.attn_logit_softcap));
    w.set_float32(a + ".final_logit_softcapping", static_cast<float>(s.final_logit_softcap));
    w.set_uint32(a + ".attention.sliding_window", static_cast<std::uint32_t>(s.sliding_window));
    // Our extension (llama.cpp ignores it and assumes head_dim): 1 / query_scale^2.
    w.set_float32(a + ".attention.query_pre_attn_scalar", static_cast<float>(1.0 / (s.query_scale * s.query_scale)));
  }
  ConvertReport report;
  const auto folder = std::filesystem::is_directory(src.source()) ? std::filesystem::path(src.source())
                                                                  : std::filesystem::path(src.source()).parent_path();
  report.tokenizer = "no tokenizer.json beside the model";
  if (std::filesystem::exists(folder / "tokenizer.json")) {
    try {
      add_tokenizer_metadata(w, load_tokenizer_json(folder / "tokenizer.json"), s.bos_token_id, s.eos_token_id);
      report.tokenizer = "tokenizer.json";
    } catch (const Error& e) {
      report.tokenizer = e.what();  // the model converts without its tokenizer
    }
  }
  if (report.tokenizer != "tokenizer.json") {
    if (s.bos_token_id >= 0) w.set_uint32("tokenizer.ggml.bos_token_id", static_cast<std::uint32_t>(s.bos_token_id));
    if (s.eos_token_id >= 0) w.set_uint32("tokenizer.ggml.eos_token_id", static_cast<std::uint32_t>(s.eos_token_id));
  }
  if (!s.rope_freq_factors.empty()) {
    std::vector<std::uint8_t> b(s.rope_freq_factors.size() * 4);
    std::memcpy(b.data(), s.rope_freq_factors.data(), b.size());
    w.add_tensor("rope_freqs.weight", GgmlType::F32, {static_cast<std::int64_t>(s.rope_freq_factors.size())}, b);
  }
  const auto& weights = src.weights();
  for (std::size_t i = 0; i < weights.size(); ++i) {
    progress.check();
    const auto& wv = weights[i];
    if (wv.name == "output.weight" && s.tied_embeddings) continue;
    auto values = to_float(wv, src.source());
    const bool is_norm = ends_with(wv.name, "norm.weight");
    if (is_norm && s.norm_adds_one)
      for (auto& v : values) v += 1.0f;
    if (s.rope_pairing == RopePairing::RotateHalf && s.architecture == Architecture::Llama) {
      const bool q = ends_with(wv.name, "attn_q.weight") || ends_with(wv.name, "attn_q.bias");
      const bool k = ends_with(wv.name, "attn_k.weight") || ends_with(wv.name, "attn_k.bias");
      if (q || k) {
        const std::int64_t rows = wv.shape[0], cols = wv.shape.size() > 1 ? wv.shape[1] : 1;
        values = permute_rows_for_adjacent_rope(values, rows, cols, q ? s.heads : s.kv_heads);
      }
    }
    // llama.cpp keeps 1-D tensors (norms, biases) in F32.
    const bool embedding = wv.name == "token_embd.weight" || wv.name == "output.weight";
    GgmlType type = wv.shape.size() >= 2 ? (embedding ? embedding_type : matrix_type) : GgmlType::F32;
    if (block_format(type) && wv.shape.back() % 32 != 0) type = GgmlType::F16;
    w.add_tensor(wv.name, type, wv.shape, encode(values, type));
    ++report.tensors;
    progress.report(static_cast<double>(i + 1) / static_cast<double>(weights.size()), wv.name);
  }
  w.write(out);
  report.bytes = std::filesystem::file_size(out);
  return report;
}

}  // namespace ebsd::io::model

// The decoder (llm/decoder_model.hpp). Structure per transformers' LlamaModel, Qwen2Model and
// Gemma2Model: embed (x sqrt(d) for Gemma), per layer pre-norm attention (+ post-norm for
// Gemma2) and pre-norm gated FFN (+ post-norm), final norm, output head (+ soft-cap).
#include "llm/decoder_model.hpp"

#include <ATen/Parallel.h>

#include <cmath>
#include <cstring>

#include "ebsd/core/error.hpp"
#include "ebsd/io/model/quantized_weights.hpp"
#include "nn/cuda_quantized_linear.hpp"
#include "nn/quantized_linear.hpp"
#include "nn/decoder_blocks.hpp"

namespace ebsd::gpu::llm {

namespace im = ebsd::io::model;

ComputeType parse_compute_type(const std::string& name) {
  if (name == "f32") return ComputeType::F32;
  if (name == "f16") return ComputeType::F16;
  if (name == "bf16") return ComputeType::BF16;
  throw Error("unknown compute type, expected f32, f16 or bf16", "--dtype", name);
}

namespace {

torch::ScalarType scalar_type(ComputeType c) {
  switch (c) {
    case ComputeType::F32: return torch::kFloat;
    case ComputeType::F16: return torch::kHalf;
    case ComputeType::BF16: return torch::kBFloat16;
  }
  return torch::kFloat;
}

torch::ScalarType file_scalar_type(const im::WeightView& w, const std::string& source) {
  switch (w.type) {
    case im::GgmlType::F32: return torch::kFloat;
    case im::GgmlType::F16: return torch::kHalf;
    case im::GgmlType::BF16: return torch::kBFloat16;
    default:
      throw Error(std::string("tensor type ") + im::ggml_type_traits(w.type).name + " is not supported", source, w.name);
  }
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string t = "[ ";
  for (auto d : shape) t += std::to_string(d) + " ";
  return t + "]";
}

}  // namespace

std::optional<quant::QuantMatrix> DecoderModel::in_place_quantized(const std::string& name) {
  const auto& w = file_.get(name);
  if (!im::ggml_type_traits(w.type).quantized) return std::nullopt;
  const auto f = im::check_quantized_weight(w, file_.source());
  const bool cuda = options_.device().is_cuda() && nn::cuda_quant_kernels_enabled();
  if ((!options_.device().is_cpu() && !cuda) || (f != quant::BlockFormat::Q8_0 && f != quant::BlockFormat::Q4_0) ||
      w.shape.size() != 2)
    return std::nullopt;
  const quant::QuantMatrix m{f, w.data.data(), w.shape[0], w.shape[1], quant::row_bytes(f, w.shape[1])};
  if (cuda) {  // the blocks as they are, copied to the GPU for our kernels
    auto [bytes, on_device] = nn::cuda_upload(m);
    owned_bytes_ += bytes.nbytes();
    device_blocks_.push_back(std::move(bytes));
    return on_device;
  }
  mapped_bytes_ += w.data.size();
  return m;
}

quant::QuantMatrix DecoderModel::with_interleaved(quant::QuantMatrix m) {
  if (!options_.device().is_cpu() || !quant::reads_interleaved() || m.rows < 16) return m;
  const auto bytes = quant::interleaved_bytes(m.format, m.rows, m.cols);
  auto buffer = torch::empty({static_cast<std::int64_t>(bytes) + 64}, torch::kUInt8);
  auto* out = reinterpret_cast<std::uint8_t*>((reinterpret_cast<std::uintptr_t>(buffer.data_ptr<std::uint8_t>()) + 63) &
                                              ~std::uintptr_t{63});
  const std::int64_t groups = m.rows / 16;
  at::parallel_for(0, groups, 64, [&](std::int64_t g0, std::int64_t g1) { quant::interleave_rows(m, out, g0, g1); });
  owned_bytes_ += buffer.nbytes();
  interleaved_.push_back(std::move(buffer));
  m.interleaved = out;
  return m;
}

nn::Linear DecoderModel::linear(const std::string& name, std::int64_t out, std::int64_t in, const std::string& bias_name) {
  torch::Tensor bias;
  if (!bias_name.empty()) {
    bias = weight(bias_name);
    if (bias.sizes().vec() != std::vector<std::int64_t>{out})
      throw Error("expected shape " + shape_text({out}) + ", found " + shape_text(bias.sizes().vec()), file_.source(), bias_name);
  }
  const auto& w = file_.get(name);
  if (w.shape != std::vector<std::int64_t>{out, in})
    throw Error("expected shape " + shape_text({out, in}) + ", found " + shape_text(w.shape), file_.source(), name);
  if (const auto packed = in_place_quantized(name)) return nn::Linear(with_interleaved(*packed), bias);
  return nn::Linear(weight(name), bias);
}

torch::Tensor DecoderModel::weight(const std::string& name, bool as_norm) {
  const auto& w = file_.get(name);
  if (im::ggml_type_traits(w.type).quantized) {
    // Dequantized once at load: exact values of the blocks, in the compute type.
    const auto f = im::check_quantized_weight(w, file_.source());
    auto host = torch::empty(w.shape, torch::kFloat);
    quant::dequantize_row(f, w.data.data(), host.data_ptr<float>(), w.element_count());
    auto t = host.to(options_.device(), as_norm ? torch::kFloat : options_.dtype().toScalarType());
    if (as_norm && spec().norm_adds_one) t = t + 1.0;
    owned_bytes_ += t.nbytes();
    return t;
  }
  const auto st = file_scalar_type(w, file_.source());
  const auto elem = c10::elementSize(st);
  const bool aligned = reinterpret_cast<std::uintptr_t>(w.data.data()) % elem == 0;
  // Norm weights stay f32 (they are tiny and the norm computes in f32); (1 + w) is folded in.
  const auto target = as_norm ? torch::kFloat : options_.dtype().toScalarType();
  const bool fold_one = as_norm && spec().norm_adds_one;
  if (aligned) {
    auto view = torch::from_blob(const_cast<std::uint8_t*>(w.data.data()), w.shape, torch::TensorOptions().dtype(st));
    if (options_.device().is_cpu() && st == target && !fold_one) {
      mapped_bytes_ += w.data.size();
      return view;  // zero copy: the mapping lives as long as file_
    }
    auto t = view.to(options_.device(), target, /*non_blocking=*/false, /*copy=*/true);
    if (fold_one) t = t + 1.0;
    owned_bytes_ += t.nbytes();
    return t;
  }
  // Misaligned data (possible in safetensors with odd-sized tensors before it): copy bytes first.
  auto host = torch::empty(w.shape, torch::TensorOptions().dtype(st));
  std::memcpy(host.data_ptr(), w.data.data(), w.data.size());
  auto t = host.to(options_.device(), target);
  if (fold_one) t = t + 1.0;
  owned_bytes_ += t.nbytes();
  return t;
}

torch::Tensor DecoderModel::optional_weight(const std::string& name) {
  return file_.find(name) ? weight(name) : torch::Tensor();
}

DecoderModel::DecoderModel(im::ModelFile file, const LoadOptions& o) : file_(std::move(file)) {
  torch::NoGradGuard no_grad;
  options_ = torch::TensorOptions()
                 .dtype(scalar_type(o.compute))
                 .device(o.device == Device::Cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU));
  const auto& s = spec();
  const auto src = file_.source();
  auto expect_shape = [&](const torch::Tensor& t, std::vector<std::int64_t> shape, const std::string& name) {
    if (t.sizes().vec() != shape) {
      std::string want, got;
      for (auto d : shape) want += std::to_string(d) + " ";
      for (auto d : t.sizes()) got += std::to_string(d) + " ";
      throw Error("expected shape [ " + want + "], found [ " + got + "]", src, name);
    }
  };
  const auto& embd = file_.get("token_embd.weight");
  if (embd.shape != std::vector<std::int64_t>{s.vocab_size, s.hidden_size})
    throw Error("expected shape " + shape_text({s.vocab_size, s.hidden_size}) + ", found " + shape_text(embd.shape), src,
                "token_embd.weight");
  token_embd_packed_ = in_place_quantized("token_embd.weight");
  if (!token_embd_packed_) token_embd_ = weight("token_embd.weight");
  output_norm_ = weight("output_norm.weight", true);
  expect_shape(output_norm_, {s.hidden_size}, "output_norm.weight");
  if (s.tied_embeddings)
    output_ = token_embd_packed_ ? nn::Linear(with_interleaved(*token_embd_packed_)) : nn::Linear(token_embd_);
  else
    output_ = linear("output.weight", s.vocab_size, s.hidden_size);
  const auto q_out = s.heads * s.head_dim, kv_out = s.kv_heads * s.head_dim;
  for (std::int64_t l = 0; l < s.layers; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    Layer L;
    auto layer_linear = [&](const std::string& name, std::int64_t out, std::int64_t in, bool bias) {
      return linear(b + name + ".weight", out, in, bias ? b + name + ".bias" : std::string());
    };
    L.q = layer_linear("attn_q", q_out, s.hidden_size, s.qkv_bias);
    L.k = layer_linear("attn_k", kv_out, s.hidden_size, s.qkv_bias);
    L.v = layer_linear("attn_v", kv_out, s.hidden_size, s.qkv_bias);
    L.o = layer_linear("attn_output", s.hidden_size, q_out, false);
    L.ff.gate = layer_linear("ffn_gate", s.intermediate_size, s.hidden_size, false);
    L.ff.up = layer_linear("ffn_up", s.intermediate_size, s.hidden_size, false);
    L.ff.down = layer_linear("ffn_down", s.hidden_size, s.intermediate_size, false);
    L.ff.activation = s.activation == im::Activation::Silu ? nn::GateActivation::Silu : nn::GateActivation::GeluTanh;
    auto norm = [&](const std::string& name) {
      auto t = weight(b + name + ".weight", true);
      expect_shape(t, {s.hidden_size}, b + name + ".weight");
      return t;
    };
    L.attn_norm = norm("attn_norm");
    L.ffn_norm = norm("ffn_norm");
    if (s.sandwich_norms) {
      L.post_attn_norm = norm("post_attention_norm");
      L.post_ffn_norm = norm("post_ffw_norm");
    }
    const auto& pq = L.q->packed();
    fused_qkv_.push_back(pq && L.k->packed() && L.v->packed() && L.k->packed()->format == pq->format &&
                         L.v->packed()->format == pq->format);
    layers_.push_back(std::move(L));
  }
  inv_freq_ = nn::rope_inverse_frequencies(s.head_dim, s.rope_theta, s.rope_freq_factors).to(options_.device());
}

torch::Tensor DecoderModel::forward(const torch::Tensor& tokens, std::int64_t start, KvCachePolicy& kv,
                                    FeedForwardPolicy& ff, Communicator& comm, Phase phase, bool all_logits) {
  torch::NoGradGuard no_grad;
  const auto& s = spec();
  const auto t = tokens.size(0);
  if (t == 1 && options_.device().is_cuda())  // decode: our fused step, when it covers the model
    if (auto logits = forward_cuda_step(tokens, start, kv, ff, comm); logits.defined()) return logits;
  const auto ids = tokens.to(options_.device(), torch::kInt64);
  if (t == 0) throw Error("no tokens to run");
  if ((ids < 0).any().item<bool>() || (ids >= s.vocab_size).any().item<bool>())
    throw Error("token ids must be in [0, " + std::to_string(s.vocab_size) + ")", "tokens");
  if (options_.device().is_cpu()) {
    const auto host = ids.contiguous();
    const std::vector<std::int64_t> list(host.data_ptr<std::int64_t>(), host.data_ptr<std::int64_t>() + t);
    if (auto logits = forward_cpu(list, start, kv, ff, comm, all_logits); logits.defined()) return logits;
  }
  auto h = (token_embd_packed_ ? nn::quantized_rows(*token_embd_packed_, ids).to(options_.dtype())
                                : token_embd_.index_select(0, ids))
               .unsqueeze(0);  // [1, T, d]
  if (s.scale_embeddings)
    h = h * torch::scalar_tensor(std::sqrt(static_cast<double>(s.hidden_size)), h.options());
  const auto positions = torch::arange(start, start + t, torch::TensorOptions().dtype(torch::kInt64).device(options_.device()));
  const bool rotate_half = s.rope_pairing == im::RopePairing::RotateHalf;
  const auto rope = nn::rope_tables(positions, inv_freq_, options_.dtype().toScalarType());
  const auto elem = static_cast<std::uint64_t>(h.element_size());
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    auto& L = layers_[l];
    const int layer = static_cast<int>(l);
    auto a = nn::rms_norm(h, L.attn_norm, s.rms_norm_eps);
    torch::Tensor q, k, v;
    if (fused_qkv_[l] && a.is_cuda()) {  // one CUDA launch for q, k, v and their biases
      auto qkv = nn::cuda_quantized_linears(a, {&*L.q->packed(), &*L.k->packed(), &*L.v->packed()},
                                            {L.q->bias, L.k->bias, L.v->bias});
      q = qkv[0], k = qkv[1], v = qkv[2];
    } else if (fused_qkv_[l]) {  // quantized in place: one pass over q, k and v with one activation quantization
      auto qkv = nn::quantized_linears(a, {&*L.q->packed(), &*L.k->packed(), &*L.v->packed()});
      q = L.q->bias.defined() ? qkv[0] + L.q->bias : qkv[0];
      k = L.k->bias.defined() ? qkv[1] + L.k->bias : qkv[1];
      v = L.v->bias.defined() ? qkv[2] + L.v->bias : qkv[2];
    } else {
      q = L.q->forward(a);
      k = L.k->forward(a);
      v = L.v->forward(a);
    }
    q = q.view({1, t, s.heads, s.head_dim}).transpose(1, 2);
    k = k.view({1, t, s.kv_heads, s.head_dim}).transpose(1, 2);
    v = v.view({1, t, s.kv_heads, s.head_dim}).transpose(1, 2);
    q = nn::apply_rope(q, rope, rotate_half);
    k = nn::apply_rope(k, rope, rotate_half);
    kv.store(layer, k, v, start);
    const auto keys = kv.keys_for_queries(layer, start, t);
    nn::CausalAttentionOptions ao;
    ao.scale = s.query_scale;
    ao.logit_softcap = s.attn_logit_softcap;
    ao.window = s.sliding_layers[l] ? s.sliding_window : 0;
    auto o = nn::causal_attention(q, keys.keys, keys.values, positions, keys.positions, ao);
    // Live at the attention's high-water mark: h, a, q, k, v, o and the f32 scores + probabilities.
    const auto n_keys = static_cast<std::uint64_t>(keys.keys.size(2));
    note_activations(h.nbytes() + a.nbytes() + q.nbytes() + k.nbytes() + v.nbytes() + o.nbytes() +
                     2 * static_cast<std::uint64_t>(s.heads * t) * n_keys * 4);
    o = L.o->forward(o.transpose(1, 2).reshape({1, t, s.heads * s.head_dim}));
    comm.all_reduce_sum(o);
    if (s.sandwich_norms) o = nn::rms_norm(o, L.post_attn_norm, s.rms_norm_eps);
    h = h + o;
    auto f = ff.forward(layer, L.ff, nn::rms_norm(h, L.ffn_norm, s.rms_norm_eps), phase);
    // FFN high-water mark: h, its norm, gate, up and their product, the output.
    note_activations(3 * h.nbytes() + 3 * static_cast<std::uint64_t>(t * s.intermediate_size) * elem);
    comm.all_reduce_sum(f);
    if (s.sandwich_norms) f = nn::rms_norm(f, L.post_ffn_norm, s.rms_norm_eps);
    h = h + f;
  }
  h = nn::rms_norm(h, output_norm_, s.rms_norm_eps);
  if (!all_logits) h = h.narrow(1, t - 1, 1);
  auto logits = output_->forward(h)[0].to(torch::kFloat);
  if (s.final_logit_softcap > 0) logits = torch::tanh(logits / s.final_logit_softcap) * s.final_logit_softcap;
  note_activations(2 * h.nbytes() + logits.nbytes());
  return logits;
}

}  // namespace ebsd::gpu::llm

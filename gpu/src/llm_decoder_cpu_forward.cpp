// The decoder's CPU path (llm/decoder_model.hpp, forward_cpu): tokens in f32 with plain loops
// over raw buffers. The tensor path spends about 40 LibTorch operations a layer (norms, RoPE,
// attention, residuals), each a dispatch and often an allocation - for one decode token that is
// more than the work - and its attention products went to OpenBLAS's SSE3 fallback kernel on
// this CPU. Here the matrix products are the quantized kernels (or LibTorch's for f32 weights)
// and the rest are vectorised row kernels (nn/cpu_attention.hpp, nn_cpu_rows.cpp); attention is
// split over threads for prompts and decode steps alike, per-token loops for prompts. Every per-token
// computation is the same code whether the token comes in a prompt or alone, so prefill and
// decode round alike (the quantized layers round their inputs to 8-bit levels, where a last-bit
// difference can move a value to the next level). The formulas are the tensor path's
// (nn/decoder_blocks), so the f32 logits agree with transformers' to rounding (parity tests).
#include <cmath>
#include <limits>

#include <ATen/Parallel.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "llm/decoder_model.hpp"
#include "nn/cpu_attention.hpp"
#include "nn/decoder_blocks.hpp"
#include "nn/quantized_linear.hpp"

namespace ebsd::gpu::llm {
namespace {

// RoPE of `heads` vectors of head_dim values in place, cos / sin of the position's angles given.
void rope(float* x, std::int64_t heads, std::int64_t head_dim, const float* cos, const float* sin, bool rotate_half) {
  const auto half = head_dim / 2;
  for (std::int64_t h = 0; h < heads; ++h) {
    float* v = x + h * head_dim;
    if (rotate_half) {
      for (std::int64_t i = 0; i < half; ++i) {
        const float a = v[i], b = v[i + half];
        v[i] = a * cos[i] - b * sin[i];
        v[i + half] = b * cos[i] + a * sin[i];
      }
    } else {
      for (std::int64_t i = 0; i < half; ++i) {
        const float a = v[2 * i], b = v[2 * i + 1];
        v[2 * i] = a * cos[i] - b * sin[i];
        v[2 * i + 1] = b * cos[i] + a * sin[i];
      }
    }
  }
}

bool f32_weight(const nn::Linear& l) {
  if (l->packed()) return true;
  const auto& w = l->weight;
  return !l->quantized() && w.defined() && w.device().is_cpu() && w.scalar_type() == torch::kFloat && w.is_contiguous();
}

bool f32_vector(const torch::Tensor& t) {
  return !t.defined() || (t.device().is_cpu() && t.scalar_type() == torch::kFloat && t.is_contiguous());
}

// f(t) for every token t, shared among `threads` OpenMP threads for prompts (per-token work
// only, so the split changes no result).
template <class F>
void each_token(std::int64_t tokens, int threads, const F& f) {
#ifdef _OPENMP
  if (threads > 1 && tokens >= 8 && !omp_in_parallel()) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::int64_t t = 0; t < tokens; ++t) f(t);
    return;
  }
#endif
  (void)threads;
  for (std::int64_t t = 0; t < tokens; ++t) f(t);
}

// ys[m] [tokens, rows] = layers[m](x [tokens, in]) (+ bias); quantized layers of one format
// share one pass.
void linears(const std::vector<const nn::Linear*>& layers, const float* x, std::int64_t tokens, const std::vector<float*>& ys,
             int threads) {
  std::vector<const quant::QuantMatrix*> packed;
  std::vector<float*> packed_out;
  for (std::size_t m = 0; m < layers.size(); ++m) {
    const auto& l = *layers[m];
    if (l->packed() && (packed.empty() || packed[0]->format == l->packed()->format)) {
      packed.push_back(&*l->packed());
      packed_out.push_back(ys[m]);
    } else if (l->packed()) {
      nn::quantized_linears_into(x, tokens, {&*l->packed()}, {ys[m]});
    } else {
      const auto& w = l->weight;
      auto xt = torch::from_blob(const_cast<float*>(x), {tokens, w.size(1)}, torch::kFloat);
      auto yt = torch::from_blob(ys[m], {tokens, w.size(0)}, torch::kFloat);
      torch::mm_out(yt, xt, w.t());
    }
  }
  if (!packed.empty()) nn::quantized_linears_into(x, tokens, packed, packed_out);
  for (std::size_t m = 0; m < layers.size(); ++m)
    if (const auto& b = (*layers[m])->bias; b.defined()) {
      const float* bp = b.data_ptr<float>();
      const auto n = b.numel();
      each_token(tokens, threads, [&](std::int64_t t) { nn::add_row(ys[m] + t * n, bp, n); });
    }
}

}  // namespace

torch::Tensor DecoderModel::forward_cpu(const std::vector<std::int64_t>& ids, std::int64_t start, KvCachePolicy& kv_policy,
                                        FeedForwardPolicy& ff_policy, Communicator& comm, bool all_logits) {
  auto* kv = dynamic_cast<FullKvCache*>(&kv_policy);
  if (!options_.device().is_cpu() || options_.dtype().toScalarType() != torch::kFloat || !kv ||
      !dynamic_cast<DenseFeedForward*>(&ff_policy) || !dynamic_cast<SingleProcess*>(&comm))
    return {};
  if (!token_embd_packed_ && !(token_embd_.device().is_cpu() && token_embd_.scalar_type() == torch::kFloat &&
                               token_embd_.is_contiguous()))
    return {};
  if (!f32_weight(output_) || !f32_vector(output_norm_)) return {};
  for (const auto& L : layers_) {
    for (const auto* l : {&L.q, &L.k, &L.v, &L.o, &L.ff.gate, &L.ff.up, &L.ff.down})
      if (!f32_weight(*l) || !f32_vector((*l)->bias)) return {};
    for (const auto* n : {&L.attn_norm, &L.ffn_norm, &L.post_attn_norm, &L.post_ffn_norm})
      if (!f32_vector(*n)) return {};
  }
  const auto& s = spec();
  const auto d = s.hidden_size, hd = s.head_dim, hq = s.heads, hkv = s.kv_heads, ffn = s.intermediate_size;
  const auto T = static_cast<std::int64_t>(ids.size());
  const auto cap = kv->capacity();
  TORCH_CHECK(start >= 0 && start + T <= cap, "KV cache: positions ", start, "..", start + T, " exceed the capacity of ", cap,
              " tokens");
  if (inv_freq_host_.empty()) {
    const auto f = inv_freq_.to(torch::kCPU, torch::kFloat).contiguous();
    inv_freq_host_.assign(f.data_ptr<float>(), f.data_ptr<float>() + f.numel());
  }
  const auto half = hd / 2;
#ifdef _OPENMP
  const int threads = std::max(1, at::get_num_threads());
#else
  const int threads = 1;
#endif
  // Scratch per token: h, a, o (d), q and the attention output (hq hd), k, v (hkv hd), gate, up
  // (ffn), cos, sin (half).
  const std::int64_t per_token = 3 * d + 2 * hq * hd + 2 * hkv * hd + 2 * ffn + 2 * half;
  const std::int64_t need = T * per_token;
  if (static_cast<std::int64_t>(token_scratch_.size()) < need) token_scratch_.resize(static_cast<std::size_t>(need));
  float* h = token_scratch_.data();
  float* a = h + T * d;
  float* o = a + T * d;
  float* q = o + T * d;
  float* att = q + T * hq * hd;
  float* k = att + T * hq * hd;
  float* v = k + T * hkv * hd;
  float* gate = v + T * hkv * hd;
  float* up = gate + T * ffn;
  float* cos = up + T * ffn;
  float* sin = cos + T * half;

  for (std::int64_t t = 0; t < T; ++t) {
    const auto id = ids[static_cast<std::size_t>(t)];
    if (token_embd_packed_) {
      quant::dequantize_row(token_embd_packed_->format,
                            token_embd_packed_->data + id * static_cast<std::int64_t>(token_embd_packed_->row_stride),
                            h + t * d, d);
    } else {
      const float* row = token_embd_.data_ptr<float>() + id * d;
      std::copy(row, row + d, h + t * d);
    }
    // Angles in f32 as the tensor path (and transformers) computes them: position x inv_freq.
    for (std::int64_t i = 0; i < half; ++i) {
      const float angle = static_cast<float>(start + t) * inv_freq_host_[static_cast<std::size_t>(i)];
      cos[t * half + i] = std::cos(angle);
      sin[t * half + i] = std::sin(angle);
    }
  }
  if (s.scale_embeddings) {
    const auto scale = static_cast<float>(std::sqrt(static_cast<double>(d)));
    for (std::int64_t i = 0; i < T * d; ++i) h[i] *= scale;
  }
  const bool rotate_half = s.rope_pairing == io::model::RopePairing::RotateHalf;
  const auto eps = s.rms_norm_eps;
  const auto query_scale = static_cast<float>(s.query_scale);
  const auto softcap = static_cast<float>(s.attn_logit_softcap);
  std::uint64_t attention_bytes = 0;  // the attention's scratch (nn/cpu_attention.hpp)
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    auto& L = layers_[l];
    const int layer = static_cast<int>(l);
    const float* attn_norm = L.attn_norm.data_ptr<float>();
    each_token(T, threads, [&](std::int64_t t) { nn::rms_norm_row(h + t * d, attn_norm, d, eps, a + t * d); });
    linears({&L.q, &L.k, &L.v}, a, T, {q, k, v}, threads);
    float* kbuf = kv->key_buffer(layer).data_ptr<float>();
    float* vbuf = kv->value_buffer(layer).data_ptr<float>();
    each_token(T, threads, [&](std::int64_t t) {
      rope(q + t * hq * hd, hq, hd, cos + t * half, sin + t * half, rotate_half);
      rope(k + t * hkv * hd, hkv, hd, cos + t * half, sin + t * half, rotate_half);
      for (std::int64_t g = 0; g < hkv; ++g) {
        std::copy(k + (t * hkv + g) * hd, k + (t * hkv + g + 1) * hd, kbuf + (g * cap + start + t) * hd);
        std::copy(v + (t * hkv + g) * hd, v + (t * hkv + g + 1) * hd, vbuf + (g * cap + start + t) * hd);
      }
    });
    kv->mark_stored(layer, start + T - 1);
    // Attention of each query (token t, head) over keys 0 .. start + t (causal), limited to the
    // last `window` positions on sliding layers.
    const nn::CpuAttentionOptions attention{query_scale, softcap, s.sliding_layers[l] ? s.sliding_window : 0};
    attention_bytes = std::max(
        attention_bytes, nn::cpu_causal_attention(q, T, start, kbuf, vbuf, {hq, hkv, hd, cap}, attention, att, threads));
    linears({&L.o}, att, T, {o}, threads);
    const float* post_attn_norm = s.sandwich_norms ? L.post_attn_norm.data_ptr<float>() : nullptr;
    const float* ffn_norm = L.ffn_norm.data_ptr<float>();
    each_token(T, threads, [&](std::int64_t t) {
      if (post_attn_norm) nn::rms_norm_row(o + t * d, post_attn_norm, d, eps, o + t * d);
      nn::add_row(h + t * d, o + t * d, d);
      nn::rms_norm_row(h + t * d, ffn_norm, d, eps, a + t * d);
    });
    linears({&L.ff.gate, &L.ff.up}, a, T, {gate, up}, threads);
    nn::gated_activation_row(gate, up, T * ffn, L.ff.activation, gate, threads);
    linears({&L.ff.down}, gate, T, {o}, threads);
    const float* post_ffn_norm = s.sandwich_norms ? L.post_ffn_norm.data_ptr<float>() : nullptr;
    each_token(T, threads, [&](std::int64_t t) {
      if (post_ffn_norm) nn::rms_norm_row(o + t * d, post_ffn_norm, d, eps, o + t * d);
      nn::add_row(h + t * d, o + t * d, d);
    });
  }
  const std::int64_t first_out = all_logits ? 0 : T - 1, n_out = T - first_out;
  for (std::int64_t t = first_out; t < T; ++t) nn::rms_norm_row(h + t * d, output_norm_.data_ptr<float>(), d, eps, a + t * d);
  auto logits = torch::empty({n_out, s.vocab_size}, torch::kFloat);
  float* lp = logits.data_ptr<float>();
  linears({&output_}, a + first_out * d, n_out, {lp}, threads);
  if (s.final_logit_softcap > 0) {
    const auto c = static_cast<float>(s.final_logit_softcap);
    for (std::int64_t i = 0; i < n_out * s.vocab_size; ++i) lp[i] = std::tanh(lp[i] / c) * c;
  }
  note_activations(static_cast<std::uint64_t>(need) * 4 + attention_bytes + logits.nbytes());
  return logits;
}

}  // namespace ebsd::gpu::llm

// The decoder's fused CUDA decode step (llm/decoder_model.hpp, forward_cuda_step): the glue
// between the model's tensors and cuda/decode_step.hpp. It hands the kernels raw device
// pointers to the weights (Q8_0 / Q4_0 blocks as the file has them, or dense tensors of the
// compute type), norms, RoPE frequencies and the Full KV cache's buffers, and runs one token
// per call on LibTorch's current stream order. A step (and its CUDA graph) is built for one KV
// cache: its addresses are baked into the graph, so a new cache (a new session) builds a new
// step. Everything it does not cover (other cache, feed-forward or communicator policies,
// int8 layers, weights on another type) returns undefined and the tensor path runs.
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "ebsd/core/error.hpp"
#include "llm/decoder_model.hpp"
#include "nn/cuda_quantized_linear.hpp"

#ifdef EBSD_HAVE_CUDA_KERNELS
#include <c10/cuda/CUDAStream.h>

#include "cuda/decode_step.hpp"
#endif

namespace ebsd::gpu::llm {

CudaDecodeMode default_cuda_decode_mode() {
  const auto off = [](const char* name) {
    const char* e = std::getenv(name);
    return e && std::string(e) == "0";
  };
  if (off("EBSD_CUDA_DECODE_STEP")) return CudaDecodeMode::Off;
  if (off("EBSD_CUDA_GRAPH")) return CudaDecodeMode::Eager;
  return CudaDecodeMode::Graph;
}

bool default_cuda_device_pick() {
  const char* e = std::getenv("EBSD_CUDA_DEVICE_PICK");
  return !(e && std::string(e) == "0");
}

bool default_cuda_profiling() {
  const char* e = std::getenv("EBSD_CUDA_PROFILE");
  return e && std::string(e) == "1";
}

struct DecoderModel::CudaStepState {
#ifdef EBSD_HAVE_CUDA_KERNELS
  std::unique_ptr<cuda::DecodeStep> step;
#endif
  std::vector<const void*> kv;  // the KV buffers the step was built for (its graph holds them)
  CudaDecodeStats stats;
  bool checked = false;  // the model was examined; stats.declined says whether it is covered
};

CudaDecodeStats DecoderModel::cuda_decode_stats() const {
  if (!cuda_step_) return {};
  auto s = cuda_step_->stats;
#ifdef EBSD_HAVE_CUDA_KERNELS
  if (const auto& step = cuda_step_->step) {
    s.graph = step->graph_ready();
    s.graph_failed = step->graph_failed();
    s.profiled_steps = step->profiled_runs();
    s.profiled_graph_steps = step->profiled_graph_runs();
    const auto runs = static_cast<double>(s.profiled_steps + s.profiled_graph_steps);
    if (runs > 0)
      for (const auto& e : step->profile())
        s.profile.push_back({e.kernel, 1e3 * e.gpu_ms / runs, static_cast<double>(e.launches) / runs});
  }
#endif
  return s;
}

void DecoderModel::set_cuda_profiling(bool on) {
  cuda_profiling_ = on;
#ifdef EBSD_HAVE_CUDA_KERNELS
  if (cuda_step_ && cuda_step_->step) cuda_step_->step->set_profiling(on);
#endif
}

#ifndef EBSD_HAVE_CUDA_KERNELS

torch::Tensor DecoderModel::forward_cuda_step(const torch::Tensor&, std::int64_t, KvCachePolicy&, FeedForwardPolicy&,
                                              Communicator&) {
  return {};
}

bool DecoderModel::prepare_cuda_step(KvCachePolicy&, FeedForwardPolicy&, Communicator&) { return false; }

std::optional<std::int64_t> DecoderModel::decode_greedy_cuda(std::int64_t, std::int64_t, KvCachePolicy&, FeedForwardPolicy&,
                                                             Communicator&, const std::vector<std::int64_t>&, double) {
  return std::nullopt;
}

#else

namespace {

cuda::FloatType float_type(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat: return cuda::FloatType::F32;
    case torch::kHalf: return cuda::FloatType::F16;
    default: return cuda::FloatType::BF16;  // the compute types are f32, f16 and bf16
  }
}

cuda::DecodeMatrix dense_matrix(const torch::Tensor& w) {
  cuda::DecodeMatrix m;
  m.format = cuda::WeightFormat::Dense;
  m.data = w.data_ptr();
  m.rows = w.size(0);
  m.cols = w.size(1);
  m.row_stride = w.size(1) * static_cast<std::int64_t>(w.element_size());
  return m;
}

bool dense_ok(const torch::Tensor& w, torch::ScalarType type) {
  return w.defined() && w.is_cuda() && w.scalar_type() == type && w.dim() == 2 && w.is_contiguous();
}

// An f32 GPU vector of n values (norm weights, RoPE frequencies), or nullptr with `why` set.
const float* f32_vector(const torch::Tensor& t, std::int64_t n, const char* what, std::string& why) {
  if (t.defined() && t.is_cuda() && t.scalar_type() == torch::kFloat && t.is_contiguous() && t.numel() == n)
    return t.data_ptr<float>();
  why = std::string(what) + " that is not an f32 GPU vector of " + std::to_string(n) + " values";
  return nullptr;
}

cuda::DecodeMatrix packed_matrix(const quant::QuantMatrix& p, std::string& why) {
  cuda::DecodeMatrix m;
  if (p.format == quant::BlockFormat::Q8_0)
    m.format = cuda::WeightFormat::Q8_0;
  else if (p.format == quant::BlockFormat::Q4_0)
    m.format = cuda::WeightFormat::Q4_0;
  else
    why = "a packed weight that is neither Q8_0 nor Q4_0";
  m.data = p.data;
  m.rows = p.rows;
  m.cols = p.cols;
  m.row_stride = static_cast<std::int64_t>(p.row_stride);
  return m;
}

// A linear layer as the kernels take it; `why` says what does not fit (left empty if all does).
cuda::DecodeMatrix layer_matrix(const nn::Linear& l, torch::ScalarType type, std::string& why) {
  cuda::DecodeMatrix m;
  if (const auto& p = l->packed()) {
    m = packed_matrix(*p, why);
  } else if (l->quantized()) {
    why = "an int8 layer";
    return m;
  } else if (dense_ok(l->weight, type)) {
    m = dense_matrix(l->weight);
  } else {
    why = "a dense weight that is not a contiguous GPU matrix of the compute type";
    return m;
  }
  if (const auto& b = l->bias; b.defined()) {
    if (!b.is_cuda() || b.scalar_type() != type || !b.is_contiguous() || b.numel() != m.rows)
      why = "a bias that is not a contiguous GPU vector of the compute type";
    else
      m.bias = b.data_ptr();
  }
  return m;
}

}  // namespace

bool DecoderModel::prepare_cuda_step(KvCachePolicy& kv_policy, FeedForwardPolicy& ff, Communicator& comm) {
  if (cuda_decode_mode_ == CudaDecodeMode::Off || !options_.device().is_cuda()) return false;
  auto* kv = dynamic_cast<FullKvCache*>(&kv_policy);
  if (!kv || !dynamic_cast<DenseFeedForward*>(&ff) || !dynamic_cast<SingleProcess*>(&comm)) return false;
  if (!cuda_step_) cuda_step_ = std::make_shared<CudaStepState>();
  auto& st = *cuda_step_;
  if (st.checked && !st.stats.declined.empty()) return false;
  const auto& s = spec();
  const auto type = options_.dtype().toScalarType();
  const auto layers = static_cast<int>(layers_.size());
  const auto cap = kv->capacity();
  // The cache's buffers, written in place by the step ([1, Hkv, capacity, D] of the compute type).
  std::vector<const void*> kv_buffers;
  for (int l = 0; l < layers; ++l)
    for (const auto* b : {&kv->key_buffer(l), &kv->value_buffer(l)}) {
      if (!b->is_cuda() || b->scalar_type() != type || !b->is_contiguous() ||
          b->sizes().vec() != std::vector<std::int64_t>{1, s.kv_heads, cap, s.head_dim})
        return false;
      kv_buffers.push_back(b->data_ptr());
    }
  if (!st.step || kv_buffers != st.kv) {
    st.step.reset();  // the old step's scratch goes first
    st.kv.clear();
    std::string why;
    cuda::DecodeModel m;
    m.type = float_type(type);
    m.hidden = s.hidden_size;
    m.heads = s.heads;
    m.kv_heads = s.kv_heads;
    m.head_dim = s.head_dim;
    m.intermediate = s.intermediate_size;
    m.vocab = s.vocab_size;
    m.capacity = cap;
    m.eps = static_cast<float>(s.rms_norm_eps);
    m.query_scale = static_cast<float>(s.query_scale);
    m.attn_softcap = static_cast<float>(s.attn_logit_softcap);
    m.final_softcap = static_cast<float>(s.final_logit_softcap);
    m.embedding_scale = s.scale_embeddings ? static_cast<float>(std::sqrt(static_cast<double>(s.hidden_size))) : 0.f;
    m.rotate_half = s.rope_pairing == io::model::RopePairing::RotateHalf;
    m.activation = s.activation == io::model::Activation::Silu ? cuda::GateActivation::Silu : cuda::GateActivation::GeluTanh;
    const char* fused = std::getenv("EBSD_CUDA_FUSED_TAILS");  // 1: RoPE / norms in the products' launches (comparisons)
    m.fused_tails = fused && std::string(fused) == "1";
    m.inv_freq = f32_vector(inv_freq_, s.head_dim / 2, "RoPE frequencies", why);
    if (token_embd_packed_)
      m.embedding = packed_matrix(*token_embd_packed_, why);
    else if (dense_ok(token_embd_, type))
      m.embedding = dense_matrix(token_embd_);
    else
      why = "a token embedding that is not a contiguous GPU matrix of the compute type";
    m.head = layer_matrix(output_, type, why);
    m.output_norm = f32_vector(output_norm_, s.hidden_size, "an output norm", why);
    for (int l = 0; l < layers && why.empty(); ++l) {
      const auto& L = layers_[static_cast<std::size_t>(l)];
      cuda::DecodeLayer y;
      y.q = layer_matrix(L.q, type, why);
      y.k = layer_matrix(L.k, type, why);
      y.v = layer_matrix(L.v, type, why);
      y.o = layer_matrix(L.o, type, why);
      y.gate = layer_matrix(L.ff.gate, type, why);
      y.up = layer_matrix(L.ff.up, type, why);
      y.down = layer_matrix(L.ff.down, type, why);
      if ((L.ff.activation == nn::GateActivation::Silu) != (m.activation == cuda::GateActivation::Silu))
        why = "a layer whose activation differs from the model's";
      y.attn_norm = f32_vector(L.attn_norm, s.hidden_size, "an attention norm", why);
      y.ffn_norm = f32_vector(L.ffn_norm, s.hidden_size, "a feed-forward norm", why);
      if (s.sandwich_norms) {
        y.post_attn_norm = f32_vector(L.post_attn_norm, s.hidden_size, "a post-attention norm", why);
        y.post_ffn_norm = f32_vector(L.post_ffn_norm, s.hidden_size, "a post-feed-forward norm", why);
      }
      y.k_cache = kv->key_buffer(l).data_ptr();
      y.v_cache = kv->value_buffer(l).data_ptr();
      const auto li = static_cast<std::size_t>(l);
      y.window = li < s.sliding_layers.size() && s.sliding_layers[li] ? s.sliding_window : 0;
      m.layers.push_back(y);
    }
    if (why.empty()) {
      try {
        st.step = std::make_unique<cuda::DecodeStep>(std::move(m));
      } catch (const std::invalid_argument& e) {
        why = e.what();
      }
    }
    st.checked = true;
    if (!why.empty()) {
      st.stats.declined = why;
      return false;
    }
    st.kv = kv_buffers;
    ++st.stats.rebuilds;
  }
  st.step->set_profiling(cuda_profiling_);
  return true;
}

namespace {

// The checks forward() makes of a token and its position (the step checks them again).
void check_step(std::int64_t token, std::int64_t start, const io::model::ModelSpec& s, std::int64_t capacity) {
  if (token < 0 || token >= s.vocab_size)
    throw Error("token ids must be in [0, " + std::to_string(s.vocab_size) + ")", "tokens");
  if (start < 0 || start >= capacity)
    throw Error("KV cache: position " + std::to_string(start) + " exceeds the capacity of " + std::to_string(capacity) + " tokens",
                "tokens");
}

}  // namespace

std::optional<std::int64_t> DecoderModel::decode_greedy_cuda(std::int64_t token, std::int64_t start, KvCachePolicy& kv_policy,
                                                             FeedForwardPolicy& ff, Communicator& comm,
                                                             const std::vector<std::int64_t>& penalized, double penalty) {
  if (!cuda_device_pick_ || !prepare_cuda_step(kv_policy, ff, comm)) return std::nullopt;
  auto& st = *cuda_step_;
  auto& kv = static_cast<FullKvCache&>(kv_policy);  // prepare_cuda_step checked it
  check_step(token, start, spec(), kv.capacity());
  const auto next = st.step->run_greedy(token, start, cuda_decode_mode_ == CudaDecodeMode::Graph,
                                        c10::cuda::getCurrentCUDAStream().stream(), penalized, penalty);
  for (int l = 0; l < static_cast<int>(layers_.size()); ++l) kv.mark_stored(l, start);
  ++st.stats.steps;
  ++st.stats.device_picks;
  note_activations(st.step->device_bytes());
  return next;
}

torch::Tensor DecoderModel::forward_cuda_step(const torch::Tensor& tokens, std::int64_t start, KvCachePolicy& kv_policy,
                                              FeedForwardPolicy& ff, Communicator& comm) {
  if (tokens.dim() != 1 || tokens.size(0) != 1 || !prepare_cuda_step(kv_policy, ff, comm)) return {};
  auto& st = *cuda_step_;
  auto& kv = static_cast<FullKvCache&>(kv_policy);
  const auto& s = spec();
  const auto token = tokens.to(torch::kCPU, torch::kInt64)[0].item<std::int64_t>();
  check_step(token, start, s, kv.capacity());
  st.step->run(token, start, cuda_decode_mode_ == CudaDecodeMode::Graph, c10::cuda::getCurrentCUDAStream().stream());
  for (int l = 0; l < static_cast<int>(layers_.size()); ++l) kv.mark_stored(l, start);
  ++st.stats.steps;
  note_activations(st.step->device_bytes());
  // The step's logits buffer is overwritten by the next token: a copy, queued on the current
  // stream (which run() made wait for the step).
  const auto view = torch::from_blob(const_cast<float*>(st.step->logits()), {1, s.vocab_size},
                                     torch::TensorOptions().dtype(torch::kFloat).device(options_.device()));
  return view.clone();
}

#endif

}  // namespace ebsd::gpu::llm

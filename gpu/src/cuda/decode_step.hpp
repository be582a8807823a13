#pragma once
// The LLM's whole one-token decode step on the GPU without LibTorch (the tensor path spends about
// 50 LibTorch operations a layer, and on the H100 a decode step was 16 ms of dispatch and
// launches for 0.15 ms of weight reads; docs/llm.md "CUDA"). Per layer: q/k/v products (+ bias)
// in one launch, RoPE + KV append, attention over the cache (one launch), the output
// projection, residual + (post-)norms, gate/up with the gated activation, down projection,
// residual + the next norm; then the output head with the soft-cap. Eight launches a layer, five
// with the fused tails (DecodeModel::fused_tails).
//
// The launches go to the step's own stream, captured once into a CUDA graph and replayed for
// every token: the token and the position are copied to device memory before each replay, and
// the kernels read them there. Where capture fails (or is not asked for) the same launches run
// one by one. Plain C++ (compiled by nvcc in cuda/decode_step.cu), device pointers throughout;
// the caller (llm_decoder_cuda_step.cpp) owns the weights and the KV cache and keeps them alive
// and in place while the step exists.
#include <cstdint>
#include <memory>
#include <vector>

#include "cuda/decode_kernels.hpp"

namespace ebsd::gpu::cuda {

struct DecodeLayer {
  DecodeMatrix q, k, v, o, gate, up, down;  // q, k, v may carry biases
  const float* attn_norm = nullptr;
  const float* post_attn_norm = nullptr;  // Gemma2's sandwich norms; nullptr: none
  const float* ffn_norm = nullptr;
  const float* post_ffn_norm = nullptr;
  void* k_cache = nullptr;  // [kv_heads, capacity, head_dim] of the compute type
  void* v_cache = nullptr;
  std::int64_t window = 0;  // 0: global attention; else the last `window` positions
};

struct DecodeModel {
  FloatType type = FloatType::F32;
  std::int64_t hidden = 0, heads = 0, kv_heads = 0, head_dim = 0, intermediate = 0, vocab = 0;
  std::int64_t capacity = 0;  // of the KV cache, tokens
  float eps = 1e-6f;
  float query_scale = 1, attn_softcap = 0, final_softcap = 0;
  float embedding_scale = 0;  // 0: none (Gemma: sqrt(hidden))
  bool rotate_half = true;
  GateActivation activation = GateActivation::Silu;
  // q/k/v products + RoPE + KV store, and the o / down products + the residual and norm after
  // them each in one launch (the launch's last block finishes the job): five launches a layer
  // instead of eight, the same results. Off by default (EBSD_CUDA_FUSED_TAILS=1 turns it on): on
  // the H100 (2026-11-28, Qwen2.5-0.5B shape) the separate launches were as fast for Q8_0 (594
  // against 601 tok/s) and faster for Q4_0 (660 against 618); the tails' o / down launches took
  // 12-16 us against 5-6 us for the bare products (docs/llm.md "CUDA").
  bool fused_tails = false;
  const float* inv_freq = nullptr;  // [head_dim / 2] f32
  DecodeMatrix embedding;           // [vocab, hidden]
  DecodeMatrix head;                // [vocab, hidden]
  const float* output_norm = nullptr;
  std::vector<DecodeLayer> layers;
};

class DecodeStep {
public:
  // Checks the shapes (std::invalid_argument naming what does not fit) and allocates the
  // step's scratch, logits, stream and events on the current device.
  explicit DecodeStep(DecodeModel model);
  ~DecodeStep();
  DecodeStep(const DecodeStep&) = delete;
  DecodeStep& operator=(const DecodeStep&) = delete;

  // Runs `token` at `position` (0 <= token < vocab, 0 <= position < capacity: the caller
  // checks). Ordered after the work queued on caller_stream (a cudaStream_t), which then waits
  // for the step, so logits() may be read on caller_stream afterwards. use_graph: replay the
  // captured graph (capturing it on first use); else launch the kernels one by one.
  void run(std::int64_t token, std::int64_t position, bool use_graph, void* caller_stream);

  // run(), then the greedy choice on the device (decode_kernels.hpp pick_greedy) with the host
  // sampler's repetition penalty on `penalized` (distinct ids; penalty 1: none). Waits for it
  // and returns the token: one id crosses to the host instead of the logits. logits() then hold
  // the penalized values.
  std::int64_t run_greedy(std::int64_t token, std::int64_t position, bool use_graph, void* caller_stream,
                          const std::vector<std::int64_t>& penalized, double penalty);

  // Profiling (bench_llm_cuda --profile, EBSD_CUDA_PROFILE=1). While on, eager runs put an event
  // after every launch, behind a short device-side spin so the host has queued the whole step
  // before the GPU starts it (the intervals are then GPU time, not the host's launch rate), and
  // each run waits for its events; graph runs time the whole graph. Costs time: for the
  // breakdown, never for tokens per second.
  struct ProfileEntry {
    const char* kernel = "";
    double gpu_ms = 0;           // summed over the profiled runs
    std::int64_t launches = 0;   // summed over the profiled runs
  };
  void set_profiling(bool on);
  std::vector<ProfileEntry> profile() const;  // the kernel classes that ran, in step order
  std::int64_t profiled_runs() const;         // eager runs timed kernel by kernel
  std::int64_t profiled_graph_runs() const;   // graph runs timed as a whole ("graph" entry)

  const float* logits() const;  // device, f32 [vocab], overwritten by the next run()
  bool graph_ready() const;     // captured and instantiated
  bool graph_failed() const;    // capture was tried and failed: runs are eager
  std::uint64_t device_bytes() const;  // scratch + logits

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ebsd::gpu::cuda

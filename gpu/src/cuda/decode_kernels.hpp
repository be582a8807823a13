#pragma once
// Kernels of the LLM's one-token decode step (cuda/decode_step.hpp strings them together): the
// embedding lookup, RMSNorm with the residual add, matrix-vector products on Q8_0 / Q4_0 blocks or
// dense weights of the compute type (q/k/v in one launch with their biases, gate/up with the
// gated activation, the output head with the soft-cap), RoPE with the append to the KV cache,
// and single-query grouped-query attention over the cache. Plain CUDA C++ like
// cuda/quant_kernels.hpp: no LibTorch, device pointers, `stream` a cudaStream_t.
//
// The token and its position are read from device memory (DecodeStepInput), never passed by
// value, so a CUDA graph captured once replays every step. The arithmetic follows the tensor
// path (nn/decoder_blocks.cpp on LibTorch): f32 inside a kernel, rounded to the compute type
// where the tensor path stores a tensor of that type, so the two paths agree to rounding.
//
// Every launcher checks the launch and throws std::runtime_error with CUDA's message.
#include <cstdint>

#include "cuda/quant_kernels.hpp"  // FloatType

namespace ebsd::gpu::cuda {

enum class WeightFormat : int { Q8_0 = 0, Q4_0 = 1, Dense = 2 };  // Dense: the compute type, row-major

// A weight [rows, cols]: row r at data + r * row_stride bytes. Q8_0 / Q4_0: GGUF blocks (cols a
// multiple of 32); Dense: values of the compute type. Optional bias [rows] of the compute type.
struct DecodeMatrix {
  WeightFormat format = WeightFormat::Dense;
  const void* data = nullptr;
  std::int64_t rows = 0, cols = 0, row_stride = 0;
  const void* bias = nullptr;
};

enum class GateActivation : int { Silu = 0, GeluTanh = 1 };

// The step's token and position, in device memory.
struct DecodeStepInput {
  std::int64_t token = 0;
  std::int64_t position = 0;
};

// *input = {token, position}: one tiny kernel, so the values travel as launch parameters
// (copied when the launch is queued) and the host variable may change right after.
void set_step_input(DecodeStepInput* input, std::int64_t token, std::int64_t position, void* stream);

// h [n] = row input->token of the embedding (times embedding_scale rounded to the type, when it
// is not 0: Gemma's sqrt(d)); a [n] = RMSNorm(h) * norm.
void embed_norm(FloatType type, const DecodeMatrix& embedding, const DecodeStepInput* input, float embedding_scale,
                const float* norm, float eps, void* h, void* a, void* stream);

// h += (post_norm ? RMSNorm(o) * post_norm : o), then a = RMSNorm(h) * next_norm; all [n].
void residual_norm(FloatType type, const void* o, const float* post_norm, void* h, const float* next_norm, std::int64_t n,
                   float eps, void* a, void* stream);

// ys[m] [rows_m] = W_m x (+ bias_m) for 1 to 3 weights of one format and one cols (x [cols]).
constexpr int kMaxDecodeTargets = 3;
void decode_gemv(FloatType type, const DecodeMatrix* ws, void* const* ys, int count, const void* x, void* stream);

// q, k, v = W x (+ biases) for the three weights qkv[0..2] (one format and input size), then
// rope_store on them in the same launch (its last block): one launch instead of two, the same
// results. `counter`: one unsigned of device memory, 0 before the launch and left 0 after it.
void decode_qkv_rope(FloatType type, const DecodeMatrix* qkv, void* q, void* k, void* v, const void* x,
                     const DecodeStepInput* input, const float* inv_freq, bool rotate_half, int heads, int kv_heads, int head_dim,
                     std::int64_t capacity, void* k_cache, void* v_cache, unsigned* counter, void* stream);

// o [n] = W x (+ bias) for W [n, cols], then residual_norm(o, post_norm, h, next_norm) in the
// same launch (its last block to finish runs it): one launch instead of two, the same results.
// `counter`: one unsigned of device memory, 0 before the launch and left 0 after it.
void decode_gemv_residual_norm(FloatType type, const DecodeMatrix& w, const void* x, void* o, const float* post_norm, void* h,
                               const float* next_norm, float eps, void* a, unsigned* counter, void* stream);

// y [rows] = act(gate x) * up x, gate and up of one format and shape.
void decode_gated_gemv(FloatType type, const DecodeMatrix& gate, const DecodeMatrix& up, GateActivation activation,
                       const void* x, void* y, void* stream);
// y [n] = act(gate) * up (for gate and up weights of different formats).
void decode_gated_activation(FloatType type, const void* gate, const void* up, std::int64_t n, GateActivation activation,
                             void* y, void* stream);

// logits f32 [rows] = W x, rounded to the compute type (as the tensor path's head output), then
// softcap * tanh(logit / softcap) when softcap > 0.
void decode_logits(FloatType type, const DecodeMatrix& head, const void* x, float softcap, float* logits, void* stream);

// RoPE (angles position * inv_freq[i] in f32) on q [heads, head_dim] in place and on k
// [kv_heads, head_dim], then k and v stored at the position in the caches [kv_heads, capacity,
// head_dim]. rotate_half pairs i with i + head_dim / 2, otherwise 2i with 2i + 1.
void rope_store(FloatType type, const DecodeStepInput* input, const float* inv_freq, bool rotate_half, int heads, int kv_heads,
                int head_dim, std::int64_t capacity, void* q, const void* k, const void* v, void* k_cache, void* v_cache,
                void* stream);

struct AttentionShape {
  int heads = 0, kv_heads = 0, head_dim = 0;  // head_dim even, at most kMaxHeadDim
  std::int64_t capacity = 0;                  // of the caches
  int splits = 1;                             // key blocks per head (the split-K factor), fixed for a graph
  float scale = 1, softcap = 0;               // scores = softcap * tanh(scale q.k / softcap)
  std::int64_t window = 0;                    // 0: every key; else the last `window` positions
};
constexpr int kMaxHeadDim = 256;
// Floats of the partial results `attention` needs as scratch.
std::int64_t attention_scratch_floats(const AttentionShape& shape);
// out [heads, head_dim] = softmax over keys 0 .. position (the last `window` of them) of the
// scores, times the values; two launches: per head and key block a partial softmax
// (attention_partial, into scratch), then their combination (attention_combine).
void attention(FloatType type, const AttentionShape& shape, const DecodeStepInput* input, const void* q, const void* k_cache,
               const void* v_cache, float* scratch, void* out, void* stream);
void attention_partial(FloatType type, const AttentionShape& shape, const DecodeStepInput* input, const void* q,
                       const void* k_cache, const void* v_cache, float* scratch, void* stream);
void attention_combine(FloatType type, const AttentionShape& shape, const float* scratch, void* out, void* stream);
// attention() in one launch: each head's last key block to finish combines the head's results.
// `counters`: [heads] unsigned of device memory, 0 before the launch and left 0 after it.
void attention_fused(FloatType type, const AttentionShape& shape, const DecodeStepInput* input, const void* q,
                     const void* k_cache, const void* v_cache, float* scratch, unsigned* counters, void* out, void* stream);

// attention() in one launch that reads every key's K and V with independent (16-byte where the
// head size allows) loads instead of a warp walking its keys one by one: a block per (head, key
// block of ceil(capacity / splits) <= kAttentionBlockKeys keys); blocks past the context return
// at once, and a context within one key block (the decode step's splits = attention_one_pass_splits
// (capacity) for a capacity up to kAttentionBlockKeys, or any short context) is finished by its
// one block per head, without scratch. Longer: each block's partial result goes to scratch and
// the head's last block combines them (`counters`: [heads], 0 before and left 0 after; scratch
// and counters may be null when splits is 1). Head size even.
constexpr int kAttentionBlockKeys = 1024;
int attention_one_pass_splits(std::int64_t capacity);
void attention_one_pass(FloatType type, const AttentionShape& shape, const DecodeStepInput* input, const void* q,
                        const void* k_cache, const void* v_cache, float* scratch, unsigned* counters, void* out, void* stream);

// Greedy choice on the device, so a decode step copies one token id to the host instead of the
// whole logits row (600 KB for a 152k vocabulary, plus the host's scan of it). First the
// repetition penalty of the host sampler (llm/sampler.hpp) on the `count` distinct ids in
// `penalized`: logits[id] becomes logit / penalty when it is > 0, else logit * penalty (in
// double, rounded to f32, as the host does), written into `logits` in place; then *token = the
// first index of the largest logit (std::max_element's choice). One block.
void pick_greedy(float* logits, std::int64_t vocab, const std::int64_t* penalized, int count, double penalty,
                 std::int64_t* token, void* stream);

// A kernel that spins for `nanoseconds` on the device clock: the decode step's profiler queues
// it first, so the host has queued the whole step before the GPU reaches it and the timings
// between its events are the GPU's, not the host's launch rate.
void spin_device(std::int64_t nanoseconds, void* stream);

}  // namespace ebsd::gpu::cuda

#pragma once
// Causal grouped-query attention of the LLM's CPU token path (llm_decoder_cpu_forward.cpp) on
// raw f32 buffers: the same formulas as causal_attention (nn/decoder_blocks.hpp) - scaled
// scores, optional tanh soft-capping, causal mask, optional sliding window, softmax in f32 -
// computed per (token, KV head, chunk of kAttentionChunk keys) with the widest vector
// instructions the CPU has (nn/cpu_simd.hpp).
//
// The keys are cut into chunks at fixed positions (multiples of 256), and chunks of one query
// combine in a fixed order, so a query's result depends only on its own position and inputs:
// it is the same whether the token comes in a prompt or alone, and for any number of threads.
#include <cstdint>

#include "nn/cpu_simd.hpp"

namespace ebsd::gpu::nn {

struct CpuAttentionShape {
  std::int64_t heads = 0, kv_heads = 0, head_dim = 0;
  std::int64_t capacity = 0;  // cache rows per KV head
};

struct CpuAttentionOptions {
  float scale = 1;             // multiplies q.k
  float softcap = 0;           // > 0: scores become tanh(s / softcap) softcap
  std::int64_t window = 0;     // > 0: a query at p attends keys p - window + 1 .. p only
};

// q [tokens, heads, head_dim] of tokens at positions start .. start + tokens - 1; keys, values
// [kv_heads, capacity, head_dim] holding every position up to start + tokens - 1. Query head h
// reads KV head h / (heads / kv_heads). out [tokens, heads, head_dim]. Work is shared among up
// to `threads` OpenMP threads. Returns the scratch bytes the call needed (per-thread scores and
// the partial results of queries spanning several chunks), for the engine's memory accounting.
std::uint64_t cpu_causal_attention(const float* q, std::int64_t tokens, std::int64_t start, const float* keys, const float* values,
                          const CpuAttentionShape& shape, const CpuAttentionOptions& options, float* out, int threads,
                          VectorIsa isa = best_vector_isa());

}  // namespace ebsd::gpu::nn

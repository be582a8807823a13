// CPU causal attention (nn/cpu_attention.hpp). The kernel (nn/cpu_attention_kernel.inc) is
// compiled three times, for AVX-512, AVX2 + FMA and plain C++, each inside its own target
// region and anonymous namespace so no wider instructions leak into code other files share.
// Work items are (token, KV head, chunk of keys): a decode step has kv_heads of them per 256
// keys (two threads: one KV head each for Qwen2.5-0.5B), a prompt one per token and KV head
// per chunk. Items of a query that spans several chunks are combined afterwards in chunk order.
#include "nn/cpu_attention.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <c10/util/Exception.h>

namespace ebsd::gpu::nn {
namespace {

constexpr std::int64_t kAttentionChunk = 256;  // keys per work item; part of the rounding: keep fixed

#define EBSD_CPU_KERNEL_INC "nn/cpu_attention_kernel.inc"
#include "nn/cpu_kernel_for_each_isa.inc"

using ChunkKernel = void (*)(const float*, std::int64_t, std::int64_t, const float*, const float*, std::int64_t, std::int64_t,
                             float, float, float*, float*, float*, float*);

ChunkKernel chunk_kernel(VectorIsa isa) {
  TORCH_CHECK(vector_isa_supported(isa), "CPU attention: this CPU lacks ", vector_isa_name(isa));
  switch (isa) {
    case VectorIsa::Avx512: return avx512::attention_chunk;
    case VectorIsa::Avx2: return avx2::attention_chunk;
    default: return portable::attention_chunk;
  }
}

struct Item {
  std::int64_t t, g, j0, j1;
  std::int64_t slot;  // partial results' slot when the query spans several chunks, else -1
};

struct Span {  // a (token, KV head) whose chunks are items [first, first + count)
  std::int64_t first, count;
};

}  // namespace

std::uint64_t cpu_causal_attention(const float* q, std::int64_t tokens, std::int64_t start, const float* keys, const float* values,
                          const CpuAttentionShape& shape, const CpuAttentionOptions& options, float* out, int threads,
                          VectorIsa isa) {
  const auto heads = shape.heads, kv_heads = shape.kv_heads, hd = shape.head_dim, cap = shape.capacity;
  TORCH_CHECK(kv_heads > 0 && heads % kv_heads == 0, "CPU attention: ", heads, " query heads are not a multiple of ",
              kv_heads, " KV heads");
  TORCH_CHECK(start >= 0 && start + tokens <= cap, "CPU attention: positions beyond the cache's ", cap, " rows");
  const auto groups = heads / kv_heads;
  const auto kernel = chunk_kernel(isa);
  // Partial results of one item: m[groups], l[groups], acc[groups * hd].
  const std::int64_t partial_size = groups * (hd + 2);

  thread_local std::vector<Item> items;  // the caller's (OpenMP workers below only read them)
  thread_local std::vector<Span> spans;
  thread_local std::vector<float> partial;
  items.clear();
  spans.clear();
  std::int64_t slots = 0;
  for (std::int64_t t = 0; t < tokens; ++t) {
    const std::int64_t pos = start + t;
    const std::int64_t first = options.window > 0 ? std::max<std::int64_t>(0, pos - options.window + 1) : 0;
    const std::int64_t c0 = first / kAttentionChunk, c1 = pos / kAttentionChunk;
    for (std::int64_t g = 0; g < kv_heads; ++g) {
      if (c1 > c0) spans.push_back({static_cast<std::int64_t>(items.size()), c1 - c0 + 1});
      for (std::int64_t c = c0; c <= c1; ++c)
        items.push_back({t, g, std::max(first, c * kAttentionChunk), std::min(pos + 1, (c + 1) * kAttentionChunk),
                         c1 > c0 ? slots++ : -1});
    }
  }
  if (static_cast<std::int64_t>(partial.size()) < slots * partial_size)
    partial.resize(static_cast<std::size_t>(slots * partial_size));
  float* partials = partial.data();
  const Item* item_list = items.data();
  const Span* span_list = spans.data();
  const auto n_items = static_cast<std::int64_t>(items.size()), n_spans = static_cast<std::int64_t>(spans.size());

  const std::int64_t scores_size = groups * kAttentionChunk + 16 * hd;
  const auto run_item = [&](std::int64_t i) {
    // This thread's scratch: scores [groups, chunk], 16 padding rows for the kernel, then m, l, acc.
    thread_local std::vector<float> scratch;
    const auto need = static_cast<std::size_t>(scores_size + partial_size);
    if (scratch.size() < need) scratch.resize(need);
    const Item& it = item_list[i];
    float* part = it.slot >= 0 ? partials + it.slot * partial_size : scratch.data() + scores_size;
    float *m = part, *l = part + groups, *acc = part + 2 * groups;
    kernel(q + (it.t * heads + it.g * groups) * hd, groups, hd, keys + it.g * cap * hd, values + it.g * cap * hd, it.j0, it.j1,
           options.scale, options.softcap, scratch.data(), m, l, acc);
    if (it.slot >= 0) return;
    float* o = out + (it.t * heads + it.g * groups) * hd;
    for (std::int64_t h = 0; h < groups; ++h)
      for (std::int64_t e = 0; e < hd; ++e) o[h * hd + e] = acc[h * hd + e] / l[h];
  };
  // A query over several chunks: softmax(all) v = sum_c e^(m_c - M) acc_c / sum_c e^(m_c - M) l_c.
  const auto combine = [&](std::int64_t s) {
    const Span& sp = span_list[s];
    const Item& it0 = item_list[sp.first];
    float* o = out + (it0.t * heads + it0.g * groups) * hd;
    for (std::int64_t h = 0; h < groups; ++h) {
      float top = -std::numeric_limits<float>::infinity();
      for (std::int64_t c = 0; c < sp.count; ++c) top = std::max(top, partials[item_list[sp.first + c].slot * partial_size + h]);
      float* oh = o + h * hd;
      std::fill(oh, oh + hd, 0.0f);
      float den = 0;
      for (std::int64_t c = 0; c < sp.count; ++c) {
        const float* part = partials + item_list[sp.first + c].slot * partial_size;
        const float w = std::exp(part[h] - top);
        den += w * part[groups + h];
        const float* acc = part + 2 * groups + h * hd;
        for (std::int64_t e = 0; e < hd; ++e) oh[e] += w * acc[e];
      }
      for (std::int64_t e = 0; e < hd; ++e) oh[e] /= den;
    }
  };
  int team = 1;
#ifdef _OPENMP
  team = static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>(threads, n_items)));
  if (team > 1 && omp_in_parallel()) team = 1;
#endif
  const auto bytes = static_cast<std::uint64_t>(slots * partial_size + team * (scores_size + partial_size)) * sizeof(float);
#ifdef _OPENMP
  if (team > 1 && n_spans == 0) {  // every query within one chunk (decode up to 256 positions): one join
#pragma omp parallel for num_threads(team) schedule(dynamic, 1)
    for (std::int64_t i = 0; i < n_items; ++i) run_item(i);
    return bytes;
  }
  if (team > 1) {
#pragma omp parallel num_threads(team)
    {
#pragma omp for schedule(dynamic, 1)
      for (std::int64_t i = 0; i < n_items; ++i) run_item(i);
#pragma omp for schedule(dynamic, 1)
      for (std::int64_t s = 0; s < n_spans; ++s) combine(s);
    }
    return bytes;
  }
#endif
  for (std::int64_t i = 0; i < n_items; ++i) run_item(i);
  for (std::int64_t s = 0; s < n_spans; ++s) combine(s);
  return bytes;
}

}  // namespace ebsd::gpu::nn

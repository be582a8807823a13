#pragma once
// A generation session: one sequence's KV cache, feed-forward policy and communicator around a
// DecoderModel, with prefill and decode steps, and the generate() loop that samples, streams
// each token to a callback, stops at EOS / the token budget / the context / cancellation, and
// reports timings and memory.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ebsd/core/progress.hpp"
#include "llm/decoder_model.hpp"
#include "llm/memory_report.hpp"
#include "llm/sampler.hpp"

namespace ebsd::gpu::llm {

class Session {
public:
  // capacity: the most tokens (prompt + generated) the KV cache holds; capped by the model's context.
  Session(DecoderModel& model, std::int64_t capacity);
  // Appends tokens; returns f32 logits of the last one [vocab] (all of them [T, vocab] if asked).
  torch::Tensor prefill(const std::vector<std::int64_t>& tokens, bool all_logits = false);
  torch::Tensor decode(std::int64_t token);
  // decode() with the greedy choice made on the device (DecoderModel::decode_greedy_cuda): the
  // next token (only its id leaves the GPU), or nothing, and no step taken, where that path
  // does not cover the model; then decode() and the host sampler.
  std::optional<std::int64_t> decode_greedy(std::int64_t token, const std::vector<std::int64_t>& penalized, double penalty);
  void reset();
  std::int64_t position() const { return position_; }
  std::int64_t capacity() const { return kv_->capacity(); }
  MemoryReport memory() const;
  DecoderModel& model() { return model_; }

private:
  torch::Tensor run(const std::vector<std::int64_t>& tokens, Phase phase, bool all_logits);
  DecoderModel& model_;
  std::unique_ptr<KvCachePolicy> kv_;
  std::unique_ptr<FeedForwardPolicy> ff_;
  std::unique_ptr<Communicator> comm_;
  std::int64_t position_ = 0;
};

struct GenerationSettings {
  std::int64_t max_new_tokens = 64;
  SamplerSettings sampler;
  bool stop_at_eos = true;
};

struct GenerationResult {
  std::vector<std::int64_t> tokens;   // generated only
  std::string stop_reason;            // "max_tokens", "eos", "context", "cancelled", "callback"
  std::int64_t prompt_tokens = 0;
  double prefill_seconds = 0, decode_seconds = 0;  // decode: all steps after the first token
  // CPU seconds of the whole process (all threads) over the same spans: on a shared machine the
  // wall time moves with the other load, this much less.
  double prefill_cpu_seconds = 0, decode_cpu_seconds = 0;
  MemoryReport memory;
};

// on_token(token) is called for each generated token as soon as it is sampled; returning false
// stops generation. Cancellation is checked before every step.
GenerationResult generate(Session& session, const std::vector<std::int64_t>& prompt, const GenerationSettings& settings,
                          const std::function<bool(std::int64_t)>& on_token, Progress& progress);

}  // namespace ebsd::gpu::llm

// Sessions and the generation loop (llm/generation.hpp).
#include "llm/generation.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <optional>

#include "ebsd/core/error.hpp"

#ifdef EBSD_TORCH_HAS_CUDA_ALLOCATOR_STATS
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace ebsd::gpu::llm {

Session::Session(DecoderModel& model, std::int64_t capacity) : model_(model) {
  const auto& s = model.spec();
  if (capacity < 1) throw Error("the context must hold at least one token", "--context");
  capacity = std::min(capacity, s.context_length);
  kv_ = std::make_unique<FullKvCache>(static_cast<int>(s.layers), s.kv_heads, s.head_dim, capacity, model.options());
  ff_ = std::make_unique<DenseFeedForward>();
  comm_ = std::make_unique<SingleProcess>();
}

torch::Tensor Session::run(const std::vector<std::int64_t>& tokens, Phase phase, bool all_logits) {
  const auto n = static_cast<std::int64_t>(tokens.size());
  if (position_ + n > kv_->capacity())
    throw Error(std::to_string(position_ + n) + " tokens exceed the context of " + std::to_string(kv_->capacity()), "tokens");
  const auto ids = torch::tensor(tokens, torch::kInt64);
  auto logits = model_.forward(ids, position_, *kv_, *ff_, *comm_, phase, all_logits);
  position_ += n;
  return logits;
}

torch::Tensor Session::prefill(const std::vector<std::int64_t>& tokens, bool all_logits) {
  auto l = run(tokens, Phase::Prefill, all_logits);
  return all_logits ? l : l[0];
}

torch::Tensor Session::decode(std::int64_t token) { return run({token}, Phase::Decode, false)[0]; }

std::optional<std::int64_t> Session::decode_greedy(std::int64_t token, const std::vector<std::int64_t>& penalized,
                                                   double penalty) {
  if (position_ + 1 > kv_->capacity())
    throw Error(std::to_string(position_ + 1) + " tokens exceed the context of " + std::to_string(kv_->capacity()), "tokens");
  const auto next = model_.decode_greedy_cuda(token, position_, *kv_, *ff_, *comm_, penalized, penalty);
  if (next) ++position_;
  return next;
}

void Session::reset() {
  kv_->clear();
  position_ = 0;
}

MemoryReport Session::memory() const {
  MemoryReport m;
  m.weights_mapped = model_.weights_mapped_bytes();
  m.weights_owned = model_.weights_owned_bytes();
  m.kv_reserved = kv_->bytes_reserved();
  m.activations_peak = model_.activations_peak_bytes();
#ifdef EBSD_TORCH_HAS_CUDA_ALLOCATOR_STATS
  if (model_.options().device().is_cuda()) {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(model_.options().device().index());
    // Index 0 is the aggregate over pool types; the enum naming it moved between PyTorch versions
    // (c10::cuda::CUDACachingAllocator::StatType, later c10::CachingAllocator::StatType).
    m.device_peak_allocated = stats.allocated_bytes[0].peak;
  }
#endif
  return m;
}

namespace {

std::vector<float> to_host(const torch::Tensor& logits) {
  const auto c = logits.to(torch::kCPU, torch::kFloat).contiguous();
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

// The distinct ids the sampler's repetition penalty touches (its last penalty_window tokens of
// the history); none when the penalty is 1.
std::vector<std::int64_t> penalized_ids(const std::vector<std::int64_t>& history, const SamplerSettings& s) {
  if (s.repetition_penalty == 1.0) return {};
  const auto window = std::min(history.size(), static_cast<std::size_t>(s.penalty_window));
  std::vector<std::int64_t> ids(history.end() - static_cast<std::ptrdiff_t>(window), history.end());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

}  // namespace

GenerationResult generate(Session& session, const std::vector<std::int64_t>& prompt, const GenerationSettings& settings,
                          const std::function<bool(std::int64_t)>& on_token, Progress& progress) {
  if (prompt.empty()) throw Error("the prompt has no tokens", "--prompt");
  if (settings.max_new_tokens < 0) throw Error("must be >= 0", "--max-tokens");
  GenerationResult r;
  r.prompt_tokens = static_cast<std::int64_t>(prompt.size());
  Sampler sampler(settings.sampler);
  std::vector<std::int64_t> history = prompt;
  const auto eos = session.model().spec().eos_token_id;
  using clock = std::chrono::steady_clock;
  r.stop_reason = "max_tokens";
  try {
    progress.check();
    auto t0 = clock::now();
    auto c0 = process_cpu_seconds();
    auto logits = to_host(session.prefill(prompt));
    r.prefill_seconds = std::chrono::duration<double>(clock::now() - t0).count();
    r.prefill_cpu_seconds = process_cpu_seconds() - c0;
    t0 = clock::now();
    c0 = process_cpu_seconds();
    // Greedy decode steps on CUDA pick the next token on the device (the same choice as the
    // sampler's, penalty included), so the logits never reach the host.
    const bool greedy = settings.sampler.temperature == 0.0;
    std::optional<std::int64_t> picked;
    for (std::int64_t i = 0; i < settings.max_new_tokens; ++i) {
      const auto token = picked ? *picked : sampler.sample(logits, history);
      picked.reset();
      r.tokens.push_back(token);
      history.push_back(token);
      progress.report(static_cast<double>(i + 1) / static_cast<double>(settings.max_new_tokens),
                      "token " + std::to_string(token));
      if (on_token && !on_token(token)) {
        r.stop_reason = "callback";
        break;
      }
      if (settings.stop_at_eos && token == eos) {
        r.stop_reason = "eos";
        break;
      }
      if (i + 1 == settings.max_new_tokens) break;
      if (session.position() >= session.capacity()) {
        r.stop_reason = "context";
        break;
      }
      progress.check();
      if (greedy) picked = session.decode_greedy(token, penalized_ids(history, settings.sampler), settings.sampler.repetition_penalty);
      if (!picked) logits = to_host(session.decode(token));
    }
    r.decode_seconds = std::chrono::duration<double>(clock::now() - t0).count();
    r.decode_cpu_seconds = process_cpu_seconds() - c0;
  } catch (const Cancelled&) {
    r.stop_reason = "cancelled";
  }
  r.memory = session.memory();
  return r;
}

}  // namespace ebsd::gpu::llm

#pragma once
// Token sampling from logits (torch-free): repetition penalty over the recent tokens, then
// greedy (temperature 0) or temperature, top-k, top-p and a draw from a seeded generator. The
// same settings, logits and seed give the same tokens.
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace ebsd::gpu::llm {

struct SamplerSettings {
  double temperature = 0.0;        // 0: greedy (argmax)
  std::int64_t top_k = 0;          // 0: all tokens
  double top_p = 1.0;              // nucleus mass, (0, 1]
  double repetition_penalty = 1.0; // > 1 discourages recent tokens (CTRL / transformers rule)
  std::int64_t penalty_window = 64;
  std::uint64_t seed = 0;
  void validate() const;           // throws ebsd::Error naming the bad setting
};

class Sampler {
public:
  explicit Sampler(const SamplerSettings& s);
  // `history`: tokens so far (prompt and generated); only the last penalty_window count.
  std::int64_t sample(std::span<const float> logits, std::span<const std::int64_t> history);

private:
  SamplerSettings s_;
  std::mt19937_64 rng_;
  std::vector<float> work_;
  std::vector<std::int64_t> order_;
};

}  // namespace ebsd::gpu::llm

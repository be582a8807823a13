// The sampler: greedy, temperature, top-k, top-p, repetition penalty and seeds.
#include <gtest/gtest.h>

#include <map>

#include "../../gpu/src/llm/sampler.hpp"
#include "ebsd/core/error.hpp"

namespace {

using ebsd::gpu::llm::Sampler;
using ebsd::gpu::llm::SamplerSettings;

TEST(LlmSampler, GreedyTakesTheFirstMaximum) {
  Sampler s({});
  const std::vector<float> logits{0.5f, 2.0f, -1.0f, 2.0f};
  EXPECT_EQ(s.sample(logits, {}), 1);
}

TEST(LlmSampler, RepetitionPenaltyDividesPositiveAndMultipliesNegativeLogits) {
  SamplerSettings cfg;
  cfg.repetition_penalty = 2.0;
  Sampler s(cfg);
  // Token 0 (3.0 -> 1.5) loses to token 1 (2.0); token 2 (-0.1 -> -0.2) stays below token 3 (-0.15).
  const std::vector<float> logits{3.0f, 2.0f, -0.1f, -0.15f};
  const std::vector<std::int64_t> history{0, 2};
  EXPECT_EQ(s.sample(logits, history), 1);
  const std::vector<float> negatives{-5.0f, -5.0f, -0.1f, -0.15f};
  EXPECT_EQ(s.sample(negatives, history), 3);
}

std::map<std::int64_t, int> histogram(const SamplerSettings& cfg, const std::vector<float>& logits, int draws) {
  Sampler s(cfg);
  std::map<std::int64_t, int> h;
  for (int i = 0; i < draws; ++i) ++h[s.sample(logits, {})];
  return h;
}

TEST(LlmSampler, TopKAndTopPRestrictTheCandidates) {
  const std::vector<float> logits{0.0f, 1.0f, 2.0f, 3.0f};
  SamplerSettings cfg;
  cfg.temperature = 1.0;
  cfg.top_k = 2;
  const auto k = histogram(cfg, logits, 2000);
  EXPECT_EQ(k.count(0) + k.count(1), 0u);
  // softmax of (2, 3): 3 wins with probability e/(1+e) = 0.731.
  EXPECT_NEAR(k.at(3) / 2000.0, 0.731, 0.04);
  cfg.top_k = 0;
  cfg.top_p = 0.6;  // probabilities 0.644, 0.237, ...: the first alone reaches 0.6
  const auto p = histogram(cfg, logits, 500);
  EXPECT_EQ(p.size(), 1u);
  EXPECT_EQ(p.begin()->first, 3);
}

TEST(LlmSampler, SameSeedSameTokensAndTemperatureFlattens) {
  const std::vector<float> logits{0.0f, 0.5f, 1.0f, 1.5f, 2.0f};
  SamplerSettings cfg;
  cfg.temperature = 0.8;
  cfg.seed = 42;
  Sampler a(cfg), b(cfg);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(a.sample(logits, {}), b.sample(logits, {}));
  cfg.temperature = 100.0;  // nearly uniform
  const auto hot = histogram(cfg, logits, 5000);
  for (const auto& [token, n] : hot) EXPECT_NEAR(n / 5000.0, 0.2, 0.03) << token;
}

TEST(LlmSampler, InvalidSettingsAreNamed) {
  SamplerSettings cfg;
  cfg.top_p = 0;
  try {
    Sampler s(cfg);
    FAIL();
  } catch (const ebsd::Error& e) {
    EXPECT_EQ(e.file(), "--top-p");
  }
  cfg = {};
  cfg.temperature = -1;
  EXPECT_THROW(Sampler{cfg}, ebsd::Error);
}

}  // namespace

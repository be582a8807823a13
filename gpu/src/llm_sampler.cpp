// Sampler (llm/sampler.hpp).
#include "llm/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_set>

#include "ebsd/core/error.hpp"

namespace ebsd::gpu::llm {

void SamplerSettings::validate() const {
  if (!(temperature >= 0) || !std::isfinite(temperature)) throw Error("must be >= 0", "--temperature");
  if (top_k < 0) throw Error("must be >= 0", "--top-k");
  if (!(top_p > 0 && top_p <= 1)) throw Error("must be in (0, 1]", "--top-p");
  if (!(repetition_penalty > 0) || !std::isfinite(repetition_penalty)) throw Error("must be > 0", "--repeat-penalty");
  if (penalty_window < 0) throw Error("must be >= 0", "--repeat-window");
}

Sampler::Sampler(const SamplerSettings& s) : s_(s), rng_(s.seed) { s_.validate(); }

std::int64_t Sampler::sample(std::span<const float> logits, std::span<const std::int64_t> history) {
  const auto n = static_cast<std::int64_t>(logits.size());
  if (n == 0) throw Error("no logits to sample from");
  work_.assign(logits.begin(), logits.end());
  if (s_.repetition_penalty != 1.0) {
    const auto from = history.size() > static_cast<std::size_t>(s_.penalty_window)
                          ? history.size() - static_cast<std::size_t>(s_.penalty_window)
                          : 0;
    std::unordered_set<std::int64_t> seen(history.begin() + static_cast<std::ptrdiff_t>(from), history.end());
    for (auto t : seen) {
      if (t < 0 || t >= n) continue;
      auto& x = work_[static_cast<std::size_t>(t)];
      x = x > 0 ? static_cast<float>(x / s_.repetition_penalty) : static_cast<float>(x * s_.repetition_penalty);
    }
  }
  if (s_.temperature == 0.0)  // greedy: the first maximum, as torch.argmax
    return static_cast<std::int64_t>(std::max_element(work_.begin(), work_.end()) - work_.begin());
  order_.resize(static_cast<std::size_t>(n));
  std::iota(order_.begin(), order_.end(), 0);
  const auto k = s_.top_k > 0 ? std::min(s_.top_k, n) : n;
  auto by_logit = [&](std::int64_t a, std::int64_t b) {
    const auto la = work_[static_cast<std::size_t>(a)], lb = work_[static_cast<std::size_t>(b)];
    return la != lb ? la > lb : a < b;
  };
  std::partial_sort(order_.begin(), order_.begin() + k, order_.end(), by_logit);
  order_.resize(static_cast<std::size_t>(k));
  // Softmax of logit / temperature over the kept tokens, in double.
  const double top = work_[static_cast<std::size_t>(order_[0])];
  std::vector<double> p(order_.size());
  double sum = 0;
  for (std::size_t i = 0; i < order_.size(); ++i) {
    p[i] = std::exp((work_[static_cast<std::size_t>(order_[i])] - top) / s_.temperature);
    sum += p[i];
  }
  // Nucleus: the smallest prefix whose mass reaches top_p (at least one token).
  std::size_t keep = p.size();
  if (s_.top_p < 1.0) {
    double acc = 0;
    for (std::size_t i = 0; i < p.size(); ++i) {
      acc += p[i] / sum;
      if (acc >= s_.top_p) {
        keep = i + 1;
        break;
      }
    }
  }
  double mass = 0;
  for (std::size_t i = 0; i < keep; ++i) mass += p[i];
  // A uniform draw from the seeded generator (its bits, not a distribution object, so the
  // result does not depend on the standard library's implementation).
  const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53 * mass;
  double acc = 0;
  for (std::size_t i = 0; i < keep; ++i) {
    acc += p[i];
    if (u < acc) return order_[i];
  }
  return order_[keep - 1];
}

}  // namespace ebsd::gpu::llm

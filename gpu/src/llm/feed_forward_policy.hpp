#pragma once
// The feed-forward seam (LLM-CORE.md section 4.4): the decoder hands each layer's normalised
// input to a policy. Dense computes down(act(gate x) * up x); GRIFFIN (neuron selection fixed
// at prefill, a row subset during decode) will implement the same interface, which is why the
// phase is passed.
#include <string>

#include <torch/torch.h>

#include "nn/decoder_blocks.hpp"
#include "nn/layers.hpp"

namespace ebsd::gpu::llm {

enum class Phase { Prefill, Decode };

struct FeedForwardWeights {
  nn::Linear gate{nullptr}, up{nullptr}, down{nullptr};
  nn::GateActivation activation = nn::GateActivation::Silu;
};

class FeedForwardPolicy {
public:
  virtual ~FeedForwardPolicy() = default;
  virtual torch::Tensor forward(int layer, FeedForwardWeights& w, const torch::Tensor& x, Phase phase) = 0;
  virtual std::string describe() const = 0;
};

class DenseFeedForward final : public FeedForwardPolicy {
public:
  torch::Tensor forward(int, FeedForwardWeights& w, const torch::Tensor& x, Phase) override {
    return w.down->forward(nn::gated_activation(w.gate->forward(x), w.up->forward(x), w.activation));
  }
  std::string describe() const override { return "dense"; }
};

}  // namespace ebsd::gpu::llm

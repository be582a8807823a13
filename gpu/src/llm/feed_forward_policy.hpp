#pragma once
// The feed-forward seam (LLM-CORE.md section 4.4): the decoder hands each layer's normalised
// input to a policy. Dense computes down(act(gate x) * up x); GRIFFIN (neuron selection fixed
// at prefill, a row subset during decode) will implement the same interface, which is why the
// phase is passed.
#include <string>

#include <torch/torch.h>

#include "nn/decoder_blocks.hpp"
#include "nn/layers.hpp"
#include "nn/quantized_linear.hpp"

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
    const auto& g = w.gate->packed();
    const auto& u = w.up->packed();
    if (g && u && g->format == u->format && !w.gate->bias.defined() && !w.up->bias.defined()) {
      // Quantized in place: gate and up in one pass with one activation quantization.
      const auto gu = nn::quantized_linears(x, {&*g, &*u});
      return w.down->forward(nn::gated_activation(gu[0], gu[1], w.activation));
    }
    return w.down->forward(nn::gated_activation(w.gate->forward(x), w.up->forward(x), w.activation));
  }
  std::string describe() const override { return "dense"; }
};

}  // namespace ebsd::gpu::llm

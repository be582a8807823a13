#pragma once
// A decoder-only LLM (Llama 2/3, Qwen2, Gemma2) on LibTorch tensors, CPU or CUDA: weights from
// an io::model::ModelFile (GGUF or safetensors), the forward pass over a span of tokens with
// the KV cache, feed-forward and communicator seams passed in. Family differences come only
// from the ModelSpec (norm style, RoPE pairing and scaling, soft-caps, sliding layers,
// embedding scale, activation), so there is one code path for all families.
#include <cstdint>
#include <optional>
#include <vector>

#include <torch/torch.h>

#include "ebsd/gpu/device.hpp"
#include "ebsd/io/model/model_file.hpp"
#include "llm/communicator.hpp"
#include "llm/feed_forward_policy.hpp"
#include "llm/kv_cache.hpp"
#include "nn/layers.hpp"

namespace ebsd::gpu::llm {

enum class ComputeType { F32, F16, BF16 };
ComputeType parse_compute_type(const std::string& name);  // "f32", "f16", "bf16"

struct LoadOptions {
  Device device = Device::Cpu;
  ComputeType compute = ComputeType::F32;
};

class DecoderModel {
public:
  // Takes the file (weights used in place on CPU when their type is the compute type).
  DecoderModel(io::model::ModelFile file, const LoadOptions& options);

  const io::model::ModelSpec& spec() const { return file_.spec(); }
  const io::model::ModelFile& file() const { return file_; }
  torch::TensorOptions options() const { return options_; }

  // Runs tokens [T] (int64) at positions [start, start + T) through the model, storing their
  // keys and values in `kv`. Returns f32 logits [T, vocab], or [1, vocab] for the last token only.
  torch::Tensor forward(const torch::Tensor& tokens, std::int64_t start, KvCachePolicy& kv, FeedForwardPolicy& ff,
                        Communicator& comm, Phase phase, bool all_logits);

  std::uint64_t weights_mapped_bytes() const { return mapped_bytes_; }
  std::uint64_t weights_owned_bytes() const { return owned_bytes_; }
  std::uint64_t activations_peak_bytes() const { return activations_peak_; }

private:
  struct Layer {
    nn::Linear q{nullptr}, k{nullptr}, v{nullptr}, o{nullptr};
    torch::Tensor attn_norm, post_attn_norm, ffn_norm, post_ffn_norm;
    FeedForwardWeights ff;
  };
  // A weight as a tensor of the compute type on the device; quantized ones are checked and
  // dequantized (Q4_K, Q6_K, and Q8_0 / Q4_0 off the CPU).
  torch::Tensor weight(const std::string& name, bool as_norm = false);
  torch::Tensor optional_weight(const std::string& name);
  // A Q8_0 / Q4_0 matrix used in place by the CPU kernels, or copied as it is to the GPU for our
  // CUDA kernels, after its checks; nothing when the weight is not quantized, is another format,
  // or the device is CUDA in a build without the kernels.
  std::optional<quant::QuantMatrix> in_place_quantized(const std::string& name);
  // m with an interleaved copy (quant::interleave_rows) when m is in host memory and the CPU's
  // kernels read one; the copy is owned by the model.
  quant::QuantMatrix with_interleaved(quant::QuantMatrix m);
  // The layer of weight `name` ([out, in], shape checked), with an optional bias.
  nn::Linear linear(const std::string& name, std::int64_t out, std::int64_t in, const std::string& bias_name = {});
  void note_activations(std::uint64_t bytes) { activations_peak_ = std::max(activations_peak_, bytes); }
  // forward() on the CPU in f32 with plain loops over raw buffers (llm_decoder_cpu_forward.cpp):
  // decode's many small operations cost more in LibTorch's dispatch than they compute. Null
  // when the setup is not one it covers (then forward() takes the tensor path).
  torch::Tensor forward_cpu(const std::vector<std::int64_t>& ids, std::int64_t start, KvCachePolicy& kv, FeedForwardPolicy& ff,
                            Communicator& comm, bool all_logits);

  io::model::ModelFile file_;
  torch::TensorOptions options_;
  torch::Tensor token_embd_, output_norm_, inv_freq_;
  std::optional<quant::QuantMatrix> token_embd_packed_;  // instead of token_embd_ when quantized in place
  nn::Linear output_{nullptr};
  std::vector<Layer> layers_;
  std::vector<bool> fused_qkv_;
  std::vector<torch::Tensor> interleaved_;  // CPU: the packed layers' interleaved copies
  std::vector<torch::Tensor> device_blocks_;  // CUDA: the Q8_0 / Q4_0 blocks the packed layers point into  // per layer: q, k, v quantized in place in one format
  std::uint64_t mapped_bytes_ = 0, owned_bytes_ = 0, activations_peak_ = 0;
  std::vector<float> token_scratch_, inv_freq_host_;  // the CPU token path's buffers
};

}  // namespace ebsd::gpu::llm

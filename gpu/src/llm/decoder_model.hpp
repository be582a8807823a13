#pragma once
// A decoder-only LLM (Llama 2/3, Qwen2, Gemma2) on LibTorch tensors, CPU or CUDA: weights from
// an io::model::ModelFile (GGUF or safetensors), the forward pass over a span of tokens with
// the KV cache, feed-forward and communicator seams passed in. Family differences come only
// from the ModelSpec (norm style, RoPE pairing and scaling, soft-caps, sliding layers,
// embedding scale, activation), so there is one code path for all families.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
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

// How a one-token forward pass runs on CUDA (llm_decoder_cuda_step.cpp): Graph replays the whole
// step as one CUDA graph of our kernels, Eager launches the same kernels one by one, Off takes
// the LibTorch tensor path. The default is Graph, or what the environment says:
// EBSD_CUDA_DECODE_STEP=0 -> Off, EBSD_CUDA_GRAPH=0 -> Eager (for comparisons).
enum class CudaDecodeMode { Off, Eager, Graph };
CudaDecodeMode default_cuda_decode_mode();
bool default_cuda_device_pick();  // false with EBSD_CUDA_DEVICE_PICK=0 (greedy choice on the host)
bool default_cuda_profiling();    // true with EBSD_CUDA_PROFILE=1

// One kernel class of the decode step's profile (EBSD_CUDA_PROFILE=1, cuda/decode_step.hpp):
// GPU time and launches per profiled step.
struct CudaDecodeProfileEntry {
  std::string kernel;
  double gpu_us_per_step = 0;
  double launches_per_step = 0;
};

// What the CUDA decode step did so far (tests and benchmarks check it ran).
struct CudaDecodeStats {
  std::int64_t steps = 0;         // tokens it computed
  std::int64_t device_picks = 0;  // of them, greedy choices made on the device (only the id copied back)
  std::int64_t rebuilds = 0;      // step set-ups (one per KV cache it met)
  bool graph = false;             // its current step replays a captured graph
  bool graph_failed = false;      // capture failed, so it launches eagerly
  std::string declined;           // why the model is not covered (then the tensor path runs); empty if covered
  // With EBSD_CUDA_PROFILE=1 (or set_cuda_profiling): the current step's profile.
  std::int64_t profiled_steps = 0, profiled_graph_steps = 0;
  std::vector<CudaDecodeProfileEntry> profile;
};

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

  // Greedy decoding of one token on CUDA through the fused step, the choice made on the device
  // with the host sampler's repetition penalty on `penalized` (distinct ids; penalty 1: none):
  // the next token, or nothing when the fused step does not cover the model or the device pick
  // is off (EBSD_CUDA_DEVICE_PICK=0); then forward() and the host sampler do it.
  std::optional<std::int64_t> decode_greedy_cuda(std::int64_t token, std::int64_t start, KvCachePolicy& kv, FeedForwardPolicy& ff,
                                                 Communicator& comm, const std::vector<std::int64_t>& penalized, double penalty);

  void set_cuda_decode_mode(CudaDecodeMode m) { cuda_decode_mode_ = m; }
  void set_cuda_device_pick(bool on) { cuda_device_pick_ = on; }
  // Per-kernel GPU timing of the fused step (slows it down; for the breakdown only).
  void set_cuda_profiling(bool on);
  CudaDecodeMode cuda_decode_mode() const { return cuda_decode_mode_; }
  CudaDecodeStats cuda_decode_stats() const;

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

  // forward() for one token on CUDA through our fused decode step (llm_decoder_cuda_step.cpp):
  // undefined when the mode is Off or the model, cache or policies are not ones it covers.
  torch::Tensor forward_cuda_step(const torch::Tensor& tokens, std::int64_t start, KvCachePolicy& kv, FeedForwardPolicy& ff,
                                  Communicator& comm);
  // Builds (or keeps) the fused step for this cache and policies; false when it does not cover them.
  bool prepare_cuda_step(KvCachePolicy& kv, FeedForwardPolicy& ff, Communicator& comm);
  struct CudaStepState;  // defined there; shared_ptr so this header needs no CUDA types

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
  CudaDecodeMode cuda_decode_mode_ = default_cuda_decode_mode();
  bool cuda_device_pick_ = default_cuda_device_pick();
  bool cuda_profiling_ = default_cuda_profiling();
  std::shared_ptr<CudaStepState> cuda_step_;
};

}  // namespace ebsd::gpu::llm

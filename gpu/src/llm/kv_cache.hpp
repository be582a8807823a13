#pragma once
// The KV-cache seam (LLM-CORE.md section 4.3). The decoder stores each layer's new keys and
// values through a policy and asks it which keys a query attends to; policies that evict,
// compress or page (SinkWindow, H2O, SnapKV, Quest, ShadowKV ...) implement the same interface.
// This file holds the interface and the Full policy: every token kept, preallocated, so the
// reserved bytes are known before the first token.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace ebsd::gpu::llm {

// What a query attends to: keys and values [B, Hkv, S, D] and the absolute position of each key
// [S] (int64), so a policy may return any subset in any order.
struct KeyValueView {
  torch::Tensor keys, values, positions;
};

class KvCachePolicy {
public:
  virtual ~KvCachePolicy() = default;
  // Stores k, v [B, Hkv, T, D] (keys after RoPE) of tokens at positions [start, start + T).
  virtual void store(int layer, const torch::Tensor& k, const torch::Tensor& v, std::int64_t start) = 0;
  // The keys the queries at positions [start, start + count) attend to, after store().
  virtual KeyValueView keys_for_queries(int layer, std::int64_t start, std::int64_t count) = 0;
  virtual void clear() = 0;
  virtual std::int64_t capacity() const = 0;  // tokens
  virtual std::uint64_t bytes_reserved() const = 0;
  virtual std::string describe() const = 0;
};

// Keeps every token of every layer in one preallocated [1, Hkv, capacity, D] buffer per layer
// for keys and one for values.
class FullKvCache final : public KvCachePolicy {
public:
  FullKvCache(int layers, std::int64_t kv_heads, std::int64_t head_dim, std::int64_t capacity,
              const torch::TensorOptions& options)
      : capacity_(capacity) {
    for (int l = 0; l < layers; ++l) {
      k_.push_back(torch::zeros({1, kv_heads, capacity, head_dim}, options));
      v_.push_back(torch::zeros({1, kv_heads, capacity, head_dim}, options));
    }
    positions_ = torch::arange(capacity, options.dtype(torch::kInt64));
    filled_.assign(static_cast<std::size_t>(layers), 0);
  }
  void store(int layer, const torch::Tensor& k, const torch::Tensor& v, std::int64_t start) override {
    const auto t = k.size(2);
    TORCH_CHECK(start >= 0 && start + t <= capacity_, "KV cache: positions ", start, "..", start + t,
                " exceed the capacity of ", capacity_, " tokens");
    const auto l = static_cast<std::size_t>(layer);
    k_[l].narrow(2, start, t).copy_(k);
    v_[l].narrow(2, start, t).copy_(v);
    filled_[l] = std::max(filled_[l], start + t);
  }
  KeyValueView keys_for_queries(int layer, std::int64_t start, std::int64_t count) override {
    // Causality is the attention mask's job; keys after the last query are not needed.
    const auto n = std::min(filled_[static_cast<std::size_t>(layer)], start + count);
    const auto l = static_cast<std::size_t>(layer);
    return {k_[l].narrow(2, 0, n), v_[l].narrow(2, 0, n), positions_.narrow(0, 0, n)};
  }
  void clear() override { std::fill(filled_.begin(), filled_.end(), 0); }
  std::int64_t capacity() const override { return capacity_; }
  // For the CPU token path, which reads and writes the buffers without tensor operations: the
  // layer's keys / values [1, Hkv, capacity, D] (contiguous), and that position `pos` is stored.
  torch::Tensor& key_buffer(int layer) { return k_[static_cast<std::size_t>(layer)]; }
  torch::Tensor& value_buffer(int layer) { return v_[static_cast<std::size_t>(layer)]; }
  void mark_stored(int layer, std::int64_t pos) {
    auto& f = filled_[static_cast<std::size_t>(layer)];
    f = std::max(f, pos + 1);
  }
  std::uint64_t bytes_reserved() const override {
    std::uint64_t n = 0;
    for (std::size_t l = 0; l < k_.size(); ++l) n += k_[l].nbytes() + v_[l].nbytes();
    return n;
  }
  std::string describe() const override { return "full (" + std::to_string(capacity_) + " tokens)"; }

private:
  std::int64_t capacity_;
  std::vector<torch::Tensor> k_, v_;
  torch::Tensor positions_;
  std::vector<std::int64_t> filled_;
};

}  // namespace ebsd::gpu::llm

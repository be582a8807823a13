#pragma once
// The tensor-parallel seam (LLM-CORE.md section 4.6). The decoder sums the partial outputs of
// its row-parallel projections (attention output, FFN down) through a communicator; with one
// rank that is the identity. An NCCL communicator (and the quantized all-reduce) will implement
// this interface, and the weight loader will then keep each rank's slice of heads and neurons.
#include <string>

#include <torch/torch.h>

namespace ebsd::gpu::llm {

class Communicator {
public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual void all_reduce_sum(torch::Tensor& t) = 0;  // in place
  virtual std::string describe() const = 0;
};

class SingleProcess final : public Communicator {
public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void all_reduce_sum(torch::Tensor&) override {}
  std::string describe() const override { return "single process"; }
};

}  // namespace ebsd::gpu::llm

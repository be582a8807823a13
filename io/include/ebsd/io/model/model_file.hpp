#pragma once
// A model on disk, whatever its format: a GGUF file, or a safetensors checkpoint (single or
// sharded) with its config.json. Gives the ModelSpec and the weights under canonical names,
// which are GGUF's ("token_embd.weight", "blk.3.attn_q.weight", ...), each a view into the
// memory-mapped file with its type and PyTorch-order shape. Layout facts that depend on the
// format (RoPE pairing, (1 + w) norms) are in the spec, so callers never ask where a file came from.
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ebsd/io/model/ggml_types.hpp"
#include "ebsd/io/model/model_spec.hpp"

namespace ebsd::io::model {

struct WeightView {
  std::string name;                    // canonical (GGUF) name
  std::string file_name;               // the name inside the file (HF name for safetensors)
  GgmlType type = GgmlType::F32;       // F32, F16, BF16 or a GGUF quantized type
  std::vector<std::int64_t> shape;     // PyTorch order: [out, in] for a weight
  std::span<const std::uint8_t> data;
  std::int64_t element_count() const;
};

class ModelFile {
public:
  static ModelFile open(const std::filesystem::path& path);
  ModelFile(ModelFile&&) noexcept;
  ModelFile& operator=(ModelFile&&) noexcept;
  ~ModelFile();

  const ModelSpec& spec() const { return spec_; }
  const std::string& format() const { return format_; }  // "gguf" or "safetensors"
  const std::string& source() const { return source_; }
  const WeightView* find(const std::string& name) const;
  const WeightView& get(const std::string& name) const;  // throws naming the file and tensor
  const std::vector<WeightView>& weights() const { return weights_; }
  std::uint64_t weight_bytes() const;

  struct Storage;  // keeps the mappings alive

private:
  ModelFile() = default;
  ModelSpec spec_;
  std::string format_, source_;
  std::vector<WeightView> weights_;
  std::unique_ptr<Storage> storage_;
};

// The canonical name of a Hugging Face tensor name for an architecture, or "" when unknown.
std::string canonical_weight_name(const std::string& hf_name, Architecture arch);

}  // namespace ebsd::io::model

// Module parameters <-> safetensors tensors (nn/module_weights.hpp).
#include "nn/module_weights.hpp"

#include <cstring>
#include "ebsd/core/error.hpp"

namespace ebsd::gpu::nn {

void append_parameters(torch::nn::Module& m, model_files::SafetensorsFile& f, bool half) {
  for (const auto& p : m.named_parameters()) {
    // A copy of the parameter's values on the CPU in the file's dtype (clone: never a view of the
    // parameter itself).
    auto t = p.value().detach().to(torch::kCPU).to(half ? torch::kFloat16 : torch::kFloat32).contiguous().clone();
    model_files::TensorRecord r;
    r.name = p.key();
    r.dtype = half ? "F16" : "F32";
    r.shape = t.sizes().vec();
    r.data.resize(static_cast<std::size_t>(t.numel()) * t.element_size());
    std::memcpy(r.data.data(), t.data_ptr(), r.data.size());
    f.tensors.push_back(std::move(r));
  }
}

void load_parameters(torch::nn::Module& m, const model_files::SafetensorsFile& f, const std::filesystem::path& path) {
  torch::NoGradGuard guard;
  std::size_t used = 0;
  for (const auto& p : m.named_parameters()) {
    const auto* r = f.find(p.key());
    if (!r) throw Error("missing tensor", path.string(), p.key());
    if ((r->dtype != "F32" && r->dtype != "F16") || r->shape != p.value().sizes().vec())
      throw Error("expected F32 or F16 of shape " + c10::str(p.value().sizes()), path.string(), p.key());
    // Copy the bytes into a tensor that owns them, then convert into the parameter.
    const auto dtype = r->dtype == "F16" ? torch::kFloat16 : torch::kFloat32;
    auto src = torch::empty(p.value().sizes(), torch::TensorOptions().dtype(dtype));
    if (static_cast<std::size_t>(src.numel()) * src.element_size() != r->data.size())
      throw Error("tensor size does not match its shape", path.string(), p.key());
    std::memcpy(src.data_ptr(), r->data.data(), r->data.size());
    p.value().copy_(src.to(torch::kFloat32));
    ++used;
  }
  if (used != f.tensors.size()) throw Error("the file holds tensors the model does not have", path.string());
}

}  // namespace ebsd::gpu::nn

#pragma once
// Torch-free face of the diffusion sampler: load a model once, then inpaint joint images
// (METHODS.md section 3(a), step 3). Images are float planes, channel after channel, x fastest;
// a mask is 1 where the entry of z is observed, 0 where it is to be generated.
//
// Samplers (timesteps respaced to `steps` of the model's T, Nichol & Dhariwal 2021):
//  - repaint (Lugmayr et al. 2022): each reverse step samples the unknown entries from the model's
//    posterior and replaces the observed ones by the observations noised to the same level; with
//    `resample` > 1 the step is repeated that many times, re-noising the result back by one step in
//    between (jump length 1), so the generated part harmonises with the observed part;
//  - dps (Chung et al. 2023) with the linear operator y = M z: each reverse step is moved along
//    -zeta * grad_{z_t} ||M (y - z0_hat(z_t))||, z0_hat being Tweedie's estimate; the gradient goes
//    through the network only (never through a forward model).
// Both return, per sample, the clean estimate at the end with the observed entries put back.
// `init` (optional) starts the chain at step `start_fraction` * T from that image noised to the
// level, instead of from pure noise at T (used for 3D slice-to-slice consistency).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "ebsd/core/progress.hpp"
#include "ebsd/gpu/device.hpp"

namespace ebsd::gpu::diffusion {

struct SamplerOptions {
  std::string sampler = "repaint";  // repaint | dps
  std::int64_t steps = 50;
  std::int64_t resample = 2;        // repaint only
  double dps_scale = 1.0;           // zeta
  std::int64_t samples = 4;
  std::uint64_t seed = 1;
  const std::vector<float>* init = nullptr;
  double start_fraction = 1.0;
};

struct ModelInfo {
  std::string laue;
  std::vector<std::string> side;
  std::int64_t orientation_dims = 0, channels = 0, timesteps = 0;
  std::vector<float> embedding_fingerprint;
  std::string path;
};

class Inpainter {
public:
  Inpainter(const std::filesystem::path& model, Device device);  // throws ebsd::Error
  ~Inpainter();
  Inpainter(const Inpainter&) = delete;
  Inpainter& operator=(const Inpainter&) = delete;
  const ModelInfo& info() const;
  // y and mask: channels * nx * ny each. Returns samples * channels * nx * ny.
  std::vector<float> sample(const std::vector<float>& y, const std::vector<float>& mask, std::int64_t nx, std::int64_t ny,
                            const SamplerOptions& options, Progress& progress) const;
private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ebsd::gpu::diffusion

#pragma once
// A development aid for the evidence projection: the diffusion samples of a slice, stored on disk
// and replayed, so that what follows the sampler (projection, medoid, voting) can be studied and
// tuned on a CPU with samples a GPU drew. Off unless EBSD_INPAINT_SAMPLE_CACHE names a folder.
//
// The key covers everything the samples depend on: the model file (name and size), the joint
// observation and its mask, the start image of a 3D chain, and every sampler option. Only the
// orientation channels are kept (the projection reads nothing else), as f16; a run that stores
// samples also continues with the f16-rounded values, so a replay reproduces it exactly.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ebsd/orientation/quaternion.hpp"
#include "inpainter.hpp"

namespace ebsd::gpu::diffusion {

class SampleCache {
public:
  // The folder from the environment, or nothing (caching off).
  static std::optional<SampleCache> from_environment();
  explicit SampleCache(std::filesystem::path folder);

  std::uint64_t key(const ModelInfo& model, const std::vector<float>& y, const std::vector<float>& mask, std::int64_t nx,
                    std::int64_t ny, const SamplerOptions& options) const;
  // Fills `samples` (samples * channels * plane, side channels zero) from the entry, if present and
  // of that size; throws ebsd::Error for an entry that exists but is damaged.
  bool load(std::uint64_t key, std::int64_t samples, std::int64_t channels, std::int64_t orientation_dims, std::int64_t plane,
            std::vector<float>& out) const;
  // Rounds the orientation channels of `samples` to f16 in place and stores them (write aside,
  // then rename).
  void store(std::uint64_t key, std::int64_t samples, std::int64_t channels, std::int64_t orientation_dims, std::int64_t plane,
             std::vector<float>& samples_data) const;

  // The samples' orientations once decoded (decoding dominates a replay on a CPU): a second file
  // beside the entry, as double quaternions, so a replay reproduces the decoding bit for bit.
  bool load_decoded(std::uint64_t key, std::int64_t samples, std::int64_t plane, std::vector<std::vector<Quat>>& out) const;
  void store_decoded(std::uint64_t key, const std::vector<std::vector<Quat>>& decoded) const;

private:
  std::filesystem::path file(std::uint64_t key, const char* suffix = ".bin") const;
  std::filesystem::path folder_;
};

}  // namespace ebsd::gpu::diffusion

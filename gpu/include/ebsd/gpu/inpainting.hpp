#pragma once
// Multimodal diffusion inpainting of sparse EBSD slices (METHODS.md section 3; docs/inpainting.md),
// behind a LibTorch-free facade. Per z slice:
//  1. observed EBSD pixels: a mask channel (> 0.5 and valid), or a simulated sparse scan (random
//     or grid, a fraction of the pixels) of a full map whose other pixels are then discarded;
//  2. the side channels (in [0, 1]) are optionally registered to the EBSD grid: the forward model
//     of each side channel, evaluated on the observed orientations, against the image, by
//     analysis::estimate_side_offset; the offset is applied when it raises the correlation;
//  3. linear inpainting of the joint image z = [embedding ; side] with the diffusion model
//     (RePaint or DPS), several samples; with side information off, the side channels are left
//     unobserved (the same model, the ablation of the method);
//  4. each sample's orientation channels are projected to orientations; the output is, per pixel,
//     the medoid sample (least summed embedding distance to the others), and the channel
//     inpaint_uncertainty (deg) the mean disorientation of the samples from it; measured pixels
//     are kept (uncertainty 0);
//  5. evidence projection ("snap"): each generated pixel takes the orientation of a measured pixel
//     within two sampling spacings, the one most samples are within snap_deg of (ties: the
//     nearer); with no such vote, the generated orientation stays where the samples agree among
//     themselves (a grain nothing measured), else the nearest measured orientation is taken.
//     0 turns it off (the raw medoid). When the volume has grain ids, a pixel that took a measured
//     orientation takes that pixel's id, any other generated pixel 0.
// In a volume, each slice after the first starts its chain at `consistency` * T from the previous
// slice's result (its embedding, with this slice's side channels) instead of from pure noise:
// neighbouring slices of serial sections share their grains.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ebsd/core/progress.hpp"
#include "ebsd/gpu/device.hpp"
#include "ebsd/orientation/laue_group.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::gpu {

inline constexpr const char* kInpaintUncertaintyChannel = "inpaint_uncertainty";
inline constexpr const char* kInpaintObservedChannel = "inpaint_observed";

struct InpaintOptions {
  std::vector<std::string> side;       // volume channels for the model's side inputs, in order; empty: the model's names
  bool use_side = true;                // false: side channels unobserved (ablation)
  std::string observed_channel;        // mask channel of measured pixels, or:
  double sample_fraction = 0.0;        // simulate a sparse scan of this fraction
  std::string pattern = "random";      // random | grid
  std::uint64_t seed = 1;
  std::string sampler = "repaint";     // repaint | dps
  std::int64_t steps = 50, resample = 2, samples = 4;
  double dps_scale = 1.0;
  bool register_side = true;
  int max_shift = 4;
  double consistency = 0.6;            // 3D: start fraction from the previous slice (1 = independent slices)
  double snap_deg = 10.0;              // vote tolerance of the evidence projection; 0: none (raw medoid)
  std::int64_t vote_radius = 1;        // votes pooled over the (2r+1)^2 pixels around each pixel (0: its own samples)
  double side_weight = 1.0;            // weight of the side image's likelihood in the projection (0: votes alone)
  double vote_weight = 1.0;            // weight of the samples' votes (0: an ablation without the diffusion model's evidence)
  double smoothness = 1.0;             // Potts weight of the projection (0: each pixel on its own)
  std::vector<std::int64_t> slices;    // empty: all
};

struct InpaintSliceReport {
  std::int64_t z = 0;
  double observed_fraction = 0.0;
  double dx = 0.0, dy = 0.0, correlation = 0.0, correlation_unshifted = 0.0;
  bool registered = false;             // the offset was applied
  double mean_uncertainty_deg = 0.0;   // over unobserved pixels
  double snapped_fraction = 0.0;       // of the unobserved pixels: took the orientation the samples voted for
  double kept_fraction = 0.0;          //   kept the generated orientation (no vote, samples agree)
  double fallback_fraction = 0.0;      //   took the nearest measured orientation (no vote, samples disagree)
  double seconds = 0.0;
};

struct InpaintReport {
  std::string model, laue, sampler;
  std::vector<std::string> side;
  std::vector<InpaintSliceReport> slices;
  nlohmann::json to_json() const;
};

// The shipped model for a Laue group: $EBSD_DIFFUSION_MODEL if set; else
// resources/models/diffusion/inpaint-<m3m|6mmm>.safetensors under $EBSD_SOURCE_DIR or a parent
// folder of the running executable. Throws ebsd::Error listing the places tried.
std::filesystem::path default_diffusion_model_path(LaueGroup g);

class VolumeInpainter {
public:
  VolumeInpainter(const std::filesystem::path& model, Device device);  // loads once; throws ebsd::Error
  ~VolumeInpainter();
  LaueGroup laue() const;
  const std::vector<std::string>& side_channels() const;  // the model's own names
  // Writes orientations, phases and validity of the unobserved pixels of the chosen slices and
  // the two channels above. Throws ebsd::Error for a volume without a phase of the model's Laue
  // group, missing channels or bad options; ebsd::Cancelled.
  InpaintReport run(Volume& v, const InpaintOptions& options, Progress& progress) const;
private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ebsd::gpu

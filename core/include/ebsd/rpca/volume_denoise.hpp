#pragma once
// Tensor RPCA denoising of EBSD volumes: each channel (an (nx, ny, nz) tensor) is split into a
// low-rank part, which keeps the structure that varies smoothly or along few directions, and
// the voxels the low-rank model cannot explain (isolated spikes, mis-indexed pixels, dropped
// lines), which are returned as a mask and can be replaced by the low-rank estimate.
//
// Scalar channels (IQ, CI, side modalities such as BSE or polarized light) are used as they are.
// Orientations need a representation in which "low rank" means something: each voxel's
// quaternion is reduced to the fundamental zone of its phase, then replaced by the symmetric
// equivalent nearest one reference orientation (the mean orientation of the dominant phase),
// with the sign that makes its dot product with the reference positive. The four components
// are then four scalar tensors, continuous inside every grain whose orientation does not lie
// near the boundary of the reference's symmetric cell. See docs/rpca.md for what this is good
// for and where it is not (fine-grained, randomly textured polycrystals are not low rank).
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "ebsd/rpca/scaled_gd.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::rpca {

// Solves one tensor RPCA problem. cpu_solver() runs scaled_gd; ebsd_gpu provides LibTorch
// (CPU or CUDA) and self-supervised unfolded solvers with the same signature.
using RpcaSolver =
    std::function<ScaledGdResult(const tensor::Tensor<double>& observed, const ScaledGdSettings& settings, Progress&)>;
RpcaSolver cpu_solver();

// Every channel is scaled to this RMS before solving, so that thresholds mean the same for IQ
// in the thousands and CI in [0, 1]: it is the RMS of the paper's synthetic 100^3, rank-10,
// kappa-5 problem, for which tuned_synthetic_hyperparameters() and the unfolding's
// parametrisation (thresholds 0.01 softplus(theta)) were made.
inline constexpr double kWorkingRms = 1.8e-3;

// Rank (min(n, max(2, round(n / 10)))) per mode, each then capped by the product of the others
// (what a Tucker core allows: a single slice gets r1 = r2, r3 = 1): a starting point, not a
// model selection. The rank sets the finest structure the low-rank part can hold.
std::vector<std::int64_t> default_ranks(const Index3& dims);

struct DenoiseOptions {
  std::vector<std::int64_t> ranks;      // empty = default_ranks(dims)
  Hyperparameters hyper = tuned_synthetic_hyperparameters();  // in working-scale units
  int iterations = 100;
  int threads = 0;                      // for the CPU solver; 0 = all cores
  // A scalar voxel is an outlier when |Y - X| > scalar_outlier_factor * median |Y - X|
  // (6 x the median is about 4 standard deviations of Gaussian noise).
  double scalar_outlier_factor = 6.0;
  // An orientation is an outlier when its disorientation from the low-rank estimate exceeds this.
  double orientation_outlier_deg = 5.0;
};

struct ChannelDenoising {
  std::vector<float> low_rank;         // X, in the channel's units (at NaN voxels: filled in from the others)
  std::vector<float> sparse;           // Y - X on outlier voxels, 0 elsewhere
  std::vector<std::uint8_t> outlier;   // 1 where the voxel is judged corrupted (never at a NaN voxel)
  double threshold = 0.0;              // the |Y - X| above which a voxel is an outlier (channel units)
  std::int64_t outlier_count = 0;
  std::int64_t missing_count = 0;      // NaN voxels: without a value, left out of the model
  int iterations = 0;
  double seconds = 0.0;
};

// NaN marks a voxel without a value (outside a side-modality image, a KAM without neighbours):
// such voxels are filled in for the solver (smoothly from their neighbours, then with the
// low-rank estimate of each of three solves for the next), take no part in the outlier
// threshold and are never outliers. Throws ebsd::Error when values.size() differs from
// the voxel count, a value is infinite, every value is NaN, or the ranks do not fit;
// ebsd::Cancelled when cancelled.
ChannelDenoising denoise_scalar_channel(std::span<const float> values, const Index3& dims, const DenoiseOptions& options,
                                        const RpcaSolver& solver, Progress& progress);

struct OrientationDenoising {
  std::vector<Quat> low_rank;            // per voxel, reduced to the fundamental zone of its phase
  std::vector<float> deviation_deg;      // disorientation between measured and low-rank, degrees
  std::vector<std::uint8_t> outlier;     // deviation_deg > orientation_outlier_deg
  Quat reference;                        // the orientation the symmetric equivalents were chosen near
  std::int64_t outlier_count = 0;
  int iterations = 0;                    // per component
  double seconds = 0.0;
};

// Voxels without a phase (id 0) use the dominant phase's symmetry. Throws ebsd::Error for an
// empty volume; ebsd::Cancelled when cancelled.
OrientationDenoising denoise_orientations(const Volume& volume, const DenoiseOptions& options, const RpcaSolver& solver,
                                          Progress& progress);

// What denoise_volume does to each channel it treats.
enum class ReplaceMode {
  None,      // only add the outlier mask channel
  Outliers,  // replace the outlier voxels by the low-rank estimate (the default: outlier removal)
  All,       // replace every voxel by the low-rank estimate
};

struct VolumeDenoiseOptions {
  DenoiseOptions denoise;
  // "orientation", "iq", "ci" or the name of an extra channel; empty = orientation, iq, ci and
  // every extra channel present (except earlier masks).
  std::vector<std::string> channels;
  ReplaceMode replace = ReplaceMode::Outliers;
};

struct ChannelReport {
  std::string channel;
  std::string mask_channel;            // the channel added with the outlier mask (1 = outlier)
  std::int64_t outlier_count = 0;
  std::int64_t missing_count = 0;      // NaN voxels of a scalar channel (kept NaN in every mode)
  int iterations = 0;
  double seconds = 0.0;
  std::string skipped;                 // non-empty: why the channel was left as it was (no mask added)
};

// Denoises the chosen channels in place, adds one mask channel per channel
// ("<name>_rpca_outliers", values 0/1) and a provenance record "rpca-denoise". NaN voxels of a
// scalar channel stay NaN whatever the replace mode. With the default channel list, a channel
// whose every voxel is NaN is skipped (its report says why); named explicitly, it is an error.
// Errors name the channel. Throws ebsd::Error for an unknown channel name; ebsd::Cancelled when
// cancelled (the volume is then unchanged).
std::vector<ChannelReport> denoise_volume(Volume& volume, const VolumeDenoiseOptions& options, const RpcaSolver& solver,
                                          Progress& progress);

}  // namespace ebsd::rpca

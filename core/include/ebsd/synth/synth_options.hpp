#pragma once
// Everything that defines a synthetic microstructure. The same options and seed give the same
// bytes (see seeded_random.hpp); every option is recorded in the volume's provenance.
// Defaults and the real measurements behind them: docs/synthetic-data.md.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ebsd/orientation/quaternion.hpp"
#include "ebsd/volume/phase.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::synth {

// A grain needs room: the generator asks for at least this many voxels per grain on average,
// so that every requested grain exists and is larger than the few-voxel minimum grain size a
// segmentation keeps (DOMAIN.md).
inline constexpr std::int64_t kMinVoxelsPerGrain = 8;

// Crystallographic texture of the (parent) grains.
struct TextureOptions {
  enum class Kind { Random, Component, Fibre };
  Kind kind = Kind::Random;
  // Component: the ideal orientation (passive, sample -> crystal).
  Quat component = Quat::identity();
  // Fibre: crystal direction `fibre_crystal` parallel to sample direction `fibre_sample`, any
  // rotation about that direction (e.g. <111> || Z for a sputtered fcc film).
  std::array<double, 3> fibre_crystal{1.0, 1.0, 1.0};
  std::array<double, 3> fibre_sample{0.0, 0.0, 1.0};
  // Scatter about the ideal, in degrees: the misorientation from the ideal is a rotation vector
  // with three independent normal components of this standard deviation (mean angle about
  // 1.6 times the value). Sharp textures (below about 10 deg) leave too few orientations to keep
  // neighbouring grains 15 deg apart and are rejected when no choice is found.
  double spread_deg = 15.0;
  // Fraction of the grains drawn from the component or fibre; the rest are random (background).
  double fraction = 1.0;
};

// Confidence index and image quality of a clean map, from the in-plane distance d (pixels) to
// the nearest grain boundary: value = boundary + (interior - boundary) * (1 - exp(-d)), plus
// normal noise. Pattern overlap at boundaries lowers both in real maps (docs/synthetic-data.md).
struct QualityOptions {
  double ci_interior = 0.9;
  double ci_boundary = 0.63;        // Small IN100: boundary/interior CI ratio 0.70
  double ci_noise = 0.05;           // standard deviation
  double iq_interior = 200.0;       // TSL-like units, as in the Small IN100 .ang
  double iq_boundary_ratio = 0.82;  // Small IN100: boundary IQ / interior IQ
  double iq_noise = 10.0;
  double iq_grain_spread = 0.05;    // per-grain IQ factor uniform in [1 - s, 1 + s]
};

// Side modalities imaged with the EBSD map (forward models in side_modalities.hpp).
struct SideModalityOptions {
  double pl_polarizer_deg = 0.0;  // polarizer azimuth from sample X, crossed analyser
  double pl_noise = 0.0;          // normal noise added to the PL intensity (0 = exact model)
  double bse_noise = 0.03;        // normal noise of the BSE intensity
  double bse_boundary_darkening = 0.3;
};

// Damage of the EBSD data on chosen slices (damage.hpp). Missing slices are in SynthOptions.
struct DamageOptions {
  std::vector<std::int64_t> slices;     // damaged z slices
  double speckle_fraction = 0.05;       // fraction of pixels mis-indexed (random orientation, CI < 0.1, invalid)
  double orientation_noise_deg = 2.0;   // standard deviation of each rotation-vector component
  double ci_factor = 0.5;               // CI of the damaged slice multiplied by this
};

struct SynthOptions {
  Index3 dims{64, 64, 32};
  std::array<double, 3> spacing{1.0, 1.0, 1.0};  // um
  int grains = 100;                               // parent grains; twin lamellae come on top
  std::uint64_t seed = 1;
  // Phases and their volume fractions (normalised; empty = equal). Grains are given phases so
  // that the phase volumes follow the fractions.
  std::vector<Phase> phases{Phase{"Nickel", LaueGroup::CubicHigh, {3.524, 3.524, 3.524, 90.0, 90.0, 90.0}}};
  std::vector<double> phase_fractions;
  // Standard deviation of ln(equivalent sphere diameter) of the grains (DREAM.3D's sigma).
  double size_sigma = 0.4;
  // Grain shape: grains are stretched by these factors along x, y, z (1,1,1 = equiaxed).
  std::array<double, 3> grain_aspect{1.0, 1.0, 1.0};
  // Amplitude of the smooth boundary displacement, as a fraction of the mean grain diameter
  // (0 = planar Laguerre facets).
  double boundary_roughness = 0.1;
  // Fraction of the grains that receive Sigma-3 annealing twin lamellae (cubic phases only).
  double twin_fraction = 0.0;
  TextureOptions texture;
  // Neighbouring features (twin lamellae included) differ by more than this disorientation, so
  // that a segmentation at 5 deg finds exactly the generated grains.
  double min_neighbour_disorientation_deg = 15.0;
  // Point-to-point orientation scatter of every indexed voxel (degrees, standard deviation of
  // each rotation-vector component; real maps show about 0.5 deg). 0 keeps the ground truth exact.
  double orientation_scatter_deg = 0.0;
  QualityOptions quality;
  std::vector<std::string> side_modalities;  // "pl" (polarized light), "bse"
  SideModalityOptions side;
  std::vector<std::int64_t> missing_slices;
  DamageOptions damage;
};

// Checks every option without generating anything (preflight); throws ebsd::Error naming the
// option and what was expected.
void validate(const SynthOptions& o);

// Every option, defaults included, as recorded in the provenance.
nlohmann::json to_json(const SynthOptions& o);

}  // namespace ebsd::synth

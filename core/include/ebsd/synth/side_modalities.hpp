#pragma once
// Forward models of the cheap side modalities imaged alongside EBSD (METHODS.md section 3):
// each turns the orientation map of a volume into a named float channel. They work on any
// volume (synthetic or real) and are deterministic for a given seed.
//
// Polarized light ("pl"), crossed polarizers in reflection. An optically uniaxial crystal
// (tetragonal, trigonal, hexagonal: optic axis = crystal c = [001]) between crossed
// polarizers gives
//     I = sin^2(2 (phi - polarizer)) * sin^2(theta)
// where theta is the angle of the c-axis from the viewing direction (sample Z) and phi the
// azimuth of its projection on the section plane, from sample X. The first factor is the
// extinction law of a birefringent plate; the second stands for the birefringence seen along
// the view, zero when c is parallel to it. Cubic crystals are optically isotropic: I = 0.
// Lower symmetries (orthorhombic, monoclinic, triclinic) are biaxial; the model uses their [001]
// as if it were the optic axis, a documented simplification. Range [0, 1].
//
// Backscatter channelling contrast ("bse"). BSE intensity rises when the beam runs along a
// low-index zone axis. The model uses the crystal direction d along the beam (sample Z):
//     c(d) = (1/|G|) sum over the Laue group's rotations s of ((s d) . z)^4,
// a smooth function with the crystal's symmetry (for m-3m it is (dx^4 + dy^4 + dz^4) / 3,
// brightest along <100>, darkest along <111>), rescaled to [0, 1] over the sphere. Then
//     I = base(phase) + 0.5 c, darkened by (1 - darkening * exp(-distance to boundary)),
// plus seeded normal noise, clipped to [0, 1]. base = 0.25, 0.40, 0.55 for phases 1, 2, 3 ...
// (cyclic): atomic-number contrast between phases.
#include <cstdint>

#include "ebsd/orientation/laue_group.hpp"
#include "ebsd/orientation/quaternion.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::synth {

// The PL intensity of one orientation; polarizer in radians from sample X.
double polarized_light_intensity(const Quat& g, LaueGroup laue, double polarizer);

// The channelling factor c(d) in [0, 1] of one orientation (before boundary darkening).
double channelling_contrast(const Quat& g, LaueGroup laue);

// Adds channel "pl": the model above for every voxel with a phase, 0 elsewhere, plus normal
// noise of standard deviation `noise` (clipped to [0, 1]).
void add_polarized_light_channel(Volume& v, double polarizer, double noise, std::uint64_t seed);

// Adds channel "bse". Boundaries come from the volume's grain ids (no darkening without them);
// voxels without a phase get c = 0.5 and base 0.25.
void add_bse_channel(Volume& v, double boundary_darkening, double noise, std::uint64_t seed);

}  // namespace ebsd::synth

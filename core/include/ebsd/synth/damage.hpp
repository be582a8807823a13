#pragma once
// Damage models of serial-section EBSD (DOMAIN.md: lost slices, badly indexed slices,
// mis-indexed pixels). They act on any volume, so real data can be damaged the same way for
// training and evaluation. Side-modality channels are left alone: they are separate images
// (a PL or BSE image of a section exists even when its EBSD map was lost).
#include <cstdint>
#include <span>

#include "ebsd/synth/synth_options.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::synth {

// Lost slices: orientation identity (zero Euler angles), phase 0, CI 0, IQ 0, invalid, grain id 0
// where the volume has grain ids; each is marked with mark_missing. Throws ebsd::Error for a
// slice outside the volume.
void remove_slices(Volume& v, std::span<const std::int64_t> slices);

// Badly indexed slices (DamageOptions): a fraction of pixels is mis-indexed (random
// orientation, CI uniform in [0, 0.1), IQ 20-50 % of its value, invalid); every other pixel
// gets orientation noise (rotation-vector components normal with the given standard deviation)
// and its CI multiplied by ci_factor. Each slice is marked with mark_damaged.
void damage_slices(Volume& v, const DamageOptions& d, std::uint64_t seed);

// Point-to-point orientation scatter of every valid voxel, as in real maps (sigma in degrees,
// per rotation-vector component).
void add_orientation_scatter(Volume& v, double sigma_deg, std::uint64_t seed);

}  // namespace ebsd::synth

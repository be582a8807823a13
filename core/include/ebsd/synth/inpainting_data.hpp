#pragma once
// Joint images for multimodal diffusion inpainting (METHODS.md section 3): z = [orientation
// channels ; side-modality channels] of one z slice, as float planes (channel after channel,
// x fastest), ready for a network.
//  - orientation channels: the continuous symmetry-reduced embedding of the slice's phase
//    (ebsd/orientation/orientation_embedding.hpp); zero where the voxel is not valid;
//  - side channels: the named volume channels mapped from [0, 1] to [-1, 1].
// The side channels of a phase come from the forward models in side_modalities.hpp, which are
// only evaluated (black boxes):
//  - 6/mmm (optically uniaxial): polarized light between crossed polarizers at 0, 30 and 60 deg
//    ("pl0", "pl30", "pl60"): three settings, 120 deg apart in the model's 4-phi period, fix
//    sin^2(theta) and 4 phi of the c-axis;
//  - m-3m (optically isotropic: no PL contrast): backscatter channelling contrast ("bse").
#include <cstdint>
#include <string>
#include <vector>

#include "ebsd/orientation/orientation_embedding.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::synth {

// The side channels the inpainting model of a Laue group is trained with (throws ebsd::Error for
// groups without an orientation embedding).
std::vector<std::string> inpainting_side_channels(LaueGroup g);

// Adds those channels to v by the forward models, with normal noise of this standard deviation
// (intensities in [0, 1]). BSE boundary darkening uses v's grain ids when it has them.
void add_inpainting_side_channels(Volume& v, LaueGroup g, double noise, std::uint64_t seed);

// Polarized light at the three polarizer settings ("pl0", "pl30", "pl60"; any "pl" channel is
// left as it was). The synthetic side modality "pl3".
void add_polarized_light_set(Volume& v, double noise, std::uint64_t seed);

// The joint image of slice z: embedding.dims() + side.size() planes of nx * ny floats. Throws
// ebsd::Error when a side channel is missing or z is outside the volume.
std::vector<float> joint_image(const Volume& v, std::int64_t z, const OrientationEmbedding& embedding,
                               const std::vector<std::string>& side);

}  // namespace ebsd::synth

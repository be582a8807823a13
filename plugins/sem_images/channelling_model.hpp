#pragma once
// Forward model of BSE orientation (channelling) contrast. Backscattered electron yield rises
// when the beam runs along a low-index zone axis of the crystal. With d the unit crystal
// direction along the beam (d = g b for the orientation g and the beam direction b in sample
// coordinates), the contrast is the symmetrised fourth moment
//     c(d) = (1/|G|) sum over the Laue group's rotations s of ((s d) . z)^4,
// rescaled to [0, 1] over all directions: smooth, with the crystal's symmetry, and for m-3m
// equal to (dx^4 + dy^4 + dz^4) / 3, brightest along <100> and darkest along <111>. It is the
// orientation term of EBSD Studio's synthetic BSE channel (ebsd::synth::channelling_contrast),
// so a prediction can be compared with synthetic data; phase (atomic number) offsets, boundary
// darkening and noise are left out because they are not functions of orientation. Symmetry
// operators and rotations come from the host (ebsd::sdk), never re-derived here.
#include <vector>

#include <ebsd_sdk/plugin.hpp>

namespace ebsd_sem {

class ChannellingModel {
public:
  // Precomputes the operators and the range of c over the sphere for one Laue group.
  explicit ChannellingModel(int laue);

  // c in [0, 1] for orientation g and unit beam direction `beam` in sample coordinates.
  double contrast(const ebsd::sdk::Quat& g, const ebsd::sdk::Vec3& beam) const;

private:
  double raw(const ebsd::sdk::Vec3& d) const;

  std::vector<ebsd::sdk::Quat> operators_;
  double lo_ = 0.0, hi_ = 1.0;
};

}  // namespace ebsd_sem

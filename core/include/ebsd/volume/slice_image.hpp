#pragma once
// One slice of a volume as an RGB picture: IPF colours along any sample direction, phase,
// CI, IQ, grain ids or any named channel. Pure colouring; writing PNG files is io's job.
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <string_view>

#include "ebsd/core/image.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd {

enum class SliceAxis { X, Y, Z };

// "x", "y" or "z"; throws ebsd::Error otherwise.
SliceAxis slice_axis_from_name(std::string_view name);

struct SliceColoring {
  enum class Kind { Ipf, Phase, Ci, Iq, Grain, Channel };
  Kind kind = Kind::Ipf;
  Eigen::Vector3d direction = Eigen::Vector3d::UnitZ();  // sample direction for Ipf (unit)
  std::string channel;                                   // for Channel
};

// "ipf-x", "ipf-y", "ipf-z", "ipf:a,b,c" (any sample direction), "phase", "ci", "iq",
// "grain", or the name of a channel of the volume. Throws ebsd::Error naming the text.
SliceColoring slice_coloring_from_name(std::string_view text, const Volume& volume);

// Slice `index` perpendicular to `axis`. Pixel layout, top row first:
//   z: width nx, height ny, pixel (x, y)      (the EBSD map as the microscope shows it)
//   y: width nx, height nz, pixel (x, z)      (slice 0, the first cut, at the top)
//   x: width ny, height nz, pixel (y, z)
// Invalid voxels are black in every colouring. Ipf: ipf_color with the voxel's phase's Laue
// group. Phase: a fixed palette by phase id. Grain: a fixed pseudo-random colour per grain id
// (the same id gives the same colour in every slice). Ci, Iq, Channel: grey from black at the
// smallest to white at the largest value over the valid voxels of the whole volume, so that
// slices of one volume compare. Throws ebsd::Error for an index outside the volume, grain
// colouring without grain ids, or an unknown channel.
RgbImage slice_image(const Volume& volume, SliceAxis axis, std::int64_t index, const SliceColoring& coloring);

}  // namespace ebsd

#pragma once
// One slice of a volume as an RGB picture: IPF colours along any sample direction, phase,
// CI, IQ, grain ids, any named channel, or the misorientation to a reference voxel. Pure
// colouring; writing PNG files is io's job.
#include <Eigen/Core>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "ebsd/core/image.hpp"
#include "ebsd/orientation/quaternion.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd {

enum class SliceAxis { X, Y, Z };

// "x", "y" or "z"; throws ebsd::Error otherwise.
SliceAxis slice_axis_from_name(std::string_view name);

struct SliceColoring {
  enum class Kind { Ipf, Phase, Ci, Iq, Grain, Channel, Misorientation };
  Kind kind = Kind::Ipf;
  Eigen::Vector3d direction = Eigen::Vector3d::UnitZ();  // sample direction for Ipf (unit)
  std::string channel;                                   // for Channel
  // Misorientation: the reference voxel with its orientation and phase (filled in by
  // slice_coloring_from_name from the volume), and the top of the ramp in degrees; 0 means
  // "from the data" (misorientation_ramp_max_deg).
  Index3 reference{0, 0, 0};
  Quat reference_orientation;
  std::int32_t reference_phase = 0;
  double max_angle_deg = 0.0;
};

// "ipf-x", "ipf-y", "ipf-z", "ipf:a,b,c" (any sample direction), "phase", "ci", "iq",
// "grain", "misorientation:x,y,z" (to the orientation of voxel (x, y, z); a fourth number sets
// the top of the ramp in degrees, "misorientation:x,y,z,5"), or the name of a channel of the
// volume. Throws ebsd::Error naming the text; for misorientation also when the reference voxel
// is outside the volume, not indexed or of no known phase.
SliceColoring slice_coloring_from_name(std::string_view text, const Volume& volume);

// The symmetry-aware disorientation angle in degrees between voxel i and the reference of a
// Misorientation colouring (disorientation_angle with the reference phase's Laue group); NaN
// when the two cannot be compared: voxel i invalid or of another phase.
double misorientation_to_reference_deg(const Volume& volume, const SliceColoring& coloring, std::int64_t i);

// The top of the misorientation ramp: coloring.max_angle_deg when set (> 0); otherwise the
// largest angle to the reference over the comparable voxels of the whole volume, rounded up to
// 1, 2 or 5 degrees, above 5 to the next multiple of 5 (1 when every voxel equals the
// reference; 65 for cubic grains of all orientations, whose largest is 62.8). Scans the volume
// when not set.
double misorientation_ramp_max_deg(const Volume& volume, const SliceColoring& coloring);
// Rounds a largest angle up as misorientation_ramp_max_deg does.
double misorientation_nice_max_deg(double largest_deg);

// The misorientation ramp at t in [0, 1] (clamped): viridis, linear between its nine colours at
// t = 0, 1/8, ..., 1 (dark violet through blue and green to yellow), so that 0 degrees is not
// black (black is "not comparable").
std::array<std::uint8_t, 3> misorientation_ramp_color(double t);

// Slice `index` perpendicular to `axis`. Pixel layout, top row first:
//   z: width nx, height ny, pixel (x, y)      (the EBSD map as the microscope shows it)
//   y: width nx, height nz, pixel (x, z)      (slice 0, the first cut, at the top)
//   x: width ny, height nz, pixel (y, z)
// Invalid voxels are black in every colouring. Ipf: ipf_color with the voxel's phase's Laue
// group. Phase: a fixed palette by phase id. Grain: a fixed pseudo-random colour per grain id
// (the same id gives the same colour in every slice). Ci, Iq, Channel: grey from black at the
// smallest to white at the largest value over the valid voxels of the whole volume, so that
// slices of one volume compare. Misorientation: misorientation_ramp_color(angle / top of the
// ramp), angles above the top at the top colour; voxels of other phases black. Throws ebsd::Error for an index outside the volume, grain
// colouring without grain ids, or an unknown channel.
RgbImage slice_image(const Volume& volume, SliceAxis axis, std::int64_t index, const SliceColoring& coloring);

}  // namespace ebsd

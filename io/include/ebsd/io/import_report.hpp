#pragma once
// What a reader found and did, made explicit so that units and frames are never implied
// (FORMATS.md section C): the units of the file, its grid, the frame transforms the vendor
// recommends and whether they were applied, and every warning raised while reading.
#include <Eigen/Core>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ebsd::io {

// A rotation of a reference frame, as users state it: angle in degrees about an axis.
struct FrameRotation {
  double angle_deg = 0.0;
  Eigen::Vector3d axis{0.0, 0.0, 1.0};
};

// The frame rotations each vendor recommends (simplnx ReadAngData/ReadCtfData docs, FORMATS.md
// section C): TSL/EDAX sample 180 deg about <010> and crystal 90 deg about <001>; Oxford HKL
// sample 180 deg about <010> and no crystal rotation.
inline const FrameRotation kTslSampleRotation{180.0, {0.0, 1.0, 0.0}};
inline const FrameRotation kTslCrystalRotation{90.0, {0.0, 0.0, 1.0}};
inline const FrameRotation kHklSampleRotation{180.0, {0.0, 1.0, 0.0}};
inline const FrameRotation kHklCrystalRotation{0.0, {0.0, 0.0, 1.0}};

struct ImportReport {
  std::string format;                 // "ang", "ctf", ...
  std::string angle_unit_in_file;     // "rad" or "deg"; the Volume always holds quaternions
  std::string grid;                   // "square" or "hexagonal" (as stored in the file)
  bool converted_to_square = false;   // hexagonal grids resampled onto a square grid
  FrameRotation recommended_sample_rotation;  // vendor default, e.g. TSL: 180 deg about <010>
  FrameRotation recommended_crystal_rotation; // e.g. TSL: 90 deg about <001>; HKL: none
  bool transforms_applied = false;    // readers never apply them silently
  std::vector<std::string> warnings;  // e.g. "header NROWS 100 but coordinates span 101 rows"
  nlohmann::json header;              // the header keys as read

  nlohmann::json to_json() const;
};

}  // namespace ebsd::io

#pragma once
// Private to io/: where the volume lives inside a .dream3d file. Version 7.0 (SIMPL) and 8.0
// (simplnx) name the same things differently (FORMATS.md F.4); locate() finds the image
// geometry, its cell attribute matrix and the ensemble attribute matrix in either, and checks
// the grid before anything is allocated.
#include <array>
#include <string>
#include <string_view>

#include "dream3d_hdf5.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::io::d3d {

inline constexpr std::string_view kFileVersion7 = "7.0";
inline constexpr std::string_view kFileVersion8 = "8.0";

// The arrays that carry an orientation; a cell attribute matrix with neither is not EBSD data.
inline constexpr std::string_view kEulerAngles = "EulerAngles";
inline constexpr std::string_view kQuats = "Quats";
inline constexpr std::string_view kCrystalStructures = "CrystalStructures";

struct Layout {
  std::string file_version;   // "7.0" or "8.0"
  std::string geometry_path;  // "/DataContainers/<DC>/_SIMPL_GEOMETRY" or "/DataStructure/<geom>"
  Index3 dims{};              // x, y, z
  std::array<double, 3> spacing{}, origin{};  // as stored (float32 in both versions)
  std::string cell_path;      // the cell attribute matrix (a group of (z, y, x, c) arrays)
  std::string ensemble_path;  // the attribute matrix with CrystalStructures; "" when none
};

// The root attribute FileVersion; throws ebsd::Error when it is absent or not 7.0 / 8.0.
std::string file_version(const Session& s, hid_t file);

// Throws ebsd::Error naming the group or dataset when no image geometry with orientation cell
// data exists, or when its dimensions, spacing or origin are missing, malformed or absurd.
Layout locate(const Session& s, hid_t file, const std::string& version);

}  // namespace ebsd::io::d3d

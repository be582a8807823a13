#pragma once
#include <array>
#include <string>

#include "ebsd/orientation/laue_group.hpp"

namespace ebsd {

// One crystallographic phase. Phase ids in a Volume are 1-based indices into its phase list;
// phase id 0 means "not indexed / unknown" (as in .ctf and DREAM.3D).
struct Phase {
  std::string name = "Unknown";
  LaueGroup laue = LaueGroup::CubicHigh;
  // a, b, c in angstrom, then alpha, beta, gamma in degrees.
  std::array<double, 6> lattice{1.0, 1.0, 1.0, 90.0, 90.0, 90.0};

  bool operator==(const Phase&) const = default;
};

}  // namespace ebsd

#pragma once
// Colours shared by every view, so that a thing looks the same everywhere: x red, y green, z
// blue (crosshairs, axes triads, 3D slice frames), missing slices red, damaged slices orange.
#include <array>

namespace ebsd::studio {

inline constexpr std::array<double, 3> kViewBackground{0.11, 0.11, 0.13};
inline constexpr std::array<std::array<double, 3>, 3> kAxisColors{{{0.95, 0.25, 0.25}, {0.25, 0.85, 0.25}, {0.3, 0.5, 1.0}}};
inline constexpr std::array<double, 3> kMissingColor{0.9, 0.1, 0.1};
inline constexpr std::array<double, 3> kDamagedColor{1.0, 0.6, 0.0};

}  // namespace ebsd::studio

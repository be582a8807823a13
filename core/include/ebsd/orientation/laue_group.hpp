#pragma once
// The 11 Laue groups (centrosymmetric point groups; EBSD cannot tell a crystal from its inverse)
// and their proper rotation operators, plus the numbering each vendor uses for them.
#include <span>
#include <string_view>

#include "ebsd/orientation/quaternion.hpp"

namespace ebsd {

enum class LaueGroup : int {
  Triclinic = 0,       // -1
  Monoclinic,          // 2/m, unique axis b (DREAM.3D/EbsdLib and MTEX default)
  Orthorhombic,        // mmm
  TetragonalLow,       // 4/m
  TetragonalHigh,      // 4/mmm
  TrigonalLow,         // -3
  TrigonalHigh,        // -3m
  HexagonalLow,        // 6/m
  HexagonalHigh,       // 6/mmm
  CubicLow,            // m-3
  CubicHigh,           // m-3m
};
inline constexpr int kLaueGroupCount = 11;

// All 11, in enum order.
std::span<const LaueGroup> all_laue_groups();

// Hermann-Mauguin symbol: "-1", "2/m", "mmm", "4/m", "4/mmm", "-3", "-3m", "6/m", "6/mmm", "m-3", "m-3m".
std::string_view laue_symbol(LaueGroup g);
// Accepts the symbols above and common aliases ("cubic", "hexagonal", "m3m", "6mmm", ...);
// throws ebsd::Error naming the text when it is not a Laue group.
LaueGroup laue_from_symbol(std::string_view text);

// Oxford .ctf / .h5oina LaueGroup numbers 1..11 (FORMATS.md F.2).
LaueGroup laue_from_hkl_number(int n);
int hkl_number(LaueGroup g);
// TSL .ang `Symmetry` codes (43 m-3m, 23 m-3, 62 6/mmm, 6 6/m, 42 4/mmm, 4 4/m, 32 -3m, 3 -3,
// 22 mmm, 2/20/21 2/m, 1 -1), FORMATS.md F.1. Monoclinic is written as 20 (unique axis b, the
// setting of symmetry_operators); 2 (unique axis c) and 21 (unique axis a) read as Monoclinic too,
// and a reader that meets them must turn the crystal frame so that the unique axis becomes y.
LaueGroup laue_from_tsl_symmetry(int code);
int tsl_symmetry(LaueGroup g);
// DREAM.3D CrystalStructures enum (0 Hexagonal_High, 1 Cubic_High, ...), FORMATS.md section C.
LaueGroup laue_from_dream3d(int code);
int dream3d_crystal_structure(LaueGroup g);

// The proper rotations of the group as unit quaternions (w >= 0), identity first; counts
// 1, 2, 4, 4, 8, 3, 6, 6, 12, 12, 24. Axes in the crystal frame with the standard settings:
// c along z; for hexagonal and trigonal groups a1 along x (the TSL/EbsdLib convention X || a).
std::span<const Quat> symmetry_operators(LaueGroup g);

}  // namespace ebsd

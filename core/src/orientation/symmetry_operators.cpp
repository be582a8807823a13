// The proper rotations of the 11 Laue groups as unit quaternions (scalar first, w >= 0).
//
// Settings (crystal Cartesian frame):
//  - c along z for every group; monoclinic with unique axis b, the 2-fold along y;
//  - hexagonal and trigonal: a1 along x (the TSL/EbsdLib "X || a" convention, FORMATS.md F.2),
//    so the 2-fold axes of 622 lie at 0, 30, ..., 150 degrees from x and those of 32 along
//    a1, a2, a3 (0, 60, 120 degrees: the -3m1 setting, as EbsdLib's TrigonalOps);
//  - cubic: 2-folds along <100> and <110>, 3-folds along <111>, 4-folds along <100>.
// A rotation by angle t about unit axis n is (cos t/2, sin t/2 n); the tables below are those
// values written out, with the sign chosen so that w >= 0 (for 180 degrees, w = 0 and the axis
// is taken with its first non-zero component positive).
#include <array>

#include "ebsd/orientation/laue_group.hpp"

namespace ebsd {
namespace {

constexpr double kH = 0.5;                     // cos 60 = sin 30
constexpr double kR = 0.70710678118654752440;  // sqrt(1/2) = cos 45 = sin 45
constexpr double kS = 0.86602540378443864676;  // sqrt(3)/2 = cos 30 = sin 60

constexpr std::array<Quat, 1> kTriclinic{{{1, 0, 0, 0}}};

// 2 (unique axis b): identity, 180 about y.
constexpr std::array<Quat, 2> kMonoclinic{{{1, 0, 0, 0}, {0, 0, 1, 0}}};

// 222: identity, 180 about x, y, z.
constexpr std::array<Quat, 4> kOrthorhombic{{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}};

// 4: 0, 90, 180, 270 about z.
constexpr std::array<Quat, 4> kTetragonalLow{{{1, 0, 0, 0}, {kR, 0, 0, kR}, {0, 0, 0, 1}, {kR, 0, 0, -kR}}};

// 422: 4 plus 180 about x, y, [110], [1-10].
constexpr std::array<Quat, 8> kTetragonalHigh{{{1, 0, 0, 0},
                                               {kR, 0, 0, kR},
                                               {0, 0, 0, 1},
                                               {kR, 0, 0, -kR},
                                               {0, 1, 0, 0},
                                               {0, 0, 1, 0},
                                               {0, kR, kR, 0},
                                               {0, kR, -kR, 0}}};

// 3: 0, 120, 240 about z.
constexpr std::array<Quat, 3> kTrigonalLow{{{1, 0, 0, 0}, {kH, 0, 0, kS}, {kH, 0, 0, -kS}}};

// 32 (-3m1): 3 plus 180 about a1 (0 deg), a1 + a2 direction at 60 deg and a2 (120 deg).
constexpr std::array<Quat, 6> kTrigonalHigh{
    {{1, 0, 0, 0}, {kH, 0, 0, kS}, {kH, 0, 0, -kS}, {0, 1, 0, 0}, {0, kH, kS, 0}, {0, -kH, kS, 0}}};

// 6: 0, 60, ..., 300 about z.
constexpr std::array<Quat, 6> kHexagonalLow{
    {{1, 0, 0, 0}, {kS, 0, 0, kH}, {kH, 0, 0, kS}, {0, 0, 0, 1}, {kH, 0, 0, -kS}, {kS, 0, 0, -kH}}};

// 622: 6 plus 180 about the in-plane axes at 0, 30, 60, 90, 120, 150 degrees from x.
constexpr std::array<Quat, 12> kHexagonalHigh{{{1, 0, 0, 0},
                                               {kS, 0, 0, kH},
                                               {kH, 0, 0, kS},
                                               {0, 0, 0, 1},
                                               {kH, 0, 0, -kS},
                                               {kS, 0, 0, -kH},
                                               {0, 1, 0, 0},
                                               {0, kS, kH, 0},
                                               {0, kH, kS, 0},
                                               {0, 0, 1, 0},
                                               {0, -kH, kS, 0},
                                               {0, -kS, kH, 0}}};

// 23: identity, 180 about x, y, z, and +-120 about the four <111> (w = 1/2, all sign patterns).
constexpr std::array<Quat, 12> kCubicLow{{{1, 0, 0, 0},
                                          {0, 1, 0, 0},
                                          {0, 0, 1, 0},
                                          {0, 0, 0, 1},
                                          {kH, kH, kH, kH},
                                          {kH, -kH, -kH, -kH},
                                          {kH, kH, -kH, -kH},
                                          {kH, -kH, kH, kH},
                                          {kH, -kH, kH, -kH},
                                          {kH, kH, -kH, kH},
                                          {kH, -kH, -kH, kH},
                                          {kH, kH, kH, -kH}}};

// 432: 23 plus +-90 about x, y, z and 180 about the six <110>.
constexpr std::array<Quat, 24> kCubicHigh{{{1, 0, 0, 0},
                                           {0, 1, 0, 0},
                                           {0, 0, 1, 0},
                                           {0, 0, 0, 1},
                                           {kH, kH, kH, kH},
                                           {kH, -kH, -kH, -kH},
                                           {kH, kH, -kH, -kH},
                                           {kH, -kH, kH, kH},
                                           {kH, -kH, kH, -kH},
                                           {kH, kH, -kH, kH},
                                           {kH, -kH, -kH, kH},
                                           {kH, kH, kH, -kH},
                                           {kR, kR, 0, 0},
                                           {kR, -kR, 0, 0},
                                           {kR, 0, kR, 0},
                                           {kR, 0, -kR, 0},
                                           {kR, 0, 0, kR},
                                           {kR, 0, 0, -kR},
                                           {0, kR, kR, 0},
                                           {0, kR, -kR, 0},
                                           {0, kR, 0, kR},
                                           {0, kR, 0, -kR},
                                           {0, 0, kR, kR},
                                           {0, 0, kR, -kR}}};

}  // namespace

std::span<const Quat> symmetry_operators(LaueGroup g) {
  switch (g) {
    case LaueGroup::Triclinic: return kTriclinic;
    case LaueGroup::Monoclinic: return kMonoclinic;
    case LaueGroup::Orthorhombic: return kOrthorhombic;
    case LaueGroup::TetragonalLow: return kTetragonalLow;
    case LaueGroup::TetragonalHigh: return kTetragonalHigh;
    case LaueGroup::TrigonalLow: return kTrigonalLow;
    case LaueGroup::TrigonalHigh: return kTrigonalHigh;
    case LaueGroup::HexagonalLow: return kHexagonalLow;
    case LaueGroup::HexagonalHigh: return kHexagonalHigh;
    case LaueGroup::CubicLow: return kCubicLow;
    case LaueGroup::CubicHigh: return kCubicHigh;
  }
  return kTriclinic;  // unreachable for a valid enum value
}

}  // namespace ebsd

// The 11 Laue groups: operator tables, symbols and vendor numbers.
#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include "ebsd/core/error.hpp"
#include "ebsd/orientation/laue_group.hpp"

namespace {

using ebsd::LaueGroup;
using ebsd::Quat;

bool same_rotation(const Quat& a, const Quat& b, double tol = 1e-12) { return std::fabs(std::fabs(a.dot(b)) - 1.0) < tol; }

bool contains(std::span<const Quat> ops, const Quat& q) {
  for (const Quat& s : ops)
    if (same_rotation(s, q)) return true;
  return false;
}

// 180 degrees about the in-plane direction at azimuth deg: (0, cos, sin, 0).
Quat two_fold_in_plane(double deg) {
  const double t = deg * M_PI / 180.0;
  return {0.0, std::cos(t), std::sin(t), 0.0};
}

TEST(LaueGroup, AllElevenInEnumOrder) {
  const auto all = ebsd::all_laue_groups();
  ASSERT_EQ(all.size(), 11u);
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(static_cast<int>(all[i]), static_cast<int>(i));
}

TEST(LaueGroup, OperatorCountsAreTheOrdersOfTheProperGroups) {
  // -1, 2/m, mmm, 4/m, 4/mmm, -3, -3m, 6/m, 6/mmm, m-3, m-3m -> 1, 2, 222, 4, 422, 3, 32, 6, 622, 23, 432.
  const std::array<std::size_t, 11> expected{1, 2, 4, 4, 8, 3, 6, 6, 12, 12, 24};
  for (LaueGroup g : ebsd::all_laue_groups())
    EXPECT_EQ(ebsd::symmetry_operators(g).size(), expected[static_cast<std::size_t>(g)]) << ebsd::laue_symbol(g);
}

TEST(LaueGroup, OperatorsAreUnitNorthernAndStartWithIdentity) {
  for (LaueGroup g : ebsd::all_laue_groups()) {
    const auto ops = ebsd::symmetry_operators(g);
    EXPECT_EQ(ops[0].w, 1.0);
    for (const Quat& s : ops) {
      EXPECT_NEAR(s.norm(), 1.0, 1e-15) << ebsd::laue_symbol(g);
      EXPECT_GE(s.w, 0.0) << ebsd::laue_symbol(g);
    }
  }
}

TEST(LaueGroup, OperatorsAreClosedUnderProductAndDistinct) {
  for (LaueGroup g : ebsd::all_laue_groups()) {
    const auto ops = ebsd::symmetry_operators(g);
    for (std::size_t i = 0; i < ops.size(); ++i) {
      for (std::size_t j = 0; j < ops.size(); ++j) {
        EXPECT_TRUE(contains(ops, ops[i] * ops[j])) << ebsd::laue_symbol(g) << " " << i << "*" << j;
        if (i != j) {
          EXPECT_FALSE(same_rotation(ops[i], ops[j])) << ebsd::laue_symbol(g) << " " << i << "==" << j;
        }
      }
    }
  }
}

TEST(LaueGroup, HexagonalHasTwoFoldsAlongA1AndEvery30Degrees) {
  // a1 along x: the 2-fold axes of 622 are at 0, 30, ..., 150 degrees from x.
  const auto ops = ebsd::symmetry_operators(LaueGroup::HexagonalHigh);
  for (double deg : {0.0, 30.0, 60.0, 90.0, 120.0, 150.0}) EXPECT_TRUE(contains(ops, two_fold_in_plane(deg))) << deg;
  EXPECT_TRUE(contains(ops, Quat{std::cos(M_PI / 6), 0, 0, std::sin(M_PI / 6)}));  // 60 deg about c
}

TEST(LaueGroup, TrigonalTwoFoldsLieAlongTheAAxes) {
  // -3m1 with a1 along x: 2-folds along a1, a2, a3 (0, 120, 240 = 60 degrees as axes), none along y.
  const auto ops = ebsd::symmetry_operators(LaueGroup::TrigonalHigh);
  for (double deg : {0.0, 60.0, 120.0}) EXPECT_TRUE(contains(ops, two_fold_in_plane(deg))) << deg;
  for (double deg : {30.0, 90.0, 150.0}) EXPECT_FALSE(contains(ops, two_fold_in_plane(deg))) << deg;
}

TEST(LaueGroup, MonoclinicTwoFoldIsAlongB) {
  const auto ops = ebsd::symmetry_operators(LaueGroup::Monoclinic);
  EXPECT_TRUE(contains(ops, Quat{0, 0, 1, 0}));
  EXPECT_FALSE(contains(ops, Quat{0, 0, 0, 1}));
}

TEST(LaueGroup, CubicHasThreeFoldsAboutBodyDiagonalsAndFourFoldsOnlyInM3m) {
  const double c = std::cos(M_PI / 3), s = std::sin(M_PI / 3) / std::sqrt(3.0);  // 120 deg about [111]
  const Quat three_fold{c, s, s, s};
  const Quat four_fold_z{std::cos(M_PI / 4), 0, 0, std::sin(M_PI / 4)};
  EXPECT_TRUE(contains(ebsd::symmetry_operators(LaueGroup::CubicHigh), three_fold));
  EXPECT_TRUE(contains(ebsd::symmetry_operators(LaueGroup::CubicLow), three_fold));
  EXPECT_TRUE(contains(ebsd::symmetry_operators(LaueGroup::CubicHigh), four_fold_z));
  EXPECT_FALSE(contains(ebsd::symmetry_operators(LaueGroup::CubicLow), four_fold_z));
  EXPECT_TRUE(contains(ebsd::symmetry_operators(LaueGroup::TetragonalLow), four_fold_z));
}

TEST(LaueGroup, SymbolsAreTheHermannMauguinNames) {
  const std::array<const char*, 11> expected{"-1", "2/m", "mmm", "4/m", "4/mmm", "-3", "-3m", "6/m", "6/mmm", "m-3", "m-3m"};
  for (LaueGroup g : ebsd::all_laue_groups()) {
    EXPECT_EQ(ebsd::laue_symbol(g), expected[static_cast<std::size_t>(g)]);
    EXPECT_EQ(ebsd::laue_from_symbol(ebsd::laue_symbol(g)), g);
  }
}

TEST(LaueGroup, CommonAliasesAreAccepted) {
  EXPECT_EQ(ebsd::laue_from_symbol("cubic"), LaueGroup::CubicHigh);
  EXPECT_EQ(ebsd::laue_from_symbol("m3m"), LaueGroup::CubicHigh);
  EXPECT_EQ(ebsd::laue_from_symbol(" M-3M "), LaueGroup::CubicHigh);
  EXPECT_EQ(ebsd::laue_from_symbol("432"), LaueGroup::CubicHigh);
  EXPECT_EQ(ebsd::laue_from_symbol("Oh"), LaueGroup::CubicHigh);
  EXPECT_EQ(ebsd::laue_from_symbol("Cubic_Low"), LaueGroup::CubicLow);
  EXPECT_EQ(ebsd::laue_from_symbol("m3"), LaueGroup::CubicLow);
  EXPECT_EQ(ebsd::laue_from_symbol("hexagonal"), LaueGroup::HexagonalHigh);
  EXPECT_EQ(ebsd::laue_from_symbol("6mmm"), LaueGroup::HexagonalHigh);
  EXPECT_EQ(ebsd::laue_from_symbol("622"), LaueGroup::HexagonalHigh);
  EXPECT_EQ(ebsd::laue_from_symbol("Hexagonal_Low"), LaueGroup::HexagonalLow);
  EXPECT_EQ(ebsd::laue_from_symbol("-3m1"), LaueGroup::TrigonalHigh);
  EXPECT_EQ(ebsd::laue_from_symbol("trigonal"), LaueGroup::TrigonalHigh);
  EXPECT_EQ(ebsd::laue_from_symbol("3"), LaueGroup::TrigonalLow);
  EXPECT_EQ(ebsd::laue_from_symbol("tetragonal"), LaueGroup::TetragonalHigh);
  EXPECT_EQ(ebsd::laue_from_symbol("4/m"), LaueGroup::TetragonalLow);
  EXPECT_EQ(ebsd::laue_from_symbol("orthorhombic"), LaueGroup::Orthorhombic);
  EXPECT_EQ(ebsd::laue_from_symbol("222"), LaueGroup::Orthorhombic);
  EXPECT_EQ(ebsd::laue_from_symbol("monoclinic"), LaueGroup::Monoclinic);
  EXPECT_EQ(ebsd::laue_from_symbol("triclinic"), LaueGroup::Triclinic);
  EXPECT_EQ(ebsd::laue_from_symbol("1"), LaueGroup::Triclinic);
}

TEST(LaueGroup, UnknownSymbolThrowsNamingTheText) {
  try {
    ebsd::laue_from_symbol("m-4m");
    FAIL() << "no exception";
  } catch (const ebsd::Error& e) {
    EXPECT_NE(std::string(e.what()).find("m-4m"), std::string::npos);
  }
  EXPECT_THROW(ebsd::laue_from_symbol(""), ebsd::Error);
}

TEST(LaueGroup, HklNumbersFollowTheCtfTable) {
  // FORMATS.md F.2: 1 -1, 2 2/m, 3 mmm, 4 4/m, 5 4/mmm, 6 -3, 7 -3m, 8 6/m, 9 6/mmm, 10 m-3, 11 m-3m.
  const std::array<const char*, 11> by_number{"-1", "2/m", "mmm", "4/m", "4/mmm", "-3", "-3m", "6/m", "6/mmm", "m-3", "m-3m"};
  for (int n = 1; n <= 11; ++n) {
    const LaueGroup g = ebsd::laue_from_hkl_number(n);
    EXPECT_EQ(ebsd::laue_symbol(g), by_number[static_cast<std::size_t>(n - 1)]);
    EXPECT_EQ(ebsd::hkl_number(g), n);
  }
  EXPECT_THROW(ebsd::laue_from_hkl_number(0), ebsd::Error);
  EXPECT_THROW(ebsd::laue_from_hkl_number(12), ebsd::Error);
}

TEST(LaueGroup, TslSymmetryCodesFollowTheAngTable) {
  EXPECT_EQ(ebsd::laue_from_tsl_symmetry(43), LaueGroup::CubicHigh);
  EXPECT_EQ(ebsd::laue_from_tsl_symmetry(23), LaueGroup::CubicLow);
  EXPECT_EQ(ebsd::laue_from_tsl_symmetry(62), LaueGroup::HexagonalHigh);
  EXPECT_EQ(ebsd::laue_from_tsl_symmetry(6), LaueGroup::HexagonalLow);
  EXPECT_EQ(ebsd::laue_from_tsl_symmetry(42), LaueGroup::TetragonalHigh);
  EXPECT_EQ(ebsd::laue_from_tsl_symmetry(4), LaueGroup::TetragonalLow);
  EXPECT_EQ(ebsd::laue_from_tsl_symmetry(32), LaueGroup::TrigonalHigh);
  EXPECT_EQ(ebsd::laue_from_tsl_symmetry(3), LaueGroup::TrigonalLow);
  EXPECT_EQ(ebsd::laue_from_tsl_symmetry(22), LaueGroup::Orthorhombic);
  EXPECT_EQ(ebsd::laue_from_tsl_symmetry(2), LaueGroup::Monoclinic);
  EXPECT_EQ(ebsd::laue_from_tsl_symmetry(20), LaueGroup::Monoclinic);
  EXPECT_EQ(ebsd::laue_from_tsl_symmetry(21), LaueGroup::Monoclinic);
  EXPECT_EQ(ebsd::laue_from_tsl_symmetry(1), LaueGroup::Triclinic);
  EXPECT_EQ(ebsd::tsl_symmetry(LaueGroup::CubicHigh), 43);
  EXPECT_EQ(ebsd::tsl_symmetry(LaueGroup::HexagonalHigh), 62);
  EXPECT_EQ(ebsd::tsl_symmetry(LaueGroup::Monoclinic), 20);  // unique axis b, our setting
  for (LaueGroup g : ebsd::all_laue_groups()) EXPECT_EQ(ebsd::laue_from_tsl_symmetry(ebsd::tsl_symmetry(g)), g);
  EXPECT_THROW(ebsd::laue_from_tsl_symmetry(5), ebsd::Error);
}

TEST(LaueGroup, Dream3dCrystalStructuresFollowTheEnum) {
  const std::array<std::pair<int, LaueGroup>, 11> table{{{0, LaueGroup::HexagonalHigh},
                                                        {1, LaueGroup::CubicHigh},
                                                        {2, LaueGroup::HexagonalLow},
                                                        {3, LaueGroup::CubicLow},
                                                        {4, LaueGroup::Triclinic},
                                                        {5, LaueGroup::Monoclinic},
                                                        {6, LaueGroup::Orthorhombic},
                                                        {7, LaueGroup::TetragonalLow},
                                                        {8, LaueGroup::TetragonalHigh},
                                                        {9, LaueGroup::TrigonalLow},
                                                        {10, LaueGroup::TrigonalHigh}}};
  for (const auto& [code, g] : table) {
    EXPECT_EQ(ebsd::laue_from_dream3d(code), g);
    EXPECT_EQ(ebsd::dream3d_crystal_structure(g), code);
  }
  EXPECT_THROW(ebsd::laue_from_dream3d(999), ebsd::Error);  // "Unknown"
}

}  // namespace

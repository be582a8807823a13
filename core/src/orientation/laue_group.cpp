// Names and vendor numbers of the 11 Laue groups (FORMATS.md sections C, F.1 and F.2).
#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "ebsd/core/error.hpp"
#include "ebsd/orientation/laue_group.hpp"

namespace ebsd {
namespace {

constexpr std::array<LaueGroup, kLaueGroupCount> kAll{
    LaueGroup::Triclinic,    LaueGroup::Monoclinic,    LaueGroup::Orthorhombic, LaueGroup::TetragonalLow,
    LaueGroup::TetragonalHigh, LaueGroup::TrigonalLow, LaueGroup::TrigonalHigh, LaueGroup::HexagonalLow,
    LaueGroup::HexagonalHigh, LaueGroup::CubicLow,     LaueGroup::CubicHigh};

constexpr std::array<std::string_view, kLaueGroupCount> kSymbols{"-1",  "2/m", "mmm", "4/m",  "4/mmm", "-3",
                                                                 "-3m", "6/m", "6/mmm", "m-3", "m-3m"};

// TSL .ang `Symmetry` codes in enum order; monoclinic is written as 20 (unique axis b), the
// setting of our operators. Reading accepts 2 and 21 as well (see laue_from_tsl_symmetry).
constexpr std::array<int, kLaueGroupCount> kTsl{1, 20, 22, 4, 42, 3, 32, 6, 62, 23, 43};

// DREAM.3D CrystalStructures in enum order (0 Hexagonal_High, 1 Cubic_High, 2 Hexagonal_Low,
// 3 Cubic_Low, 4 Triclinic, 5 Monoclinic, 6 OrthoRhombic, 7 Tetragonal_Low, 8 Tetragonal_High,
// 9 Trigonal_Low, 10 Trigonal_High).
constexpr std::array<int, kLaueGroupCount> kDream3d{4, 5, 6, 7, 8, 9, 10, 2, 0, 3, 1};

struct Alias {
  std::string_view key;  // normalised: lower case, without blanks, '-', '_', '/' and '.'
  LaueGroup group;
};

// Hermann-Mauguin symbols of the Laue groups and of every point group that belongs to them
// (EBSD sees the Laue class only), Schoenflies symbols, crystal-system names and the
// DREAM.3D enum names. Normalisation drops '-' and '/', so "m-3m", "m3m" and "M-3M" all match
// and "-3" and "3" (same Laue class) do too.
constexpr Alias kAliases[] = {
    // -1
    {"1", LaueGroup::Triclinic}, {"ci", LaueGroup::Triclinic}, {"c1", LaueGroup::Triclinic},
    {"triclinic", LaueGroup::Triclinic},
    // 2/m
    {"2m", LaueGroup::Monoclinic}, {"2", LaueGroup::Monoclinic}, {"m", LaueGroup::Monoclinic},
    {"c2h", LaueGroup::Monoclinic}, {"c2", LaueGroup::Monoclinic}, {"cs", LaueGroup::Monoclinic},
    {"monoclinic", LaueGroup::Monoclinic},
    // mmm
    {"mmm", LaueGroup::Orthorhombic}, {"222", LaueGroup::Orthorhombic}, {"mm2", LaueGroup::Orthorhombic},
    {"d2h", LaueGroup::Orthorhombic}, {"d2", LaueGroup::Orthorhombic}, {"c2v", LaueGroup::Orthorhombic},
    {"orthorhombic", LaueGroup::Orthorhombic},
    // 4/m
    {"4m", LaueGroup::TetragonalLow}, {"4", LaueGroup::TetragonalLow}, {"c4h", LaueGroup::TetragonalLow},
    {"c4", LaueGroup::TetragonalLow}, {"s4", LaueGroup::TetragonalLow}, {"tetragonallow", LaueGroup::TetragonalLow},
    // 4/mmm
    {"4mmm", LaueGroup::TetragonalHigh}, {"422", LaueGroup::TetragonalHigh}, {"4mm", LaueGroup::TetragonalHigh},
    {"42m", LaueGroup::TetragonalHigh}, {"4m2", LaueGroup::TetragonalHigh}, {"d4h", LaueGroup::TetragonalHigh},
    {"d4", LaueGroup::TetragonalHigh}, {"c4v", LaueGroup::TetragonalHigh}, {"d2d", LaueGroup::TetragonalHigh},
    {"tetragonal", LaueGroup::TetragonalHigh}, {"tetragonalhigh", LaueGroup::TetragonalHigh},
    // -3
    {"3", LaueGroup::TrigonalLow}, {"c3i", LaueGroup::TrigonalLow}, {"s6", LaueGroup::TrigonalLow},
    {"c3", LaueGroup::TrigonalLow}, {"trigonallow", LaueGroup::TrigonalLow},
    // -3m
    {"3m", LaueGroup::TrigonalHigh}, {"3m1", LaueGroup::TrigonalHigh}, {"31m", LaueGroup::TrigonalHigh},
    {"32", LaueGroup::TrigonalHigh}, {"321", LaueGroup::TrigonalHigh}, {"312", LaueGroup::TrigonalHigh},
    {"d3d", LaueGroup::TrigonalHigh}, {"d3", LaueGroup::TrigonalHigh}, {"c3v", LaueGroup::TrigonalHigh},
    {"trigonal", LaueGroup::TrigonalHigh}, {"trigonalhigh", LaueGroup::TrigonalHigh},
    // 6/m
    {"6m", LaueGroup::HexagonalLow}, {"6", LaueGroup::HexagonalLow}, {"c6h", LaueGroup::HexagonalLow},
    {"c6", LaueGroup::HexagonalLow}, {"c3h", LaueGroup::HexagonalLow}, {"hexagonallow", LaueGroup::HexagonalLow},
    // 6/mmm
    {"6mmm", LaueGroup::HexagonalHigh}, {"622", LaueGroup::HexagonalHigh}, {"6mm", LaueGroup::HexagonalHigh},
    {"6m2", LaueGroup::HexagonalHigh}, {"62m", LaueGroup::HexagonalHigh}, {"d6h", LaueGroup::HexagonalHigh},
    {"d6", LaueGroup::HexagonalHigh}, {"c6v", LaueGroup::HexagonalHigh}, {"d3h", LaueGroup::HexagonalHigh},
    {"hexagonal", LaueGroup::HexagonalHigh}, {"hexagonalhigh", LaueGroup::HexagonalHigh},
    {"hcp", LaueGroup::HexagonalHigh},
    // m-3
    {"m3", LaueGroup::CubicLow}, {"23", LaueGroup::CubicLow}, {"th", LaueGroup::CubicLow}, {"t", LaueGroup::CubicLow},
    {"cubiclow", LaueGroup::CubicLow},
    // m-3m
    {"m3m", LaueGroup::CubicHigh}, {"432", LaueGroup::CubicHigh}, {"43m", LaueGroup::CubicHigh},
    {"oh", LaueGroup::CubicHigh}, {"o", LaueGroup::CubicHigh}, {"td", LaueGroup::CubicHigh},
    {"cubic", LaueGroup::CubicHigh}, {"cubichigh", LaueGroup::CubicHigh}, {"fcc", LaueGroup::CubicHigh},
    {"bcc", LaueGroup::CubicHigh},
};

std::string normalise(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isspace(u) || c == '-' || c == '_' || c == '/' || c == '.') continue;
    out.push_back(static_cast<char>(std::tolower(u)));
  }
  return out;
}

std::string list_of_symbols() {
  std::string s;
  for (auto sym : kSymbols) s += (s.empty() ? "" : ", ") + std::string(sym);
  return s;
}

LaueGroup from_table(const std::array<int, kLaueGroupCount>& table, int code, const char* what) {
  const auto it = std::find(table.begin(), table.end(), code);
  if (it == table.end())
    throw Error(std::string(what) + " " + std::to_string(code) + " is not a Laue group code", "", what);
  return kAll[static_cast<std::size_t>(it - table.begin())];
}

std::size_t index(LaueGroup g) { return static_cast<std::size_t>(g); }

}  // namespace

std::span<const LaueGroup> all_laue_groups() { return kAll; }

std::string_view laue_symbol(LaueGroup g) { return kSymbols[index(g)]; }

LaueGroup laue_from_symbol(std::string_view text) {
  const std::string key = normalise(text);
  for (const Alias& a : kAliases)
    if (a.key == key) return a.group;
  throw Error("'" + std::string(text) + "' is not a Laue group (expected one of " + list_of_symbols() +
                  " or a point group, Schoenflies symbol or crystal-system name)",
              "", "Laue group");
}

LaueGroup laue_from_hkl_number(int n) {
  if (n < 1 || n > kLaueGroupCount)
    throw Error("HKL LaueGroup " + std::to_string(n) + " is outside 1..11", "", "LaueGroup");
  return kAll[static_cast<std::size_t>(n - 1)];  // the enum follows the HKL order
}

int hkl_number(LaueGroup g) { return static_cast<int>(index(g)) + 1; }

LaueGroup laue_from_tsl_symmetry(int code) {
  if (code == 2 || code == 21) return LaueGroup::Monoclinic;  // unique axis c or a: same Laue class
  return from_table(kTsl, code, "TSL Symmetry");
}

int tsl_symmetry(LaueGroup g) { return kTsl[index(g)]; }

LaueGroup laue_from_dream3d(int code) { return from_table(kDream3d, code, "DREAM.3D CrystalStructures"); }

int dream3d_crystal_structure(LaueGroup g) { return kDream3d[index(g)]; }

}  // namespace ebsd

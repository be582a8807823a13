#include "ebsd/synth/representative_phase.hpp"

namespace ebsd::synth {

Phase representative_phase(LaueGroup g) {
  switch (g) {
    case LaueGroup::CubicHigh: return {"Nickel", g, {3.524, 3.524, 3.524, 90, 90, 90}};
    case LaueGroup::CubicLow: return {"Pyrite", g, {5.417, 5.417, 5.417, 90, 90, 90}};
    case LaueGroup::HexagonalHigh: return {"Magnesium", g, {3.209, 3.209, 5.211, 90, 90, 120}};
    case LaueGroup::HexagonalLow: return {"Apatite", g, {9.42, 9.42, 6.88, 90, 90, 120}};
    case LaueGroup::TrigonalHigh: return {"Calcite", g, {4.99, 4.99, 17.06, 90, 90, 120}};
    case LaueGroup::TrigonalLow: return {"Dolomite", g, {4.81, 4.81, 16.01, 90, 90, 120}};
    case LaueGroup::TetragonalHigh: return {"Tin", g, {5.832, 5.832, 3.182, 90, 90, 90}};
    case LaueGroup::TetragonalLow: return {"Scheelite", g, {5.24, 5.24, 11.38, 90, 90, 90}};
    case LaueGroup::Orthorhombic: return {"Forsterite", g, {4.75, 10.20, 5.98, 90, 90, 90}};
    case LaueGroup::Monoclinic: return {"Baddeleyite", g, {5.15, 5.21, 5.31, 90, 99.2, 90}};
    case LaueGroup::Triclinic: return {"Albite", g, {8.14, 12.79, 7.16, 94.3, 116.6, 87.7}};
  }
  return {};
}

}  // namespace ebsd::synth

#pragma once
// A representative real material for each Laue group, so a synthetic volume carries plausible
// names and lattice parameters (angstrom, degrees) rather than placeholders.
#include "ebsd/volume/phase.hpp"

namespace ebsd::synth {

Phase representative_phase(LaueGroup g);

}  // namespace ebsd::synth

#pragma once
// Lengths as the views print them: the scale bar's round length and unit symbols.
#include <QString>

#include <string>

namespace ebsd::studio {

// The largest 1, 2 or 5 times a power of ten that is <= maxLength (> 0): the length of a
// scale bar that may take at most maxLength.
double niceScaleLength(double maxLength);

// "um" -> "µm"; other units unchanged.
QString unitSymbol(const std::string& unit);

// "10 µm", "0.5 mm", "250 nm": value with up to 3 significant digits and the unit symbol.
QString formatLength(double value, const std::string& unit);

}  // namespace ebsd::studio

#include "length_format.hpp"

#include <cmath>

namespace ebsd::studio {

double niceScaleLength(double maxLength) {
  if (!(maxLength > 0) || !std::isfinite(maxLength)) return 0.0;
  const double decade = std::pow(10.0, std::floor(std::log10(maxLength)));
  for (const double m : {5.0, 2.0, 1.0})
    if (m * decade <= maxLength * (1 + 1e-12)) return m * decade;
  return decade;
}

QString unitSymbol(const std::string& unit) {
  if (unit == "um" || unit == "micron" || unit == "microns") return QStringLiteral("\u00b5m");
  return QString::fromStdString(unit);
}

QString formatLength(double value, const std::string& unit) {
  const QString number = QString::number(value, 'g', 3);
  const QString symbol = unitSymbol(unit);
  return symbol.isEmpty() ? number : number + QLatin1Char(' ') + symbol;
}

}  // namespace ebsd::studio

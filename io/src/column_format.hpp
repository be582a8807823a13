#pragma once
// How a text column prints its numbers (private to io). The .ang and .ctf readers record one
// ColumnFormat per column from the number shapes they scanned; the writers print with it, so
// that a value that survives as float32 (or as a float32 quaternion, for Euler angles) comes
// back with the digits of the original file. TSL prints fixed decimals ("%.5f"); Oxford prints
// a fixed count of digit characters ("99.591", "0.0000", "175.94": five digits in all).
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "text_scan.hpp"

namespace ebsd::io {

struct ColumnFormat {
  enum class Kind {
    Decimals,  // n digits after the point, as printf("%.nf")
    Digits,    // n digit characters in all, integer part included ("0.0000", "19.500", "175.94")
    Shortest,  // the shortest text that reads back as the same float32
  };
  Kind kind = Kind::Shortest;
  int n = 0;

  static ColumnFormat decimals(int d) { return {Kind::Decimals, d}; }
  static ColumnFormat digits(int d) { return {Kind::Digits, d}; }
  static ColumnFormat shortest() { return {Kind::Shortest, 0}; }

  // Writes the text of v into out (at least 64 bytes); returns its length. decimal_comma
  // writes "0,5" for European-locale files.
  int print(double v, char* out, bool decimal_comma = false) const;
  // Whether v prints to the same number as `parsed` (the value read from the file): the
  // round-trip test the readers run on every value before they trust the format.
  // parsed_fits_float: the column's numbers have at most six digits (ColumnShapes::fits_float).
  bool reproduces(double v, double parsed, bool parsed_fits_float = false) const;
  // Whether v prints as a number >= limit (e.g. 2 pi rounded up): writers print such angles
  // as v - 2 pi so that every printed angle lies in [0, 2 pi) and reads back the same.
  bool prints_at_least(double v, double limit) const {
    char a[64], b[64];
    const int la = print(v, a), lb = print(limit, b);
    double x = 0, y = 0;
    std::from_chars(a, a + la, x);
    std::from_chars(b, b + lb, y);
    return x >= y;
  }
  // Half the distance between neighbouring printed values near v (0 for Shortest): a value
  // within this of a printed one prints back the same.
  double half_step(double v) const;

  nlohmann::json to_json() const;
  static ColumnFormat from_json(const nlohmann::json& j);  // unknown or malformed -> Shortest
  bool operator==(const ColumnFormat&) const = default;
};

// Accumulates the shapes of one column's numbers and names the format they share.
class ColumnShapes {
public:
  // Runs for every number of a file: written without branches (min/max compile to
  // conditional moves), since the shapes vary from row to row and branches would mispredict.
  void add(const text::NumberShape& s) {
    plain_ = plain_ && s.plain;
    min_dec_ = std::min(min_dec_, s.decimals);
    max_dec_ = std::max(max_dec_, s.decimals);
    min_dig_ = std::min(min_dig_, s.digits);
    max_dig_ = std::max(max_dig_, s.digits);
  }
  // Decimals when every number had the same count after the point, else Digits when every
  // number had the same count of digits, else Shortest.
  ColumnFormat format() const;
  // No number had more than six digits: float32 then keeps each value exactly (FLT_DIG = 6),
  // so a float32 copy prints back the same in this format, or in the shortest form.
  bool fits_float() const { return plain_ && max_dig_ <= 6; }

private:
  bool plain_ = true;
  int min_dec_ = 1 << 20, max_dec_ = -1, min_dig_ = 1 << 20, max_dig_ = -1;
};

// Prints a header number (steps, lattice constants) with at least min_decimals decimals when
// that is exact, otherwise with the shortest text that reads back as the same double.
std::string header_number(double v, int min_decimals, bool decimal_comma = false);

}  // namespace ebsd::io

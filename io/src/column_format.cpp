#include "column_format.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace ebsd::io {
namespace {

// Prints integer k with `decimals` digits after the point; k carries the sign. Printing from
// the rounded integer (not through printf) makes reproduces() and print() agree exactly.
int print_scaled(std::int64_t k, int decimals, char* out, char point) {
  char digits[32];
  const bool negative = k < 0;
  std::uint64_t u = negative ? static_cast<std::uint64_t>(-(k + 1)) + 1 : static_cast<std::uint64_t>(k);
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  while (n <= decimals) digits[n++] = '0';  // at least one digit before the point
  int len = 0;
  if (negative) out[len++] = '-';
  for (int i = n - 1; i >= 0; --i) {
    out[len++] = digits[i];
    if (i == decimals && decimals > 0) out[len++] = point;
  }
  return len;
}

// Round half away from zero, inline (llround is a library call and this runs per value).
inline std::int64_t round_half_away(double s) { return static_cast<std::int64_t>(s < 0 ? s - 0.5 : s + 0.5); }

// The (k, decimals) a value prints as, or false when it is too large for the integer path.
bool scaled(double v, const ColumnFormat& f, std::int64_t& k, int& decimals) {
  if (!std::isfinite(v)) return false;
  if (f.kind == ColumnFormat::Kind::Decimals) {
    decimals = f.n;
    const double s = v * text::kPow10[decimals];
    if (std::fabs(s) > 9e15) return false;
    k = round_half_away(s);  // no "-0.000"
    return true;
  }
  // Digits: as many decimals as the digit budget leaves after the integer part; if rounding
  // carries into one more integer digit (9.99996 -> 10.000), one decimal fewer.
  const double a = std::fabs(v);
  int int_digits = 1;
  while (int_digits < 22 && a >= text::kPow10[int_digits]) ++int_digits;  // no log10: this runs per value
  for (int attempt = 0; attempt < 2; ++attempt) {
    decimals = f.n - int_digits;
    if (decimals < 0) decimals = 0;
    if (decimals > 22) return false;
    const double s = v * text::kPow10[decimals];
    if (std::fabs(s) > 9e15) return false;
    k = round_half_away(s);
    const std::uint64_t limit = static_cast<std::uint64_t>(text::kPow10[f.n > 18 ? 18 : f.n]);
    const std::uint64_t mag = static_cast<std::uint64_t>(k < 0 ? -k : k);
    if (decimals == 0 || mag < limit || a < 1.0) return true;
    ++int_digits;
  }
  return true;
}

}  // namespace

int ColumnFormat::print(double v, char* out, bool decimal_comma) const {
  const char point = decimal_comma ? ',' : '.';
  std::int64_t k = 0;
  int decimals = 0;
  if (kind != Kind::Shortest && scaled(v, *this, k, decimals)) return print_scaled(k, decimals, out, point);
  auto r = std::to_chars(out, out + 63, static_cast<float>(v));
  const int len = static_cast<int>(r.ptr - out);
  if (decimal_comma)
    for (int i = 0; i < len; ++i)
      if (out[i] == '.') out[i] = ',';
  return len;
}

bool ColumnFormat::reproduces(double v, double parsed, bool parsed_fits_float) const {
  // Shortest prints float(v) in the fewest digits; when the file's number had at most six
  // digits it is that float's shortest text (FLT_DIG = 6), so equal floats mean equal text.
  if (kind == Kind::Shortest && parsed_fits_float) return static_cast<float>(v) == static_cast<float>(parsed);
  // Fast and exact for the printf-like kinds: the file's text of `parsed` was mantissa m with
  // d decimals, so parsed * 10^d rounds back to m; equal (k, decimals) means equal text.
  std::int64_t kv = 0, kp = 0;
  int dv = 0, dp = 0;
  if (kind != Kind::Shortest && scaled(v, *this, kv, dv) && scaled(parsed, *this, kp, dp))
    return kv == kp && (dv == dp || kv == 0);
  char buf[64];
  const int len = print(v, buf);
  double back = 0;
  auto r = std::from_chars(buf, buf + len, back);
  return r.ec == std::errc() && back == parsed;
}

nlohmann::json ColumnFormat::to_json() const {
  switch (kind) {
    case Kind::Decimals: return {{"decimals", n}};
    case Kind::Digits: return {{"digits", n}};
    case Kind::Shortest: break;
  }
  return {{"shortest", true}};
}

ColumnFormat ColumnFormat::from_json(const nlohmann::json& j) {
  // The numbers come from a file a user may have edited: keep them in printable ranges.
  if (j.is_object() && j.contains("decimals") && j["decimals"].is_number_integer()) {
    const int d = j["decimals"].get<int>();
    if (d >= 0 && d <= 15) return decimals(d);
  }
  if (j.is_object() && j.contains("digits") && j["digits"].is_number_integer()) {
    const int d = j["digits"].get<int>();
    if (d >= 1 && d <= 15) return digits(d);
  }
  return shortest();
}

double ColumnFormat::half_step(double v) const {
  if (kind == Kind::Decimals) return 0.5 / text::kPow10[n];
  if (kind == Kind::Shortest) return 0.0;
  const double a = std::fabs(v);
  int int_digits = 1;
  while (int_digits < 22 && a >= text::kPow10[int_digits]) ++int_digits;
  const int decimals = n - int_digits;
  return decimals < 0 ? 0.5 : decimals > 22 ? 0.0 : 0.5 / text::kPow10[decimals];
}

ColumnFormat ColumnShapes::format() const {
  if (!plain_ || max_dec_ < 0) return ColumnFormat::shortest();
  if (min_dec_ == max_dec_ && max_dec_ <= 15) return ColumnFormat::decimals(max_dec_);
  if (min_dig_ == max_dig_ && max_dig_ <= 15) return ColumnFormat::digits(max_dig_);
  return ColumnFormat::shortest();
}

std::string header_number(double v, int min_decimals, bool decimal_comma) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", min_decimals, v);
  double back = 0;
  auto r = std::from_chars(buf, buf + std::strlen(buf), back);
  if (r.ec != std::errc() || back != v) {
    auto s = std::to_chars(buf, buf + 63, v);
    *s.ptr = '\0';
  }
  std::string out(buf);
  if (decimal_comma)
    for (auto& c : out)
      if (c == '.') c = ',';
  return out;
}

}  // namespace ebsd::io

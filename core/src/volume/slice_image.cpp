#include "ebsd/volume/slice_image.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <span>
#include <vector>

#include "ebsd/core/error.hpp"
#include "ebsd/orientation/disorientation.hpp"
#include "ebsd/orientation/ipf.hpp"
#include "ebsd/volume/voxel_ipf_colors.hpp"

namespace ebsd {
namespace {

// Well-separated colours for phases 1, 2, 3 ... (repeating after 10).
constexpr std::array<std::array<std::uint8_t, 3>, 10> kPhasePalette{{{230, 25, 75},
                                                                     {60, 180, 75},
                                                                     {0, 130, 200},
                                                                     {255, 225, 25},
                                                                     {145, 30, 180},
                                                                     {70, 240, 240},
                                                                     {245, 130, 48},
                                                                     {240, 50, 230},
                                                                     {210, 245, 60},
                                                                     {0, 128, 128}}};

// A bright colour from an integer hash (splitmix64): stable across slices and runs.
std::array<std::uint8_t, 3> grain_color(std::int32_t id) {
  std::uint64_t z = static_cast<std::uint64_t>(id) + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  // Keep every channel above 40 so that no grain looks like an invalid (black) voxel.
  return {static_cast<std::uint8_t>(40 + (z & 0xFF) % 216), static_cast<std::uint8_t>(40 + ((z >> 8) & 0xFF) % 216),
          static_cast<std::uint8_t>(40 + ((z >> 16) & 0xFF) % 216)};
}

std::span<const float> scalar_values(const Volume& v, const SliceColoring& c) {
  switch (c.kind) {
    case SliceColoring::Kind::Ci: return v.confidence();
    case SliceColoring::Kind::Iq: return v.image_quality();
    case SliceColoring::Kind::Channel: return v.channel(c.channel).values;
    default: return {};
  }
}

// A comma-separated list of min_count to max_count finite numbers; `expected` says the form.
std::vector<double> parse_numbers(std::string_view list, std::size_t min_count, std::size_t max_count, std::string_view text,
                                  const char* expected) {
  std::vector<double> out;
  std::string rest(list);
  std::size_t pos = 0;
  while (true) {
    const auto comma = rest.find(',', pos);
    const std::string part = rest.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    char* end = nullptr;
    const double x = std::strtod(part.c_str(), &end);
    if (part.empty() || end != part.c_str() + part.size() || !std::isfinite(x))
      throw Error(std::string("expected ") + expected + ", got '" + std::string(text) + "'", "--color");
    out.push_back(x);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  if (out.size() < min_count || out.size() > max_count)
    throw Error(std::string("expected ") + expected + ", got '" + std::string(text) + "'", "--color");
  return out;
}

SliceColoring misorientation_coloring(std::string_view text, const Volume& v) {
  constexpr const char* expected = "misorientation:x,y,z (a reference voxel) or misorientation:x,y,z,max_deg";
  const auto n = parse_numbers(text.substr(text.find(':') + 1), 3, 4, text, expected);
  SliceColoring c;
  c.kind = SliceColoring::Kind::Misorientation;
  for (std::size_t k = 0; k < 3; ++k) {
    if (n[k] != std::floor(n[k])) throw Error(std::string("expected ") + expected + " with whole voxel indices, got '" + std::string(text) + "'", "--color");
    c.reference[k] = static_cast<std::int64_t>(n[k]);
  }
  const auto& r = c.reference;
  // Appended piece by piece: "(" + std::string&& trips a false -Wrestrict in GCC 12.
  std::string where("(");
  where.append(std::to_string(r[0])).append(", ").append(std::to_string(r[1])).append(", ").append(std::to_string(r[2])).append(")");
  if (!v.contains(r[0], r[1], r[2]))
    throw Error("the misorientation reference voxel " + where + " is outside the volume (" + std::to_string(v.nx()) + " x " +
                    std::to_string(v.ny()) + " x " + std::to_string(v.nz()) + " voxels)",
                "--color", std::string(text));
  const std::int64_t i = v.index(r[0], r[1], r[2]);
  if (!v.is_valid(i) || !v.phase_of(i))
    throw Error("the misorientation reference voxel " + where + " is not indexed: pick an indexed voxel", "--color", std::string(text));
  c.reference_orientation = v.orientation(i);
  c.reference_phase = v.phase_ids()[static_cast<std::size_t>(i)];
  if (n.size() == 4) {
    if (!(n[3] > 0.0 && n[3] <= 180.0))
      throw Error("the top of the misorientation ramp must lie in (0, 180] degrees, got '" + std::string(text) + "'", "--color");
    c.max_angle_deg = n[3];
  }
  return c;
}

// Viridis (matplotlib) at t = 0, 1/8, ..., 1.
constexpr std::array<std::array<std::uint8_t, 3>, 9> kViridis{{{68, 1, 84},
                                                               {71, 45, 123},
                                                               {59, 82, 139},
                                                               {44, 114, 142},
                                                               {33, 145, 140},
                                                               {40, 174, 128},
                                                               {94, 201, 98},
                                                               {173, 220, 48},
                                                               {253, 231, 37}}};

}  // namespace

std::array<std::uint8_t, 3> misorientation_ramp_color(double t) {
  if (!(t > 0.0)) return kViridis.front();  // also NaN
  if (t >= 1.0) return kViridis.back();
  const double x = t * 8.0;
  const auto k = static_cast<std::size_t>(x);
  const double f = x - static_cast<double>(k);
  std::array<std::uint8_t, 3> out{};
  for (std::size_t c = 0; c < 3; ++c)
    out[c] = static_cast<std::uint8_t>(std::lround((1.0 - f) * kViridis[k][c] + f * kViridis[k + 1][c]));
  return out;
}

double misorientation_to_reference_deg(const Volume& v, const SliceColoring& c, std::int64_t i) {
  const auto k = static_cast<std::size_t>(i);
  if (!v.is_valid(i) || v.phase_ids()[k] != c.reference_phase) return std::numeric_limits<double>::quiet_NaN();
  const Phase* p = v.phase_of(i);
  if (!p) return std::numeric_limits<double>::quiet_NaN();
  return disorientation_angle(v.orientation(i), c.reference_orientation, p->laue) * 180.0 / std::numbers::pi;
}

double misorientation_nice_max_deg(double largest_deg) {
  for (double s : {1.0, 2.0, 5.0})
    if (largest_deg <= s + 1e-9) return s;
  // Multiples of 5: the ramp keeps its resolution up to the largest disorientation of the
  // group (62.8 deg for m-3m, 93.8 for 6/mmm) instead of jumping to a rounder 90 or 120.
  return std::min(180.0, 5.0 * std::ceil(largest_deg / 5.0 - 1e-9));
}

double misorientation_ramp_max_deg(const Volume& v, const SliceColoring& c) {
  if (c.max_angle_deg > 0.0) return c.max_angle_deg;
  double largest = 0.0;
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    const double a = misorientation_to_reference_deg(v, c, i);
    if (a > largest) largest = a;
  }
  return misorientation_nice_max_deg(largest);
}

SliceAxis slice_axis_from_name(std::string_view name) {
  if (name == "x" || name == "X") return SliceAxis::X;
  if (name == "y" || name == "Y") return SliceAxis::Y;
  if (name == "z" || name == "Z") return SliceAxis::Z;
  throw Error("axis must be x, y or z, got '" + std::string(name) + "'", "--axis");
}

SliceColoring slice_coloring_from_name(std::string_view text, const Volume& volume) {
  SliceColoring c;
  if (text == "ipf-x") c.direction = Eigen::Vector3d::UnitX();
  else if (text == "ipf-y") c.direction = Eigen::Vector3d::UnitY();
  else if (text == "ipf-z") c.direction = Eigen::Vector3d::UnitZ();
  else if (text.rfind("ipf:", 0) == 0) {
    // "ipf:a,b,c": any sample direction.
    std::array<double, 3> d{};
    std::string rest(text.substr(4));
    std::size_t pos = 0;
    for (int k = 0; k < 3; ++k) {
      const auto comma = rest.find(',', pos);
      if ((k < 2) != (comma != std::string::npos)) throw Error("expected ipf:a,b,c (a sample direction), got '" + std::string(text) + "'", "--color");
      const std::string part = rest.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      char* end = nullptr;
      d[static_cast<std::size_t>(k)] = std::strtod(part.c_str(), &end);
      if (part.empty() || end != part.c_str() + part.size() || !std::isfinite(d[static_cast<std::size_t>(k)]))
        throw Error("expected ipf:a,b,c with three numbers, got '" + std::string(text) + "'", "--color");
      pos = comma + 1;
    }
    const Eigen::Vector3d dir(d[0], d[1], d[2]);
    if (!(dir.norm() > 0)) throw Error("the IPF direction must not be zero", "--color", std::string(text));
    c.direction = dir.normalized();
  } else if (text == "phase") c.kind = SliceColoring::Kind::Phase;
  else if (text == "ci") c.kind = SliceColoring::Kind::Ci;
  else if (text == "iq") c.kind = SliceColoring::Kind::Iq;
  else if (text == "grain") c.kind = SliceColoring::Kind::Grain;
  else if (text.rfind("misorientation:", 0) == 0) c = misorientation_coloring(text, volume);
  else if (volume.has_channel(std::string(text))) {
    c.kind = SliceColoring::Kind::Channel;
    c.channel = std::string(text);
  } else {
    std::string known = "ipf-x, ipf-y, ipf-z, ipf:a,b,c, phase, ci, iq, grain, misorientation:x,y,z";
    for (const auto& [name, ch] : volume.channels()) known += ", " + name;
    throw Error("unknown colouring '" + std::string(text) + "' (one of: " + known + ")", "--color");
  }
  return c;
}

RgbImage slice_image(const Volume& v, SliceAxis axis, std::int64_t index, const SliceColoring& coloring) {
  const int a = axis == SliceAxis::X ? 0 : axis == SliceAxis::Y ? 1 : 2;
  const std::int64_t extent = v.dims()[static_cast<std::size_t>(a)];
  if (index < 0 || index >= extent)
    throw Error("slice " + std::to_string(index) + " is outside the volume (0.." + std::to_string(extent - 1) + " along " + "xyz"[a] + ")", "--index");
  if (coloring.kind == SliceColoring::Kind::Grain && !v.has_grain_ids())
    throw Error("the volume has no grain ids (run `ebsd segment` first)", "--color", "grain");
  // The two in-plane axes: (u, w) = pixel column and row.
  const int u_axis = a == 0 ? 1 : 0, w_axis = a == 2 ? 1 : 2;
  const std::int64_t width = v.dims()[static_cast<std::size_t>(u_axis)], height = v.dims()[static_cast<std::size_t>(w_axis)];
  if (width > std::numeric_limits<int>::max() / 4 || height > std::numeric_limits<int>::max() / 4)
    throw Error("slice too large for an image", "--axis");

  const auto values = scalar_values(v, coloring);
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  if (!values.empty()) {
    for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
      const float x = values[static_cast<std::size_t>(i)];
      if (!v.is_valid(i) || !std::isfinite(x)) continue;
      lo = std::min(lo, static_cast<double>(x));
      hi = std::max(hi, static_cast<double>(x));
    }
  }

  const bool misorientation = coloring.kind == SliceColoring::Kind::Misorientation;
  const double top_deg = misorientation ? misorientation_ramp_max_deg(v, coloring) : 0.0;

  RgbImage img(static_cast<int>(width), static_cast<int>(height));
  std::vector<std::int64_t> row(static_cast<std::size_t>(width));
  for (std::int64_t w = 0; w < height; ++w) {
    if (coloring.kind == SliceColoring::Kind::Ipf) {  // a row at a time, by the batch
      for (std::int64_t u = 0; u < width; ++u) {
        std::array<std::int64_t, 3> c{};
        c[static_cast<std::size_t>(a)] = index;
        c[static_cast<std::size_t>(u_axis)] = u;
        c[static_cast<std::size_t>(w_axis)] = w;
        row[static_cast<std::size_t>(u)] = v.index(c[0], c[1], c[2]);
      }
      voxel_ipf_colors(v, row, coloring.direction, img.at(0, static_cast<int>(w)));
      continue;
    }
    for (std::int64_t u = 0; u < width; ++u) {
      std::array<std::int64_t, 3> c{};
      c[static_cast<std::size_t>(a)] = index;
      c[static_cast<std::size_t>(u_axis)] = u;
      c[static_cast<std::size_t>(w_axis)] = w;
      const std::int64_t i = v.index(c[0], c[1], c[2]);
      if (!v.is_valid(i)) continue;  // black
      std::uint8_t* px = img.at(static_cast<int>(u), static_cast<int>(w));
      std::array<std::uint8_t, 3> rgb{0, 0, 0};
      switch (coloring.kind) {
        case SliceColoring::Kind::Ipf: break;  // coloured by rows above
        case SliceColoring::Kind::Phase: {
          const std::int32_t id = v.phase_ids()[static_cast<std::size_t>(i)];
          if (id > 0) rgb = kPhasePalette[static_cast<std::size_t>(id - 1) % kPhasePalette.size()];
          break;
        }
        case SliceColoring::Kind::Grain: {
          const std::int32_t id = v.grain_ids()[static_cast<std::size_t>(i)];
          if (id > 0) rgb = grain_color(id);
          break;
        }
        case SliceColoring::Kind::Misorientation: {
          const double angle = misorientation_to_reference_deg(v, coloring, i);
          if (std::isfinite(angle)) rgb = misorientation_ramp_color(angle / top_deg);
          break;
        }
        default: {
          const float x = values[static_cast<std::size_t>(i)];
          if (!std::isfinite(x)) break;
          const double t = hi > lo ? (x - lo) / (hi - lo) : 1.0;  // a constant channel shows white
          const auto g = static_cast<std::uint8_t>(std::lround(255.0 * std::clamp(t, 0.0, 1.0)));
          rgb = {g, g, g};
        }
      }
      px[0] = rgb[0];
      px[1] = rgb[1];
      px[2] = rgb[2];
    }
  }
  return img;
}

}  // namespace ebsd

#include "ebsd/volume/slice_image.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <span>

#include "ebsd/core/error.hpp"
#include "ebsd/orientation/ipf.hpp"

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

}  // namespace

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
  else if (volume.has_channel(std::string(text))) {
    c.kind = SliceColoring::Kind::Channel;
    c.channel = std::string(text);
  } else {
    std::string known = "ipf-x, ipf-y, ipf-z, ipf:a,b,c, phase, ci, iq, grain";
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

  RgbImage img(static_cast<int>(width), static_cast<int>(height));
  for (std::int64_t w = 0; w < height; ++w) {
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
        case SliceColoring::Kind::Ipf:
          if (const Phase* p = v.phase_of(i)) rgb = ipf_color(v.orientation(i), coloring.direction, p->laue);
          break;
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

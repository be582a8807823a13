// Representations named at the user boundary (CLI, pipeline files): names, component counts and
// the flat component lists, with validation of what a user typed.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>
#include <string>

#include <Eigen/LU>  // determinant()

#include "ebsd/core/error.hpp"
#include "ebsd/orientation/rotations.hpp"

namespace ebsd {
namespace {
constexpr double kDegree = std::numbers::pi / 180.0;
// How far from unit length a typed axis or quaternion, from orthonormal a typed matrix, and
// beyond the ball or cube a typed homochoric or cubochoric vector may be (relative).
constexpr double kTolerance = 1e-6;

struct NamedRepresentation {
  Representation r;
  std::string_view name;
  std::size_t count;
};

constexpr std::array<NamedRepresentation, 9> kRepresentations = {{
    {Representation::EulerRad, "euler", 3},
    {Representation::EulerDeg, "euler-deg", 3},
    {Representation::Matrix, "om", 9},
    {Representation::AxisAngleRad, "ax", 4},
    {Representation::AxisAngleDeg, "ax-deg", 4},
    {Representation::Rodrigues, "ro", 4},
    {Representation::Quaternion, "qu", 4},
    {Representation::Homochoric, "ho", 3},
    {Representation::Cubochoric, "cu", 3},
}};

const NamedRepresentation& entry(Representation r) {
  for (const auto& e : kRepresentations)
    if (e.r == r) return e;
  throw Error("unknown representation value " + std::to_string(static_cast<int>(r)), {}, "representation");
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

[[noreturn]] void reject(Representation r, const std::string& problem) {
  throw Error(problem, {}, std::string(entry(r).name));
}

// A direction typed by a user: unit within kTolerance, returned exactly unit. A zero axis is
// accepted only where the angle makes it irrelevant (the identity).
Eigen::Vector3d unit_axis(Representation r, double x, double y, double z, bool identity) {
  const Eigen::Vector3d a{x, y, z};
  const double n = a.norm();
  if (n == 0.0 && identity) return {0.0, 0.0, 1.0};
  if (std::fabs(n - 1.0) > kTolerance)
    reject(r, "axis length " + number(n) + " is not 1 (within " + number(kTolerance) + ")");
  return a / n;
}

Quat quat_from_typed_matrix(Representation r, std::span<const double> c) {
  RotationMatrix m;
  m << c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8];
  const double off = (m * m.transpose() - RotationMatrix::Identity()).cwiseAbs().maxCoeff();
  if (off > kTolerance) reject(r, "matrix is not orthonormal (|M M^T - I| = " + number(off) + ")");
  if (m.determinant() < 0.0) reject(r, "matrix has determinant -1: a reflection, not a rotation");
  return quat_from_matrix(m);
}
}  // namespace

Representation representation_from_name(std::string_view name) {
  for (const auto& e : kRepresentations)
    if (e.name == name) return e.r;
  throw Error("unknown representation '" + std::string(name) +
                  "'; expected one of euler, euler-deg, om, ax, ax-deg, ro, qu, ho, cu",
              {}, "representation");
}

std::string_view representation_name(Representation r) { return entry(r).name; }

std::size_t component_count(Representation r) { return entry(r).count; }

Quat quat_from_components(Representation r, std::span<const double> c) {
  const auto& e = entry(r);
  if (c.size() != e.count)
    reject(r, "expected " + std::to_string(e.count) + " components, got " + std::to_string(c.size()));
  for (std::size_t i = 0; i < c.size(); ++i) {
    // A Rodrigues vector of a 180 degree rotation has infinite length: ro's fourth component
    // may be +infinity, as components_from_quat writes it.
    const bool infinite_rodrigues_length = r == Representation::Rodrigues && i == 3 && c[i] == std::numeric_limits<double>::infinity();
    if (!std::isfinite(c[i]) && !infinite_rodrigues_length)
      reject(r, "component " + std::to_string(i + 1) + " is not a finite number");
  }
  switch (r) {
    case Representation::EulerRad:
      return quat_from_euler({c[0], c[1], c[2]});
    case Representation::EulerDeg:
      return quat_from_euler({c[0] * kDegree, c[1] * kDegree, c[2] * kDegree});
    case Representation::Matrix:
      return quat_from_typed_matrix(r, c);
    case Representation::AxisAngleRad:
    case Representation::AxisAngleDeg: {
      const double angle = r == Representation::AxisAngleDeg ? c[3] * kDegree : c[3];
      return quat_from_axis_angle({unit_axis(r, c[0], c[1], c[2], angle == 0.0), angle});
    }
    case Representation::Rodrigues:
      return quat_from_rodrigues({unit_axis(r, c[0], c[1], c[2], c[3] == 0.0), c[3]});
    case Representation::Quaternion: {
      const Quat q{c[0], c[1], c[2], c[3]};
      const double n = q.norm();
      if (std::fabs(n - 1.0) > kTolerance)
        reject(r, "quaternion length " + number(n) + " is not 1 (within " + number(kTolerance) + ")");
      return q.normalized().positive();
    }
    case Representation::Homochoric: {
      const Homochoric h{c[0], c[1], c[2]};
      const double radius = std::cbrt(0.75 * std::numbers::pi);
      if (h.norm() > radius * (1.0 + kTolerance))
        reject(r, "length " + number(h.norm()) + " is outside the homochoric ball of radius " + number(radius));
      return quat_from_homochoric(h);
    }
    case Representation::Cubochoric: {
      const Cubochoric v{c[0], c[1], c[2]};
      const double half_edge = 0.5 * std::pow(std::numbers::pi, 2.0 / 3.0);
      if (v.cwiseAbs().maxCoeff() > half_edge * (1.0 + kTolerance))
        reject(r, "a component is outside the cubochoric cube of half edge " + number(half_edge));
      return quat_from_cubochoric(v);
    }
  }
  reject(r, "unhandled representation");
}

std::vector<double> components_from_quat(Representation r, const Quat& qin) {
  const Quat q = qin.positive();
  switch (r) {
    case Representation::EulerRad:
    case Representation::EulerDeg: {
      const Euler e = euler_from_quat(q);
      const double f = r == Representation::EulerDeg ? 1.0 / kDegree : 1.0;
      return {e.phi1 * f, e.Phi * f, e.phi2 * f};
    }
    case Representation::Matrix: {
      const RotationMatrix m = matrix_from_quat(q);
      return {m(0, 0), m(0, 1), m(0, 2), m(1, 0), m(1, 1), m(1, 2), m(2, 0), m(2, 1), m(2, 2)};
    }
    case Representation::AxisAngleRad:
    case Representation::AxisAngleDeg: {
      const AxisAngle a = axis_angle_from_quat(q);
      const double f = r == Representation::AxisAngleDeg ? 1.0 / kDegree : 1.0;
      return {a.axis.x(), a.axis.y(), a.axis.z(), a.angle * f};
    }
    case Representation::Rodrigues: {
      const Rodrigues ro = rodrigues_from_quat(q);
      return {ro.axis.x(), ro.axis.y(), ro.axis.z(), ro.tan_half};
    }
    case Representation::Quaternion:
      return {q.w, q.x, q.y, q.z};
    case Representation::Homochoric: {
      const Homochoric h = homochoric_from_quat(q);
      return {h.x(), h.y(), h.z()};
    }
    case Representation::Cubochoric: {
      const Cubochoric v = cubochoric_from_quat(q);
      return {v.x(), v.y(), v.z()};
    }
  }
  reject(r, "unhandled representation");
}

}  // namespace ebsd

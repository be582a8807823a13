#include "ebsd/synth/orientation_sampling.hpp"

#include <Eigen/Geometry>
#include <algorithm>
#include <cmath>
#include <numbers>

#include "ebsd/orientation/rotations.hpp"

namespace ebsd::synth {
namespace {
constexpr double kDeg = std::numbers::pi / 180.0;
}

Quat rotation_about(const Eigen::Vector3d& axis, double angle) {
  const Eigen::Vector3d n = axis.normalized();
  const double s = std::sin(0.5 * angle);
  return Quat{std::cos(0.5 * angle), n.x() * s, n.y() * s, n.z() * s}.positive();
}

Quat random_orientation(SeededRandom& rng) {
  const double u1 = rng.uniform(), u2 = rng.uniform(), u3 = rng.uniform();
  const double a = std::sqrt(1.0 - u1), b = std::sqrt(u1);
  const double t2 = 2.0 * std::numbers::pi * u2, t3 = 2.0 * std::numbers::pi * u3;
  return Quat{b * std::cos(t3), a * std::sin(t2), a * std::cos(t2), b * std::sin(t3)}.positive();
}

Quat scatter(const Quat& g, double sigma, SeededRandom& rng) {
  const Eigen::Vector3d v(rng.normal(0.0, sigma), rng.normal(0.0, sigma), rng.normal(0.0, sigma));
  const double angle = v.norm();
  if (angle == 0.0) return g.positive();
  return (rotation_about(v, angle) * g).normalized().positive();
}

namespace {

// An orientation g with g * s == c for unit vectors s (sample) and c (crystal), turned by psi
// about s: g = M * R_s(psi), where M rotates s onto c.
Quat fibre_orientation(Eigen::Vector3d c, Eigen::Vector3d s, double psi) {
  c.normalize();
  s.normalize();
  const Eigen::Vector3d cross = s.cross(c);
  const double dot = std::clamp(s.dot(c), -1.0, 1.0);
  Quat m;
  if (cross.norm() > 1e-12) {
    m = rotation_about(cross, std::acos(dot));
  } else if (dot < 0.0) {  // antiparallel: half turn about any axis normal to s
    const Eigen::Vector3d any = std::fabs(s.x()) < 0.9 ? Eigen::Vector3d::UnitX() : Eigen::Vector3d::UnitY();
    m = rotation_about(s.cross(any), std::numbers::pi);
  }
  return (m * rotation_about(s, psi)).normalized().positive();
}

}  // namespace

Quat sample_texture(const TextureOptions& t, SeededRandom& rng) {
  // Always draw the same count of numbers before branching on the kind, so that switching the
  // texture does not shift the stream for the random background grains.
  const double pick = rng.uniform();
  if (t.kind == TextureOptions::Kind::Random || pick >= t.fraction) return random_orientation(rng);
  Quat ideal;
  if (t.kind == TextureOptions::Kind::Component) {
    ideal = t.component.normalized();
  } else {
    const Eigen::Vector3d c(t.fibre_crystal[0], t.fibre_crystal[1], t.fibre_crystal[2]);
    const Eigen::Vector3d s(t.fibre_sample[0], t.fibre_sample[1], t.fibre_sample[2]);
    ideal = fibre_orientation(c, s, rng.uniform(0.0, 2.0 * std::numbers::pi));
  }
  return scatter(ideal, t.spread_deg * kDeg, rng);
}

Quat sigma3_twin(const Quat& parent, const Eigen::Vector3d& axis111) {
  return (rotation_about(axis111, 60.0 * kDeg) * parent).normalized().positive();
}

}  // namespace ebsd::synth

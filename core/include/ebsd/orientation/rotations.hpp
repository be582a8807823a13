#pragma once
// Conversions among the seven orientation representations of Rowenhorst et al. 2015, passive,
// P = +1. Angles are radians everywhere in the API; degrees exist only at the user boundary.
//   eu  Bunge Euler angles (phi1, Phi, phi2), ZXZ
//   om  rotation (orientation) matrix, passive: v_crystal = om * v_sample
//   ax  axis-angle pair, angle in [0, pi]
//   ro  Rodrigues-Frank vector, stored as (unit axis, tan(angle/2)) so 180 deg is representable
//   qu  unit quaternion, scalar first, w >= 0
//   ho  homochoric vector (|ho| <= (3 pi / 4)^(1/3))
//   cu  cubochoric vector (in the cube of half edge pi^(2/3) / 2)
#include <Eigen/Core>
#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ebsd/orientation/quaternion.hpp"

namespace ebsd {

struct Euler {
  double phi1 = 0.0, Phi = 0.0, phi2 = 0.0;  // radians
};

struct AxisAngle {
  Eigen::Vector3d axis{0.0, 0.0, 1.0};  // unit vector
  double angle = 0.0;                   // radians, [0, pi]
};

struct Rodrigues {
  Eigen::Vector3d axis{0.0, 0.0, 1.0};  // unit vector
  double tan_half = 0.0;                // tan(angle / 2); +infinity for 180 deg
};

using RotationMatrix = Eigen::Matrix3d;
using Homochoric = Eigen::Vector3d;
using Cubochoric = Eigen::Vector3d;

// Each representation to and from the quaternion. Every output quaternion has w >= 0.
Quat quat_from_euler(const Euler& e);
Euler euler_from_quat(const Quat& q);
Quat quat_from_matrix(const RotationMatrix& m);
RotationMatrix matrix_from_quat(const Quat& q);
Quat quat_from_axis_angle(const AxisAngle& a);
AxisAngle axis_angle_from_quat(const Quat& q);
Quat quat_from_rodrigues(const Rodrigues& r);
Rodrigues rodrigues_from_quat(const Quat& q);
Quat quat_from_homochoric(const Homochoric& h);
Homochoric homochoric_from_quat(const Quat& q);
Quat quat_from_cubochoric(const Cubochoric& c);
Cubochoric cubochoric_from_quat(const Quat& q);

// Direct conversions where they are the natural route (Rowenhorst section 4).
Euler euler_from_matrix(const RotationMatrix& m);
RotationMatrix matrix_from_euler(const Euler& e);
Homochoric homochoric_from_axis_angle(const AxisAngle& a);
AxisAngle axis_angle_from_homochoric(const Homochoric& h);
Cubochoric cubochoric_from_homochoric(const Homochoric& h);
Homochoric homochoric_from_cubochoric(const Cubochoric& c);

// A representation named at the user boundary (CLI, pipeline files). The degree variants
// exist because users type degrees; the library computes in radians.
enum class Representation { EulerRad, EulerDeg, Matrix, AxisAngleRad, AxisAngleDeg, Rodrigues, Quaternion, Homochoric, Cubochoric };

// Names: "euler", "euler-deg", "om", "ax", "ax-deg", "ro", "qu", "ho", "cu". Throws ebsd::Error.
Representation representation_from_name(std::string_view name);
std::string_view representation_name(Representation r);
// Number of components: 3 (eu, ho, cu), 4 (ax, ro, qu) or 9 (om, row-major).
std::size_t component_count(Representation r);
// Flat components <-> quaternion; from_components validates the count and finiteness and
// normalises (axis, quaternion) within 1e-6, otherwise throws ebsd::Error.
Quat quat_from_components(Representation r, std::span<const double> c);
std::vector<double> components_from_quat(Representation r, const Quat& q);

}  // namespace ebsd

#pragma once
// Random orientations for synthetic grains: uniform on SO(3), textured (component or fibre with
// a spread), small perturbations, and the Sigma-3 twin relation.
#include <Eigen/Core>

#include "ebsd/orientation/quaternion.hpp"
#include "ebsd/synth/seeded_random.hpp"
#include "ebsd/synth/synth_options.hpp"

namespace ebsd::synth {

// The quaternion (cos(angle/2), axis sin(angle/2)), axis normalised here. With this library's
// P = +1 product, matrix_from_quat of it is the active rotation by +angle about axis
// (right-handed: it turns x into y for axis z); as an orientation it therefore describes a
// crystal rotated by -angle, and composing r * g rotates the crystal frame of g by r.
Quat rotation_about(const Eigen::Vector3d& axis, double angle);

// Uniform on SO(3) (Shoemake 1992, "Uniform random rotations", Graphics Gems III), w >= 0.
Quat random_orientation(SeededRandom& rng);

// g perturbed by a rotation whose rotation vector has three independent normal components of
// standard deviation sigma (radians), applied in the crystal frame: result = d * g.
Quat scatter(const Quat& g, double sigma, SeededRandom& rng);

// One orientation from the texture: with probability `fraction` from the component or fibre
// (with its spread), otherwise uniform.
Quat sample_texture(const TextureOptions& t, SeededRandom& rng);

// The orientation of a Sigma-3 twin of `parent`: a 60 deg rotation about the crystal direction
// `axis111` (one of the <111>, normalised here) composed onto the parent, so the misorientation
// twin * conj(parent) is exactly 60 deg about that axis and the {111} plane normal to it is the
// shared (coherent) twin plane.
Quat sigma3_twin(const Quat& parent, const Eigen::Vector3d& axis111);

}  // namespace ebsd::synth

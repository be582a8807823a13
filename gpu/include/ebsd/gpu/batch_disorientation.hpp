#pragma once
// Disorientation angles of many orientation pairs at once on LibTorch tensors (CPU or CUDA):
// the workhorse of segmentation, kernel average misorientation and recovery metrics on large
// volumes. Same result as ebsd::disorientation_angle, computed as one matrix product.
#include <span>
#include <vector>

#include "ebsd/gpu/device.hpp"
#include "ebsd/orientation/laue_group.hpp"
#include "ebsd/orientation/quaternion.hpp"

namespace ebsd::gpu {

// angles[i] = disorientation angle (radians) between a[i] and b[i] under group g.
// Throws ebsd::Error when the spans differ in length.
std::vector<double> disorientation_angles(std::span<const Quat> a, std::span<const Quat> b, LaueGroup g,
                                          Device device = Device::Cpu);

}  // namespace ebsd::gpu

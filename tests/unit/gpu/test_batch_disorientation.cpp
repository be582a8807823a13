// The LibTorch path of batched disorientation must agree with the scalar core function.
#include <gtest/gtest.h>

#include <numbers>
#include <random>

#include "ebsd/core/error.hpp"
#include "ebsd/gpu/batch_disorientation.hpp"
#include "ebsd/orientation/disorientation.hpp"
#include "ebsd/orientation/rotations.hpp"

namespace {

std::vector<ebsd::Quat> random_quats(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g;  // direction of a 4D Gaussian is uniform on S^3 = uniform rotations
  std::vector<ebsd::Quat> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(ebsd::Quat{g(rng), g(rng), g(rng), g(rng)}.normalized().positive());
  return out;
}

TEST(BatchDisorientation, CpuTensorPathMatchesScalarForEveryLaueGroup) {
  const auto a = random_quats(2000, 1), b = random_quats(2000, 2);
  for (auto g : ebsd::all_laue_groups()) {
    const auto batch = ebsd::gpu::disorientation_angles(a, b, g, ebsd::gpu::Device::Cpu);
    ASSERT_EQ(batch.size(), a.size());
    for (std::size_t i = 0; i < a.size(); ++i)
      ASSERT_NEAR(batch[i], ebsd::disorientation_angle(a[i], b[i], g), 1e-9) << ebsd::laue_symbol(g) << " pair " << i;
  }
}

TEST(BatchDisorientation, KnownCubicValue) {
  const ebsd::Quat a = ebsd::quat_from_euler({0, 0, 0});
  const ebsd::Quat b = ebsd::quat_from_euler({45.0 * std::numbers::pi / 180.0, 0, 0});
  const std::vector<ebsd::Quat> va{a}, vb{b};
  EXPECT_NEAR(ebsd::gpu::disorientation_angles(va, vb, ebsd::LaueGroup::CubicHigh)[0], std::numbers::pi / 4, 1e-12);
  // 90 deg about z is a cubic symmetry operator: no disorientation at all.
  const std::vector<ebsd::Quat> vc{ebsd::quat_from_euler({std::numbers::pi / 2, 0, 0})};
  EXPECT_NEAR(ebsd::gpu::disorientation_angles(va, vc, ebsd::LaueGroup::CubicHigh)[0], 0.0, 1e-7);
}

TEST(BatchDisorientation, LengthMismatchIsAnError) {
  const auto a = random_quats(3, 1), b = random_quats(2, 2);
  EXPECT_THROW(ebsd::gpu::disorientation_angles(a, b, ebsd::LaueGroup::CubicHigh), ebsd::Error);
}

TEST(Device, ParsesNamesAndRejectsUnknownOnes) {
  EXPECT_EQ(ebsd::gpu::parse_device("cpu"), ebsd::gpu::Device::Cpu);
  EXPECT_THROW(ebsd::gpu::parse_device("tpu"), ebsd::Error);
  if (!ebsd::gpu::cuda_available()) {
    EXPECT_THROW(ebsd::gpu::parse_device("cuda"), ebsd::Error);
  }
  EXPECT_NE(ebsd::gpu::describe_compute().find("LibTorch"), std::string::npos);
}

}  // namespace

// On a CUDA device, batched disorientation agrees with the scalar CPU reference. Skips itself
// where there is no device (CI, laptops), passes on the GPU machine.
#include <gtest/gtest.h>

#include <random>

#include "ebsd/gpu/batch_disorientation.hpp"
#include "ebsd/orientation/disorientation.hpp"

namespace {

TEST(CudaDisorientation, MatchesCpuReferenceForCubicAndHexagonal) {
  if (!ebsd::gpu::cuda_available()) GTEST_SKIP() << "no CUDA device: " << ebsd::gpu::describe_compute();
  std::mt19937_64 rng(11);
  std::normal_distribution<double> n;
  std::vector<ebsd::Quat> a, b;
  for (int i = 0; i < 100000; ++i) {
    a.push_back(ebsd::Quat{n(rng), n(rng), n(rng), n(rng)}.normalized().positive());
    b.push_back(ebsd::Quat{n(rng), n(rng), n(rng), n(rng)}.normalized().positive());
  }
  for (auto g : {ebsd::LaueGroup::CubicHigh, ebsd::LaueGroup::HexagonalHigh, ebsd::LaueGroup::Triclinic}) {
    const auto gpu = ebsd::gpu::disorientation_angles(a, b, g, ebsd::gpu::Device::Cuda);
    for (std::size_t i = 0; i < a.size(); ++i)
      ASSERT_NEAR(gpu[i], ebsd::disorientation_angle(a[i], b[i], g), 1e-9) << ebsd::laue_symbol(g) << " pair " << i;
  }
}

}  // namespace

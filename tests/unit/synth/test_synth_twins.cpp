// Annealing twins: Sigma-3 lamellae counted as grains, on a {111} plane of the parent.
#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <cmath>

#include "ebsd/core/error.hpp"
#include "ebsd/orientation/disorientation.hpp"
#include "ebsd/synth/microstructure.hpp"
#include "synth_test_support.hpp"

namespace ebsd::synth {
namespace {

SynthResult twinned_volume() {
  SynthOptions o = test::small_options(40, 21);
  o.twin_fraction = 0.6;
  return generate_microstructure(o);
}

// The orientation of every feature, read from its first voxel.
std::vector<Quat> feature_orientations(const SynthResult& r) {
  std::vector<Quat> q(static_cast<std::size_t>(r.grain_count) + 1);
  std::vector<bool> seen(q.size(), false);
  for (std::size_t i = 0; i < r.feature_ids.size(); ++i) {
    const auto id = static_cast<std::size_t>(r.feature_ids[i]);
    if (!seen[id]) {
      seen[id] = true;
      q[id] = r.volume.orientation(static_cast<std::int64_t>(i));
    }
  }
  return q;
}

TEST(SynthTwins, LamellaeAreCountedAsGrainsOnTopOfTheRequestedCount) {
  SynthResult r = twinned_volume();
  EXPECT_GT(r.twin_count, 10);  // 24 twinned grains, 1 to 3 lamellae each, a few grains too thin
  EXPECT_EQ(r.grain_count, 40 + r.twin_count);
  ASSERT_EQ(r.feature_parent.size(), static_cast<std::size_t>(r.grain_count));
  for (std::int32_t id = 1; id <= 40; ++id) EXPECT_EQ(r.feature_parent[static_cast<std::size_t>(id - 1)], id);
  for (std::int32_t id = 41; id <= r.grain_count; ++id) {
    const auto p = r.feature_parent[static_cast<std::size_t>(id - 1)];
    EXPECT_GE(p, 1);
    EXPECT_LE(p, 40);
  }
}

TEST(SynthTwins, EachLamellaIsSixtyDegreesAboutA111OfItsParent) {
  SynthResult r = twinned_volume();
  const auto q = feature_orientations(r);
  for (std::int32_t id = 41; id <= r.grain_count; ++id) {
    const auto parent = r.feature_parent[static_cast<std::size_t>(id - 1)];
    double angle = 0.0;
    const Quat d = test::cubic_disorientation(q[static_cast<std::size_t>(parent)], q[static_cast<std::size_t>(id)], angle);
    EXPECT_NEAR(angle / test::kDeg, 60.0, 0.5) << "lamella " << id;
    // Axis of the disorientation along a <111>: |x| = |y| = |z|.
    const Eigen::Vector3d axis = d.vec().normalized();
    EXPECT_NEAR(std::fabs(axis.x()), 1.0 / std::sqrt(3.0), 0.01);
    EXPECT_NEAR(std::fabs(axis.y()), 1.0 / std::sqrt(3.0), 0.01);
    EXPECT_NEAR(std::fabs(axis.z()), 1.0 / std::sqrt(3.0), 0.01);
    // The library's disorientation agrees (and reduces the axis to [111]).
    const Disorientation lib = disorientation(q[static_cast<std::size_t>(parent)], q[static_cast<std::size_t>(id)], LaueGroup::CubicHigh);
    EXPECT_NEAR(lib.angle / test::kDeg, 60.0, 0.5);
    EXPECT_NEAR(std::fabs(lib.axis.dot(Eigen::Vector3d(1, 1, 1).normalized())), 1.0, 1e-3);
  }
}

TEST(SynthTwins, LamellaeAreThinnestAlongTheTwinAxis) {
  // A coherent twin lamella is a slab whose faces are the {111} plane normal to the twin axis:
  // its voxels spread least along that axis, expressed in sample coordinates.
  SynthResult r = twinned_volume();
  const auto q = feature_orientations(r);
  int checked = 0, aligned = 0;
  for (std::int32_t id = 41; id <= r.grain_count; ++id) {
    Eigen::Vector3d mean = Eigen::Vector3d::Zero();
    Eigen::Matrix3d second = Eigen::Matrix3d::Zero();
    double n = 0;
    for (std::size_t i = 0; i < r.feature_ids.size(); ++i) {
      if (r.feature_ids[i] != id) continue;
      const auto c = r.volume.coords(static_cast<std::int64_t>(i));
      const Eigen::Vector3d p(static_cast<double>(c[0]), static_cast<double>(c[1]), static_cast<double>(c[2]));
      mean += p;
      second += p * p.transpose();
      n += 1;
    }
    if (n < 100) continue;  // small lamellae are clipped by the grain boundary into blobs
    mean /= n;
    Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> eig(second / n - mean * mean.transpose());
    const Eigen::Vector3d thinnest = eig.eigenvectors().col(0);
    // The twin axis: the <111> c of the parent that the misorientation leaves in place,
    // g_twin g_parent^T c = c; in sample coordinates it is g_parent^T c.
    const Eigen::Matrix3d gp = matrix_from_quat(q[static_cast<std::size_t>(r.feature_parent[static_cast<std::size_t>(id - 1)])]);
    const Eigen::Matrix3d gt = matrix_from_quat(q[static_cast<std::size_t>(id)]);
    int axes = 0;
    for (Eigen::Vector3d c : {Eigen::Vector3d(1, 1, 1), Eigen::Vector3d(-1, 1, 1), Eigen::Vector3d(1, -1, 1), Eigen::Vector3d(1, 1, -1)}) {
      c.normalize();
      if ((gt * gp.transpose() * c - c).norm() > 1e-4) continue;
      ++axes;
      ++checked;
      aligned += std::fabs((gp.transpose() * c).dot(thinnest)) > std::cos(20.0 * test::kDeg);
    }
    EXPECT_EQ(axes, 1) << "lamella " << id;
  }
  ASSERT_GT(checked, 3);
  EXPECT_GE(aligned * 10, checked * 8);  // most: a lamella cut short by the grain boundary can be stubby
}

TEST(SynthTwins, TwinsForAHexagonalPhaseAreRejected) {
  SynthOptions o = test::small_options(20);
  o.phases = {test::magnesium()};
  o.twin_fraction = 0.2;
  EXPECT_THROW(generate_microstructure(o), Error);
}

TEST(SynthTwins, NoTwinsWithZeroFraction) {
  SynthResult r = generate_microstructure(test::small_options(30));
  EXPECT_EQ(r.twin_count, 0);
  for (std::int32_t id = 1; id <= r.grain_count; ++id) EXPECT_EQ(r.feature_parent[static_cast<std::size_t>(id - 1)], id);
}

}  // namespace
}  // namespace ebsd::synth

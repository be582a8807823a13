// Sparse EBSD masks, the nearest and interpolation fills, boundary F1 and side registration.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "ebsd/analysis/boundary_f1.hpp"
#include "ebsd/analysis/side_registration.hpp"
#include "ebsd/analysis/sparse_sampling.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/orientation/disorientation.hpp"
#include "ebsd/orientation/rotations.hpp"

namespace ebsd::analysis {
namespace {

double fraction_of(const std::vector<std::uint8_t>& m) {
  return static_cast<double>(std::accumulate(m.begin(), m.end(), 0)) / static_cast<double>(m.size());
}

TEST(SparseSampling, RandomAndGridMasksHaveTheRequestedDensity) {
  for (double f : {0.01, 0.1, 0.25, 0.5}) {
    EXPECT_NEAR(fraction_of(sample_mask(200, 150, f, SamplingPattern::Random, 3)), f, 0.1 * f + 0.002);
    const auto g = sample_mask(200, 150, f, SamplingPattern::Grid, 3);
    const auto k = std::llround(1.0 / std::sqrt(f));
    EXPECT_NEAR(fraction_of(g), 1.0 / static_cast<double>(k * k), 0.02);
  }
  EXPECT_EQ(sample_mask(50, 40, 0.1, SamplingPattern::Random, 7), sample_mask(50, 40, 0.1, SamplingPattern::Random, 7));
  EXPECT_NE(sample_mask(50, 40, 0.1, SamplingPattern::Random, 7), sample_mask(50, 40, 0.1, SamplingPattern::Random, 8));
  EXPECT_THROW(sample_mask(10, 10, 0.0, SamplingPattern::Random, 1), Error);
  EXPECT_THROW(sample_mask(10, 10, 1.5, SamplingPattern::Grid, 1), Error);
  EXPECT_THROW(sampling_pattern_from_name("hex"), Error);
}

TEST(SparseSampling, NearestObservedMatchesBruteForceDistance) {
  const std::int64_t nx = 37, ny = 23;
  const auto m = sample_mask(nx, ny, 0.05, SamplingPattern::Random, 11);
  const auto near = nearest_observed(nx, ny, m);
  for (std::int64_t p = 0; p < nx * ny; ++p) {
    double best = 1e300;
    for (std::int64_t q = 0; q < nx * ny; ++q)
      if (m[static_cast<std::size_t>(q)])
        best = std::min(best, std::hypot(static_cast<double>(p % nx - q % nx), static_cast<double>(p / nx - q / nx)));
    const auto s = near[static_cast<std::size_t>(p)];
    ASSERT_TRUE(m[static_cast<std::size_t>(s)]);
    EXPECT_LE(std::hypot(static_cast<double>(p % nx - s % nx), static_cast<double>(p / nx - s / nx)), best + 1.0);
  }
  EXPECT_THROW(nearest_observed(4, 4, std::vector<std::uint8_t>(16, 0)), Error);
}

// Two grains side by side (left and right halves), cubic.
Volume two_grains(std::int64_t nx, std::int64_t ny, const Quat& a, const Quat& b) {
  Volume v({nx, ny, 1});
  v.phases().push_back(Phase{"Ni", LaueGroup::CubicHigh, {3.52, 3.52, 3.52, 90, 90, 90}});
  for (std::int64_t y = 0; y < ny; ++y)
    for (std::int64_t x = 0; x < nx; ++x) {
      const auto i = v.index(x, y, 0);
      v.set_orientation(i, x < nx / 2 ? a : b);
      v.phase_ids()[static_cast<std::size_t>(i)] = 1;
      v.valid()[static_cast<std::size_t>(i)] = 1;
    }
  return v;
}

TEST(SparseSampling, FillsKeepObservedPixelsAndRecoverPiecewiseConstantMaps) {
  const Quat a = quat_from_euler({0.2, 0.5, 0.3}), b = quat_from_euler({1.4, 0.9, 0.1});
  const Volume truth = two_grains(40, 30, a, b);
  const auto m = sample_mask(40, 30, 0.25, SamplingPattern::Grid, 2);
  for (int method = 0; method < 2; ++method) {
    Volume test = truth;
    for (std::int64_t i = 0; i < test.voxel_count(); ++i)
      if (!m[static_cast<std::size_t>(i)]) test.set_orientation(i, Quat::identity()), test.valid()[static_cast<std::size_t>(i)] = 0;
    method == 0 ? fill_nearest(test, 0, m) : fill_interpolated(test, 0, m);
    std::int64_t wrong = 0;
    for (std::int64_t i = 0; i < test.voxel_count(); ++i) {
      ASSERT_TRUE(test.is_valid(i));
      const double d = disorientation_angle(truth.orientation(i), test.orientation(i), LaueGroup::CubicHigh);
      if (m[static_cast<std::size_t>(i)]) {
        EXPECT_LT(d, 1e-3);  // float storage: acos near 1
      }
      wrong += d > 2e-3;
    }
    // Only pixels next to the boundary can take the other grain's orientation (or a mix of both).
    EXPECT_LT(wrong, 30 * 4) << method;
    EXPECT_GT(boundary_f1(slice_boundary_map(truth, 0), slice_boundary_map(test, 0), 40, 30, 2).f1, 0.6);
  }
}

TEST(BoundaryF1, ScoresExactShiftedAndMissingBoundaries) {
  const Quat a = quat_from_euler({0.2, 0.5, 0.3}), b = quat_from_euler({1.4, 0.9, 0.1});
  const auto t = slice_boundary_map(two_grains(20, 10, a, b), 0);
  EXPECT_EQ(std::accumulate(t.begin(), t.end(), 0), 10);  // the column left of the boundary
  EXPECT_DOUBLE_EQ(boundary_f1(t, t, 20, 10).f1, 1.0);
  std::vector<std::uint8_t> shifted(t.size(), 0);
  for (std::size_t i = 0; i + 1 < t.size(); ++i) shifted[i + 1] = t[i];
  EXPECT_DOUBLE_EQ(boundary_f1(t, shifted, 20, 10, 1).f1, 1.0);
  EXPECT_DOUBLE_EQ(boundary_f1(t, shifted, 20, 10, 0).f1, 0.0);
  const auto none = std::vector<std::uint8_t>(t.size(), 0);
  const auto s = boundary_f1(t, none, 20, 10);
  EXPECT_DOUBLE_EQ(s.recall, 0.0);
  EXPECT_DOUBLE_EQ(s.f1, 0.0);
  // Same orientation in both halves: no boundary at all.
  const auto flat = slice_boundary_map(two_grains(20, 10, a, a), 0);
  EXPECT_EQ(std::accumulate(flat.begin(), flat.end(), 0), 0);
}

TEST(SideRegistration, FindsAndUndoesAKnownOffset) {
  const std::int64_t nx = 64, ny = 48;
  // A smooth two-channel "side image" with structure in both directions.
  std::vector<float> truth(static_cast<std::size_t>(2 * nx * ny));
  for (std::int64_t y = 0; y < ny; ++y)
    for (std::int64_t x = 0; x < nx; ++x) {
      truth[static_cast<std::size_t>(x + nx * y)] = static_cast<float>(std::sin(0.31 * x) * std::cos(0.23 * y));
      truth[static_cast<std::size_t>(nx * ny + x + nx * y)] = static_cast<float>(std::cos(0.17 * x + 0.29 * y));
    }
  const double dx = 2.4, dy = -1.3;
  const auto seen = shift_side(truth, nx, ny, 2, -dx, -dy);  // side(x) shows the specimen at x - d
  const auto mask = sample_mask(nx, ny, 0.1, SamplingPattern::Random, 4);
  const auto r = estimate_side_offset(seen, truth, mask, nx, ny, 2, 4);
  EXPECT_NEAR(r.dx, dx, 0.25);
  EXPECT_NEAR(r.dy, dy, 0.25);
  EXPECT_GT(r.correlation, r.correlation_unshifted);
  EXPECT_GT(r.correlation, 0.95);
  // An image that is already registered gives no offset.
  const auto z = estimate_side_offset(truth, truth, mask, nx, ny, 2, 4);
  EXPECT_NEAR(z.dx, 0.0, 0.05);
  EXPECT_NEAR(z.dy, 0.0, 0.05);
  // Correcting with the estimate brings the image back (away from the clamped edges).
  const auto fixed = shift_side(seen, nx, ny, 2, r.dx, r.dy);
  double err = 0;
  int n = 0;
  for (std::int64_t y = 5; y < ny - 5; ++y)
    for (std::int64_t x = 5; x < nx - 5; ++x, ++n) err += std::fabs(fixed[static_cast<std::size_t>(x + nx * y)] - truth[static_cast<std::size_t>(x + nx * y)]);
  EXPECT_LT(err / n, 0.08);
}

}  // namespace
}  // namespace ebsd::analysis

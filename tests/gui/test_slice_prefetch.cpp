// Stepping colours the next slice ahead on a worker thread (OrthoSliceImages): whatever the
// order of steps, jumps and colouring changes, every slice shown has exactly the pixels core's
// slice_image gives for it (the pixels `ebsd export-png` writes).
#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include <vtkImageData.h>
#include <vtkPointData.h>
#include <vtkUnsignedCharArray.h>

#include "ebsd/synth/microstructure.hpp"
#include "ebsd/volume/slice_image.hpp"
#include "ortho_slice_images.hpp"

namespace ebsd::studio::test {
namespace {

// Raw-data-like: every voxel's orientation differs (scatter), so no colour is shared.
std::shared_ptr<const Volume> scatterVolume() {
  synth::SynthOptions o;
  o.dims = {40, 36, 24};
  o.grains = 12;
  o.seed = 21;
  o.orientation_scatter_deg = 1.0;
  return std::make_shared<const Volume>(synth::generate_microstructure(o).volume);
}

::testing::AssertionResult showsSlice(const OrthoSliceImages& images, SliceAxis axis, std::int64_t index, const std::string& coloring) {
  const Volume& v = *images.volume();
  const RgbImage expected = slice_image(v, axis, index, slice_coloring_from_name(coloring, v));
  auto* scalars = vtkUnsignedCharArray::SafeDownCast(images.image(axis)->GetPointData()->GetScalars());
  if (!scalars || static_cast<std::size_t>(scalars->GetNumberOfValues()) != expected.pixels.size())
    return ::testing::AssertionFailure() << "image size differs at slice " << index;
  if (std::memcmp(scalars->GetPointer(0), expected.pixels.data(), expected.pixels.size()) != 0)
    return ::testing::AssertionFailure() << coloring << " slice " << index << " differs from slice_image";
  return ::testing::AssertionSuccess();
}

TEST(SlicePrefetch, SteppedJumpedAndRecolouredSlicesEqualCoreSliceImages) {
  OrthoSliceImages images;
  images.setVolume(scatterVolume(), {5, 5, 3});
  const int z = 1 << 2;  // SliceAxis::Z's bit
  Index3 c{5, 5, 3};
  auto go = [&](std::int64_t k, const std::string& coloring) {
    c[2] = k;
    images.setCursor(c, z);
    return showsSlice(images, SliceAxis::Z, k, coloring);
  };
  for (std::int64_t k = 4; k < 12; ++k) EXPECT_TRUE(go(k, "ipf-z"));  // forward: shown from the prefetch
  for (std::int64_t k = 10; k > 6; --k) EXPECT_TRUE(go(k, "ipf-z"));  // turned round: one miss, then hits
  EXPECT_TRUE(go(15, "ipf-z"));                                        // a jump: coloured directly
  EXPECT_TRUE(go(16, "ipf-z"));
  images.setColoring("ci");  // the slice prefetched for 17 was IPF: it must not be shown
  EXPECT_TRUE(showsSlice(images, SliceAxis::Z, 16, "ci"));
  EXPECT_TRUE(go(17, "ci"));
  EXPECT_TRUE(go(18, "ci"));
  EXPECT_TRUE(go(23, "ci"));  // the last slice: nothing beyond it to prefetch
  EXPECT_TRUE(go(22, "ci"));
  images.setColoring("ipf-x");
  EXPECT_TRUE(go(21, "ipf-x"));
  EXPECT_TRUE(go(20, "ipf-x"));
  // A new volume while a prefetch of the old one may still run.
  EXPECT_TRUE(go(19, "ipf-x"));
  images.setVolume(scatterVolume(), {1, 1, 1});
  EXPECT_TRUE(showsSlice(images, SliceAxis::Z, 1, "ipf-x"));
  EXPECT_TRUE(go(2, "ipf-x"));
}

}  // namespace
}  // namespace ebsd::studio::test

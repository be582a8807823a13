#pragma once
// Registration of a side-modality image (BSE, polarized light) to the EBSD grid before
// inpainting (METHODS.md section 3(e): the follow-up paper stresses misregistered side data).
//
// The forward model, applied to the sparse measured orientations, predicts what the side image
// should show at those pixels (it is evaluated, never differentiated). The offset (dx, dy) of the
// side image is the one whose shifted image best correlates with those predictions: normalised
// cross-correlation at every integer offset within +-max_shift, summed over the channels, then a
// parabola through the best one and its neighbours for the sub-pixel part. Only a translation,
// the offset of an affine map, is estimated; rotation and scale are assumed to be right.
// Convention: side(x, y) shows the specimen at (x - dx, y - dy); correcting resamples
// side(x + dx, y + dy) bilinearly (edges clamped).
#include <cstdint>
#include <span>
#include <vector>

namespace ebsd::analysis {

struct SideOffset {
  double dx = 0.0, dy = 0.0;
  double correlation = 0.0;            // NCC (mean over channels) at the chosen offset
  double correlation_unshifted = 0.0;  // and at (0, 0)
  std::int64_t pixels = 0;             // observed pixels used
};

// side: channels * nx * ny values (channel after channel, x fastest); predicted: the same layout,
// read only where observed != 0.
SideOffset estimate_side_offset(std::span<const float> side, std::span<const float> predicted,
                                std::span<const std::uint8_t> observed, std::int64_t nx, std::int64_t ny, int channels,
                                int max_shift = 4);

// side(x + dx, y + dy) for every pixel of each channel (bilinear, edges clamped).
std::vector<float> shift_side(std::span<const float> side, std::int64_t nx, std::int64_t ny, int channels, double dx,
                              double dy);

}  // namespace ebsd::analysis

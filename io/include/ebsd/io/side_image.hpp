#pragma once
// Side-modality images as volume channels: BSE, SE or optical images taken with the EBSD maps,
// stored as 8- or 16-bit greyscale PNG or TIFF (single images, one file per slice, or
// multi-page TIFF stacks), placed on the EBSD grid by an affine transform the user gives.
//
// Conventions (what users must know to write the transform):
//  - Sample coordinates are those of the volume: voxel (i, j, k) has its centre at
//    origin + (i, j, k) * spacing, in the volume's length unit (um for .ang/.ctf data).
//  - Pixel coordinates (u, v): u along the image columns (to the right), v along the rows
//    (downwards, row 0 is the first row stored in the file); (0, 0) is the centre of the first
//    pixel, so pixel (c, r) covers [c - 0.5, c + 0.5] x [r - 0.5, r + 0.5].
//  - The transform maps sample to pixel coordinates: u = a x + b y + c, v = d x + e y + f.
//  - Values are bilinear interpolations of the stored grey levels (0..255 or 0..65535, not
//    rescaled). A voxel whose centre falls outside the image's pixel footprint gets NaN: NaN,
//    not 0, because 0 is a valid grey level; NaN marks "no image here" without a second mask.
#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ebsd/core/progress.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::io {

// Largest image accepted: larger dimensions are a corrupt header, not a micrograph.
inline constexpr std::int64_t kMaxImageSide = 65536;
inline constexpr std::int64_t kMaxImagePixels = std::int64_t{1} << 28;

// One greyscale image, row-major from the top row, values as stored.
struct GreyImage {
  std::int64_t width = 0, height = 0;
  int bits = 8;  // 8 or 16: the stored depth, so users can tell 0..255 from 0..65535
  std::vector<float> pixels;
  float at(std::int64_t column, std::int64_t row) const { return pixels[static_cast<std::size_t>(row * width + column)]; }
};

// PNG: 8- or 16-bit greyscale (1/2/4-bit grey expands to 8-bit values), alpha dropped; an RGB
// or palette image is accepted only when every pixel is grey (R = G = B), since many tools save
// grey micrographs as RGB. Throws ebsd::Error naming the file otherwise.
GreyImage read_grey_png(const std::filesystem::path& path);

// TIFF: the number of pages (images) in the file; throws ebsd::Error for an unreadable file.
std::int64_t tiff_page_count(const std::filesystem::path& path);
// TIFF: calls visit(page_index, image) for every page in file order. Each page must be 8- or
// 16-bit unsigned greyscale (one sample per pixel, min-is-black), in strips or tiles. Throws
// ebsd::Error naming the file and page.
void read_grey_tiff_pages(const std::filesystem::path& path, const std::function<void(std::int64_t, const GreyImage&)>& visit);

// "png", "tiff" or "" from the first bytes of the file (never from the extension).
std::string side_image_format(const std::filesystem::path& path);

// Sample (x, y) -> pixel (u, v): u = m[0] x + m[1] y + m[2], v = m[3] x + m[4] y + m[5].
struct AffineTransform {
  std::array<double, 6> m{1.0, 0.0, 0.0, 0.0, 1.0, 0.0};
  double u(double x, double y) const { return m[0] * x + m[1] * y + m[2]; }
  double v(double x, double y) const { return m[3] * x + m[4] * y + m[5]; }
  // One pixel per voxel, pixel (0, 0) on voxel (0, 0): u = (x - ox) / sx, v = (y - oy) / sy.
  // The default when the user gives no transform: images exported on the EBSD grid.
  static AffineTransform pixel_per_voxel(const Volume& v);
};

// Bilinear interpolation at (u, v); NaN when (u, v) lies outside [-0.5, width - 0.5] x
// [-0.5, height - 0.5]. Between the outermost pixel centres and the footprint's edge the edge
// pixels' values are used.
float sample_bilinear(const GreyImage& image, double u, double v);

struct SideImageOptions {
  std::string name;                          // channel name, e.g. "bse"; must be new in the volume
  std::optional<AffineTransform> transform;  // none: AffineTransform::pixel_per_voxel(volume)
  std::string description;                   // appended to the generated description
};

struct SideImageResult {
  std::vector<std::filesystem::path> files;  // in the order used
  std::int64_t pages = 0;                    // = nz
  std::int64_t width = 0, height = 0;
  int bits = 8;
  std::int64_t outside_voxels = 0;           // voxels that got NaN
  std::vector<std::string> warnings;
};

// Adds channel options.name from `files` (in the order given: a PNG is one page, a TIFF all of
// its pages): page k goes to z slice k, so the pages must number nz; all pages must share one
// size and bit depth. Records a provenance record "side-image". Throws ebsd::Error naming the
// file (and page) for an unreadable image, a page count other than nz, a size or depth that
// differs from the first page's, a transform that is not finite or is singular, or one that
// places no voxel inside the image; ebsd::Cancelled when progress asks for it.
SideImageResult add_side_image_channel(Volume& volume, const std::vector<std::filesystem::path>& files,
                                       const SideImageOptions& options, Progress& progress = Progress::none());

}  // namespace ebsd::io

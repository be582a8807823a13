// Placing side-modality images on the EBSD grid: page enumeration, the affine transform,
// bilinear sampling, and the channel with its provenance. The pixel readers are in
// side_image_png.cpp and side_image_tiff.cpp.
#include "ebsd/io/side_image.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <system_error>

#include "ebsd/core/error.hpp"
#include "ebsd/core/version.hpp"

namespace ebsd::io {
namespace {

struct FileImages {
  std::filesystem::path file;
  std::string format;  // "png" or "tiff"
  std::int64_t pages = 0;
};

std::string affine_text(const AffineTransform& t) {
  std::ostringstream s;
  s.precision(10);
  for (std::size_t k = 0; k < 6; ++k) s << (k ? "," : "") << t.m[k];
  return s.str();
}

void check_transform(const AffineTransform& t) {
  for (double c : t.m)
    if (!std::isfinite(c)) throw Error("the affine transform holds a value that is not finite", "", "affine " + affine_text(t));
  const double det = t.m[0] * t.m[4] - t.m[1] * t.m[3];
  const double scale = std::max({std::fabs(t.m[0]), std::fabs(t.m[1]), std::fabs(t.m[3]), std::fabs(t.m[4])});
  if (scale == 0.0 || std::fabs(det) <= 1e-12 * scale * scale)
    throw Error("the affine transform is singular (it maps the sample plane onto a line or a point)", "", "affine " + affine_text(t));
}

}  // namespace

std::string side_image_format(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  unsigned char b[8] = {};
  if (!f.read(reinterpret_cast<char*>(b), 8)) return {};
  static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (std::equal(b, b + 8, png)) return "png";
  // Classic TIFF (42) and BigTIFF (43), either byte order.
  if ((b[0] == 'I' && b[1] == 'I' && (b[2] == 42 || b[2] == 43) && b[3] == 0) ||
      (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && (b[3] == 42 || b[3] == 43)))
    return "tiff";
  return {};
}

AffineTransform AffineTransform::pixel_per_voxel(const Volume& v) {
  const auto& s = v.spacing();
  const auto& o = v.origin();
  return {{1.0 / s[0], 0.0, -o[0] / s[0], 0.0, 1.0 / s[1], -o[1] / s[1]}};
}

float sample_bilinear(const GreyImage& img, double u, double v) {
  const double w = static_cast<double>(img.width), h = static_cast<double>(img.height);
  if (!(u >= -0.5 && u <= w - 0.5 && v >= -0.5 && v <= h - 0.5)) return std::numeric_limits<float>::quiet_NaN();
  u = std::clamp(u, 0.0, w - 1.0);
  v = std::clamp(v, 0.0, h - 1.0);
  const auto c0 = static_cast<std::int64_t>(std::floor(u)), r0 = static_cast<std::int64_t>(std::floor(v));
  const std::int64_t c1 = std::min(c0 + 1, img.width - 1), r1 = std::min(r0 + 1, img.height - 1);
  const double fu = u - static_cast<double>(c0), fv = v - static_cast<double>(r0);
  const double top = (1.0 - fu) * img.at(c0, r0) + fu * img.at(c1, r0);
  const double bottom = (1.0 - fu) * img.at(c0, r1) + fu * img.at(c1, r1);
  return static_cast<float>((1.0 - fv) * top + fv * bottom);
}

SideImageResult add_side_image_channel(Volume& volume, const std::vector<std::filesystem::path>& files, const SideImageOptions& o,
                                       Progress& progress) {
  if (o.name.empty()) throw Error("a side image needs a channel name", "", "side image");
  if (volume.has_channel(o.name))
    throw Error("the volume already has a channel '" + o.name + "'; choose another name", "", "side image " + o.name);
  if (files.empty()) throw Error("no image files for side image '" + o.name + "'", "", "side image " + o.name);
  const AffineTransform t = o.transform ? *o.transform : AffineTransform::pixel_per_voxel(volume);
  check_transform(t);

  // Count pages first: a wrong count is reported before any pixel is read.
  std::vector<FileImages> inputs;
  std::int64_t total_pages = 0;
  for (const auto& f : files) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(f, ec)) throw Error("no such image file", f.string());
    FileImages in{f, side_image_format(f), 1};
    if (in.format.empty()) throw Error("not a PNG or TIFF image", f.string());
    if (in.format == "tiff") in.pages = tiff_page_count(f);
    total_pages += in.pages;
    inputs.push_back(std::move(in));
  }
  if (total_pages != volume.nz())
    throw Error(std::to_string(total_pages) + " image page(s) in " + std::to_string(files.size()) + " file(s) for a volume of " +
                    std::to_string(volume.nz()) + " slice(s); side image '" + o.name + "' needs one page per z slice",
                files.front().string());

  SideImageResult r;
  r.files = files;
  r.pages = total_pages;
  std::vector<float> values(static_cast<std::size_t>(volume.voxel_count()), std::numeric_limits<float>::quiet_NaN());
  const std::int64_t nx = volume.nx(), ny = volume.ny();
  std::int64_t z = 0;
  auto place = [&](const std::filesystem::path& file, std::int64_t page, const GreyImage& img) {
    const std::string where = "page " + std::to_string(page + 1);
    if (z == 0) {
      r.width = img.width;
      r.height = img.height;
      r.bits = img.bits;
    } else if (img.width != r.width || img.height != r.height || img.bits != r.bits) {
      throw Error("image is " + std::to_string(img.width) + " x " + std::to_string(img.height) + " at " + std::to_string(img.bits) +
                      " bits where the first is " + std::to_string(r.width) + " x " + std::to_string(r.height) + " at " +
                      std::to_string(r.bits) + " bits; all images of a stack must match",
                  file.string(), where);
    }
    progress.check();
    progress.report(static_cast<double>(z) / static_cast<double>(volume.nz()), "placing " + o.name + " slice " + std::to_string(z));
    for (std::int64_t j = 0; j < ny; ++j) {
      const double y = volume.origin()[1] + static_cast<double>(j) * volume.spacing()[1];
      for (std::int64_t i = 0; i < nx; ++i) {
        const double x = volume.origin()[0] + static_cast<double>(i) * volume.spacing()[0];
        const float value = sample_bilinear(img, t.u(x, y), t.v(x, y));
        values[static_cast<std::size_t>(volume.index(i, j, z))] = value;
        r.outside_voxels += std::isnan(value);
      }
    }
    ++z;
  };
  for (const auto& in : inputs) {
    if (in.format == "png") {
      place(in.file, 0, read_grey_png(in.file));
    } else {
      read_grey_tiff_pages(in.file, [&](std::int64_t page, const GreyImage& img) {
        if (z >= volume.nz()) throw Error("holds more pages than it listed", in.file.string());
        place(in.file, page, img);
      });
    }
  }
  if (z != volume.nz()) throw Error("delivered " + std::to_string(z) + " pages where " + std::to_string(volume.nz()) + " were counted",
                                    files.back().string());
  if (r.outside_voxels == volume.voxel_count())
    throw Error("the affine transform " + affine_text(t) + " places no voxel of the EBSD grid inside the " + std::to_string(r.width) +
                    " x " + std::to_string(r.height) + " image",
                files.front().string());
  if (r.outside_voxels > 0) {
    char pct[32];
    std::snprintf(pct, sizeof pct, "%.1f", 100.0 * static_cast<double>(r.outside_voxels) / static_cast<double>(volume.voxel_count()));
    r.warnings.push_back("side image '" + o.name + "': " + std::to_string(r.outside_voxels) + " voxels (" + pct +
                         " %) fall outside the image and are NaN");
  }

  std::string description = std::to_string(r.bits) + "-bit grey levels from " + files.front().filename().string() +
                            (files.size() > 1 ? " and " + std::to_string(files.size() - 1) + " more file(s)" : std::string()) +
                            ", bilinear, pixel = affine(" + affine_text(t) + ") of sample x,y in " + volume.length_unit() +
                            "; NaN outside the image";
  if (!o.description.empty()) description += "; " + o.description;
  volume.set_channel(o.name, {std::move(values), "", description});

  nlohmann::json names = nlohmann::json::array();
  for (const auto& f : files) names.push_back(f.string());
  volume.add_provenance({"side-image",
                         {{"channel", o.name},
                          {"files", names},
                          {"pages", r.pages},
                          {"width", r.width},
                          {"height", r.height},
                          {"bits", r.bits},
                          {"affine", t.m},
                          {"affine_convention", "u = a x + b y + c, v = d x + e y + f; x, y sample coordinates in " +
                                                    volume.length_unit() + "; u, v pixel column and row, (0, 0) the first pixel's centre"},
                          {"interpolation", "bilinear"},
                          {"outside", "NaN"},
                          {"outside_voxels", r.outside_voxels}},
                         EBSD_VERSION, utc_timestamp(), o.description});
  progress.report(1.0, "placed " + o.name);
  return r;
}

}  // namespace ebsd::io

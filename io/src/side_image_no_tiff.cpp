// Built instead of side_image_tiff.cpp when CMake found no libtiff (the GPU machine): a TIFF
// side image is then a clear error, never a silent skip.
#include "ebsd/core/error.hpp"
#include "ebsd/io/side_image.hpp"

namespace ebsd::io {

std::int64_t tiff_page_count(const std::filesystem::path& path) {
  throw Error("this build has no TIFF support (libtiff-dev was not found when it was configured)", path.string());
}

void read_grey_tiff_pages(const std::filesystem::path& path, const std::function<void(std::int64_t, const GreyImage&)>&) {
  throw Error("this build has no TIFF support (libtiff-dev was not found when it was configured)", path.string());
}

}  // namespace ebsd::io

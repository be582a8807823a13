#pragma once
// Names of per-slice files when a 3D volume is written to a 2D format (private to io):
// "scan.ang" with 120 slices becomes scan_000.ang ... scan_119.ang, numbered from 0 in cutting
// order and zero-padded so that a plain sort and a natural sort agree.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ebsd/volume/volume.hpp"

namespace ebsd::io {

inline std::filesystem::path slice_file_name(const std::filesystem::path& path, std::int64_t z, std::int64_t nz) {
  int width = 3;
  for (std::int64_t n = nz - 1; n >= 1000; n /= 10) ++width;
  std::string number = std::to_string(z);
  if (static_cast<int>(number.size()) < width) number.insert(0, static_cast<std::size_t>(width) - number.size(), '0');
  return path.parent_path() / (path.stem().string() + "_" + number + path.extension().string());
}

// Writes a 2D volume to `path`, or each z slice of a 3D one to its slice_file_name, with
// write_one(file, volume, z); returns the files written.
template <class WriteOne>
std::vector<std::filesystem::path> write_per_slice(const std::filesystem::path& path, const Volume& volume, WriteOne write_one) {
  if (volume.nz() == 1) {
    write_one(path, volume, 0);
    return {path};
  }
  std::vector<std::filesystem::path> written;
  for (std::int64_t z = 0; z < volume.nz(); ++z) {
    written.push_back(slice_file_name(path, z, volume.nz()));
    write_one(written.back(), volume, z);
  }
  return written;
}

}  // namespace ebsd::io

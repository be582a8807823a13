#pragma once
// The native project file, `.ebsd.h5`: an HDF5 file that holds every part of an ebsd::Volume
// and reads back to an equal Volume (operator==). Layout, version 1 (all paths absolute):
//
//   /                      attributes format = "EBSD Studio volume", format_version = 1 (int32),
//                          software_version (the EBSD Studio that wrote it)
//   /geometry              attributes dims (int64[3], x y z), spacing (float64[3]),
//                          origin (float64[3]), length_unit (string, e.g. "um")
//   /phases/1 .. /phases/N one group per phase, in phase-id order; attributes name,
//                          laue_group (Hermann-Mauguin symbol, e.g. "m-3m"),
//                          lattice (float64[6]: a b c in angstrom, alpha beta gamma in degrees)
//   /voxels/quaternions    float32 (z, y, x, 4): w x y z, passive, P = +1, w >= 0
//   /voxels/phase_ids      int32 (z, y, x); 0 = not indexed
//   /voxels/confidence     float32 (z, y, x)
//   /voxels/image_quality  float32 (z, y, x)
//   /voxels/valid          uint8 (z, y, x); 1 = indexed and trusted
//   /voxels/grain_ids      int32 (z, y, x), only when the volume is segmented
//   /channels/<name>       float32 (z, y, x), attributes name (the exact channel name; the link
//                          name escapes '/' and '%' as %2F and %25), unit, description
//   /slices/missing        int64 (n), z indices of missing slices
//   /slices/damaged        int64 (n), z indices of damaged slices
//   /provenance            string: a JSON array of {step, parameters, software_version,
//                          time_utc, note}
//
// Per-voxel datasets are chunked (at most 256 x 256 voxels of a slice, about 64 Ki voxels a
// chunk, whole slices stacked when slices are small) and compressed (shuffle, then deflate;
// written by libdeflate or zlib, level 4, on worker threads); any chunked or contiguous layout
// with any HDF5 filters reads back. Strings are UTF-8 and end at their first NUL character. Readers check every type,
// shape and size before allocating, and report any problem as ebsd::Error naming the file,
// the object path and what was expected.
#include <filesystem>
#include <string_view>

#include "ebsd/core/progress.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::io {

inline constexpr std::string_view kNativeFormatName = "EBSD Studio volume";
inline constexpr int kNativeFormatVersion = 1;

// Writes `volume` to `path` atomically (a temporary file in the same folder, renamed into place
// when complete), so a failure or a cancellation leaves any previous file untouched.
// Throws ebsd::Error (including for a volume without voxels) or ebsd::Cancelled.
void write_native(const std::filesystem::path& path, const Volume& volume, Progress& progress = Progress::none());

// How read_native moves the per-voxel datasets into memory. Both give the same Volume.
enum class NativeReadMethod {
  // Raw chunks from HDF5 (H5Dread_chunk), inflated and unshuffled on worker threads straight
  // into the volume's arrays; datasets stored in any other way go through H5Dread.
  ParallelChunks,
  // H5Dread only, one slab of slices at a time on the calling thread: the reader before
  // 2026-11-27, kept so that tests and bench_native_io can compare the two.
  Hdf5,
};

// Reads a file written by write_native. Throws ebsd::Error for anything that is not a valid
// native file of a version this build understands, or ebsd::Cancelled.
Volume read_native(const std::filesystem::path& path, Progress& progress = Progress::none(),
                   NativeReadMethod method = NativeReadMethod::ParallelChunks);

// Content sniffing for the format registry: true when the file is HDF5 and its root carries
// format = "EBSD Studio volume". Never throws; false for missing or unreadable files.
bool looks_like_native(const std::filesystem::path& path);

}  // namespace ebsd::io

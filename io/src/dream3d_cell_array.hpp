#pragma once
// Private to io/: one array of a DREAM.3D cell attribute matrix, shaped (z, y, x, components)
// in C order (FORMATS.md F.4; a few writers drop the trailing 1 of one-component arrays).
// Opening checks the shape against the grid and the stored size against the shape, so a damaged
// file cannot make the reader allocate; reading converts to the requested type slab by slab.
#include <span>
#include <string>
#include <vector>

#include "dream3d_hdf5.hpp"
#include "ebsd/core/progress.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::io::d3d {

struct CellArray {
  std::string name, path;
  Handle dataset;
  std::vector<hsize_t> shape;  // (z, y, x) or (z, y, x, components)
  hsize_t components = 1;
  bool numeric = false;        // integer or float class (bool arrays are uint8)
  bool integer = false;
  std::string type;            // "32-bit float", ... for messages
};

// Throws ebsd::Error naming `path` when the dataset cannot be opened, its shape is not
// (nz, ny, nx[, c]) with 1 <= c <= 64, or it stores far fewer bytes than its shape claims.
CellArray open_cell_array(const Session& s, hid_t group, const std::string& name, const std::string& path,
                          const Index3& dims);

// Throws ebsd::Error unless the array has `components` components and is numeric (and an
// integer type when integer_only).
void require(const Session& s, const CellArray& a, hsize_t components, bool integer_only);

// Reads all values, converted by HDF5 to T (float, std::int32_t or std::uint8_t), into `out`
// (voxel count x components values), in slabs of whole z-slices with progress and cancellation.
template <class T>
void read_cell_array(const Session& s, const CellArray& a, std::span<T> out, Progress& progress);

// Chunk shape for writing an array of `shape` (z, y, x, c): at most 256 x 256 in a slice and
// about 64 Ki voxels per chunk.
std::vector<hsize_t> cell_chunk(std::span<const hsize_t> shape);
// Slices per write or read call: a multiple of the chunk depth near 4 Mi values.
hsize_t slab_slices(std::span<const hsize_t> shape);

}  // namespace ebsd::io::d3d

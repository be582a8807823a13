// Cell arrays of a .dream3d file; see dream3d_cell_array.hpp.
#include "dream3d_cell_array.hpp"

#include <algorithm>
#include <cstdint>

#include "ebsd/core/error.hpp"

namespace ebsd::io::d3d {
namespace {

// Deflate cannot compress better than about 1032:1 (RFC 1951), so a dataset storing fewer
// bytes than its shape's size / 1100 was never fully written; the slack covers chunk overheads
// and unallocated space of tiny arrays.
constexpr double kMaxCompression = 1100.0;
constexpr double kStorageSlack = 1 << 20;
constexpr hsize_t kMaxComponents = 64;
constexpr hsize_t kValuesPerSlab = hsize_t{1} << 22;

std::string expected_shape(const Index3& dims) {
  return "(" + std::to_string(dims[2]) + ", " + std::to_string(dims[1]) + ", " + std::to_string(dims[0]) +
         ", components)";
}

}  // namespace

CellArray open_cell_array(const Session& s, hid_t group, const std::string& name, const std::string& path,
                          const Index3& dims) {
  CellArray a;
  a.name = name;
  a.path = path;
  a.dataset = h5::open_dataset(s, group, name, path);
  Handle type(s.check(H5Dget_type(a.dataset.get()), "cannot read the dataset's type", path), H5Tclose);
  const H5T_class_t cls = H5Tget_class(type.get());
  a.numeric = cls == H5T_INTEGER || cls == H5T_FLOAT;
  a.integer = cls == H5T_INTEGER;
  a.type = h5::describe_type(type.get());
  a.shape = h5::dataset_shape(s, a.dataset.get(), path);
  const bool grid_matches = a.shape.size() >= 3 && a.shape[0] == static_cast<hsize_t>(dims[2]) &&
                            a.shape[1] == static_cast<hsize_t>(dims[1]) && a.shape[2] == static_cast<hsize_t>(dims[0]);
  if (!grid_matches || a.shape.size() > 4 || (a.shape.size() == 4 && (a.shape[3] < 1 || a.shape[3] > kMaxComponents)))
    throw Error("expected shape " + expected_shape(dims) + " with 1.." + std::to_string(kMaxComponents) +
                    " components, found " + h5::describe_shape(a.shape),
                s.file(), path);
  a.components = a.shape.size() == 4 ? a.shape[3] : 1;
  if (a.numeric) {
    const double bytes = static_cast<double>(dims[0]) * static_cast<double>(dims[1]) * static_cast<double>(dims[2]) *
                         static_cast<double>(a.components) * static_cast<double>(H5Tget_size(type.get()));
    const double stored = static_cast<double>(H5Dget_storage_size(a.dataset.get()));
    if (bytes > kMaxCompression * stored + kStorageSlack)
      throw Error("stores only " + std::to_string(static_cast<long long>(stored)) + " bytes for " +
                      std::to_string(static_cast<long long>(bytes)) + " bytes of data (truncated or damaged file)",
                  s.file(), path);
  }
  return a;
}

void require(const Session& s, const CellArray& a, hsize_t components, bool integer_only) {
  if (!a.numeric || (integer_only && !a.integer))
    throw Error(std::string("expected ") + (integer_only ? "integers" : "numbers") + ", found " + a.type, s.file(),
                a.path);
  if (a.components != components)
    throw Error("expected " + std::to_string(components) + " component" + (components == 1 ? "" : "s") + ", found " +
                    std::to_string(a.components) + " (shape " + h5::describe_shape(a.shape) + ")",
                s.file(), a.path);
}

template <class T>
void read_cell_array(const Session& s, const CellArray& a, std::span<T> out, Progress& progress) {
  const hsize_t per_slice = a.shape[1] * a.shape[2] * a.components;
  const hsize_t slab = slab_slices(a.shape);
  for (hsize_t z = 0; z < a.shape[0]; z += slab) {
    progress.check();
    const hsize_t n = std::min(slab, a.shape[0] - z);
    h5::read_rows<T>(s, a.dataset.get(), a.shape, z, n, out.data() + z * per_slice, a.path);
  }
}

template void read_cell_array<float>(const Session&, const CellArray&, std::span<float>, Progress&);
template void read_cell_array<std::int32_t>(const Session&, const CellArray&, std::span<std::int32_t>, Progress&);
template void read_cell_array<std::uint8_t>(const Session&, const CellArray&, std::span<std::uint8_t>, Progress&);

std::vector<hsize_t> cell_chunk(std::span<const hsize_t> shape) {
  const hsize_t cx = std::min<hsize_t>(shape[2], 256);
  const hsize_t cy = std::min<hsize_t>(shape[1], 256);
  const hsize_t cz = std::clamp<hsize_t>(65536 / (cx * cy), 1, shape[0]);
  std::vector<hsize_t> chunk{cz, cy, cx};
  if (shape.size() == 4) chunk.push_back(shape[3]);
  return chunk;
}

hsize_t slab_slices(std::span<const hsize_t> shape) {
  hsize_t per_slice = shape[1] * shape[2];
  if (shape.size() == 4) per_slice *= shape[3];
  const hsize_t cz = cell_chunk(shape)[0];
  const hsize_t wanted = std::max<hsize_t>(1, kValuesPerSlab / std::max<hsize_t>(per_slice, 1));
  return std::max<hsize_t>(cz, wanted / cz * cz);
}

}  // namespace ebsd::io::d3d

#include "hdf5_data.hpp"

#include <cstring>
#include <filesystem>

#include "ebsd/core/error.hpp"

namespace ebsd::io::h5 {
namespace {

// The memory type, the little-endian file type and the expected class/width/sign of each
// element type we store.
template <class T>
struct Traits;
template <>
struct Traits<float> {
  static hid_t memory() { return H5T_NATIVE_FLOAT; }
  static hid_t file() { return H5T_IEEE_F32LE; }
};
template <>
struct Traits<double> {
  static hid_t memory() { return H5T_NATIVE_DOUBLE; }
  static hid_t file() { return H5T_IEEE_F64LE; }
};
template <>
struct Traits<std::int32_t> {
  static hid_t memory() { return H5T_NATIVE_INT32; }
  static hid_t file() { return H5T_STD_I32LE; }
};
template <>
struct Traits<std::int64_t> {
  static hid_t memory() { return H5T_NATIVE_INT64; }
  static hid_t file() { return H5T_STD_I64LE; }
};
template <>
struct Traits<std::uint8_t> {
  static hid_t memory() { return H5T_NATIVE_UINT8; }
  static hid_t file() { return H5T_STD_U8LE; }
};

// Same class, width and (for integers) signedness as T: HDF5 would convert anything else
// silently, which for our own format only ever means a foreign or damaged file.
template <class T>
bool type_matches(hid_t type) {
  const hid_t want = Traits<T>::memory();
  const H5T_class_t cls = H5Tget_class(type);
  if (cls != H5Tget_class(want) || H5Tget_size(type) != H5Tget_size(want)) return false;
  if (cls == H5T_INTEGER) return H5Tget_sign(type) == H5Tget_sign(want);
  return true;
}

template <class T>
std::string expected_type() {
  return describe_type(Traits<T>::memory());
}

std::string attribute_place(const std::string& path, const std::string& name) {
  return path + " attribute '" + name + "'";
}

// bytes may be H5T_VARIABLE. HDF5 converts between ASCII and UTF-8 strings only when the
// character sets agree, so a reader passes the stored set (files from other tools use ASCII).
Handle make_string_type(const Session& s, std::size_t bytes, const std::string& place,
                        H5T_cset_t cset = H5T_CSET_UTF8) {
  Handle t(s.check(H5Tcopy(H5T_C_S1), "cannot create a string type", place), H5Tclose);
  s.check_status(H5Tset_size(t.get(), bytes), "cannot size a string type", place);
  s.check_status(H5Tset_strpad(t.get(), H5T_STR_NULLTERM), "cannot set string padding", place);
  s.check_status(H5Tset_cset(t.get(), cset), "cannot set string encoding", place);
  return t;
}

// Reads one string, fixed-length or variable-length, through `read(memory_type, buffer)`.
template <class Read>
std::string read_string_value(const Session& s, hid_t stored_type, hid_t space, const std::string& place, Read read) {
  if (H5Tget_class(stored_type) != H5T_STRING)
    throw Error("expected a string, found " + describe_type(stored_type), s.file(), place);
  if (H5Sget_simple_extent_npoints(space) != 1)
    throw Error("expected a single string, found " + std::to_string(H5Sget_simple_extent_npoints(space)) + " values",
                s.file(), place);
  const H5T_cset_t cset = H5Tget_cset(stored_type);
  if (H5Tis_variable_str(stored_type) > 0) {
    Handle t = make_string_type(s, H5T_VARIABLE, place, cset);
    char* p = nullptr;
    s.check_status(read(t.get(), &p), "cannot read the string", place);
    std::string value = p ? std::string(p) : std::string();
    if (p) H5free_memory(p);
    return value;
  }
  const std::size_t bytes = H5Tget_size(stored_type);
  if (bytes == 0 || bytes > kMaxStringBytes)
    throw Error("string of " + std::to_string(bytes) + " bytes, expected 1 to " + std::to_string(kMaxStringBytes),
                s.file(), place);
  Handle t = make_string_type(s, bytes, place, cset);
  std::string buffer(bytes, '\0');
  s.check_status(read(t.get(), buffer.data()), "cannot read the string", place);
  buffer.resize(std::strlen(buffer.c_str()));  // text ends at the first NUL (NULLTERM/NULLPAD)
  return buffer;
}

}  // namespace

std::string describe_type(hid_t type) {
  const std::size_t bits = H5Tget_size(type) * 8;
  switch (H5Tget_class(type)) {
    case H5T_INTEGER:
      return std::to_string(bits) + "-bit " + (H5Tget_sign(type) == H5T_SGN_NONE ? "unsigned" : "signed") + " integer";
    case H5T_FLOAT: return std::to_string(bits) + "-bit float";
    case H5T_STRING: return "string";
    case H5T_COMPOUND: return "compound";
    case H5T_ENUM: return "enum";
    case H5T_ARRAY: return "array";
    case H5T_VLEN: return "variable-length sequence";
    case H5T_OPAQUE: return "opaque";
    case H5T_BITFIELD: return "bitfield";
    case H5T_REFERENCE: return "reference";
    case H5T_TIME: return "time";
    default: return "unknown type";
  }
}

std::string describe_shape(std::span<const hsize_t> shape) {
  std::string out = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + ")";
}

bool has_link(hid_t loc, const std::string& name) { return H5Lexists(loc, name.c_str(), H5P_DEFAULT) > 0; }

Handle create_group(const Session& s, hid_t loc, const std::string& name, const std::string& path) {
  return {s.check(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "cannot create the group", path),
          H5Gclose};
}

Handle open_group(const Session& s, hid_t loc, const std::string& name, const std::string& path) {
  if (!has_link(loc, name)) throw Error("missing group, expected one", s.file(), path);
  Handle g(H5Oopen(loc, name.c_str(), H5P_DEFAULT), H5Oclose);
  if (!g.valid()) s.fail("cannot open the group", path);
  H5O_info_t info;
  s.check_status(H5Oget_info2(g.get(), &info, H5O_INFO_BASIC), "cannot inspect the object", path);
  if (info.type != H5O_TYPE_GROUP) throw Error("expected a group, found another kind of object", s.file(), path);
  return g;
}

Handle open_dataset(const Session& s, hid_t loc, const std::string& name, const std::string& path) {
  if (!has_link(loc, name)) throw Error("missing dataset, expected one", s.file(), path);
  Handle d(H5Oopen(loc, name.c_str(), H5P_DEFAULT), H5Oclose);
  if (!d.valid()) s.fail("cannot open the dataset", path);
  H5O_info_t info;
  s.check_status(H5Oget_info2(d.get(), &info, H5O_INFO_BASIC), "cannot inspect the object", path);
  if (info.type != H5O_TYPE_DATASET) throw Error("expected a dataset, found another kind of object", s.file(), path);
  return d;
}

hsize_t link_count(const Session& s, hid_t group, const std::string& path) {
  H5G_info_t info;
  s.check_status(H5Gget_info(group, &info), "cannot list the group", path);
  return info.nlinks;
}

std::string link_name(const Session& s, hid_t group, hsize_t k, const std::string& path) {
  const ssize_t n = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, k, nullptr, 0, H5P_DEFAULT);
  if (n < 0) s.fail("cannot read the name of member " + std::to_string(k), path);
  std::string name(static_cast<std::size_t>(n) + 1, '\0');
  if (H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, k, name.data(), name.size(), H5P_DEFAULT) < 0)
    s.fail("cannot read the name of member " + std::to_string(k), path);
  name.resize(static_cast<std::size_t>(n));
  return name;
}

bool has_attribute(hid_t obj, const std::string& name) { return H5Aexists(obj, name.c_str()) > 0; }

void write_string_attribute(const Session& s, hid_t obj, const std::string& name, const std::string& value,
                            const std::string& path) {
  const std::string place = attribute_place(path, name);
  Handle type = make_string_type(s, value.size() + 1, place);
  Handle space(s.check(H5Screate(H5S_SCALAR), "cannot create a dataspace", place), H5Sclose);
  Handle attr(s.check(H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                      "cannot create the attribute", place),
              H5Aclose);
  s.check_status(H5Awrite(attr.get(), type.get(), value.c_str()), "cannot write the attribute", place);
}

template <class T>
void write_attribute(const Session& s, hid_t obj, const std::string& name, std::span<const T> values,
                     const std::string& path) {
  const std::string place = attribute_place(path, name);
  const hsize_t n = values.size();
  Handle space(s.check(H5Screate_simple(1, &n, nullptr), "cannot create a dataspace", place), H5Sclose);
  Handle attr(s.check(H5Acreate2(obj, name.c_str(), Traits<T>::file(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                      "cannot create the attribute", place),
              H5Aclose);
  s.check_status(H5Awrite(attr.get(), Traits<T>::memory(), values.data()), "cannot write the attribute", place);
}

template <class T>
void write_scalar_attribute(const Session& s, hid_t obj, const std::string& name, T value, const std::string& path) {
  const std::string place = attribute_place(path, name);
  Handle space(s.check(H5Screate(H5S_SCALAR), "cannot create a dataspace", place), H5Sclose);
  Handle attr(s.check(H5Acreate2(obj, name.c_str(), Traits<T>::file(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                      "cannot create the attribute", place),
              H5Aclose);
  s.check_status(H5Awrite(attr.get(), Traits<T>::memory(), &value), "cannot write the attribute", place);
}

std::string read_string_attribute(const Session& s, hid_t obj, const std::string& name, const std::string& path) {
  const std::string place = attribute_place(path, name);
  if (!has_attribute(obj, name)) throw Error("missing attribute, expected a string", s.file(), place);
  Handle attr(s.check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "cannot open the attribute", place), H5Aclose);
  Handle type(s.check(H5Aget_type(attr.get()), "cannot read the attribute's type", place), H5Tclose);
  Handle space(s.check(H5Aget_space(attr.get()), "cannot read the attribute's shape", place), H5Sclose);
  return read_string_value(s, type.get(), space.get(), place,
                           [&](hid_t memory_type, void* buffer) { return H5Aread(attr.get(), memory_type, buffer); });
}

template <class T>
std::vector<T> read_attribute(const Session& s, hid_t obj, const std::string& name, std::size_t count,
                              const std::string& path) {
  const std::string place = attribute_place(path, name);
  if (!has_attribute(obj, name))
    throw Error("missing attribute, expected " + std::to_string(count) + " x " + expected_type<T>(), s.file(), place);
  Handle attr(s.check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "cannot open the attribute", place), H5Aclose);
  Handle type(s.check(H5Aget_type(attr.get()), "cannot read the attribute's type", place), H5Tclose);
  if (!type_matches<T>(type.get()))
    throw Error("expected " + expected_type<T>() + ", found " + describe_type(type.get()), s.file(), place);
  Handle space(s.check(H5Aget_space(attr.get()), "cannot read the attribute's shape", place), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0 || static_cast<std::size_t>(n) != count)
    throw Error("expected " + std::to_string(count) + " values, found " + std::to_string(n), s.file(), place);
  std::vector<T> values(count);
  s.check_status(H5Aread(attr.get(), Traits<T>::memory(), values.data()), "cannot read the attribute", place);
  return values;
}

void write_string_dataset(const Session& s, hid_t loc, const std::string& name, const std::string& value,
                          const std::string& path) {
  Handle type = make_string_type(s, value.size() + 1, path);
  Handle space(s.check(H5Screate(H5S_SCALAR), "cannot create a dataspace", path), H5Sclose);
  Handle d(s.check(H5Dcreate2(loc, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                   "cannot create the dataset", path),
           H5Dclose);
  s.check_status(H5Dwrite(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, value.c_str()),
                 "cannot write the dataset", path);
}

std::string read_string_dataset(const Session& s, hid_t loc, const std::string& name, const std::string& path) {
  Handle d = open_dataset(s, loc, name, path);
  Handle type(s.check(H5Dget_type(d.get()), "cannot read the dataset's type", path), H5Tclose);
  Handle space(s.check(H5Dget_space(d.get()), "cannot read the dataset's shape", path), H5Sclose);
  return read_string_value(s, type.get(), space.get(), path, [&](hid_t memory_type, void* buffer) {
    return H5Dread(d.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
  });
}

template <class T>
void write_vector(const Session& s, hid_t loc, const std::string& name, std::span<const T> values,
                  const std::string& path) {
  const hsize_t n = values.size();
  Handle space(s.check(H5Screate_simple(1, &n, nullptr), "cannot create a dataspace", path), H5Sclose);
  Handle d(s.check(H5Dcreate2(loc, name.c_str(), Traits<T>::file(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                   "cannot create the dataset", path),
           H5Dclose);
  if (n > 0)
    s.check_status(H5Dwrite(d.get(), Traits<T>::memory(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                   "cannot write the dataset", path);
}

template <class T>
std::vector<T> read_vector(const Session& s, hid_t loc, const std::string& name, std::size_t max_count,
                           const std::string& path) {
  Handle d = open_dataset(s, loc, name, path);
  require_type<T>(s, d.get(), path);
  const std::vector<hsize_t> shape = dataset_shape(s, d.get(), path);
  if (shape.size() != 1)
    throw Error("expected a 1-D list, found shape " + describe_shape(shape), s.file(), path);
  if (shape[0] > max_count)
    throw Error("expected at most " + std::to_string(max_count) + " values, found " + std::to_string(shape[0]), s.file(),
                path);
  std::vector<T> values(static_cast<std::size_t>(shape[0]));
  if (!values.empty())
    s.check_status(H5Dread(d.get(), Traits<T>::memory(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                   "cannot read the dataset", path);
  return values;
}

template <class T>
Handle create_chunked_dataset(const Session& s, hid_t loc, const std::string& name, std::span<const hsize_t> shape,
                              std::span<const hsize_t> chunk, bool compress, const std::string& path) {
  const int rank = static_cast<int>(shape.size());
  Handle space(s.check(H5Screate_simple(rank, shape.data(), nullptr), "cannot create a dataspace", path), H5Sclose);
  Handle dcpl(s.check(H5Pcreate(H5P_DATASET_CREATE), "cannot create a property list", path), H5Pclose);
  s.check_status(H5Pset_chunk(dcpl.get(), rank, chunk.data()), "cannot set the chunk shape", path);
  if (compress) {
    // Shuffle groups the bytes of each significance together, which deflate compresses far
    // better for floats and small integers stored in wide types.
    s.check_status(H5Pset_shuffle(dcpl.get()), "cannot enable the shuffle filter", path);
    s.check_status(H5Pset_deflate(dcpl.get(), 4), "cannot enable deflate compression", path);
  }
  return {s.check(H5Dcreate2(loc, name.c_str(), Traits<T>::file(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                  "cannot create the dataset", path),
          H5Dclose};
}

std::vector<hsize_t> dataset_shape(const Session& s, hid_t dataset, const std::string& path) {
  Handle space(s.check(H5Dget_space(dataset), "cannot read the dataset's shape", path), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) s.fail("cannot read the dataset's rank", path);
  std::vector<hsize_t> shape(static_cast<std::size_t>(rank));
  if (rank > 0 && H5Sget_simple_extent_dims(space.get(), shape.data(), nullptr) < 0)
    s.fail("cannot read the dataset's dimensions", path);
  return shape;
}

template <class T>
void require_type(const Session& s, hid_t dataset, const std::string& path) {
  Handle type(s.check(H5Dget_type(dataset), "cannot read the dataset's type", path), H5Tclose);
  if (!type_matches<T>(type.get()))
    throw Error("expected " + expected_type<T>() + ", found " + describe_type(type.get()), s.file(), path);
}

namespace {
// The file-side selection of rows [first, first + count) and the matching memory space.
std::pair<Handle, Handle> row_spaces(const Session& s, hid_t dataset, std::span<const hsize_t> shape, hsize_t first,
                                     hsize_t count, const std::string& path) {
  std::vector<hsize_t> start(shape.size(), 0), extent(shape.begin(), shape.end());
  start[0] = first;
  extent[0] = count;
  Handle file_space(s.check(H5Dget_space(dataset), "cannot read the dataset's shape", path), H5Sclose);
  s.check_status(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, extent.data(), nullptr),
                 "cannot select rows " + std::to_string(first) + ".." + std::to_string(first + count - 1), path);
  Handle memory_space(s.check(H5Screate_simple(static_cast<int>(extent.size()), extent.data(), nullptr),
                              "cannot create a dataspace", path),
                      H5Sclose);
  return {std::move(file_space), std::move(memory_space)};
}
}  // namespace

template <class T>
void write_rows(const Session& s, hid_t dataset, std::span<const hsize_t> shape, hsize_t first, hsize_t count,
                const T* data, const std::string& path) {
  auto [file_space, memory_space] = row_spaces(s, dataset, shape, first, count, path);
  s.check_status(H5Dwrite(dataset, Traits<T>::memory(), memory_space.get(), file_space.get(), H5P_DEFAULT, data),
                 "cannot write rows " + std::to_string(first) + ".." + std::to_string(first + count - 1), path);
}

template <class T>
void read_rows(const Session& s, hid_t dataset, std::span<const hsize_t> shape, hsize_t first, hsize_t count, T* data,
               const std::string& path) {
  auto [file_space, memory_space] = row_spaces(s, dataset, shape, first, count, path);
  s.check_status(H5Dread(dataset, Traits<T>::memory(), memory_space.get(), file_space.get(), H5P_DEFAULT, data),
                 "cannot read rows " + std::to_string(first) + ".." + std::to_string(first + count - 1) +
                     " (truncated or damaged file?)",
                 path);
}

// The element types the project stores.
#define EBSD_H5_INSTANTIATE(T)                                                                                        \
  template void write_attribute<T>(const Session&, hid_t, const std::string&, std::span<const T>, const std::string&); \
  template void write_scalar_attribute<T>(const Session&, hid_t, const std::string&, T, const std::string&);           \
  template std::vector<T> read_attribute<T>(const Session&, hid_t, const std::string&, std::size_t,                   \
                                            const std::string&);                                                      \
  template void write_vector<T>(const Session&, hid_t, const std::string&, std::span<const T>, const std::string&);    \
  template std::vector<T> read_vector<T>(const Session&, hid_t, const std::string&, std::size_t, const std::string&);  \
  template Handle create_chunked_dataset<T>(const Session&, hid_t, const std::string&, std::span<const hsize_t>,       \
                                            std::span<const hsize_t>, bool, const std::string&);                      \
  template void require_type<T>(const Session&, hid_t, const std::string&);                                          \
  template void write_rows<T>(const Session&, hid_t, std::span<const hsize_t>, hsize_t, hsize_t, const T*,             \
                              const std::string&);                                                                    \
  template void read_rows<T>(const Session&, hid_t, std::span<const hsize_t>, hsize_t, hsize_t, T*, const std::string&);
EBSD_H5_INSTANTIATE(float)
EBSD_H5_INSTANTIATE(double)
EBSD_H5_INSTANTIATE(std::int32_t)
EBSD_H5_INSTANTIATE(std::int64_t)
EBSD_H5_INSTANTIATE(std::uint8_t)
#undef EBSD_H5_INSTANTIATE

Handle open_file_for_reading(const Session& s) {
  std::error_code ec;
  if (!std::filesystem::exists(s.file(), ec)) throw Error("no such file", s.file());
  if (!std::filesystem::is_regular_file(s.file(), ec)) throw Error("not a regular file, expected an HDF5 file", s.file());
  if (H5Fis_hdf5(s.file().c_str()) <= 0) throw Error("not an HDF5 file (no HDF5 signature)", s.file(), "file header");
  return {s.check(H5Fopen(s.file().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "cannot open the HDF5 file", "/"), H5Fclose};
}

// --- numbers in foreign (vendor) files ---
namespace {

// Deflate cannot shrink data by more than about 1032:1; a dataset whose stored bytes are far
// below that for the count its shape claims was never written (or was cut short).
constexpr double kMaxCompressionRatio = 4096.0;
// Beyond any real EBSD scan or stack (Volume::kMaxVoxels is 2^33; Euler angles are 3 per point).
constexpr std::uint64_t kMaxNumericValues = std::uint64_t{1} << 36;

struct NumericDataset {
  Handle dataset;
  std::vector<hsize_t> shape;
  std::uint64_t count = 0;
};

NumericDataset open_numeric(const Session& s, hid_t loc, const std::string& name, bool integer_only,
                            const std::string& path) {
  NumericDataset n{open_dataset(s, loc, name, path), {}, 1};
  Handle type(s.check(H5Dget_type(n.dataset.get()), "cannot read the dataset's type", path), H5Tclose);
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_INTEGER && (integer_only || cls != H5T_FLOAT))
    throw Error(std::string("expected ") + (integer_only ? "integers" : "numbers") + ", found " +
                    describe_type(type.get()),
                s.file(), path);
  n.shape = dataset_shape(s, n.dataset.get(), path);
  for (hsize_t d : n.shape) {
    if (d != 0 && n.count > kMaxNumericValues / d)
      throw Error("shape " + describe_shape(n.shape) + " is far beyond any EBSD scan", s.file(), path);
    n.count *= d;
  }
  const double logical = static_cast<double>(n.count) * static_cast<double>(H5Tget_size(type.get()));
  const double stored = static_cast<double>(H5Dget_storage_size(n.dataset.get()));
  if (n.count > 0 && stored * kMaxCompressionRatio < logical)
    throw Error("shape " + describe_shape(n.shape) + " claims " + std::to_string(n.count) + " values but the file stores only " +
                    std::to_string(static_cast<std::uint64_t>(stored)) + " bytes of them (truncated or damaged)",
                s.file(), path);
  return n;
}

// (rows), (rows, 1), (1, rows) for one column; (rows, columns) otherwise; a scalar or (1, 1, ...)
// when there is one value in all.
bool shape_fits(const std::vector<hsize_t>& shape, std::uint64_t count, std::uint64_t rows, std::uint64_t columns) {
  if (count != rows * columns) return false;
  if (columns == 1 || rows == 1) {
    int long_dims = 0;
    for (hsize_t d : shape) long_dims += d != 1;
    return long_dims <= 1;
  }
  return shape.size() == 2 && shape[0] == rows && shape[1] == columns;
}

}  // namespace

std::uint64_t numeric_count(const Session& s, hid_t loc, const std::string& name, bool integer_only,
                            const std::string& path) {
  return open_numeric(s, loc, name, integer_only, path).count;
}

template <class T>
std::vector<T> read_numeric(const Session& s, hid_t loc, const std::string& name, std::uint64_t rows,
                            std::uint64_t columns, bool integer_only, const std::string& path) {
  NumericDataset n = open_numeric(s, loc, name, integer_only, path);
  if (!shape_fits(n.shape, n.count, rows, columns))
    throw Error("expected " + std::to_string(rows) + (columns == 1 ? "" : " x " + std::to_string(columns)) +
                    " values, found shape " + describe_shape(n.shape),
                s.file(), path);
  std::vector<T> values(static_cast<std::size_t>(n.count));
  if (!values.empty())
    s.check_status(H5Dread(n.dataset.get(), Traits<T>::memory(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                   "cannot read the dataset (truncated or damaged file?)", path);
  return values;
}

double read_number(const Session& s, hid_t loc, const std::string& name, const std::string& path) {
  return read_numeric<double>(s, loc, name, 1, 1, false, path)[0];
}

std::int64_t read_integer(const Session& s, hid_t loc, const std::string& name, const std::string& path) {
  return read_numeric<std::int64_t>(s, loc, name, 1, 1, true, path)[0];
}

std::int64_t read_integer_attribute(const Session& s, hid_t obj, const std::string& name, const std::string& path) {
  const std::string place = attribute_place(path, name);
  if (!has_attribute(obj, name)) throw Error("missing attribute, expected an integer", s.file(), place);
  Handle attr(s.check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "cannot open the attribute", place), H5Aclose);
  Handle type(s.check(H5Aget_type(attr.get()), "cannot read the attribute's type", place), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_INTEGER)
    throw Error("expected an integer, found " + describe_type(type.get()), s.file(), place);
  Handle space(s.check(H5Aget_space(attr.get()), "cannot read the attribute's shape", place), H5Sclose);
  if (H5Sget_simple_extent_npoints(space.get()) != 1)
    throw Error("expected one value, found " + std::to_string(H5Sget_simple_extent_npoints(space.get())), s.file(), place);
  std::int64_t value = 0;
  s.check_status(H5Aread(attr.get(), H5T_NATIVE_INT64, &value), "cannot read the attribute", place);
  return value;
}

template std::vector<float> read_numeric<float>(const Session&, hid_t, const std::string&, std::uint64_t, std::uint64_t,
                                                bool, const std::string&);
template std::vector<double> read_numeric<double>(const Session&, hid_t, const std::string&, std::uint64_t,
                                                  std::uint64_t, bool, const std::string&);
template std::vector<std::int64_t> read_numeric<std::int64_t>(const Session&, hid_t, const std::string&, std::uint64_t,
                                                              std::uint64_t, bool, const std::string&);

}  // namespace ebsd::io::h5

// HDF5 helpers for DREAM.3D files; see dream3d_hdf5.hpp.
#include "dream3d_hdf5.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

#include "ebsd/core/error.hpp"

namespace ebsd::io::d3d {
namespace {

std::string attribute_place(const std::string& path, const std::string& name) {
  return path + " attribute '" + name + "'";
}

bool is_ascii(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

Handle string_type(const Session& s, std::size_t bytes, H5T_cset_t cset, const std::string& place) {
  Handle t(s.check(H5Tcopy(H5T_C_S1), "cannot create a string type", place), H5Tclose);
  s.check_status(H5Tset_size(t.get(), bytes), "cannot size a string type", place);
  s.check_status(H5Tset_strpad(t.get(), H5T_STR_NULLTERM), "cannot set string padding", place);
  s.check_status(H5Tset_cset(t.get(), cset), "cannot set string encoding", place);
  return t;
}

// Frees the buffers HDF5 allocated for a variable-length string read.
struct VlenStrings {
  hid_t type, space;
  std::vector<char*> data;
  ~VlenStrings() {
    if (!data.empty()) H5Dvlen_reclaim(type, space, H5P_DEFAULT, data.data());
  }
};

}  // namespace

hid_t file_type(Element e) {
  switch (e) {
    case Element::Float32: return H5T_IEEE_F32LE;
    case Element::Int32: return H5T_STD_I32LE;
    case Element::UInt8: return H5T_STD_U8LE;
    case Element::UInt32: return H5T_STD_U32LE;
    case Element::UInt64: return H5T_STD_U64LE;
  }
  return H5T_STD_U8LE;
}

hid_t memory_type(Element e) {
  switch (e) {
    case Element::Float32: return H5T_NATIVE_FLOAT;
    case Element::Int32: return H5T_NATIVE_INT32;
    case Element::UInt8: return H5T_NATIVE_UINT8;
    case Element::UInt32: return H5T_NATIVE_UINT32;
    case Element::UInt64: return H5T_NATIVE_UINT64;
  }
  return H5T_NATIVE_UINT8;
}

void write_text_attribute(const Session& s, hid_t obj, const std::string& name, const std::string& value,
                          const std::string& path) {
  const std::string place = attribute_place(path, name);
  Handle type = string_type(s, value.size() + 1, is_ascii(value) ? H5T_CSET_ASCII : H5T_CSET_UTF8, place);
  Handle space(s.check(H5Screate(H5S_SCALAR), "cannot create a dataspace", place), H5Sclose);
  Handle attr(s.check(H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                      "cannot create the attribute", place),
              H5Aclose);
  s.check_status(H5Awrite(attr.get(), type.get(), value.c_str()), "cannot write the attribute", place);
}

void write_numeric_attribute(const Session& s, hid_t obj, const std::string& name, Element e, const void* data,
                             std::size_t count, const std::string& path) {
  const std::string place = attribute_place(path, name);
  const hsize_t n = count;
  Handle space(s.check(count == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr),
                       "cannot create a dataspace", place),
               H5Sclose);
  Handle attr(s.check(H5Acreate2(obj, name.c_str(), file_type(e), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                      "cannot create the attribute", place),
              H5Aclose);
  s.check_status(H5Awrite(attr.get(), memory_type(e), data), "cannot write the attribute", place);
}

void write_u64_attribute(const Session& s, hid_t obj, const std::string& name, std::span<const std::uint64_t> values,
                         const std::string& path) {
  write_numeric_attribute(s, obj, name, Element::UInt64, values.data(), values.size(), path);
}

void write_u64_scalar_attribute(const Session& s, hid_t obj, const std::string& name, std::uint64_t value,
                                const std::string& path) {
  write_numeric_attribute(s, obj, name, Element::UInt64, &value, 0, path);
}

void write_i32_scalar_attribute(const Session& s, hid_t obj, const std::string& name, std::int32_t value,
                                const std::string& path) {
  write_numeric_attribute(s, obj, name, Element::Int32, &value, 0, path);
}

std::vector<double> read_number_attribute(const Session& s, hid_t obj, const std::string& name, std::size_t max_count,
                                          const std::string& path) {
  const std::string place = attribute_place(path, name);
  if (!h5::has_attribute(obj, name)) throw Error("missing attribute, expected numbers", s.file(), place);
  Handle attr(s.check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "cannot open the attribute", place), H5Aclose);
  Handle type(s.check(H5Aget_type(attr.get()), "cannot read the attribute's type", place), H5Tclose);
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT)
    throw Error("expected numbers, found " + h5::describe_type(type.get()), s.file(), place);
  Handle space(s.check(H5Aget_space(attr.get()), "cannot read the attribute's shape", place), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 1 || static_cast<std::size_t>(n) > max_count)
    throw Error("expected 1.." + std::to_string(max_count) + " values, found " + std::to_string(n), s.file(), place);
  std::vector<double> values(static_cast<std::size_t>(n));
  s.check_status(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, values.data()), "cannot read the attribute", place);
  return values;
}

std::string text_attribute_or_empty(const Session& s, hid_t obj, const std::string& name) {
  if (!h5::has_attribute(obj, name)) return {};
  try {
    return h5::read_string_attribute(s, obj, name, "");
  } catch (const Error&) {
    return {};
  }
}

void write_array(const Session& s, hid_t loc, const std::string& name, Element e, std::span<const hsize_t> shape,
                 const void* data, const std::string& path) {
  Handle space(s.check(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr),
                       "cannot create a dataspace", path),
               H5Sclose);
  Handle d(s.check(H5Dcreate2(loc, name.c_str(), file_type(e), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                   "cannot create the dataset", path),
           H5Dclose);
  s.check_status(H5Dwrite(d.get(), memory_type(e), H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "cannot write the dataset",
                 path);
}

Handle create_compressed_array(const Session& s, hid_t loc, const std::string& name, Element e,
                               std::span<const hsize_t> shape, std::span<const hsize_t> chunk, const std::string& path) {
  const int rank = static_cast<int>(shape.size());
  Handle space(s.check(H5Screate_simple(rank, shape.data(), nullptr), "cannot create a dataspace", path), H5Sclose);
  Handle dcpl(s.check(H5Pcreate(H5P_DATASET_CREATE), "cannot create a property list", path), H5Pclose);
  s.check_status(H5Pset_chunk(dcpl.get(), rank, chunk.data()), "cannot set the chunk shape", path);
  // Shuffle then deflate: the filters every HDF5 build has, so DREAM.3D and ParaView read them.
  s.check_status(H5Pset_shuffle(dcpl.get()), "cannot enable the shuffle filter", path);
  s.check_status(H5Pset_deflate(dcpl.get(), 4), "cannot enable deflate compression", path);
  return {s.check(H5Dcreate2(loc, name.c_str(), file_type(e), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                  "cannot create the dataset", path),
          H5Dclose};
}

void write_text_dataset(const Session& s, hid_t loc, const std::string& name, const std::string& value,
                        const std::string& path) {
  Handle type = string_type(s, value.size() + 1, is_ascii(value) ? H5T_CSET_ASCII : H5T_CSET_UTF8, path);
  Handle space(s.check(H5Screate(H5S_SCALAR), "cannot create a dataspace", path), H5Sclose);
  Handle d(s.check(H5Dcreate2(loc, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                   "cannot create the dataset", path),
           H5Dclose);
  s.check_status(H5Dwrite(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, value.c_str()),
                 "cannot write the dataset", path);
}

void write_string_list(const Session& s, hid_t loc, const std::string& name, const std::vector<std::string>& values,
                       const std::string& path) {
  const bool ascii = std::all_of(values.begin(), values.end(), is_ascii);
  Handle type = string_type(s, H5T_VARIABLE, ascii ? H5T_CSET_ASCII : H5T_CSET_UTF8, path);
  const hsize_t n = values.size();
  Handle space(s.check(H5Screate_simple(1, &n, nullptr), "cannot create a dataspace", path), H5Sclose);
  Handle d(s.check(H5Dcreate2(loc, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                   "cannot create the dataset", path),
           H5Dclose);
  std::vector<const char*> pointers;
  for (const auto& v : values) pointers.push_back(v.c_str());
  if (n > 0)
    s.check_status(H5Dwrite(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()),
                   "cannot write the dataset", path);
}

std::vector<std::string> read_string_list(const Session& s, hid_t loc, const std::string& name, std::size_t count,
                                          const std::string& path) {
  Handle d = h5::open_dataset(s, loc, name, path);
  Handle type(s.check(H5Dget_type(d.get()), "cannot read the dataset's type", path), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING)
    throw Error("expected a list of strings, found " + h5::describe_type(type.get()), s.file(), path);
  const std::vector<hsize_t> shape = h5::dataset_shape(s, d.get(), path);
  const bool fits = (shape.size() == 1 && shape[0] == count) || (shape.size() == 2 && shape[0] == count && shape[1] == 1);
  if (!fits)
    throw Error("expected " + std::to_string(count) + " strings, found shape " + h5::describe_shape(shape), s.file(),
                path);
  Handle space(s.check(H5Dget_space(d.get()), "cannot read the dataset's shape", path), H5Sclose);
  const H5T_cset_t cset = H5Tget_cset(type.get());
  std::vector<std::string> out;
  if (count == 0) return out;
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle memory = string_type(s, H5T_VARIABLE, cset, path);
    VlenStrings buffer{memory.get(), space.get(), std::vector<char*>(count, nullptr)};
    s.check_status(H5Dread(d.get(), memory.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data.data()),
                   "cannot read the strings", path);
    for (char* p : buffer.data) out.emplace_back(p ? p : "");
    return out;
  }
  const std::size_t width = H5Tget_size(type.get());
  if (width == 0 || width > h5::kMaxStringBytes / count)
    throw Error("string width " + std::to_string(width) + " is implausible", s.file(), path);
  Handle memory = string_type(s, width + 1, cset, path);
  std::vector<char> buffer(count * (width + 1), '\0');
  s.check_status(H5Dread(d.get(), memory.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()),
                 "cannot read the strings", path);
  for (std::size_t k = 0; k < count; ++k) {
    const char* p = buffer.data() + k * (width + 1);
    out.emplace_back(p, strnlen(p, width));
  }
  return out;
}

std::vector<Child> children(const Session& s, hid_t group, const std::string& path) {
  std::vector<Child> out;
  const hsize_t n = h5::link_count(s, group, path);
  for (hsize_t k = 0; k < n; ++k) {
    Child c{h5::link_name(s, group, k, path), LinkKind::Other};
    // H5Oopen + H5Iget_type rather than H5Oget_info, whose signature differs between HDF5 1.10 and 1.12.
    const hid_t obj = H5Oopen(group, c.name.c_str(), H5P_DEFAULT);
    if (obj >= 0) {
      const H5I_type_t t = H5Iget_type(obj);
      if (t == H5I_GROUP) c.kind = LinkKind::Group;
      if (t == H5I_DATASET) c.kind = LinkKind::Dataset;
      H5Oclose(obj);
    } else {
      H5Eclear2(H5E_DEFAULT);
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace ebsd::io::d3d

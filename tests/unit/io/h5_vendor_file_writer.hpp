#pragma once
// Test helper: writes small HDF5 files laid out as the vendors and DREAM.3D write them (scalar
// or one-element datasets, fixed- and variable-length strings, any numeric type), straight
// through the HDF5 C API, so the readers are tested against files made independently of them.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <filesystem>
#include <string>
#include <vector>

namespace ebsd::test::h5w {

// An HDF5 file created (truncated) on construction and closed on destruction.
class File {
public:
  explicit File(const std::filesystem::path& p) : id_(H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)) {
    EXPECT_GE(id_, 0) << p;
  }
  ~File() {
    if (id_ >= 0) H5Fclose(id_);
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  hid_t id() const { return id_; }

private:
  hid_t id_;
};

// Link-creation properties that create missing intermediate groups ("Scan 1/EBSD/Data/Phi1").
inline hid_t intermediate_groups() {
  const hid_t p = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(p, 1);
  return p;
}

inline void group(hid_t loc, const std::string& path) {
  const hid_t lcpl = intermediate_groups();
  const hid_t g = H5Gcreate2(loc, path.c_str(), lcpl, H5P_DEFAULT, H5P_DEFAULT);
  EXPECT_GE(g, 0) << path;
  H5Gclose(g);
  H5Pclose(lcpl);
}

// A dataset of `file_type` and `shape` (empty shape: scalar) written from `values` of `memory_type`.
template <class T>
void dataset(hid_t loc, const std::string& path, hid_t file_type, hid_t memory_type, const std::vector<T>& values,
             std::vector<hsize_t> shape) {
  const hid_t space = shape.empty() ? H5Screate(H5S_SCALAR) : H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr);
  const hid_t lcpl = intermediate_groups();
  const hid_t d = H5Dcreate2(loc, path.c_str(), file_type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  EXPECT_GE(d, 0) << path;
  EXPECT_GE(H5Dwrite(d, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), 0) << path;
  H5Dclose(d);
  H5Pclose(lcpl);
  H5Sclose(space);
}

// 1-D columns of the usual types.
inline void floats(hid_t loc, const std::string& path, const std::vector<float>& v) {
  dataset(loc, path, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, v, {v.size()});
}
inline void int32s(hid_t loc, const std::string& path, const std::vector<std::int32_t>& v) {
  dataset(loc, path, H5T_STD_I32LE, H5T_NATIVE_INT32, v, {v.size()});
}
inline void int8s(hid_t loc, const std::string& path, const std::vector<std::int8_t>& v) {
  dataset(loc, path, H5T_STD_I8LE, H5T_NATIVE_INT8, v, {v.size()});
}
inline void uint8s(hid_t loc, const std::string& path, const std::vector<std::uint8_t>& v) {
  dataset(loc, path, H5T_STD_U8LE, H5T_NATIVE_UINT8, v, {v.size()});
}

// Single values: `shape` {} for a scalar (H5Lite, EbsdLib) or {1} / {1, 1} (h5py, AZtec).
inline void scalar_f32(hid_t loc, const std::string& path, float v, std::vector<hsize_t> shape = {}) {
  dataset(loc, path, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, std::vector<float>{v}, shape);
}
inline void scalar_f64(hid_t loc, const std::string& path, double v, std::vector<hsize_t> shape = {}) {
  dataset(loc, path, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, std::vector<double>{v}, shape);
}
inline void scalar_i32(hid_t loc, const std::string& path, std::int32_t v, std::vector<hsize_t> shape = {}) {
  dataset(loc, path, H5T_STD_I32LE, H5T_NATIVE_INT32, std::vector<std::int32_t>{v}, shape);
}
inline void scalar_u32(hid_t loc, const std::string& path, std::uint32_t v, std::vector<hsize_t> shape = {}) {
  dataset(loc, path, H5T_STD_U32LE, H5T_NATIVE_UINT32, std::vector<std::uint32_t>{v}, shape);
}
inline void scalar_i64(hid_t loc, const std::string& path, std::int64_t v, std::vector<hsize_t> shape = {}) {
  dataset(loc, path, H5T_STD_I64LE, H5T_NATIVE_INT64, std::vector<std::int64_t>{v}, shape);
}

// A fixed-length string (NUL-terminated, as H5Lite writes; numpy chararrays use shape {1}).
inline void fixed_string(hid_t loc, const std::string& path, const std::string& text, std::vector<hsize_t> shape = {}) {
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, text.size() + 1);
  H5Tset_strpad(type, H5T_STR_NULLTERM);
  std::vector<char> buffer(text.begin(), text.end());
  buffer.push_back('\0');
  dataset(loc, path, type, type, buffer, shape);
  H5Tclose(type);
}

// A variable-length UTF-8 string (as h5py writes str, and AZtec per H5OINAFile.md).
inline void variable_string(hid_t loc, const std::string& path, const std::string& text, std::vector<hsize_t> shape = {}) {
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  std::vector<const char*> pointer{text.c_str()};
  dataset(loc, path, type, type, pointer, shape);
  H5Tclose(type);
}

inline void int_attribute(hid_t loc, const std::string& name, hid_t file_type, std::int64_t value) {
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t a = H5Acreate2(loc, name.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, H5T_NATIVE_INT64, &value);
  H5Aclose(a);
  H5Sclose(space);
}

inline void string_attribute(hid_t loc, const std::string& name, const std::string& text) {
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, text.size() + 1);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t a = H5Acreate2(loc, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, type, text.c_str());
  H5Aclose(a);
  H5Sclose(space);
  H5Tclose(type);
}

// Replaces (or creates) a dataset in an existing file.
inline void remove(hid_t loc, const std::string& path) { EXPECT_GE(H5Ldelete(loc, path.c_str(), H5P_DEFAULT), 0) << path; }

// A chunked float dataset of `shape` of which nothing is written: its shape claims many values,
// the file stores none (a damaged or truncated file).
inline void unwritten_floats(hid_t loc, const std::string& path, std::vector<hsize_t> shape) {
  const hid_t space = H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr);
  const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  std::vector<hsize_t> chunk(shape.size(), 1);
  chunk[0] = 1024;
  H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data());
  const hid_t lcpl = intermediate_groups();
  const hid_t d = H5Dcreate2(loc, path.c_str(), H5T_IEEE_F32LE, space, lcpl, dcpl, H5P_DEFAULT);
  EXPECT_GE(d, 0) << path;
  H5Dclose(d);
  H5Pclose(lcpl);
  H5Pclose(dcpl);
  H5Sclose(space);
}

// Opens an existing file for changes.
class Edit {
public:
  explicit Edit(const std::filesystem::path& p) : id_(H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT)) { EXPECT_GE(id_, 0) << p; }
  ~Edit() {
    if (id_ >= 0) H5Fclose(id_);
  }
  Edit(const Edit&) = delete;
  Edit& operator=(const Edit&) = delete;
  hid_t id() const { return id_; }

private:
  hid_t id_;
};

}  // namespace ebsd::test::h5w

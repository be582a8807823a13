// The native .ebsd.h5 reader on damaged input, and the writer's promise that a failed write
// leaves the previous file untouched. Each damaged file is made here from a good one.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <fstream>
#include <functional>

#include "ebsd/core/error.hpp"
#include "ebsd/io/native_file.hpp"
#include "run_command.hpp"

namespace {

namespace fs = std::filesystem;
using ebsd::Volume;
using ebsd::io::read_native;
using ebsd::io::write_native;

Volume small_volume() {
  Volume v({4, 3, 2});
  v.phases().push_back({"Iron", ebsd::LaueGroup::CubicHigh, {2.87, 2.87, 2.87, 90, 90, 90}});
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    v.phase_ids()[i] = 1;
    v.valid()[i] = 1;
    v.confidence()[i] = 0.5f;
  }
  v.add_provenance({"test", {{"a", 1}}, "0.1.0", "2026-01-01T00:00:00Z", ""});
  return v;
}

// Writes a good file, then lets `damage` change it through the HDF5 C API.
fs::path damaged_file(const ebsd::test::TempDir& tmp, const std::function<void(hid_t file)>& damage) {
  const fs::path p = tmp / "damaged.ebsd.h5";
  write_native(p, small_volume());
  const hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  EXPECT_GE(f, 0);
  damage(f);
  H5Fclose(f);
  return p;
}

// Replaces dataset `path` by one of `type` and `shape`, filled with zeros.
void replace_dataset(hid_t f, const char* path, hid_t type, std::vector<hsize_t> shape) {
  H5Ldelete(f, path, H5P_DEFAULT);
  const hid_t space = H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr);
  const hid_t d = H5Dcreate2(f, path, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(d, 0);
  hsize_t n = 1;
  for (auto s : shape) n *= s;
  std::vector<double> zeros(n);
  H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros.data());
  H5Dclose(d);
  H5Sclose(space);
}

void rewrite_int64_attribute(hid_t obj, const char* name, std::vector<std::int64_t> values) {
  H5Adelete(obj, name);
  const hsize_t n = values.size();
  const hid_t space = H5Screate_simple(1, &n, nullptr);
  const hid_t a = H5Acreate2(obj, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, H5T_NATIVE_INT64, values.data());
  H5Aclose(a);
  H5Sclose(space);
}

void rewrite_string_attribute(hid_t obj, const char* name, const std::string& value) {
  H5Adelete(obj, name);
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, value.size() + 1);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, type, value.c_str());
  H5Aclose(a);
  H5Sclose(space);
  H5Tclose(type);
}

// Runs read_native and returns the ebsd::Error it must throw; the file must be named in it.
ebsd::Error read_error(const fs::path& p) {
  try {
    read_native(p);
  } catch (const ebsd::Error& e) {
    EXPECT_EQ(e.file(), p.string());
    EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
    return e;
  }
  ADD_FAILURE() << "read_native accepted " << p;
  return ebsd::Error("no error");
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(NativeFileErrors, MissingFileIsNamed) {
  ebsd::test::TempDir tmp;
  const auto e = read_error(tmp / "absent.ebsd.h5");
  EXPECT_TRUE(contains(e.problem(), "no such file")) << e.what();
}

TEST(NativeFileErrors, TextFileIsNotHdf5) {
  ebsd::test::TempDir tmp;
  std::ofstream(tmp / "scan.ebsd.h5") << "# TEM_PIXperUM 1.0\n0 0 0 0 0\n";
  const auto e = read_error(tmp / "scan.ebsd.h5");
  EXPECT_TRUE(contains(e.problem(), "not an HDF5 file")) << e.what();
}

TEST(NativeFileErrors, TruncatedFileFailsQuietlyWithAnError) {
  ebsd::test::TempDir tmp;
  const fs::path p = tmp / "cut.ebsd.h5";
  write_native(p, small_volume());
  for (double keep : {0.9, 0.5, 0.05}) {
    write_native(p, small_volume());
    fs::resize_file(p, static_cast<std::uintmax_t>(static_cast<double>(fs::file_size(p)) * keep));
    testing::internal::CaptureStderr();
    read_error(p);
    // HDF5's own error-stack printing is silenced: the Error is the whole report.
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "") << "keeping " << keep;
  }
}

TEST(NativeFileErrors, Hdf5FileOfAnotherKindIsRejected) {
  ebsd::test::TempDir tmp;
  const fs::path p = tmp / "other.h5";
  H5Fclose(H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  const auto e = read_error(p);
  EXPECT_EQ(e.place(), "/");
  EXPECT_TRUE(contains(e.problem(), "EBSD Studio volume")) << e.what();
}

TEST(NativeFileErrors, NewerFormatVersionIsRejected) {
  ebsd::test::TempDir tmp;
  const auto p = damaged_file(tmp, [](hid_t f) {
    H5Adelete(f, "format_version");
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t a = H5Acreate2(f, "format_version", H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT);
    const int two = 2;
    H5Awrite(a, H5T_NATIVE_INT, &two);
    H5Aclose(a);
    H5Sclose(space);
  });
  const auto e = read_error(p);
  EXPECT_EQ(e.place(), "/ attribute 'format_version'");
  EXPECT_TRUE(contains(e.problem(), "newer")) << e.what();
}

TEST(NativeFileErrors, MissingDatasetIsNamed) {
  ebsd::test::TempDir tmp;
  const auto p = damaged_file(tmp, [](hid_t f) { H5Ldelete(f, "/voxels/confidence", H5P_DEFAULT); });
  const auto e = read_error(p);
  EXPECT_EQ(e.place(), "/voxels/confidence");
  EXPECT_TRUE(contains(e.problem(), "missing dataset")) << e.what();
}

TEST(NativeFileErrors, DatasetOfTheWrongTypeIsNamedWithBothTypes) {
  ebsd::test::TempDir tmp;
  const auto p = damaged_file(tmp, [](hid_t f) { replace_dataset(f, "/voxels/phase_ids", H5T_IEEE_F64LE, {2, 3, 4}); });
  const auto e = read_error(p);
  EXPECT_EQ(e.place(), "/voxels/phase_ids");
  EXPECT_EQ(e.problem(), "expected 32-bit signed integer, found 64-bit float");
}

TEST(NativeFileErrors, DatasetOfTheWrongShapeIsNamedWithBothShapes) {
  ebsd::test::TempDir tmp;
  const auto p = damaged_file(tmp, [](hid_t f) { replace_dataset(f, "/voxels/valid", H5T_STD_U8LE, {2, 3, 5}); });
  const auto e = read_error(p);
  EXPECT_EQ(e.place(), "/voxels/valid");
  EXPECT_EQ(e.problem(), "expected shape (2, 3, 4) (z, y, x), found (2, 3, 5)");
}

TEST(NativeFileErrors, AbsurdDimensionsAreRejectedBeforeAllocating) {
  ebsd::test::TempDir tmp;
  const auto p = damaged_file(tmp, [](hid_t f) {
    const hid_t g = H5Gopen2(f, "/geometry", H5P_DEFAULT);
    rewrite_int64_attribute(g, "dims", {10000, 10000, 10000});  // 10^12 voxels
    H5Gclose(g);
  });
  const auto e = read_error(p);
  EXPECT_EQ(e.place(), "/geometry attribute 'dims'");
  EXPECT_TRUE(contains(e.problem(), "expected at most 8589934592")) << e.what();
}

TEST(NativeFileErrors, LargeClaimWithoutStoredDataIsRejectedBeforeAllocating) {
  // 2000 x 2000 x 2000 = 8e9 voxels is under the Volume limit, and the quaternion dataset has
  // that shape, but none of its 128 GB is stored: reading it would allocate for nothing.
  ebsd::test::TempDir tmp;
  const auto p = damaged_file(tmp, [](hid_t f) {
    const hid_t g = H5Gopen2(f, "/geometry", H5P_DEFAULT);
    rewrite_int64_attribute(g, "dims", {2000, 2000, 2000});
    H5Gclose(g);
    H5Ldelete(f, "/voxels/quaternions", H5P_DEFAULT);
    const hsize_t shape[4] = {2000, 2000, 2000, 4}, chunk[4] = {1, 256, 256, 4};
    const hid_t space = H5Screate_simple(4, shape, nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 4, chunk);
    const hid_t d = H5Dcreate2(f, "/voxels/quaternions", H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    EXPECT_GE(d, 0);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(space);
  });
  const auto e = read_error(p);
  EXPECT_EQ(e.place(), "/voxels/quaternions");
  EXPECT_TRUE(contains(e.problem(), "holds only 0 bytes")) << e.what();
}

TEST(NativeFileErrors, UnknownLaueGroupIsNamed) {
  ebsd::test::TempDir tmp;
  const auto p = damaged_file(tmp, [](hid_t f) {
    const hid_t g = H5Gopen2(f, "/phases/1", H5P_DEFAULT);
    rewrite_string_attribute(g, "laue_group", "m-5m");
    H5Gclose(g);
  });
  const auto e = read_error(p);
  EXPECT_EQ(e.place(), "/phases/1 attribute 'laue_group'");
  EXPECT_TRUE(contains(e.problem(), "'m-5m'")) << e.what();
}

TEST(NativeFileErrors, SliceIndexOutsideTheVolumeIsNamed) {
  ebsd::test::TempDir tmp;
  const auto p = damaged_file(tmp, [](hid_t f) {
    H5Ldelete(f, "/slices/missing", H5P_DEFAULT);
    const hsize_t n = 1;
    const std::int64_t z = 99;
    const hid_t space = H5Screate_simple(1, &n, nullptr);
    const hid_t d = H5Dcreate2(f, "/slices/missing", H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, &z);
    H5Dclose(d);
    H5Sclose(space);
  });
  const auto e = read_error(p);
  EXPECT_EQ(e.place(), "/slices/missing");
  EXPECT_TRUE(contains(e.problem(), "99")) << e.what();
}

TEST(NativeFileErrors, ProvenanceThatIsNotJsonIsNamed) {
  ebsd::test::TempDir tmp;
  const auto p = damaged_file(tmp, [](hid_t f) {
    H5Ldelete(f, "/provenance", H5P_DEFAULT);
    const std::string text = "[{\"step\": ";
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, text.size() + 1);
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t d = H5Dcreate2(f, "/provenance", type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.c_str());
    H5Dclose(d);
    H5Sclose(space);
    H5Tclose(type);
  });
  const auto e = read_error(p);
  EXPECT_EQ(e.place(), "/provenance");
  EXPECT_TRUE(contains(e.problem(), "expected a JSON array")) << e.what();
}

TEST(NativeFileErrors, VariableLengthAsciiStringsFromOtherToolsAreAccepted) {
  // h5py and MATLAB write variable-length strings; an edited file must still read.
  ebsd::test::TempDir tmp;
  const auto p = damaged_file(tmp, [](hid_t f) {
    const hid_t g = H5Gopen2(f, "/geometry", H5P_DEFAULT);
    H5Adelete(g, "length_unit");
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_ASCII);
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t a = H5Acreate2(g, "length_unit", type, space, H5P_DEFAULT, H5P_DEFAULT);
    const char* value = "mm";
    H5Awrite(a, type, &value);
    H5Aclose(a);
    H5Sclose(space);
    H5Tclose(type);
    H5Gclose(g);
  });
  Volume expected = small_volume();
  expected.set_length_unit("mm");
  EXPECT_EQ(read_native(p), expected);
}

// --- failed writes ---

std::vector<fs::path> folder_listing(const fs::path& folder) {
  std::vector<fs::path> names;
  for (const auto& entry : fs::directory_iterator(folder)) names.push_back(entry.path().filename());
  std::ranges::sort(names);
  return names;
}

TEST(NativeFileErrors, WriteIntoAMissingFolderFailsAndCreatesNothing) {
  ebsd::test::TempDir tmp;
  EXPECT_THROW(write_native(tmp / "no-such-folder" / "v.ebsd.h5", small_volume()), ebsd::Error);
  EXPECT_FALSE(fs::exists(tmp / "no-such-folder"));
  EXPECT_TRUE(folder_listing(tmp.path()).empty());
}

TEST(NativeFileErrors, EmptyVolumeIsRefused) {
  ebsd::test::TempDir tmp;
  EXPECT_THROW(write_native(tmp / "v.ebsd.h5", Volume()), ebsd::Error);
  EXPECT_TRUE(folder_listing(tmp.path()).empty());
}

TEST(NativeFileErrors, CancelledWriteLeavesThePreviousFileUntouched) {
  ebsd::test::TempDir tmp;
  const fs::path p = tmp / "v.ebsd.h5";
  write_native(p, small_volume());
  const std::string before = ebsd::test::read_file(p);

  Volume other({64, 64, 8});
  ebsd::CancelToken token;
  int reports = 0;
  ebsd::Progress cancel_after_first_dataset([&](double, const std::string&) { if (++reports == 1) token.cancel(); },
                                            &token);
  EXPECT_THROW(write_native(p, other, cancel_after_first_dataset), ebsd::Cancelled);
  EXPECT_EQ(reports, 1);  // it stopped mid-way, after the first dataset
  EXPECT_EQ(ebsd::test::read_file(p), before);
  EXPECT_EQ(folder_listing(tmp.path()), std::vector<fs::path>{"v.ebsd.h5"});  // no temporary left
  EXPECT_EQ(read_native(p), small_volume());
}

TEST(NativeFileErrors, WriteFailingAtTheEndLeavesThePreviousFileUntouched) {
  // Invalid UTF-8 in the provenance cannot be stored as JSON text; it is found after every
  // voxel dataset has been written, i.e. with a nearly complete temporary file on disk.
  ebsd::test::TempDir tmp;
  const fs::path p = tmp / "v.ebsd.h5";
  write_native(p, small_volume());
  const std::string before = ebsd::test::read_file(p);

  Volume bad = small_volume();
  bad.add_provenance({"import", {}, "0.1.0", "", std::string("caf\xe9 latin-1 text")});
  try {
    write_native(p, bad);
    ADD_FAILURE() << "write_native accepted invalid UTF-8";
  } catch (const ebsd::Error& e) {
    EXPECT_EQ(e.place(), "/provenance");
    EXPECT_EQ(e.file(), p.string());
  }
  EXPECT_EQ(ebsd::test::read_file(p), before);
  EXPECT_EQ(folder_listing(tmp.path()), std::vector<fs::path>{"v.ebsd.h5"});
}

}  // namespace

// The .dream3d reader on bad input: each damaged file is made here, from one we wrote (version
// 8.0) or from a copy of the real Small IN100 slice (version 7.0), and must give one
// ebsd::Error naming the file, the dataset or attribute, and what was expected.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <fstream>
#include <functional>
#include <string>

#include "ebsd/core/error.hpp"
#include "ebsd/io/dream3d.hpp"
#include "run_command.hpp"

namespace {

namespace fs = std::filesystem;
using ebsd::Volume;
using ebsd::io::read_dream3d;

const std::string kCell = "/DataStructure/DataContainer/Cell Data";
const std::string kIn100Geometry = "/DataContainers/Small IN100 Slice 1/_SIMPL_GEOMETRY";
const std::string kIn100Cell = "/DataContainers/Small IN100 Slice 1/EBSD Scan Data";

Volume small_volume() {
  Volume v({4, 3, 2});
  v.phases().push_back({"Iron", ebsd::LaueGroup::CubicHigh, {2.87, 2.87, 2.87, 90, 90, 90}});
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    v.phase_ids()[i] = 1;
    v.valid()[i] = 1;
  }
  return v;
}

fs::path damaged(const ebsd::test::TempDir& tmp, const std::function<void(hid_t)>& damage) {
  const fs::path p = tmp / "damaged.dream3d";
  ebsd::io::write_dream3d(p, small_volume());
  const hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  EXPECT_GE(f, 0);
  damage(f);
  H5Fclose(f);
  return p;
}

fs::path damaged_in100(const ebsd::test::TempDir& tmp, const std::function<void(hid_t)>& damage) {
  const fs::path p = tmp / "in100.dream3d";
  fs::copy_file(fs::path(EBSD_SHARED_DIR) / "data/real/small_in100/Small_IN100_Slice1.dream3d", p);
  const hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  EXPECT_GE(f, 0);
  damage(f);
  H5Fclose(f);
  return p;
}

// The error names `file` and its place contains `place`; its message contains `problem`.
void expect_error(const fs::path& file, const std::string& place, const std::string& problem) {
  try {
    read_dream3d(file);
    ADD_FAILURE() << "no error for " << place;
  } catch (const ebsd::Error& e) {
    EXPECT_EQ(e.file(), file.string());
    EXPECT_NE(e.place().find(place), std::string::npos) << "place: " << e.place() << "; " << e.what();
    EXPECT_NE(std::string(e.what()).find(problem), std::string::npos) << e.what();
  }
}

void remove(hid_t f, const std::string& path) { ASSERT_GE(H5Ldelete(f, path.c_str(), H5P_DEFAULT), 0) << path; }

void replace_attribute(hid_t f, const std::string& object, const char* name, hid_t type, hid_t mem_type, const void* data,
                       hsize_t count) {
  const hid_t o = H5Oopen(f, object.c_str(), H5P_DEFAULT);
  H5Adelete(o, name);
  const hid_t sp = H5Screate_simple(1, &count, nullptr);
  const hid_t a = H5Acreate2(o, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, mem_type, data);
  H5Aclose(a);
  H5Sclose(sp);
  H5Oclose(o);
}

void set_string_attribute(hid_t obj, const char* name, const std::string& value) {
  H5Adelete(obj, name);
  const hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, value.size() + 1);
  const hid_t sp = H5Screate(H5S_SCALAR);
  const hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, t, value.c_str());
  H5Aclose(a);
  H5Sclose(sp);
  H5Tclose(t);
}

// Replaces dataset `path` by one of `shape` filled with `value`.
void replace_float_dataset(hid_t f, const std::string& path, std::vector<hsize_t> shape, float value) {
  remove(f, path);
  hsize_t n = 1;
  for (hsize_t d : shape) n *= d;
  std::vector<float> data(n, value);
  const hid_t sp = H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr);
  const hid_t d = H5Dcreate2(f, path.c_str(), H5T_IEEE_F32LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data());
  H5Dclose(d);
  H5Sclose(sp);
}

TEST(Dream3dErrors, MissingFileAndNonHdf5File) {
  ebsd::test::TempDir tmp;
  expect_error(tmp / "absent.dream3d", "", "no such file");
  std::ofstream(tmp / "text.dream3d") << "not hdf5\n";
  expect_error(tmp / "text.dream3d", "", "not an HDF5 file");
}

TEST(Dream3dErrors, Hdf5FileWithoutFileVersion) {
  ebsd::test::TempDir tmp;
  expect_error(damaged(tmp, [](hid_t f) { H5Adelete(f, "FileVersion"); }), "/", "FileVersion");
}

TEST(Dream3dErrors, UnknownFileVersion) {
  ebsd::test::TempDir tmp;
  expect_error(damaged(tmp, [](hid_t f) { set_string_attribute(f, "FileVersion", "9.0"); }), "FileVersion",
               "file version \"9.0\", expected \"7.0\"");
}

TEST(Dream3dErrors, AbsurdDimensionsAreRefusedBeforeAllocating) {
  ebsd::test::TempDir tmp;
  const std::uint64_t huge[3] = {1000000, 1000000, 1000000};
  expect_error(damaged(tmp,
                       [&](hid_t f) {
                         replace_attribute(f, "/DataStructure/DataContainer", "_DIMENSIONS", H5T_STD_U64LE,
                                           H5T_NATIVE_UINT64, huge, 3);
                       }),
               "_DIMENSIONS", "expected at most");
  const std::int64_t zero[3] = {4, 0, 2};
  expect_error(damaged(tmp,
                       [&](hid_t f) {
                         replace_attribute(f, "/DataStructure/DataContainer", "_DIMENSIONS", H5T_STD_I64LE,
                                           H5T_NATIVE_INT64, zero, 3);
                       }),
               "_DIMENSIONS", "expected an integer >= 1");
}

TEST(Dream3dErrors, AbsurdVersion7DimensionsAreRefused) {
  ebsd::test::TempDir tmp;
  const fs::path p = damaged_in100(tmp, [](hid_t f) {
    const std::int64_t huge[3] = {189000000, 201000000, 1};
    const hid_t d = H5Dopen2(f, (kIn100Geometry + "/DIMENSIONS").c_str(), H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, huge);
    H5Dclose(d);
  });
  expect_error(p, kIn100Geometry + "/DIMENSIONS", "expected at most");
}

TEST(Dream3dErrors, DimensionsThatDisagreeWithTheArrays) {
  ebsd::test::TempDir tmp;
  const fs::path p = damaged_in100(tmp, [](hid_t f) {
    const std::int64_t dims[3] = {190, 201, 1};
    const hid_t d = H5Dopen2(f, (kIn100Geometry + "/DIMENSIONS").c_str(), H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, dims);
    H5Dclose(d);
  });
  expect_error(p, kIn100Cell + "/", "expected shape (1, 201, 190, components)");
}

TEST(Dream3dErrors, MissingSpacing) {
  ebsd::test::TempDir tmp;
  expect_error(damaged_in100(tmp, [](hid_t f) { remove(f, kIn100Geometry + "/SPACING"); }), kIn100Geometry + "/SPACING",
               "missing dataset");
  expect_error(damaged(tmp, [](hid_t f) {
                 const hid_t g = H5Gopen2(f, "/DataStructure/DataContainer", H5P_DEFAULT);
                 H5Adelete(g, "_SPACING");
                 H5Gclose(g);
               }),
               "_SPACING", "missing attribute");
}

TEST(Dream3dErrors, MissingPhases) {
  ebsd::test::TempDir tmp;
  expect_error(damaged(tmp, [](hid_t f) { remove(f, kCell + "/Phases"); }), kCell + "/Phases", "missing dataset");
}

TEST(Dream3dErrors, NoOrientations) {
  ebsd::test::TempDir tmp;
  expect_error(damaged(tmp,
                       [](hid_t f) {
                         remove(f, kCell + "/Quats");
                         remove(f, kCell + "/EulerAngles");
                       }),
               "/DataStructure", "EulerAngles or Quats");
}

TEST(Dream3dErrors, EulerAnglesOfTheWrongShape) {
  ebsd::test::TempDir tmp;
  expect_error(damaged(tmp, [](hid_t f) { replace_float_dataset(f, kCell + "/EulerAngles", {2, 3, 4, 2}, 0.5f); }),
               kCell + "/EulerAngles", "expected 3 components");
  expect_error(damaged(tmp, [](hid_t f) { replace_float_dataset(f, kCell + "/EulerAngles", {2, 4, 3, 3}, 0.5f); }),
               kCell + "/EulerAngles", "expected shape (2, 3, 4, components)");
}

TEST(Dream3dErrors, EulerAnglesInDegrees) {
  ebsd::test::TempDir tmp;
  const fs::path p = damaged(tmp, [](hid_t f) {
    remove(f, kCell + "/Quats");
    replace_float_dataset(f, kCell + "/EulerAngles", {2, 3, 4, 3}, 90.0f);
  });
  expect_error(p, kCell + "/EulerAngles at voxel (x, y, z) = (0, 0, 0)", "looks like degrees");
}

TEST(Dream3dErrors, NanEulerAngles) {
  ebsd::test::TempDir tmp;
  const fs::path p = damaged(tmp, [](hid_t f) {
    remove(f, kCell + "/Quats");
    replace_float_dataset(f, kCell + "/EulerAngles", {2, 3, 4, 3}, std::nanf(""));
  });
  expect_error(p, kCell + "/EulerAngles", "not a finite number");
}

TEST(Dream3dErrors, PhaseIdsBeyondTheEnsemble) {
  ebsd::test::TempDir tmp;
  const fs::path p = damaged(tmp, [](hid_t f) {
    const hid_t d = H5Dopen2(f, (kCell + "/Phases").c_str(), H5P_DEFAULT);
    std::vector<std::int32_t> ids(24, 1);
    ids[5] = 7;  // voxel (1, 1, 0)
    H5Dwrite(d, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, ids.data());
    H5Dclose(d);
  });
  expect_error(p, kCell + "/Phases at voxel (x, y, z) = (1, 1, 0)", "phase id 7, expected 0..1");
}

TEST(Dream3dErrors, MissingEnsemble) {
  ebsd::test::TempDir tmp;
  expect_error(damaged(tmp, [](hid_t f) { remove(f, "/DataStructure/DataContainer/Cell Ensemble Data"); }), kCell,
               "CrystalStructures");
}

TEST(Dream3dErrors, LatticeConstantsOfTheWrongShape) {
  ebsd::test::TempDir tmp;
  expect_error(damaged(tmp,
                       [](hid_t f) {
                         replace_float_dataset(f, "/DataStructure/DataContainer/Cell Ensemble Data/LatticeConstants",
                                               {2, 5}, 1.0f);
                       }),
               "Cell Ensemble Data/LatticeConstants", "expected 2 x 6 values");
}

TEST(Dream3dErrors, MalformedEbsdStudioMetadata) {
  ebsd::test::TempDir tmp;
  const fs::path p = damaged(tmp, [](hid_t f) {
    remove(f, "/Pipeline/Pipeline");
    const std::string text = R"({"name": "x", "pipeline": [], "ebsd_studio": {"version": 1, "length_unit": 3}})";
    const hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, text.size() + 1);
    const hid_t sp = H5Screate(H5S_SCALAR);
    const hid_t d = H5Dcreate2(f, "/Pipeline/Pipeline", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.c_str());
    H5Dclose(d);
    H5Sclose(sp);
    H5Tclose(t);
  });
  expect_error(p, "/Pipeline/Pipeline", "malformed ebsd_studio metadata");
}

TEST(Dream3dErrors, TruncatedFile) {
  ebsd::test::TempDir tmp;
  const fs::path good = tmp / "good.dream3d";
  ebsd::io::write_dream3d(good, small_volume());
  const std::string bytes = ebsd::test::read_file(good);
  for (std::size_t keep : {bytes.size() / 2, bytes.size() - 100, std::size_t{600}}) {
    const fs::path cut = tmp / ("cut" + std::to_string(keep) + ".dream3d");
    std::ofstream(cut, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(keep));
    EXPECT_THROW(read_dream3d(cut), ebsd::Error) << keep;
  }
}

TEST(Dream3dErrors, AFailedWriteLeavesTheOldFilesAlone) {
  ebsd::test::TempDir tmp;
  EXPECT_THROW(ebsd::io::write_dream3d(tmp / "no/such/folder/x.dream3d", small_volume()), ebsd::Error);
  EXPECT_THROW(ebsd::io::write_dream3d(tmp / "x.xdmf", small_volume()), ebsd::Error);
  EXPECT_THROW(ebsd::io::write_dream3d(tmp / "empty.dream3d", Volume()), ebsd::Error);
  EXPECT_TRUE(fs::is_empty(tmp.path()));
}

}  // namespace

// Reading .dream3d files: the real Small IN100 slice (file version 7.0, SIMPL layout) with
// values checked against h5dump of the file, and a version 8.0 file laid out here through the
// HDF5 C API the way simplnx writes one (no EBSD Studio metadata), with values written out.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <numbers>
#include <string>
#include <vector>

#include "ebsd/core/error.hpp"
#include "ebsd/io/dream3d.hpp"
#include "ebsd/io/native_file.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "run_command.hpp"

namespace {

namespace fs = std::filesystem;
using ebsd::Quat;
using ebsd::io::read_dream3d;

const fs::path kIn100 = fs::path(EBSD_SHARED_DIR) / "data/real/small_in100/Small_IN100_Slice1.dream3d";

// Same rotation (q or -q) to within tol in every component.
void expect_same_rotation(const Quat& a, const Quat& b, double tol) {
  const double s = a.dot(b) < 0 ? -1.0 : 1.0;
  EXPECT_NEAR(a.w, s * b.w, tol);
  EXPECT_NEAR(a.x, s * b.x, tol);
  EXPECT_NEAR(a.y, s * b.y, tol);
  EXPECT_NEAR(a.z, s * b.z, tol);
}

TEST(Dream3dReaderIn100, GridSpacingOriginAndPhase) {
  const auto r = read_dream3d(kIn100);
  const auto& v = r.volume;
  EXPECT_EQ(v.dims(), (ebsd::Index3{189, 201, 1}));
  EXPECT_DOUBLE_EQ(v.spacing()[0], 0.25);
  EXPECT_DOUBLE_EQ(v.spacing()[1], 0.25);
  EXPECT_DOUBLE_EQ(v.spacing()[2], 1.0);
  EXPECT_DOUBLE_EQ(v.origin()[0], -47.0);  // h5dump: ORIGIN -47, 0, 0
  EXPECT_DOUBLE_EQ(v.origin()[1], 0.0);
  ASSERT_EQ(v.phases().size(), 1u);
  EXPECT_EQ(v.phases()[0].laue, ebsd::LaueGroup::CubicHigh);  // CrystalStructures [999, 1]
  EXPECT_EQ(v.phases()[0].name, "Nickel");                     // stored as "MaterialName Nickel "
  EXPECT_NEAR(v.phases()[0].lattice[0], 3.52, 1e-6);
  EXPECT_NEAR(v.phases()[0].lattice[2], 3.52, 1e-6);
  EXPECT_NEAR(v.phases()[0].lattice[5], 90.0, 1e-6);
  EXPECT_EQ(v.length_unit(), "um");
}

TEST(Dream3dReaderIn100, ReportSaysVersionUnitsAndWhereTheDataWas) {
  const auto r = read_dream3d(kIn100);
  EXPECT_EQ(r.report.format, "dream3d");
  EXPECT_EQ(r.report.angle_unit_in_file, "rad");
  EXPECT_EQ(r.report.grid, "square");
  EXPECT_FALSE(r.report.transforms_applied);
  EXPECT_EQ(r.report.header["file_version"], "7.0");
  EXPECT_EQ(r.report.header["dream3d_version"], "2.0.339.9f489b53d");
  EXPECT_EQ(r.report.header["cell_data"], "/DataContainers/Small IN100 Slice 1/EBSD Scan Data");
  EXPECT_EQ(r.report.header["ensemble_data"], "/DataContainers/Small IN100 Slice 1/Phase Data");
  EXPECT_EQ(r.report.header["orientation_source"], "EulerAngles");
  ASSERT_EQ(r.volume.provenance().size(), 1u);
  EXPECT_EQ(r.volume.provenance()[0].step, "read-dream3d");
}

TEST(Dream3dReaderIn100, PointValuesMatchH5dump) {
  const auto r = read_dream3d(kIn100);
  const auto& v = r.volume;
  // h5dump -s 0,50,100,0: EulerAngles 6.18743, 1.17273, 5.76189; Phases 1; CI 0.629; IQ 229.9;
  // Fit -1.335; SEM Signal 1840; X Position 22; Y Position 12.5 (h5dump prints 6 digits).
  const auto i = v.index(100, 50, 0);
  expect_same_rotation(v.orientation(i), ebsd::quat_from_euler({6.18743, 1.17273, 5.76189}), 2e-5);
  EXPECT_EQ(v.phase_ids()[i], 1);
  EXPECT_TRUE(v.is_valid(i));
  EXPECT_NEAR(v.confidence()[i], 0.629, 1e-6);
  EXPECT_NEAR(v.image_quality()[i], 229.9, 1e-4);
  EXPECT_NEAR(v.channel("Fit").values[i], -1.335, 1e-6);
  EXPECT_EQ(v.channel("Fit").unit, "deg");
  EXPECT_FLOAT_EQ(v.channel("SEM Signal").values[i], 1840.0f);
  EXPECT_FLOAT_EQ(v.channel("X Position").values[i], 22.0f);
  EXPECT_FLOAT_EQ(v.channel("Y Position").values[i], 12.5f);
  // (0, 0) and (188, 200): CI -1, Phases 1, SEM -672 and -928: not indexed, so phase 0.
  for (auto [x, y, sem] : {std::tuple{0, 0, -672.0f}, std::tuple{188, 200, -928.0f}}) {
    const auto j = v.index(x, y, 0);
    EXPECT_EQ(v.phase_ids()[j], 0) << x << "," << y;
    EXPECT_FALSE(v.is_valid(j));
    EXPECT_FLOAT_EQ(v.confidence()[j], -1.0f);
    EXPECT_FLOAT_EQ(v.channel("SEM Signal").values[j], sem);
  }
}

TEST(Dream3dReaderIn100, UnindexedPointsAreTheOnesWithNegativeCi) {
  // Counted with h5dump over "Confidence Index": 37 989 values, 6 926 below 0.
  const auto r = read_dream3d(kIn100);
  std::int64_t valid = 0;
  for (auto b : r.volume.valid()) valid += b;
  EXPECT_EQ(valid, 37989 - 6926);
  EXPECT_EQ(r.report.header["unindexed_voxels"], 6926);
}

TEST(Dream3dReaderIn100, EveryOneComponentExtraArrayIsAChannel) {
  const auto r = read_dream3d(kIn100);
  std::vector<std::string> names;
  for (const auto& [name, c] : r.volume.channels()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"Fit", "SEM Signal", "X Position", "Y Position"}));
}

TEST(Dream3dSniffing, RecognisesDream3dFilesOnly) {
  EXPECT_TRUE(ebsd::io::looks_like_dream3d(kIn100));
  ebsd::test::TempDir tmp;
  ebsd::Volume v({2, 2, 1});
  ebsd::io::write_native(tmp / "a.ebsd.h5", v);
  EXPECT_FALSE(ebsd::io::looks_like_dream3d(tmp / "a.ebsd.h5"));
  EXPECT_FALSE(ebsd::io::looks_like_dream3d(fs::path(EBSD_SHARED_DIR) / "data/real/small_in100/Small_IN100_slice_Out_Of_Order.ang"));
  EXPECT_FALSE(ebsd::io::looks_like_dream3d(tmp / "missing.dream3d"));
}

// ------------------------------------------------------------------------------------------
// A version 8.0 file as simplnx lays it out, built value by value.

void attr_text(hid_t obj, const char* name, const std::string& value) {
  const hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, value.size() + 1);
  const hid_t sp = H5Screate(H5S_SCALAR);
  const hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, t, value.c_str());
  H5Aclose(a);
  H5Sclose(sp);
  H5Tclose(t);
}

void attr_u64(hid_t obj, const char* name, std::vector<std::uint64_t> values) {
  const hsize_t n = values.size();
  const hid_t sp = H5Screate_simple(1, &n, nullptr);
  const hid_t a = H5Acreate2(obj, name, H5T_STD_U64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, H5T_NATIVE_UINT64, values.data());
  H5Aclose(a);
  H5Sclose(sp);
}

void attr_f32(hid_t obj, const char* name, std::vector<float> values) {
  const hsize_t n = values.size();
  const hid_t sp = H5Screate_simple(1, &n, nullptr);
  const hid_t a = H5Acreate2(obj, name, H5T_IEEE_F32LE, sp, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, H5T_NATIVE_FLOAT, values.data());
  H5Aclose(a);
  H5Sclose(sp);
}

void object(hid_t obj, const std::string& type, std::uint64_t id) {
  attr_text(obj, "ObjectType", type);
  attr_u64(obj, "ObjectId", {id});
}

template <class T>
void dataset(hid_t loc, const char* name, hid_t file_type, hid_t mem_type, std::vector<hsize_t> shape,
             const std::vector<T>& values, const std::string& object_type, std::uint64_t id) {
  const hid_t sp = H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr);
  const hid_t d = H5Dcreate2(loc, name, file_type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  object(d, object_type, id);
  H5Dclose(d);
  H5Sclose(sp);
}

// 3 x 2 x 1 voxels, two phases (m-3m, 6/mmm); Quats hold the orientations (x, y, z, w order).
fs::path write_simplnx_style_file(const ebsd::test::TempDir& tmp) {
  const fs::path p = tmp / "nx.dream3d";
  const hid_t f = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  attr_text(f, "FileVersion", "8.0");
  const hid_t ds = H5Gcreate2(f, "DataStructure", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  attr_u64(ds, "NextObjectId", {20});
  const hid_t g = H5Gcreate2(ds, "Scan", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  object(g, "ImageGeom", 1);
  attr_u64(g, "_DIMENSIONS", {3, 2, 1});
  attr_f32(g, "_ORIGIN", {1.5f, -2.0f, 0.0f});
  attr_f32(g, "_SPACING", {0.5f, 0.5f, 2.0f});
  attr_u64(g, "Cell Data ID", {2});
  const hid_t cell = H5Gcreate2(g, "EBSD", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  object(cell, "AttributeMatrix", 2);
  attr_u64(cell, "TupleDims", {1, 2, 3});
  // Voxel 0: 90 deg about z, (x, y, z, w) = (0, 0, sin 45, cos 45); voxel 4: 180 deg about x,
  // (1, 0, 0, 0); the others identity, (0, 0, 0, 1).
  const float h = static_cast<float>(std::sqrt(0.5));
  std::vector<float> quats = {0, 0, h, h, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1};
  dataset(cell, "Quats", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {1, 2, 3, 4}, quats, "DataArray<float32>", 3);
  dataset(cell, "Phases", H5T_STD_I32LE, H5T_NATIVE_INT32, {1, 2, 3, 1}, std::vector<std::int32_t>{1, 1, 2, 0, 2, 1},
          "DataArray<int32>", 4);
  dataset(cell, "Mask", H5T_STD_U8LE, H5T_NATIVE_UINT8, {1, 2, 3, 1}, std::vector<std::uint8_t>{1, 1, 1, 0, 1, 0},
          "DataArray<bool>", 5);
  dataset(cell, "FeatureIds", H5T_STD_I32LE, H5T_NATIVE_INT32, {1, 2, 3, 1}, std::vector<std::int32_t>{1, 1, 2, 0, 3, 4},
          "DataArray<int32>", 6);
  dataset(cell, "BSE", H5T_STD_U16LE, H5T_NATIVE_UINT16, {1, 2, 3, 1},
          std::vector<std::uint16_t>{100, 200, 300, 400, 500, 65535}, "DataArray<uint16>", 7);
  dataset(cell, "IPFColors", H5T_STD_U8LE, H5T_NATIVE_UINT8, {1, 2, 3, 3}, std::vector<std::uint8_t>(18, 7),
          "DataArray<uint8>", 8);
  const hid_t ens = H5Gcreate2(g, "Ensemble", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  object(ens, "AttributeMatrix", 9);
  attr_u64(ens, "TupleDims", {3});
  dataset(ens, "CrystalStructures", H5T_STD_U32LE, H5T_NATIVE_UINT32, {3, 1}, std::vector<std::uint32_t>{999, 1, 0},
          "DataArray<uint32>", 10);
  dataset(ens, "LatticeConstants", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {3, 6},
          std::vector<float>{0, 0, 0, 0, 0, 0, 3.6f, 3.6f, 3.6f, 90, 90, 90, 3.2f, 3.2f, 5.2f, 90, 90, 120},
          "DataArray<float32>", 11);
  {
    const hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    const hsize_t n = 3;
    const hid_t sp = H5Screate_simple(1, &n, nullptr);
    const hid_t d = H5Dcreate2(ens, "MaterialName", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const char* names[3] = {"Invalid Phase", "Copper", "Magnesium"};
    H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, names);
    object(d, "StringArray", 12);
    H5Dclose(d);
    H5Sclose(sp);
    H5Tclose(t);
  }
  H5Gclose(ens);
  H5Gclose(cell);
  H5Gclose(g);
  H5Gclose(ds);
  H5Fclose(f);
  return p;
}

TEST(Dream3dReaderVersion8, ReadsASimplnxLayout) {
  ebsd::test::TempDir tmp;
  const auto r = read_dream3d(write_simplnx_style_file(tmp));
  const auto& v = r.volume;
  EXPECT_EQ(r.report.header["file_version"], "8.0");
  EXPECT_EQ(r.report.header["cell_data"], "/DataStructure/Scan/EBSD");
  EXPECT_EQ(r.report.header["orientation_source"], "Quats");
  EXPECT_EQ(v.dims(), (ebsd::Index3{3, 2, 1}));
  EXPECT_DOUBLE_EQ(v.spacing()[0], 0.5);
  EXPECT_DOUBLE_EQ(v.spacing()[2], 2.0);
  EXPECT_DOUBLE_EQ(v.origin()[0], 1.5);
  EXPECT_DOUBLE_EQ(v.origin()[1], -2.0);
  ASSERT_EQ(v.phases().size(), 2u);
  EXPECT_EQ(v.phases()[0].name, "Copper");
  EXPECT_EQ(v.phases()[0].laue, ebsd::LaueGroup::CubicHigh);
  EXPECT_EQ(v.phases()[1].name, "Magnesium");
  EXPECT_EQ(v.phases()[1].laue, ebsd::LaueGroup::HexagonalHigh);
  EXPECT_NEAR(v.phases()[1].lattice[2], 5.2, 1e-6);
  EXPECT_NEAR(v.phases()[1].lattice[5], 120.0, 1e-6);
  // (x, y, z, w) = (0, 0, sin 45, cos 45) is 90 deg about z.
  const double h = std::sqrt(0.5);
  expect_same_rotation(v.orientation(0), Quat{h, 0, 0, h}, 1e-7);
  expect_same_rotation(v.orientation(4), Quat{0, 1, 0, 0}, 1e-7);
  expect_same_rotation(v.orientation(1), Quat{1, 0, 0, 0}, 1e-7);
  EXPECT_EQ(std::vector<std::int32_t>(v.phase_ids().begin(), v.phase_ids().end()),
            (std::vector<std::int32_t>{1, 1, 2, 0, 2, 1}));
  // No CI array here, so the mask alone (and phase > 0) decides.
  EXPECT_EQ(std::vector<std::uint8_t>(v.valid().begin(), v.valid().end()), (std::vector<std::uint8_t>{1, 1, 1, 0, 1, 0}));
  ASSERT_TRUE(v.has_grain_ids());
  EXPECT_EQ(std::vector<std::int32_t>(v.grain_ids().begin(), v.grain_ids().end()),
            (std::vector<std::int32_t>{1, 1, 2, 0, 3, 4}));
  ASSERT_TRUE(v.has_channel("BSE"));
  EXPECT_EQ(v.channel("BSE").values, (std::vector<float>{100, 200, 300, 400, 500, 65535}));
  EXPECT_FALSE(v.has_channel("IPFColors"));  // three components: skipped, with a warning
  bool warned = false;
  for (const auto& w : r.report.warnings) warned |= w.find("IPFColors") != std::string::npos;
  EXPECT_TRUE(warned);
}

}  // namespace

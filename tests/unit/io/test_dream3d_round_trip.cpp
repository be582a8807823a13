// Writing .dream3d (version 8.0): what "reads back identically" means, and the layout simplnx
// and ParaView rely on, inspected through the HDF5 C API.
//
// Identically: read_dream3d(write_dream3d(v)) == v with Volume::operator==, i.e. the grid
// (dims, float64 spacing and origin, length unit), phases (name, Laue group, float64 lattice),
// every voxel's quaternion (bit for bit, from Quats), phase id, CI, IQ, valid flag, grain id,
// every channel (name, unit, description, values), missing and damaged slices and provenance.
// The float32 EulerAngles DREAM.3D itself uses give the same orientations to 1e-6.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "ebsd/core/error.hpp"
#include "ebsd/io/dream3d.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "run_command.hpp"

namespace {

namespace fs = std::filesystem;
using ebsd::Quat;
using ebsd::Volume;
using ebsd::io::read_dream3d;
using ebsd::io::write_dream3d;

// 5 x 4 x 3 voxels, two phases, random orientations, a segmentation, odd channel names.
Volume sample_volume() {
  Volume v({5, 4, 3}, {0.1, 0.2, 0.3}, {-1.1, 2.2, 0.7});  // none of these is a float32
  v.set_length_unit("nm");
  v.phases().push_back({"Nickel", ebsd::LaueGroup::CubicHigh, {3.524, 3.524, 3.524, 90, 90, 90}});
  v.phases().push_back({"Titanium alpha", ebsd::LaueGroup::HexagonalHigh, {2.95083, 2.95083, 4.68634, 90, 90, 120}});
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<std::int32_t> grains(static_cast<std::size_t>(v.voxel_count()));
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    const auto k = static_cast<std::size_t>(i);
    v.set_orientation(i, ebsd::quat_from_euler({2 * std::numbers::pi * u(rng), std::acos(2 * u(rng) - 1),
                                                2 * std::numbers::pi * u(rng)}));
    v.phase_ids()[k] = static_cast<std::int32_t>(i % 3);
    v.confidence()[k] = static_cast<float>(u(rng));
    v.image_quality()[k] = static_cast<float>(1000 * u(rng));
    v.valid()[k] = v.phase_ids()[k] > 0 && v.confidence()[k] > 0.1f ? 1 : 0;
    grains[k] = static_cast<std::int32_t>(i / 7);
  }
  v.set_grain_ids(grains);
  std::vector<float> bse(grains.size()), weird(grains.size()), clash(grains.size());
  for (std::size_t k = 0; k < bse.size(); ++k) {
    bse[k] = static_cast<float>(k) * 0.5f;
    weird[k] = -static_cast<float>(k);
    clash[k] = 1.0f / static_cast<float>(k + 1);
  }
  v.set_channel("bse", {bse, "", "backscatter, from a TIFF stack"});
  v.set_channel("a/b%c", {weird, "um", "a name HDF5 cannot take as is"});
  v.set_channel("Phases", {clash, "", "a channel named like a DREAM.3D array"});
  v.mark_missing(1);
  v.mark_damaged(2);
  v.add_provenance({"synth", {{"seed", 7}, {"grains", 9}}, "0.1.0", "2026-01-01T00:00:00Z", "unit test"});
  v.add_provenance({"segment", {{"tolerance_deg", 5.0}}, "0.1.0", "2026-01-01T00:01:00Z", ""});
  return v;
}

std::string attr_string(hid_t obj, const char* name) {
  const hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  if (a < 0) return "<missing>";
  const hid_t t = H5Aget_type(a);
  std::string out(H5Tget_size(t), '\0');
  H5Aread(a, t, out.data());
  H5Tclose(t);
  H5Aclose(a);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::vector<std::uint64_t> attr_u64(hid_t obj, const char* name) {
  const hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  if (a < 0) return {};
  const hid_t sp = H5Aget_space(a);
  std::vector<std::uint64_t> out(static_cast<std::size_t>(H5Sget_simple_extent_npoints(sp)));
  H5Aread(a, H5T_NATIVE_UINT64, out.data());
  H5Sclose(sp);
  H5Aclose(a);
  return out;
}

std::vector<hsize_t> shape_of(hid_t d) {
  const hid_t sp = H5Dget_space(d);
  std::vector<hsize_t> s(static_cast<std::size_t>(H5Sget_simple_extent_ndims(sp)));
  H5Sget_simple_extent_dims(sp, s.data(), nullptr);
  H5Sclose(sp);
  return s;
}

TEST(Dream3dRoundTrip, ReadsBackIdentically) {
  ebsd::test::TempDir tmp;
  const Volume v = sample_volume();
  write_dream3d(tmp / "rt.dream3d", v);
  const auto r = read_dream3d(tmp / "rt.dream3d");
  EXPECT_TRUE(r.volume == v);
  // The parts operator== covers, spelled out so a failure says which.
  EXPECT_EQ(r.volume.dims(), v.dims());
  EXPECT_EQ(r.volume.spacing(), v.spacing());
  EXPECT_EQ(r.volume.origin(), v.origin());
  EXPECT_EQ(r.volume.length_unit(), "nm");
  EXPECT_EQ(r.volume.phases(), v.phases());
  EXPECT_TRUE(std::equal(v.quaternion_data().begin(), v.quaternion_data().end(), r.volume.quaternion_data().begin()));
  EXPECT_TRUE(std::equal(v.phase_ids().begin(), v.phase_ids().end(), r.volume.phase_ids().begin()));
  EXPECT_TRUE(std::equal(v.valid().begin(), v.valid().end(), r.volume.valid().begin()));
  EXPECT_EQ(r.volume.channels(), v.channels());
  EXPECT_EQ(r.volume.missing_slices(), v.missing_slices());
  EXPECT_EQ(r.volume.damaged_slices(), v.damaged_slices());
  EXPECT_EQ(r.volume.provenance(), v.provenance());
  EXPECT_EQ(r.report.header["orientation_source"], "Quats");
  EXPECT_TRUE(r.report.warnings.empty()) << r.report.warnings.front();
}

TEST(Dream3dRoundTrip, EulerAnglesAloneGiveTheOrientationsTo1e6) {
  ebsd::test::TempDir tmp;
  const Volume v = sample_volume();
  const fs::path p = tmp / "euler.dream3d";
  write_dream3d(p, v);
  const hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  ASSERT_GE(H5Ldelete(f, "/DataStructure/DataContainer/Cell Data/Quats", H5P_DEFAULT), 0);
  H5Fclose(f);
  const auto r = read_dream3d(p);
  EXPECT_EQ(r.report.header["orientation_source"], "EulerAngles");
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    // The rotation between them, by atan2: acos of a dot product near 1 would lose half the digits.
    const Quat d = r.volume.orientation(i) * v.orientation(i).conj();
    const double angle = 2 * std::atan2(d.vec().norm(), std::fabs(d.w));
    EXPECT_LT(angle, 1e-6) << "voxel " << i;  // float32 angles below 2 pi: ~5e-7 rad
  }
}

TEST(Dream3dRoundTrip, LayoutIsTheSimplnxVersion8One) {
  ebsd::test::TempDir tmp;
  const Volume v = sample_volume();
  const fs::path p = tmp / "layout.dream3d";
  write_dream3d(p, v);
  const hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  EXPECT_EQ(attr_string(f, "FileVersion"), "8.0");
  const hid_t ds = H5Gopen2(f, "/DataStructure", H5P_DEFAULT);
  EXPECT_FALSE(attr_u64(ds, "NextObjectId").empty());
  const hid_t g = H5Gopen2(f, "/DataStructure/DataContainer", H5P_DEFAULT);
  EXPECT_EQ(attr_string(g, "ObjectType"), "ImageGeom");
  EXPECT_EQ(attr_u64(g, "_DIMENSIONS"), (std::vector<std::uint64_t>{5, 4, 3}));
  const hid_t cell = H5Gopen2(g, "Cell Data", H5P_DEFAULT);
  EXPECT_EQ(attr_string(cell, "ObjectType"), "AttributeMatrix");
  EXPECT_EQ(attr_u64(cell, "TupleDims"), (std::vector<std::uint64_t>{3, 4, 5}));
  EXPECT_EQ(attr_u64(g, "Cell Data ID"), attr_u64(cell, "ObjectId"));

  struct Expected {
    const char* name;
    const char* object_type;
    hsize_t components;
    hid_t type;
  };
  for (const Expected& e : {Expected{"EulerAngles", "DataArray<float32>", 3, H5T_IEEE_F32LE},
                            Expected{"Quats", "DataArray<float32>", 4, H5T_IEEE_F32LE},
                            Expected{"Phases", "DataArray<int32>", 1, H5T_STD_I32LE},
                            Expected{"Confidence Index", "DataArray<float32>", 1, H5T_IEEE_F32LE},
                            Expected{"Image Quality", "DataArray<float32>", 1, H5T_IEEE_F32LE},
                            Expected{"Mask", "DataArray<bool>", 1, H5T_STD_U8LE},
                            Expected{"FeatureIds", "DataArray<int32>", 1, H5T_STD_I32LE},
                            Expected{"bse", "DataArray<float32>", 1, H5T_IEEE_F32LE},
                            Expected{"a%2Fb%25c", "DataArray<float32>", 1, H5T_IEEE_F32LE},
                            Expected{"Phases (channel)", "DataArray<float32>", 1, H5T_IEEE_F32LE}}) {
    SCOPED_TRACE(e.name);
    const hid_t d = H5Dopen2(cell, e.name, H5P_DEFAULT);
    ASSERT_GE(d, 0);
    EXPECT_EQ(shape_of(d), (std::vector<hsize_t>{3, 4, 5, e.components}));
    const hid_t t = H5Dget_type(d);
    EXPECT_GT(H5Tequal(t, e.type), 0);
    H5Tclose(t);
    EXPECT_EQ(attr_string(d, "ObjectType"), e.object_type);
    EXPECT_EQ(attr_u64(d, "TupleDimensions"), (std::vector<std::uint64_t>{3, 4, 5}));
    EXPECT_EQ(attr_u64(d, "ComponentDimensions"), (std::vector<std::uint64_t>{e.components}));
    EXPECT_FALSE(attr_u64(d, "ObjectId").empty());
    H5Dclose(d);
  }
  // Quats are (x, y, z, w): voxel 0's w is the volume's first stored component.
  {
    const hid_t d = H5Dopen2(cell, "Quats", H5P_DEFAULT);
    std::vector<float> q(3 * 4 * 5 * 4);
    H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, q.data());
    H5Dclose(d);
    EXPECT_EQ(q[3], v.quaternion_data()[0]);
    EXPECT_EQ(q[0], v.quaternion_data()[1]);
  }
  const hid_t ens = H5Gopen2(g, "Cell Ensemble Data", H5P_DEFAULT);
  EXPECT_EQ(attr_string(ens, "ObjectType"), "AttributeMatrix");
  {
    const hid_t d = H5Dopen2(ens, "CrystalStructures", H5P_DEFAULT);
    EXPECT_EQ(shape_of(d), (std::vector<hsize_t>{3, 1}));
    std::vector<std::uint32_t> cs(3);
    H5Dread(d, H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, cs.data());
    EXPECT_EQ(cs, (std::vector<std::uint32_t>{999, 1, 0}));  // dummy, Cubic_High, Hexagonal_High
    H5Dclose(d);
  }
  {
    const hid_t d = H5Dopen2(ens, "MaterialName", H5P_DEFAULT);
    EXPECT_EQ(attr_string(d, "ObjectType"), "StringArray");
    H5Dclose(d);
  }
  // The pipeline simplnx parses: name and pipeline, with our metadata beside them.
  {
    const hid_t d = H5Dopen2(f, "/Pipeline/Pipeline", H5P_DEFAULT);
    const hid_t t = H5Dget_type(d);
    std::string text(H5Tget_size(t), '\0');
    H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data());
    H5Tclose(t);
    H5Dclose(d);
    const auto j = nlohmann::json::parse(text.c_str());
    EXPECT_TRUE(j.at("pipeline").is_array());
    EXPECT_TRUE(j.at("name").is_string());
    EXPECT_EQ(j.at("ebsd_studio").at("provenance").size(), 2u);
    const hid_t pg = H5Gopen2(f, "/Pipeline", H5P_DEFAULT);
    const hid_t a = H5Aopen(pg, "Pipeline Version", H5P_DEFAULT);
    std::int32_t version = 0;
    H5Aread(a, H5T_NATIVE_INT32, &version);
    EXPECT_EQ(version, 3);
    H5Aclose(a);
    H5Gclose(pg);
  }
  H5Gclose(ens);
  H5Gclose(cell);
  H5Gclose(g);
  H5Gclose(ds);
  H5Fclose(f);
}

TEST(Dream3dRoundTrip, XdmfSidecarDescribesTheGridAndCellArrays) {
  ebsd::test::TempDir tmp;
  write_dream3d(tmp / "grid.dream3d", sample_volume());
  ASSERT_TRUE(fs::exists(tmp / "grid.xdmf"));
  const std::string x = ebsd::test::read_file(tmp / "grid.xdmf");
  // 5 x 4 x 3 cells are 6 x 5 x 4 points, listed z first.
  EXPECT_NE(x.find(R"(TopologyType="3DCoRectMesh" Dimensions="4 5 6")"), std::string::npos) << x;
  EXPECT_NE(x.find(R"(<Attribute Name="EulerAngles" AttributeType="Vector" Center="Cell">)"), std::string::npos);
  EXPECT_NE(x.find(R"(Dimensions="3 4 5 3" NumberType="Float" Precision="4")"), std::string::npos);
  EXPECT_NE(x.find("grid.dream3d:/DataStructure/DataContainer/Cell Data/EulerAngles"), std::string::npos);
  EXPECT_NE(x.find(R"(<Attribute Name="Mask" AttributeType="Scalar" Center="Cell">)"), std::string::npos);
  EXPECT_NE(x.find(R"(NumberType="UChar" Precision="1")"), std::string::npos);
  EXPECT_NE(x.find(R"(<Attribute Name="a/b%c")"), std::string::npos);
  EXPECT_NE(x.find("Cell Data/a%2Fb%25c"), std::string::npos);
  EXPECT_EQ(x.find("Quats"), std::string::npos);  // XDMF has no 4-component attribute type
  // Origin and spacing, z y x, at full precision.
  EXPECT_NE(x.find(">0.69999999999999996 2.2000000000000002 -1.1000000000000001<"), std::string::npos) << x;
  EXPECT_NE(x.find(">0.29999999999999999 0.20000000000000001 0.10000000000000001<"), std::string::npos);
}

TEST(Dream3dRoundTrip, ChannelsAreReadBackUnderTheirOwnNamesNotTheDatasetNames) {
  ebsd::test::TempDir tmp;
  write_dream3d(tmp / "names.dream3d", sample_volume());
  const auto r = read_dream3d(tmp / "names.dream3d");
  EXPECT_TRUE(r.volume.has_channel("a/b%c"));
  EXPECT_TRUE(r.volume.has_channel("Phases"));
  EXPECT_FALSE(r.volume.has_channel("Phases (channel)"));
}

TEST(Dream3dRoundTrip, OverwritingReplacesBothFiles) {
  ebsd::test::TempDir tmp;
  Volume a({2, 2, 1});
  a.phases().push_back({});
  write_dream3d(tmp / "o.dream3d", a);
  Volume b({3, 1, 2});
  b.phases().push_back({});
  write_dream3d(tmp / "o.dream3d", b);
  EXPECT_EQ(read_dream3d(tmp / "o.dream3d").volume.dims(), (ebsd::Index3{3, 1, 2}));
  EXPECT_NE(ebsd::test::read_file(tmp / "o.xdmf").find(R"(Dimensions="3 2 4")"), std::string::npos);
  for (const auto& e : fs::directory_iterator(tmp.path()))  // no temporaries left behind
    EXPECT_TRUE(e.path().extension() == ".dream3d" || e.path().extension() == ".xdmf") << e.path();
}

TEST(Dream3dRoundTrip, AVolumeWithoutPhasesHasOnlyTheDummyEnsembleEntry) {
  ebsd::test::TempDir tmp;
  Volume v({2, 1, 1});
  write_dream3d(tmp / "none.dream3d", v);
  EXPECT_TRUE(read_dream3d(tmp / "none.dream3d").volume == v);
}

}  // namespace

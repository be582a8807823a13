// The DREAM.3D H5EBSD stack reader on stacks written here in the layout DREAM.3D/EbsdLib
// write (FORMATS.md F.3), on damaged stacks, and on a stack built from the real Small IN100 slice.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <numbers>

#include "ebsd/core/error.hpp"
#include "ebsd/io/ang.hpp"
#include "ebsd/io/h5ebsd.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "h5_vendor_file_writer.hpp"
#include "run_command.hpp"

namespace {

namespace fs = std::filesystem;
namespace w = ebsd::test::h5w;
constexpr double kDeg = std::numbers::pi / 180.0;
constexpr float kFourPi = static_cast<float>(4.0 * std::numbers::pi);

// Root datasets as EbsdLib's EbsdToH5Ebsd writes them (scalars; Manufacturer fixed-length).
void write_root(hid_t f, const std::string& manufacturer, std::int64_t nx, std::int64_t ny, std::int64_t z0, std::int64_t z1,
                std::uint32_t stacking) {
  w::int_attribute(f, "FileVersion", H5T_STD_U32LE, 5);
  w::string_attribute(f, "EbsdLibVersion", "1.0.0");
  w::fixed_string(f, "Manufacturer", manufacturer);
  w::scalar_i64(f, "Max X Points", nx);
  w::scalar_i64(f, "Max Y Points", ny);
  w::scalar_f32(f, "X Resolution", 0.5f);
  w::scalar_f32(f, "Y Resolution", 0.25f);
  w::scalar_f32(f, "Z Resolution", 1.5f);
  w::scalar_i64(f, "ZStartIndex", z0);
  w::scalar_i64(f, "ZEndIndex", z1);
  w::scalar_u32(f, "Stacking Order", stacking);
  w::scalar_f32(f, "SampleTransformationAngle", 180.0f);
  w::dataset(f, "SampleTransformationAxis", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, std::vector<float>{0, 1, 0}, {3});
  w::scalar_f32(f, "EulerTransformationAngle", 90.0f);
  w::dataset(f, "EulerTransformationAxis", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, std::vector<float>{0, 0, 1}, {3});
  std::vector<std::int32_t> index;
  for (auto k = z0; k <= z1; ++k) index.push_back(static_cast<std::int32_t>(k));
  w::int32s(f, "Index", index);
}

// Known TSL values per slice k and point i (3 x 2 grid, x fastest).
float tsl_phi1(int k, int i) { return 0.1f * static_cast<float>(i) + 0.01f * static_cast<float>(k); }
float tsl_Phi(int i) { return 0.2f + 0.05f * static_cast<float>(i); }
float tsl_phi2(int i) { return 0.3f + 0.02f * static_cast<float>(i); }

void write_tsl_slice(hid_t f, int k, std::int32_t ncols = 3) {
  const std::string s = std::to_string(k);
  w::fixed_string(f, s + "/Header/GRID", "SqrGrid");
  w::scalar_f32(f, s + "/Header/XSTEP", 0.5f);
  w::scalar_f32(f, s + "/Header/YSTEP", 0.25f);
  w::scalar_i32(f, s + "/Header/NCOLS_ODD", ncols);
  w::scalar_i32(f, s + "/Header/NCOLS_EVEN", ncols);
  w::scalar_i32(f, s + "/Header/NROWS", 2);
  w::fixed_string(f, s + "/Header/OriginalFile", "Slice_" + s + ".ang");
  w::fixed_string(f, s + "/Header/Phases/1/MaterialName", "Nickel");
  w::scalar_i32(f, s + "/Header/Phases/1/Symmetry", 43);
  w::dataset(f, s + "/Header/Phases/1/LatticeConstants", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
             std::vector<float>{3.56f, 3.56f, 3.56f, 90, 90, 90}, {6});
  w::fixed_string(f, s + "/Header/Phases/2/MaterialName", "Titanium");
  w::scalar_i32(f, s + "/Header/Phases/2/Symmetry", 62);
  w::dataset(f, s + "/Header/Phases/2/LatticeConstants", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
             std::vector<float>{2.95f, 2.95f, 4.68f, 90, 90, 120}, {6});
  std::vector<float> phi1, Phi, phi2, x, y, iq, ci, sem, fit;
  std::vector<std::int32_t> phase;
  for (int i = 0; i < 6; ++i) {
    const bool unindexed = i == 4;
    phi1.push_back(unindexed ? kFourPi : tsl_phi1(k, i));
    Phi.push_back(unindexed ? kFourPi : tsl_Phi(i));
    phi2.push_back(unindexed ? kFourPi : tsl_phi2(i));
    x.push_back(0.5f * static_cast<float>(i % 3));
    y.push_back(0.25f * static_cast<float>(i / 3));
    iq.push_back(100.0f + static_cast<float>(i + 10 * k));
    ci.push_back(unindexed ? -1.0f : 0.1f * static_cast<float>(i + 1));
    phase.push_back(i == 5 ? 2 : 1);
    sem.push_back(static_cast<float>(i));
    fit.push_back(0.5f * static_cast<float>(i));
  }
  w::floats(f, s + "/Data/Phi1", phi1);
  w::floats(f, s + "/Data/Phi", Phi);
  w::floats(f, s + "/Data/Phi2", phi2);
  w::floats(f, s + "/Data/X Position", x);
  w::floats(f, s + "/Data/Y Position", y);
  w::floats(f, s + "/Data/Image Quality", iq);
  w::floats(f, s + "/Data/Confidence Index", ci);
  w::int32s(f, s + "/Data/PhaseData", phase);
  w::floats(f, s + "/Data/SEM Signal", sem);
  w::floats(f, s + "/Data/Fit", fit);
}

fs::path tsl_stack(const ebsd::test::TempDir& t, std::uint32_t stacking = 0) {
  const fs::path p = t / "tsl.h5ebsd";
  w::File f(p);
  write_root(f.id(), "TSL", 3, 2, 1, 2, stacking);
  write_tsl_slice(f.id(), 1);
  write_tsl_slice(f.id(), 2);
  return p;
}

double misfit(const ebsd::Quat& a, const ebsd::Quat& b) { return 1.0 - std::fabs(a.dot(b)); }

TEST(H5EbsdReader, TslStackGridPhasesAndPoints) {
  ebsd::test::TempDir t;
  const auto r = ebsd::io::read_h5ebsd(tsl_stack(t));
  const auto& v = r.volume;
  EXPECT_EQ(v.dims(), (ebsd::Index3{3, 2, 2}));
  EXPECT_DOUBLE_EQ(v.spacing()[0], 0.5);
  EXPECT_DOUBLE_EQ(v.spacing()[1], 0.25);
  EXPECT_DOUBLE_EQ(v.spacing()[2], 1.5);
  ASSERT_EQ(v.phases().size(), 2u);
  EXPECT_EQ(v.phases()[0].name, "Nickel");
  EXPECT_EQ(v.phases()[0].laue, ebsd::LaueGroup::CubicHigh);
  EXPECT_EQ(v.phases()[1].name, "Titanium");
  EXPECT_EQ(v.phases()[1].laue, ebsd::LaueGroup::HexagonalHigh);
  EXPECT_NEAR(v.phases()[1].lattice[2], 4.68, 1e-6);
  EXPECT_EQ(r.report.format, "h5ebsd");
  EXPECT_EQ(r.report.angle_unit_in_file, "rad");
  EXPECT_EQ(r.report.grid, "square");
  // Stacking order 0: slice 1 is z = 0. Point 2 of slice 2 is voxel (2, 0, 1).
  const auto i = v.index(2, 0, 1);
  EXPECT_LT(misfit(v.orientation(i), ebsd::quat_from_euler({tsl_phi1(2, 2), tsl_Phi(2), tsl_phi2(2)})), 1e-6);
  EXPECT_FLOAT_EQ(v.confidence()[static_cast<std::size_t>(i)], 0.3f);
  EXPECT_FLOAT_EQ(v.image_quality()[static_cast<std::size_t>(i)], 122.0f);
  EXPECT_FLOAT_EQ(v.channel("fit").values[static_cast<std::size_t>(i)], 1.0f);
  EXPECT_FLOAT_EQ(v.channel("sem_signal").values[static_cast<std::size_t>(i)], 2.0f);
  // Point 4 (Euler 4 pi, CI -1) is unindexed in both slices; point 5 is phase 2.
  for (int z = 0; z < 2; ++z) {
    EXPECT_FALSE(v.is_valid(v.index(1, 1, z)));
    EXPECT_EQ(v.phase_ids()[static_cast<std::size_t>(v.index(1, 1, z))], 0);
    EXPECT_EQ(v.phase_ids()[static_cast<std::size_t>(v.index(2, 1, z))], 2);
  }
  std::int64_t valid = 0;
  for (auto b : v.valid()) valid += b;
  EXPECT_EQ(valid, 10);
}

TEST(H5EbsdReader, ReportsTheStacksOwnFrameTransformations) {
  ebsd::test::TempDir t;
  const auto r = ebsd::io::read_h5ebsd(tsl_stack(t));
  EXPECT_DOUBLE_EQ(r.report.recommended_sample_rotation.angle_deg, 180.0);
  EXPECT_DOUBLE_EQ(r.report.recommended_sample_rotation.axis.y(), 1.0);
  EXPECT_DOUBLE_EQ(r.report.recommended_crystal_rotation.angle_deg, 90.0);
  EXPECT_DOUBLE_EQ(r.report.recommended_crystal_rotation.axis.z(), 1.0);
  EXPECT_FALSE(r.report.transforms_applied);
  // Not applied: the stored angles come back unchanged.
  const auto& v = r.volume;
  EXPECT_LT(misfit(v.orientation(v.index(0, 0, 0)), ebsd::quat_from_euler({tsl_phi1(1, 0), tsl_Phi(0), tsl_phi2(0)})), 1e-6);
}

TEST(H5EbsdReader, HighToLowStackingPutsTheLastSliceFirst) {
  ebsd::test::TempDir t;
  const auto& v = ebsd::io::read_h5ebsd(tsl_stack(t, 1)).volume;
  // Slice 2 at z = 0, slice 1 at z = 1.
  EXPECT_LT(misfit(v.orientation(v.index(0, 0, 0)), ebsd::quat_from_euler({tsl_phi1(2, 0), tsl_Phi(0), tsl_phi2(0)})), 1e-6);
  EXPECT_LT(misfit(v.orientation(v.index(0, 0, 1)), ebsd::quat_from_euler({tsl_phi1(1, 0), tsl_Phi(0), tsl_phi2(0)})), 1e-6);
  EXPECT_FLOAT_EQ(v.image_quality()[static_cast<std::size_t>(v.index(0, 0, 0))], 120.0f);
}

// HKL flavour: variable-length strings (as h5py-made stacks carry), degrees, Error codes.
fs::path hkl_stack(const ebsd::test::TempDir& t) {
  const fs::path p = t / "hkl.h5ebsd";
  w::File f(p);
  write_root(f.id(), "HKL", 2, 2, 0, 1, 0);
  for (int k = 0; k < 2; ++k) {
    const std::string s = std::to_string(k);
    w::scalar_i32(f.id(), s + "/Header/XCells", 2);
    w::scalar_i32(f.id(), s + "/Header/YCells", 2);
    w::scalar_f32(f.id(), s + "/Header/XStep", 0.5f);
    w::scalar_f32(f.id(), s + "/Header/YStep", 0.25f);
    w::variable_string(f.id(), s + "/Header/Phases/1/PhaseName", "Zirconium");
    w::scalar_i32(f.id(), s + "/Header/Phases/1/LaueGroup", 9);
    w::dataset(f.id(), s + "/Header/Phases/1/LatticeDimensions", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, std::vector<float>{3.231f, 3.231f, 5.148f}, {3});
    w::dataset(f.id(), s + "/Header/Phases/1/LatticeAngles", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, std::vector<float>{90, 90, 120}, {3});
    w::int32s(f.id(), s + "/Data/Phase", {1, 1, 0, 1});
    w::int32s(f.id(), s + "/Data/Error", {0, 0, 3, 0});
    w::int32s(f.id(), s + "/Data/Bands", {8, 9, 0, 7});
    w::floats(f.id(), s + "/Data/Euler1", {103.94f, 10.0f + static_cast<float>(k), 0.0f, 200.0f});
    w::floats(f.id(), s + "/Data/Euler2", {40.858f, 20.0f, 0.0f, 45.0f});
    w::floats(f.id(), s + "/Data/Euler3", {29.228f, 30.0f, 0.0f, 359.0f});
    w::floats(f.id(), s + "/Data/MAD", {0.6f, 0.5f, 0.0f, 0.4f});
    w::int32s(f.id(), s + "/Data/BC", {124, 130, 20, 90});
    w::int32s(f.id(), s + "/Data/BS", {200, 210, 0, 180});
    w::floats(f.id(), s + "/Data/X", {0.0f, 0.5f, 0.0f, 0.5f});
    w::floats(f.id(), s + "/Data/Y", {0.0f, 0.0f, 0.25f, 0.25f});
  }
  return p;
}

TEST(H5EbsdReader, HklStackDegreesErrorCodesAndChannels) {
  ebsd::test::TempDir t;
  const auto r = ebsd::io::read_h5ebsd(hkl_stack(t));
  const auto& v = r.volume;
  EXPECT_EQ(v.dims(), (ebsd::Index3{2, 2, 2}));
  EXPECT_EQ(r.report.angle_unit_in_file, "deg");
  EXPECT_DOUBLE_EQ(r.report.recommended_crystal_rotation.angle_deg, 90.0);  // the stack's own entry
  ASSERT_EQ(v.phases().size(), 1u);
  EXPECT_EQ(v.phases()[0].name, "Zirconium");
  EXPECT_EQ(v.phases()[0].laue, ebsd::LaueGroup::HexagonalHigh);
  EXPECT_NEAR(v.phases()[0].lattice[5], 120.0, 1e-9);
  const auto i = static_cast<std::size_t>(v.index(0, 0, 1));
  EXPECT_LT(misfit(v.orientation(static_cast<std::int64_t>(i)), ebsd::quat_from_euler({103.94 * kDeg, 40.858 * kDeg, 29.228 * kDeg})), 1e-6);
  EXPECT_FLOAT_EQ(v.confidence()[i], 1.0f);
  EXPECT_FLOAT_EQ(v.image_quality()[i], 124.0f);
  EXPECT_FLOAT_EQ(v.channel("mad").values[i], 0.6f);
  EXPECT_EQ(v.channel("mad").unit, "deg");
  EXPECT_FLOAT_EQ(v.channel("bands").values[i], 8.0f);
  EXPECT_FLOAT_EQ(v.channel("bs").values[i], 200.0f);
  // Point 2: phase 0, Error 3 -> not indexed, CI 0.
  const auto j = static_cast<std::size_t>(v.index(0, 1, 0));
  EXPECT_FALSE(v.is_valid(static_cast<std::int64_t>(j)));
  EXPECT_FLOAT_EQ(v.confidence()[j], 0.0f);
  std::int64_t valid = 0;
  for (auto b : v.valid()) valid += b;
  EXPECT_EQ(valid, 6);
  ASSERT_FALSE(r.report.warnings.empty());
  EXPECT_NE(r.report.warnings.back().find("no 30 deg correction"), std::string::npos);
}

TEST(H5EbsdReader, HklHexagonalAlignmentIsExplicit) {
  ebsd::test::TempDir t;
  ebsd::io::H5EbsdReadOptions o;
  o.hexagonal_to_tsl_alignment = true;
  const auto& v = ebsd::io::read_h5ebsd(hkl_stack(t), o).volume;
  EXPECT_LT(misfit(v.orientation(v.index(0, 0, 0)), ebsd::quat_from_euler({103.94 * kDeg, 40.858 * kDeg, (29.228 + 30.0) * kDeg})), 1e-6);
}

// --- bad input: each must be an ebsd::Error naming the file and the dataset ---

ebsd::Error read_error(const fs::path& p) {
  try {
    ebsd::io::read_h5ebsd(p);
  } catch (const ebsd::Error& e) {
    EXPECT_EQ(e.file(), p.string());
    return e;
  }
  ADD_FAILURE() << "no error for " << p;
  return ebsd::Error("");
}

TEST(H5EbsdReader, SliceOfAnotherGridNamesTheSlice) {
  ebsd::test::TempDir t;
  const fs::path p = t / "mixed.h5ebsd";
  {
    w::File f(p);
    write_root(f.id(), "TSL", 3, 2, 1, 2, 0);
    write_tsl_slice(f.id(), 1);
    write_tsl_slice(f.id(), 2, 4);
  }
  const auto e = read_error(p);
  EXPECT_EQ(e.place(), "/2/Header/NCOLS_ODD");
  EXPECT_NE(e.problem().find("share one grid"), std::string::npos);
}

TEST(H5EbsdReader, MissingDatasetNamesIt) {
  ebsd::test::TempDir t;
  const fs::path p = tsl_stack(t);
  {
    w::Edit f(p);
    w::remove(f.id(), "2/Data/Phi");
  }
  EXPECT_EQ(read_error(p).place(), "/2/Data/Phi");
}

TEST(H5EbsdReader, WrongLengthNamesTheDataset) {
  ebsd::test::TempDir t;
  const fs::path p = tsl_stack(t);
  {
    w::Edit f(p);
    w::remove(f.id(), "1/Data/Phi1");
    w::floats(f.id(), "1/Data/Phi1", {0.1f, 0.2f, 0.3f, 0.4f, 0.5f});
  }
  const auto e = read_error(p);
  EXPECT_EQ(e.place(), "/1/Data/Phi1");
  EXPECT_NE(e.problem().find("found 5"), std::string::npos);
}

TEST(H5EbsdReader, AbsurdDimensionsWithTinyDataFailWithoutAllocating) {
  ebsd::test::TempDir t;
  const fs::path p = t / "huge.h5ebsd";
  {
    w::File f(p);
    write_root(f.id(), "TSL", 1000000000, 2, 1, 1, 0);
    write_tsl_slice(f.id(), 1, 1000000000);
  }
  const auto e = read_error(p);
  EXPECT_EQ(e.place(), "/1/Data/Phi1");
  // And a root claiming 10^12 voxels stops at the root.
  const fs::path q = t / "huger.h5ebsd";
  {
    w::File f(q);
    write_root(f.id(), "TSL", 1000000, 1000000, 1, 1, 0);
    write_tsl_slice(f.id(), 1);
  }
  EXPECT_EQ(read_error(q).place(), "/Max X Points");
}

TEST(H5EbsdReader, NanAngleNamesDatasetAndPoint) {
  ebsd::test::TempDir t;
  const fs::path p = tsl_stack(t);
  {
    w::Edit f(p);
    w::remove(f.id(), "2/Data/Phi");
    w::floats(f.id(), "2/Data/Phi", {0.1f, 0.2f, std::nanf(""), 0.4f, 0.5f, 0.6f});
  }
  const auto e = read_error(p);
  EXPECT_EQ(e.place(), "/2/Data/Phi");
  EXPECT_NE(e.problem().find("point 2"), std::string::npos);
}

TEST(H5EbsdReader, MissingSliceAndBadManufacturer) {
  ebsd::test::TempDir t;
  const fs::path p = tsl_stack(t);
  {
    w::Edit f(p);
    w::remove(f.id(), "ZEndIndex");
    w::scalar_i64(f.id(), "ZEndIndex", 3);
  }
  EXPECT_EQ(read_error(p).place(), "/3");
  const fs::path q = t / "other.h5ebsd";
  {
    w::File f(q);
    write_root(f.id(), "Bruker", 3, 2, 1, 1, 0);
  }
  EXPECT_EQ(read_error(q).place(), "/Manufacturer");
  std::ofstream(t / "text.h5ebsd") << "not hdf5";
  EXPECT_EQ(read_error(t / "text.h5ebsd").place(), "file header");
}

TEST(H5EbsdReader, SniffsByContent) {
  ebsd::test::TempDir t;
  EXPECT_TRUE(ebsd::io::looks_like_h5ebsd(tsl_stack(t)));
  EXPECT_TRUE(ebsd::io::looks_like_h5ebsd(hkl_stack(t)));
  std::ofstream(t / "a.h5ebsd") << "# not HDF5\n";
  EXPECT_FALSE(ebsd::io::looks_like_h5ebsd(t / "a.h5ebsd"));
  EXPECT_FALSE(ebsd::io::looks_like_h5ebsd(t / "missing.h5ebsd"));
  const fs::path other = t / "other.h5";
  {
    w::File f(other);
    w::fixed_string(f.id(), "Manufacturer", "TSL");
  }
  EXPECT_FALSE(ebsd::io::looks_like_h5ebsd(other));
}

// The real Small IN100 slice (read_ang) written twice as a TSL stack, as EbsdToH5Ebsd would:
// the stack must read back the same grid, validity, CI, IQ and orientations in both slices.
TEST(H5EbsdReader, RealSmallIn100SliceAsATwoSliceStack) {
  const auto ang = ebsd::io::read_ang(std::string(EBSD_SHARED_DIR) + "/data/real/small_in100/Small_IN100_slice_Out_Of_Order.ang");
  const auto& a = ang.volume;
  ASSERT_EQ(a.dims(), (ebsd::Index3{189, 201, 1}));
  ebsd::test::TempDir t;
  const fs::path p = t / "in100.h5ebsd";
  {
    w::File f(p);
    write_root(f.id(), "TSL", a.nx(), a.ny(), 1, 2, 0);
    w::remove(f.id(), "X Resolution");
    w::remove(f.id(), "Y Resolution");
    w::scalar_f32(f.id(), "X Resolution", 0.25f);
    w::scalar_f32(f.id(), "Y Resolution", 0.25f);
    for (int k = 1; k <= 2; ++k) {
      const std::string s = std::to_string(k);
      w::fixed_string(f.id(), s + "/Header/GRID", "SqrGrid");
      w::scalar_f32(f.id(), s + "/Header/XSTEP", 0.25f);
      w::scalar_f32(f.id(), s + "/Header/YSTEP", 0.25f);
      w::scalar_i32(f.id(), s + "/Header/NCOLS_ODD", static_cast<std::int32_t>(a.nx()));
      w::scalar_i32(f.id(), s + "/Header/NCOLS_EVEN", static_cast<std::int32_t>(a.nx()));
      w::scalar_i32(f.id(), s + "/Header/NROWS", static_cast<std::int32_t>(a.ny()));
      w::fixed_string(f.id(), s + "/Header/Phases/1/MaterialName", a.phases()[0].name);
      w::scalar_i32(f.id(), s + "/Header/Phases/1/Symmetry", 43);
      std::vector<float> phi1, Phi, phi2, ci, iq;
      std::vector<std::int32_t> phase;
      for (std::int64_t i = 0; i < a.voxel_count(); ++i) {
        const bool valid = a.is_valid(i);
        const auto e = ebsd::euler_from_quat(a.orientation(i));
        phi1.push_back(valid ? static_cast<float>(e.phi1) : kFourPi);
        Phi.push_back(valid ? static_cast<float>(e.Phi) : kFourPi);
        phi2.push_back(valid ? static_cast<float>(e.phi2) : kFourPi);
        ci.push_back(a.confidence()[static_cast<std::size_t>(i)]);
        iq.push_back(a.image_quality()[static_cast<std::size_t>(i)]);
        phase.push_back(0);  // as in the .ang: phase 0 in a one-phase file
      }
      w::floats(f.id(), s + "/Data/Phi1", phi1);
      w::floats(f.id(), s + "/Data/Phi", Phi);
      w::floats(f.id(), s + "/Data/Phi2", phi2);
      w::floats(f.id(), s + "/Data/Confidence Index", ci);
      w::floats(f.id(), s + "/Data/Image Quality", iq);
      w::int32s(f.id(), s + "/Data/PhaseData", phase);
    }
  }
  const auto r = ebsd::io::read_h5ebsd(p);
  const auto& v = r.volume;
  ASSERT_EQ(v.dims(), (ebsd::Index3{189, 201, 2}));
  EXPECT_DOUBLE_EQ(v.spacing()[0], 0.25);
  EXPECT_EQ(v.phases()[0].name, a.phases()[0].name);
  for (std::int64_t z = 0; z < 2; ++z) {
    std::int64_t mismatches = 0, valid = 0;
    for (std::int64_t i = 0; i < a.voxel_count(); ++i) {
      const auto j = i + z * a.voxel_count();
      valid += v.is_valid(j);
      if (v.is_valid(j) != a.is_valid(i) || v.confidence()[static_cast<std::size_t>(j)] != a.confidence()[static_cast<std::size_t>(i)] ||
          v.image_quality()[static_cast<std::size_t>(j)] != a.image_quality()[static_cast<std::size_t>(i)] ||
          (a.is_valid(i) && misfit(v.orientation(j), a.orientation(i)) > 1e-6))
        ++mismatches;
    }
    EXPECT_EQ(mismatches, 0) << "slice " << z;
    // The README: 24 733 points have CI > 0.1; every indexed point is valid in both readers.
    std::int64_t ang_valid = 0;
    for (auto b : a.valid()) ang_valid += b;
    EXPECT_EQ(valid, ang_valid);
    EXPECT_GE(ang_valid, 24733);  // at least the README's CI > 0.1 points
  }
}

}  // namespace

// The native .ebsd.h5 file: every part of a Volume reads back equal, the stored layout is the
// documented one (checked through the HDF5 C API, not through our reader), and sniffing works.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <fstream>
#include <random>

#include "ebsd/io/native_file.hpp"
#include "run_command.hpp"

namespace {

using ebsd::Volume;
using ebsd::io::read_native;
using ebsd::io::write_native;

// A volume with random content in every per-voxel array; the optional parts are added by callers.
Volume random_volume(ebsd::Index3 dims, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  std::normal_distribution<double> normal;
  Volume v(dims, {0.25, 0.5, 1.5}, {-3.0, 2.5, 100.0});
  v.phases() = {{"Nickel", ebsd::LaueGroup::CubicHigh, {3.52, 3.52, 3.52, 90, 90, 90}},
                {"Titanium (alpha)", ebsd::LaueGroup::HexagonalHigh, {2.95, 2.95, 4.68, 90, 90, 120}}};
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    v.set_orientation(i, ebsd::Quat(normal(rng), normal(rng), normal(rng), normal(rng)).normalized());
    v.phase_ids()[i] = static_cast<std::int32_t>(rng() % 3);
    v.confidence()[i] = unit(rng);
    v.image_quality()[i] = 1000.0f * unit(rng);
    v.valid()[i] = static_cast<std::uint8_t>(rng() % 2);
  }
  return v;
}

ebsd::Channel random_channel(const Volume& v, unsigned seed, std::string unit, std::string description) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-5.0f, 5.0f);
  ebsd::Channel c{std::vector<float>(static_cast<std::size_t>(v.voxel_count())), std::move(unit), std::move(description)};
  for (float& x : c.values) x = d(rng);
  return c;
}

Volume volume_with_every_part() {
  Volume v = random_volume({5, 4, 3}, 7);
  std::vector<std::int32_t> ids(static_cast<std::size_t>(v.voxel_count()));
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<std::int32_t>(i % 9);
  v.set_grain_ids(std::move(ids));
  v.set_length_unit("nm");
  // Names with the characters an HDF5 link name cannot hold, or that our escaping uses.
  v.set_channel("BSE", random_channel(v, 1, "", "backscatter detector, 8-bit"));
  v.set_channel("PL/0deg", random_channel(v, 2, "a.u.", "polarized light, polariser at 0 deg"));
  v.set_channel("100%", random_channel(v, 3, "%", "a percentage"));
  v.set_channel(".", random_channel(v, 4, "", ""));
  v.mark_missing(0);
  v.mark_missing(2);
  v.mark_damaged(1);
  v.add_provenance({"synth",
                    {{"seed", 42}, {"grains", {{"count", 30}, {"size", -1.25}}}, {"twins", true},
                     {"texture", nullptr}, {"list", {1, 2.5, "three"}}, {"ratio", 0.1},
                     {"big", std::uint64_t{18446744073709551615u}}, {"tiny", 1e-300}},
                    "0.1.0", "2026-11-27T09:32:19Z", "made for a test"});
  v.add_provenance({"segment", {{"threshold_deg", 5.0}}, "0.1.0", "2026-11-27T09:40:00Z", ""});
  return v;
}

TEST(NativeFile, RoundTripsEveryPartOfAVolume) {
  ebsd::test::TempDir tmp;
  const Volume v = volume_with_every_part();
  write_native(tmp / "v.ebsd.h5", v);
  const Volume r = read_native(tmp / "v.ebsd.h5");
  // Field by field first, so that a failure says which part broke.
  EXPECT_EQ(r.dims(), v.dims());
  EXPECT_EQ(r.spacing(), v.spacing());
  EXPECT_EQ(r.origin(), v.origin());
  EXPECT_EQ(r.length_unit(), "nm");
  EXPECT_EQ(r.phases(), v.phases());
  EXPECT_TRUE(std::ranges::equal(r.quaternion_data(), v.quaternion_data()));
  EXPECT_TRUE(std::ranges::equal(r.phase_ids(), v.phase_ids()));
  EXPECT_TRUE(std::ranges::equal(r.grain_ids(), v.grain_ids()));
  EXPECT_EQ(r.channels(), v.channels());
  EXPECT_EQ(r.missing_slices(), (std::set<std::int64_t>{0, 2}));
  EXPECT_EQ(r.damaged_slices(), (std::set<std::int64_t>{1}));
  EXPECT_EQ(r.provenance(), v.provenance());
  EXPECT_EQ(r, v);
}

TEST(NativeFile, RoundTripsAVolumeWithoutOptionalParts) {
  ebsd::test::TempDir tmp;
  Volume v({3, 2, 1});
  v.set_length_unit("");
  write_native(tmp / "bare.ebsd.h5", v);
  const Volume r = read_native(tmp / "bare.ebsd.h5");
  EXPECT_FALSE(r.has_grain_ids());
  EXPECT_TRUE(r.phases().empty());
  EXPECT_TRUE(r.channels().empty());
  EXPECT_TRUE(r.missing_slices().empty());
  EXPECT_TRUE(r.provenance().empty());
  EXPECT_EQ(r, v);
}

TEST(NativeFile, RoundTripsAcrossChunkEdges) {
  // 300 x 70 x 9: x splits into a 256-wide and a partial 44-wide chunk, z into three chunks.
  ebsd::test::TempDir tmp;
  Volume v = random_volume({300, 70, 9}, 11);
  v.set_channel("SE", random_channel(v, 5, "", "secondary electrons"));
  write_native(tmp / "big.ebsd.h5", v);
  EXPECT_EQ(read_native(tmp / "big.ebsd.h5"), v);
}

TEST(NativeFile, RoundTripsLongAndNonAsciiText) {
  ebsd::test::TempDir tmp;
  Volume v = random_volume({2, 2, 2}, 3);
  v.phases()[0].name = "γ′ Ni₃Al";
  v.set_length_unit("µm");
  // 200 KB is beyond HDF5's 64 KiB compact attribute limit.
  v.set_channel("notes", random_channel(v, 9, "Ω", std::string(200'000, 'x') + "end"));
  write_native(tmp / "text.ebsd.h5", v);
  EXPECT_EQ(read_native(tmp / "text.ebsd.h5"), v);
}

TEST(NativeFile, StoresQuaternionsAsZYXComponentsInTheDocumentedDataset) {
  ebsd::test::TempDir tmp;
  Volume v({4, 3, 2});
  const ebsd::Quat q = ebsd::Quat(0.5, 0.5, -0.5, 0.5);
  v.set_orientation(v.index(3, 1, 1), q);
  v.phase_ids()[static_cast<std::size_t>(v.index(2, 0, 1))] = 7;
  write_native(tmp / "l.ebsd.h5", v);

  // Read with the HDF5 C API directly, as an outside tool would.
  const hid_t f = H5Fopen((tmp / "l.ebsd.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  const hid_t d = H5Dopen2(f, "/voxels/quaternions", H5P_DEFAULT);
  ASSERT_GE(d, 0);
  const hid_t space = H5Dget_space(d);
  hsize_t shape[4] = {};
  ASSERT_EQ(H5Sget_simple_extent_ndims(space), 4);
  H5Sget_simple_extent_dims(space, shape, nullptr);
  EXPECT_EQ(shape[0], 2u);  // z
  EXPECT_EQ(shape[1], 3u);  // y
  EXPECT_EQ(shape[2], 4u);  // x
  EXPECT_EQ(shape[3], 4u);  // w x y z
  std::vector<float> all(2 * 3 * 4 * 4);
  ASSERT_GE(H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, all.data()), 0);
  const std::size_t at = ((1 * 3 + 1) * 4 + 3) * 4;  // [z=1][y=1][x=3]
  EXPECT_EQ(all[at + 0], 0.5f);
  EXPECT_EQ(all[at + 1], 0.5f);
  EXPECT_EQ(all[at + 2], -0.5f);
  EXPECT_EQ(all[at + 3], 0.5f);
  const hid_t dcpl = H5Dget_create_plist(d);
  EXPECT_EQ(H5Pget_layout(dcpl), H5D_CHUNKED);
  EXPECT_GT(H5Pget_nfilters(dcpl), 0);

  const hid_t p = H5Dopen2(f, "/voxels/phase_ids", H5P_DEFAULT);
  std::vector<std::int32_t> phases(24);
  ASSERT_GE(H5Dread(p, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, phases.data()), 0);
  EXPECT_EQ(phases[(1 * 3 + 0) * 4 + 2], 7);

  const hid_t version = H5Aopen(f, "format_version", H5P_DEFAULT);
  int value = 0;
  ASSERT_GE(H5Aread(version, H5T_NATIVE_INT, &value), 0);
  EXPECT_EQ(value, 1);
  H5Aclose(version);
  H5Dclose(p);
  H5Pclose(dcpl);
  H5Sclose(space);
  H5Dclose(d);
  H5Fclose(f);
}

TEST(NativeFile, ReportsProgressThatEndsAtOne) {
  ebsd::test::TempDir tmp;
  const Volume v = volume_with_every_part();
  std::vector<double> seen;
  ebsd::Progress p([&](double f, const std::string&) { seen.push_back(f); }, nullptr);
  write_native(tmp / "p.ebsd.h5", v, p);
  ASSERT_GE(seen.size(), 2u);
  EXPECT_TRUE(std::ranges::is_sorted(seen));
  EXPECT_DOUBLE_EQ(seen.back(), 1.0);
  seen.clear();
  read_native(tmp / "p.ebsd.h5", p);
  ASSERT_GE(seen.size(), 2u);
  EXPECT_TRUE(std::ranges::is_sorted(seen));
  EXPECT_DOUBLE_EQ(seen.back(), 1.0);
}

TEST(NativeFile, SniffingRecognisesOnlyNativeFiles) {
  ebsd::test::TempDir tmp;
  write_native(tmp / "good.ebsd.h5", Volume({2, 2, 2}));
  EXPECT_TRUE(ebsd::io::looks_like_native(tmp / "good.ebsd.h5"));

  std::ofstream(tmp / "text.ebsd.h5") << "# not HDF5 at all\n";
  EXPECT_FALSE(ebsd::io::looks_like_native(tmp / "text.ebsd.h5"));

  // HDF5, but not ours (e.g. a .dream3d file renamed).
  const hid_t f = H5Fcreate((tmp / "other.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  H5Fclose(f);
  EXPECT_FALSE(ebsd::io::looks_like_native(tmp / "other.h5"));

  EXPECT_FALSE(ebsd::io::looks_like_native(tmp / "absent.ebsd.h5"));
  EXPECT_FALSE(ebsd::io::looks_like_native(tmp.path()));
}

}  // namespace

// How the native reader gets the per-voxel datasets off disk (io/src/parallel_chunks.cpp): the
// parallel-chunk reader and the plain H5Dread reader give the same volume; datasets stored as
// the previous writer stored them (HDF5's own shuffle + deflate filters through H5Dwrite) or as
// other tools might rewrite them (other chunk shapes, contiguous, other filters, big-endian)
// read back equal; a damaged chunk is an error naming the file and the dataset; cancelling
// stops the read.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cstring>
#include <fstream>
#include <random>

#include "ebsd/core/error.hpp"
#include "ebsd/io/native_file.hpp"
#include "run_command.hpp"

namespace {

using ebsd::Volume;
using ebsd::io::NativeReadMethod;
using ebsd::io::read_native;
using ebsd::io::write_native;

Volume random_volume(ebsd::Index3 dims, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  std::normal_distribution<double> normal;
  Volume v(dims, {0.5, 0.5, 1.0});
  v.phases() = {{"Nickel", ebsd::LaueGroup::CubicHigh, {3.52, 3.52, 3.52, 90, 90, 90}}};
  std::vector<std::int32_t> ids(static_cast<std::size_t>(v.voxel_count()));
  ebsd::Channel bse{std::vector<float>(ids.size()), "", "backscatter"};
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    const auto k = static_cast<std::size_t>(i);
    v.set_orientation(i, ebsd::Quat(normal(rng), normal(rng), normal(rng), normal(rng)).normalized());
    v.phase_ids()[k] = static_cast<std::int32_t>(rng() % 2);
    v.confidence()[k] = unit(rng);
    v.image_quality()[k] = 1000.0f * unit(rng);
    v.valid()[k] = static_cast<std::uint8_t>(rng() % 2);
    ids[k] = static_cast<std::int32_t>(k / 50);
    bse.values[k] = unit(rng);
  }
  v.set_grain_ids(std::move(ids));
  v.set_channel("BSE", std::move(bse));
  return v;
}

// Replaces dataset `path` by one with the same values, stored with `dcpl` as `file_type`, written
// through H5Dwrite (so HDF5's own filters encode it).
void restore_dataset(const std::filesystem::path& file, const char* path, hid_t memory_type, hid_t file_type,
                     hid_t dcpl) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  const hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
  ASSERT_GE(d, 0);
  const hid_t space = H5Dget_space(d);
  std::vector<std::uint8_t> values(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)) * H5Tget_size(memory_type));
  ASSERT_GE(H5Dread(d, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), 0);
  H5Dclose(d);
  ASSERT_GE(H5Ldelete(f, path, H5P_DEFAULT), 0);
  const hid_t n = H5Dcreate2(f, path, file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  ASSERT_GE(n, 0);
  ASSERT_GE(H5Dwrite(n, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), 0);
  H5Dclose(n);
  H5Sclose(space);
  H5Fclose(f);
}

hid_t chunked(std::initializer_list<hsize_t> chunk, bool shuffle, int deflate, bool fletcher32 = false) {
  const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  std::vector<hsize_t> c(chunk);
  H5Pset_chunk(dcpl, static_cast<int>(c.size()), c.data());
  if (shuffle) H5Pset_shuffle(dcpl);
  if (deflate >= 0) H5Pset_deflate(dcpl, static_cast<unsigned>(deflate));
  if (fletcher32) H5Pset_fletcher32(dcpl);
  return dcpl;
}

TEST(NativeFileStorage, ParallelChunkAndHdf5ReadersGiveTheWrittenVolume) {
  ebsd::test::TempDir tmp;
  // 300 x 40 x 7: partial chunks along x (256 + 44), so chunks are not whole slices.
  for (const ebsd::Index3 dims : {ebsd::Index3{300, 40, 7}, ebsd::Index3{33, 17, 70}, ebsd::Index3{1, 1, 1}}) {
    const Volume v = random_volume(dims, 5);
    write_native(tmp / "v.ebsd.h5", v);
    EXPECT_EQ(read_native(tmp / "v.ebsd.h5", ebsd::Progress::none(), NativeReadMethod::Hdf5), v);
    EXPECT_EQ(read_native(tmp / "v.ebsd.h5", ebsd::Progress::none(), NativeReadMethod::ParallelChunks), v);
  }
}

TEST(NativeFileStorage, ReadsDatasetsStoredThroughHdf5sFiltersAndOtherLayouts) {
  ebsd::test::TempDir tmp;
  const Volume v = random_volume({70, 30, 9}, 8);
  const auto file = tmp / "v.ebsd.h5";
  write_native(file, v);
  // As the writer before parallel chunks stored them: one chunk per slice, shuffle + deflate 4.
  hid_t p = chunked({9, 30, 70, 4}, true, 4);
  p = (H5Pclose(p), chunked({1, 30, 70, 4}, true, 4));
  restore_dataset(file, "/voxels/quaternions", H5T_NATIVE_FLOAT, H5T_IEEE_F32LE, p);
  H5Pclose(p);
  // Chunks that cut every dimension, deflate without shuffle.
  p = chunked({2, 7, 11}, false, 9);
  restore_dataset(file, "/voxels/phase_ids", H5T_NATIVE_INT32, H5T_STD_I32LE, p);
  H5Pclose(p);
  // A checksum filter this reader does not decode itself: H5Dread reads it.
  p = chunked({3, 30, 70}, true, 1, true);
  restore_dataset(file, "/voxels/confidence", H5T_NATIVE_FLOAT, H5T_IEEE_F32LE, p);
  H5Pclose(p);
  // Contiguous, and big-endian (HDF5 converts).
  restore_dataset(file, "/voxels/image_quality", H5T_NATIVE_FLOAT, H5T_IEEE_F32BE, H5P_DEFAULT);
  // Chunked without filters.
  p = chunked({4, 4, 4}, false, -1);
  restore_dataset(file, "/voxels/grain_ids", H5T_NATIVE_INT32, H5T_STD_I32LE, p);
  H5Pclose(p);
  p = chunked({5, 5, 5}, true, 6);
  restore_dataset(file, "/voxels/valid", H5T_NATIVE_UINT8, H5T_STD_U8LE, p);
  H5Pclose(p);

  EXPECT_EQ(read_native(file), v);
  EXPECT_EQ(read_native(file, ebsd::Progress::none(), NativeReadMethod::Hdf5), v);
}

TEST(NativeFileStorage, DamagedChunkIsAnErrorNamingTheFileAndDataset) {
  ebsd::test::TempDir tmp;
  const Volume v = random_volume({64, 64, 48}, 9);
  const auto file = tmp / "v.ebsd.h5";
  write_native(file, v);
  // Find the stored bytes of the third chunk of /voxels/confidence and scramble their middle.
  haddr_t address = 0;
  hsize_t size = 0;
  {
    const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t d = H5Dopen2(f, "/voxels/confidence", H5P_DEFAULT);
    const hsize_t offset[3] = {2 * 16, 0, 0};  // 64 x 64 slices: 16 slices a chunk
    hsize_t at[3] = {};
    unsigned mask = 0;
    hsize_t index = 0, count = 0;
    const hid_t space = H5Dget_space(d);
    ASSERT_GE(H5Dget_num_chunks(d, space, &count), 0);
    ASSERT_EQ(count, 3u);
    for (; index < count; ++index) {
      ASSERT_GE(H5Dget_chunk_info(d, space, index, at, &mask, &address, &size), 0);
      if (at[0] == offset[0]) break;
    }
    ASSERT_LT(index, count) << "no chunk starts at z = " << offset[0];
    H5Sclose(space);
    H5Dclose(d);
    H5Fclose(f);
  }
  ASSERT_GT(size, 64u);
  {
    std::fstream out(file, std::ios::in | std::ios::out | std::ios::binary);
    out.seekp(static_cast<std::streamoff>(address + size / 2));
    const std::string junk(16, '\x5A');
    out.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  for (const auto method : {NativeReadMethod::ParallelChunks, NativeReadMethod::Hdf5}) {
    try {
      read_native(file, ebsd::Progress::none(), method);
      ADD_FAILURE() << "a damaged chunk was read without an error";
    } catch (const ebsd::Error& e) {
      EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("/voxels/confidence"), std::string::npos) << e.what();
    }
  }
}

TEST(NativeFileStorage, CancellingStopsTheRead) {
  ebsd::test::TempDir tmp;
  const Volume v = random_volume({128, 128, 8}, 10);
  write_native(tmp / "v.ebsd.h5", v);
  ebsd::CancelToken token;
  int reports = 0;
  ebsd::Progress p([&](double, const std::string&) { if (++reports == 3) token.cancel(); }, &token);
  EXPECT_THROW(read_native(tmp / "v.ebsd.h5", p), ebsd::Cancelled);
  EXPECT_EQ(reports, 3);
  // and the next read is not disturbed
  EXPECT_EQ(read_native(tmp / "v.ebsd.h5"), v);
}

}  // namespace

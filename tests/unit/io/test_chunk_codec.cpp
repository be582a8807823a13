// The chunk codec of the native reader and writer (io/src/chunk_codec.hpp): shuffle and
// unshuffle against a byte-by-byte reference of HDF5's shuffle filter (including the leftover
// bytes after the last whole element), and decoding that accepts only exactly the chunk's
// bytes. That these bytes are HDF5's own is checked through HDF5 in test_native_file.cpp.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "../../../io/src/chunk_codec.hpp"

namespace {

using ebsd::io::h5::ChunkDecoder;
using ebsd::io::h5::ChunkEncoder;
using ebsd::io::h5::ChunkFilters;

std::vector<std::uint8_t> random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

// HDF5's H5Z shuffle, written out: byte k of element i goes to k * n + i; the bytes after the
// last whole element stay where they are.
std::vector<std::uint8_t> reference_shuffle(const std::vector<std::uint8_t>& in, std::size_t size) {
  std::vector<std::uint8_t> out(in);
  if (size <= 1 || in.size() < size) return out;
  const std::size_t n = in.size() / size;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < size; ++k) out[k * n + i] = in[i * size + k];
  return out;
}

TEST(ChunkCodec, ShuffleMatchesHdf5sByteOrderForEveryElementSizeAndLength) {
  for (std::size_t size : {1u, 2u, 3u, 4u, 8u})
    for (std::size_t bytes : {0u, 1u, 3u, 4u, 63u, 64u, 65u, 127u, 1000u, 4099u}) {
      const auto in = random_bytes(bytes, static_cast<unsigned>(size * 10007 + bytes));
      std::vector<std::uint8_t> shuffled(bytes), back(bytes);
      ebsd::io::h5::shuffle(in.data(), shuffled.data(), bytes, size);
      EXPECT_EQ(shuffled, reference_shuffle(in, size)) << "element size " << size << ", " << bytes << " bytes";
      ebsd::io::h5::unshuffle(shuffled.data(), back.data(), bytes, size);
      EXPECT_EQ(back, in) << "element size " << size << ", " << bytes << " bytes";
    }
}

TEST(ChunkCodec, EncodedChunksDecodeToTheSameBytesWithEveryFilterCombination) {
  // Compressible floats (a smooth ramp) and incompressible bytes.
  std::vector<std::uint8_t> smooth(4 * 5000);
  for (std::size_t i = 0; i < 5000; ++i) {
    const float x = 0.001f * static_cast<float>(i);
    std::memcpy(&smooth[4 * i], &x, 4);
  }
  const std::vector<std::vector<std::uint8_t>> inputs{smooth, random_bytes(20000, 3)};
  for (std::size_t which = 0; which < inputs.size(); ++which)
    for (bool shuffle : {false, true})
      for (bool deflate : {false, true}) {
        const ChunkFilters f{shuffle, deflate, 4, 4};
        const auto& data = inputs[which];
        ChunkEncoder encoder;
        ChunkDecoder decoder;
        std::span<const std::uint8_t> stored;
        ASSERT_TRUE(encoder.encode(f, data, stored));
        if (deflate && shuffle && which == 0) {
          EXPECT_LT(stored.size(), data.size() / 2);
        }
        std::vector<std::uint8_t> out(data.size());
        ASSERT_TRUE(decoder.decode(f, stored, out)) << shuffle << deflate;
        EXPECT_EQ(out, data) << shuffle << deflate;
      }
}

TEST(ChunkCodec, DecodingRefusesDamagedOrWronglySizedChunks) {
  const auto data = random_bytes(8192, 5);
  const ChunkFilters f{true, true, 4, 4};
  ChunkEncoder encoder;
  ChunkDecoder decoder;
  std::span<const std::uint8_t> stored_view;
  ASSERT_TRUE(encoder.encode(f, data, stored_view));
  const std::vector<std::uint8_t> stored(stored_view.begin(), stored_view.end());

  std::vector<std::uint8_t> out(data.size());
  ASSERT_TRUE(decoder.decode(f, stored, out));
  std::vector<std::uint8_t> shorter(data.size() - 4), longer(data.size() + 4);
  EXPECT_FALSE(decoder.decode(f, stored, shorter));
  EXPECT_FALSE(decoder.decode(f, stored, longer));
  auto damaged = stored;
  damaged[damaged.size() / 2] ^= 0x5A;  // the zlib checksum (or the stream) no longer agrees
  EXPECT_FALSE(decoder.decode(f, damaged, out));
  EXPECT_FALSE(decoder.decode(f, std::span(stored).first(stored.size() / 2), out));
  // Without deflate, the stored size must be the chunk's size.
  EXPECT_FALSE(decoder.decode(ChunkFilters{true, false, 0, 4}, std::span(data).first(100), out));
}

}  // namespace

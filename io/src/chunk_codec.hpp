#pragma once
// Private to io/: decoding and encoding of one stored HDF5 chunk for the two filters the native
// file uses (shuffle, then deflate), without HDF5, so that worker threads can do it while the
// one thread allowed into HDF5 moves raw chunks (H5Dread_chunk / H5Dwrite_chunk). Produces
// and accepts exactly the bytes of HDF5's own filters: the shuffle of H5Z_FILTER_SHUFFLE (byte
// k of every element together, leftover bytes at the end as they are) and the zlib stream
// (RFC 1950) of H5Z_FILTER_DEFLATE. Inflating uses libdeflate where the build found it (about
// twice as fast as zlib), else zlib.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace ebsd::io::h5 {

// The filters of a chunked dataset, in pipeline order shuffle -> deflate (either may be off).
struct ChunkFilters {
  bool shuffle = false;
  bool deflate = false;
  int deflate_level = 0;        // for encoding
  std::size_t element_size = 1;  // bytes per element, for the shuffle
};

// Undoes HDF5's shuffle: in holds byte planes (byte k of all elements together), out gets
// whole elements. in and out must not overlap; both have `bytes` bytes.
void unshuffle(const std::uint8_t* in, std::uint8_t* out, std::size_t bytes, std::size_t element_size);
// HDF5's shuffle.
void shuffle(const std::uint8_t* in, std::uint8_t* out, std::size_t bytes, std::size_t element_size);

// One per thread: holds the inflater's state and scratch memory between chunks.
class ChunkDecoder {
public:
  ChunkDecoder();
  ~ChunkDecoder();
  ChunkDecoder(const ChunkDecoder&) = delete;
  ChunkDecoder& operator=(const ChunkDecoder&) = delete;

  // Decodes one stored chunk (as H5Dread_chunk returns it, every filter applied) into `out`,
  // whose size is the chunk's size in bytes. False when the stored bytes do not decode to
  // exactly out.size() bytes (damaged data); out's contents are then unspecified.
  bool decode(const ChunkFilters& filters, std::span<const std::uint8_t> stored, std::span<std::uint8_t> out);

private:
  bool inflate(std::span<const std::uint8_t> stored, std::span<std::uint8_t> out);
  void* inflater_ = nullptr;  // libdeflate's decompressor when built with it
  std::vector<std::uint8_t> scratch_;
};

// One per thread: encodes whole chunks for H5Dwrite_chunk.
class ChunkEncoder {
public:
  ChunkEncoder();
  ~ChunkEncoder();
  ChunkEncoder(const ChunkEncoder&) = delete;
  ChunkEncoder& operator=(const ChunkEncoder&) = delete;

  // Returns the stored bytes of `chunk` (valid until the next call). With deflate, falls back
  // to false when the encoder fails (out of memory); the caller then writes through HDF5.
  bool encode(const ChunkFilters& filters, std::span<const std::uint8_t> chunk, std::span<const std::uint8_t>& stored);

private:
  void* deflater_ = nullptr;
  int deflater_level_ = -1;
  std::vector<std::uint8_t> shuffled_, compressed_;
};

}  // namespace ebsd::io::h5

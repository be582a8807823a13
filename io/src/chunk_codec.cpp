#include "chunk_codec.hpp"

#include <cstring>
#include <zlib.h>

#if defined(EBSD_HAVE_LIBDEFLATE)
#include <libdeflate.h>
#endif
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ebsd::io::h5 {

void unshuffle(const std::uint8_t* in, std::uint8_t* out, std::size_t bytes, std::size_t element_size) {
  if (element_size <= 1 || bytes < element_size) {
    std::memcpy(out, in, bytes);
    return;
  }
  const std::size_t n = bytes / element_size;
  std::size_t i = 0;
#if defined(__SSE2__)
  if (element_size == 4) {
    // 16 elements a step: interleave the four byte planes (bytes, then 16-bit pairs).
    const std::uint8_t *p0 = in, *p1 = in + n, *p2 = in + 2 * n, *p3 = in + 3 * n;
    for (; i + 16 <= n; i += 16) {
      const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p0 + i));
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p1 + i));
      const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p2 + i));
      const __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p3 + i));
      const __m128i ab_lo = _mm_unpacklo_epi8(a, b), ab_hi = _mm_unpackhi_epi8(a, b);
      const __m128i cd_lo = _mm_unpacklo_epi8(c, d), cd_hi = _mm_unpackhi_epi8(c, d);
      __m128i* o = reinterpret_cast<__m128i*>(out + i * 4);
      _mm_storeu_si128(o + 0, _mm_unpacklo_epi16(ab_lo, cd_lo));
      _mm_storeu_si128(o + 1, _mm_unpackhi_epi16(ab_lo, cd_lo));
      _mm_storeu_si128(o + 2, _mm_unpacklo_epi16(ab_hi, cd_hi));
      _mm_storeu_si128(o + 3, _mm_unpackhi_epi16(ab_hi, cd_hi));
    }
  }
#endif
  for (std::size_t b = 0; b < element_size; ++b) {
    const std::uint8_t* plane = in + b * n;
    for (std::size_t k = i; k < n; ++k) out[k * element_size + b] = plane[k];
  }
  // HDF5 leaves the bytes after the last whole element where they are.
  const std::size_t tail = n * element_size;
  std::memcpy(out + tail, in + tail, bytes - tail);
}

void shuffle(const std::uint8_t* in, std::uint8_t* out, std::size_t bytes, std::size_t element_size) {
  if (element_size <= 1 || bytes < element_size) {
    std::memcpy(out, in, bytes);
    return;
  }
  const std::size_t n = bytes / element_size;
  std::size_t i = 0;
#if defined(__SSE2__)
  if (element_size == 4) {
    // 16 elements a step: two rounds of byte de-interleaving leave each byte plane in one lane.
    const __m128i low_bytes = _mm_set1_epi16(0x00FF);
    for (; i + 16 <= n; i += 16) {
      const __m128i* s = reinterpret_cast<const __m128i*>(in + i * 4);
      __m128i v0 = _mm_loadu_si128(s), v1 = _mm_loadu_si128(s + 1), v2 = _mm_loadu_si128(s + 2),
              v3 = _mm_loadu_si128(s + 3);
      // even bytes (planes 0, 2) and odd bytes (planes 1, 3) of each 16-bit pair
      const __m128i e01 = _mm_packus_epi16(_mm_and_si128(v0, low_bytes), _mm_and_si128(v1, low_bytes));
      const __m128i e23 = _mm_packus_epi16(_mm_and_si128(v2, low_bytes), _mm_and_si128(v3, low_bytes));
      const __m128i o01 = _mm_packus_epi16(_mm_srli_epi16(v0, 8), _mm_srli_epi16(v1, 8));
      const __m128i o23 = _mm_packus_epi16(_mm_srli_epi16(v2, 8), _mm_srli_epi16(v3, 8));
      // e: b0 b2 b0 b2 ... (16 bytes per 8 elements); split again into planes 0 and 2
      const __m128i p0 = _mm_packus_epi16(_mm_and_si128(e01, low_bytes), _mm_and_si128(e23, low_bytes));
      const __m128i p2 = _mm_packus_epi16(_mm_srli_epi16(e01, 8), _mm_srli_epi16(e23, 8));
      const __m128i p1 = _mm_packus_epi16(_mm_and_si128(o01, low_bytes), _mm_and_si128(o23, low_bytes));
      const __m128i p3 = _mm_packus_epi16(_mm_srli_epi16(o01, 8), _mm_srli_epi16(o23, 8));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), p0);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + n + i), p1);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 2 * n + i), p2);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 3 * n + i), p3);
    }
  }
#endif
  for (std::size_t b = 0; b < element_size; ++b) {
    std::uint8_t* plane = out + b * n;
    for (std::size_t k = i; k < n; ++k) plane[k] = in[k * element_size + b];
  }
  const std::size_t tail = n * element_size;
  std::memcpy(out + tail, in + tail, bytes - tail);
}

// ------------------------------------------------------------------------------------------

ChunkDecoder::ChunkDecoder() {
#if defined(EBSD_HAVE_LIBDEFLATE)
  inflater_ = libdeflate_alloc_decompressor();
#endif
}

ChunkDecoder::~ChunkDecoder() {
#if defined(EBSD_HAVE_LIBDEFLATE)
  if (inflater_) libdeflate_free_decompressor(static_cast<libdeflate_decompressor*>(inflater_));
#endif
}

bool ChunkDecoder::inflate(std::span<const std::uint8_t> stored, std::span<std::uint8_t> out) {
#if defined(EBSD_HAVE_LIBDEFLATE)
  if (inflater_) {
    // No actual-size pointer: libdeflate then succeeds only for exactly out.size() bytes.
    return libdeflate_zlib_decompress(static_cast<libdeflate_decompressor*>(inflater_), stored.data(), stored.size(),
                                      out.data(), out.size(), nullptr) == LIBDEFLATE_SUCCESS;
  }
#endif
  if (stored.size() > static_cast<std::size_t>(static_cast<uLong>(-1)) ||
      out.size() > static_cast<std::size_t>(static_cast<uLongf>(-1)))
    return false;
  uLongf produced = static_cast<uLongf>(out.size());
  uLong consumed = static_cast<uLong>(stored.size());
  return uncompress2(out.data(), &produced, stored.data(), &consumed) == Z_OK && produced == out.size();
}

bool ChunkDecoder::decode(const ChunkFilters& filters, std::span<const std::uint8_t> stored,
                          std::span<std::uint8_t> out) {
  if (!filters.deflate) {
    if (stored.size() != out.size()) return false;
    if (filters.shuffle)
      unshuffle(stored.data(), out.data(), out.size(), filters.element_size);
    else
      std::memcpy(out.data(), stored.data(), out.size());
    return true;
  }
  if (!filters.shuffle) return inflate(stored, out);
  if (scratch_.size() < out.size()) scratch_.resize(out.size());
  const std::span<std::uint8_t> plain(scratch_.data(), out.size());
  if (!inflate(stored, plain)) return false;
  unshuffle(plain.data(), out.data(), out.size(), filters.element_size);
  return true;
}

// ------------------------------------------------------------------------------------------

ChunkEncoder::ChunkEncoder() = default;

ChunkEncoder::~ChunkEncoder() {
#if defined(EBSD_HAVE_LIBDEFLATE)
  if (deflater_) libdeflate_free_compressor(static_cast<libdeflate_compressor*>(deflater_));
#endif
}

bool ChunkEncoder::encode(const ChunkFilters& filters, std::span<const std::uint8_t> chunk,
                          std::span<const std::uint8_t>& stored) {
  std::span<const std::uint8_t> plain = chunk;
  if (filters.shuffle) {
    shuffled_.resize(chunk.size());
    shuffle(chunk.data(), shuffled_.data(), chunk.size(), filters.element_size);
    plain = shuffled_;
  }
  if (!filters.deflate) {
    stored = plain;
    return true;
  }
#if defined(EBSD_HAVE_LIBDEFLATE)
  if (!deflater_ || deflater_level_ != filters.deflate_level) {
    if (deflater_) libdeflate_free_compressor(static_cast<libdeflate_compressor*>(deflater_));
    deflater_ = libdeflate_alloc_compressor(filters.deflate_level);
    deflater_level_ = filters.deflate_level;
  }
  if (deflater_) {
    auto* c = static_cast<libdeflate_compressor*>(deflater_);
    compressed_.resize(libdeflate_zlib_compress_bound(c, plain.size()));
    const std::size_t n = libdeflate_zlib_compress(c, plain.data(), plain.size(), compressed_.data(), compressed_.size());
    if (n == 0) return false;
    stored = std::span<const std::uint8_t>(compressed_.data(), n);
    return true;
  }
#endif
  if (plain.size() > static_cast<std::size_t>(static_cast<uLong>(-1))) return false;
  uLongf n = compressBound(static_cast<uLong>(plain.size()));
  compressed_.resize(n);
  if (compress2(compressed_.data(), &n, plain.data(), static_cast<uLong>(plain.size()), filters.deflate_level) != Z_OK)
    return false;
  stored = std::span<const std::uint8_t>(compressed_.data(), n);
  return true;
}

}  // namespace ebsd::io::h5

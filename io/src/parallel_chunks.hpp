#pragma once
// Private to io/: whole-dataset reads and writes of chunked datasets whose chunks are decoded
// or encoded on worker threads. HDF5 itself stays on the calling thread (it is serialised by
// the Session): there it only moves raw chunks (H5Dread_chunk, H5Dwrite_chunk), while the
// workers inflate/deflate and (un)shuffle them (chunk_codec.hpp) straight from or into the
// caller's array. This is what makes a large native file open several times faster than
// H5Dread, which decodes one chunk at a time and then copies it once more.
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "chunk_codec.hpp"
#include "hdf5_handle.hpp"

namespace ebsd::io::h5 {

// Called on the calling thread, at least once a chunk, with the bytes finished since the
// previous call (possibly 0); may throw (ebsd::Cancelled) to stop: the workers are then
// stopped and joined before the exception propagates.
using ByteCounter = std::function<void(double bytes)>;

// Worker threads for one read or write: the hardware's threads, at most 8.
unsigned chunk_worker_count();

// Reads all of `dataset` (element type T, shape `shape`, C order) into `out`, which has
// exactly as many elements. Returns false, having read nothing, when the dataset is not one
// this path handles (not chunked; a stored type other than T's native type; filters other than
// shuffle and deflate), and the caller reads it through H5Dread instead. Chunks that are
// unallocated, stored with a filter skipped, or that do not decode are read through H5Dread,
// so damaged data fails with HDF5's own message. Throws ebsd::Error naming the file and `path`.
template <class T>
bool read_chunked_parallel(const Session& s, hid_t dataset, std::span<const hsize_t> shape, std::span<T> out,
                           const std::string& path, const ByteCounter& advance);

// Writes all of `data` into `dataset`, which must have just been created by
// create_chunked_dataset<T> (compress = true or false) with shape `shape`; the chunks are
// encoded by workers with the filters and level the dataset was created with and written raw.
template <class T>
void write_chunked_parallel(const Session& s, hid_t dataset, std::span<const hsize_t> shape, std::span<const T> data,
                            const std::string& path, const ByteCounter& advance);

}  // namespace ebsd::io::h5

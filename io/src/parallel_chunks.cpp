#include "parallel_chunks.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "ebsd/core/error.hpp"

namespace ebsd::io::h5 {
namespace {

template <class T>
hid_t native_type();
template <>
hid_t native_type<float>() { return H5T_NATIVE_FLOAT; }
template <>
hid_t native_type<std::int32_t>() { return H5T_NATIVE_INT32; }
template <>
hid_t native_type<std::uint8_t>() { return H5T_NATIVE_UINT8; }

// How a dataset's chunks are stored, when this path can decode them itself.
struct ChunkLayout {
  std::vector<hsize_t> shape, chunk;
  ChunkFilters filters;
  std::size_t element_size = 0;
  std::size_t chunk_bytes = 0;
  std::size_t chunk_count = 0;
};

// nullopt unless the dataset is chunked, stores exactly the native type and uses no filter
// but shuffle (of whole elements) followed by deflate.
std::optional<ChunkLayout> inspect(const Session& s, hid_t dataset, hid_t memory_type, std::size_t element_size,
                                   std::span<const hsize_t> shape, const std::string& path) {
  Handle type(s.check(H5Dget_type(dataset), "cannot read the dataset's type", path), H5Tclose);
  if (H5Tequal(type.get(), memory_type) <= 0) return std::nullopt;
  Handle dcpl(s.check(H5Dget_create_plist(dataset), "cannot read the dataset's storage properties", path), H5Pclose);
  if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED) return std::nullopt;
  ChunkLayout l;
  l.shape.assign(shape.begin(), shape.end());
  l.chunk.resize(shape.size());
  if (shape.empty() || H5Pget_chunk(dcpl.get(), static_cast<int>(shape.size()), l.chunk.data()) != static_cast<int>(shape.size()))
    return std::nullopt;
  l.element_size = element_size;
  l.filters.element_size = element_size;
  l.chunk_bytes = element_size;
  l.chunk_count = 1;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (l.chunk[d] == 0) return std::nullopt;
    l.chunk_bytes *= l.chunk[d];
    l.chunk_count *= (shape[d] + l.chunk[d] - 1) / l.chunk[d];
  }
  const int n = H5Pget_nfilters(dcpl.get());
  if (n < 0 || n > 2) return std::nullopt;
  for (int k = 0; k < n; ++k) {
    unsigned flags = 0, config = 0;
    unsigned cd[8] = {};
    std::size_t cd_count = 8;
    char name[64];
    const H5Z_filter_t id = H5Pget_filter2(dcpl.get(), static_cast<unsigned>(k), &flags, &cd_count, cd, sizeof name,
                                           name, &config);
    if (id == H5Z_FILTER_SHUFFLE && k == 0 && !l.filters.deflate) {
      // HDF5 records the element size it shuffled by as the first parameter.
      if (cd_count >= 1 && cd[0] != element_size) return std::nullopt;
      l.filters.shuffle = true;
    } else if (id == H5Z_FILTER_DEFLATE && !l.filters.deflate) {
      l.filters.deflate = true;
      l.filters.deflate_level = cd_count >= 1 ? static_cast<int>(cd[0]) : 6;
    } else {
      return std::nullopt;
    }
  }
  return l;
}

// The chunk with number k (row-major over the chunk grid): its first element in each dimension.
std::vector<hsize_t> chunk_offset(const ChunkLayout& l, std::size_t k) {
  std::vector<hsize_t> offset(l.shape.size());
  for (std::size_t d = l.shape.size(); d-- > 0;) {
    const hsize_t per = (l.shape[d] + l.chunk[d] - 1) / l.chunk[d];
    offset[d] = (k % per) * l.chunk[d];
    k /= per;
  }
  return offset;
}

// Where a chunk lands in the whole array: a contiguous run when the chunk spans every
// dimension but the first, else rows of the last dimension.
struct Placement {
  std::vector<hsize_t> extent;  // the chunk's part inside the dataset
  bool contiguous = false;      // chunk spans all dimensions after the first
  bool full = false;            // ... and is not cut by the end of the first
  std::size_t first_byte = 0;   // of the chunk's first element in the array (contiguous)
};

Placement place(const ChunkLayout& l, const std::vector<hsize_t>& offset) {
  Placement p;
  p.extent.resize(l.shape.size());
  p.contiguous = true;
  for (std::size_t d = 0; d < l.shape.size(); ++d) {
    p.extent[d] = std::min(l.chunk[d], l.shape[d] - offset[d]);
    if (d > 0 && l.chunk[d] != l.shape[d]) p.contiguous = false;
  }
  p.full = p.contiguous && p.extent[0] == l.chunk[0];
  std::size_t inner = l.element_size;
  for (std::size_t d = 1; d < l.shape.size(); ++d) inner *= l.shape[d];
  p.first_byte = offset[0] * inner;
  return p;
}

double region_bytes(const ChunkLayout& l, const Placement& p) {
  double bytes = static_cast<double>(l.element_size);
  for (hsize_t e : p.extent) bytes *= static_cast<double>(e);
  return bytes;
}

// Calls f(array byte, chunk byte, bytes) for each run of the last dimension of the chunk's part
// inside the dataset: where it lies in the whole array and in a buffer of the full chunk shape.
template <class F>
void for_each_run(const ChunkLayout& l, const std::vector<hsize_t>& offset, const Placement& p, F&& f) {
  const std::size_t rank = l.shape.size();
  const std::size_t run = p.extent[rank - 1] * l.element_size;
  std::vector<hsize_t> i(rank, 0);  // position inside the chunk, last dimension fixed at 0
  while (true) {
    std::size_t a = 0, c = 0;
    for (std::size_t d = 0; d < rank; ++d) {
      a = a * l.shape[d] + offset[d] + i[d];
      c = c * l.chunk[d] + i[d];
    }
    f(a * l.element_size, c * l.element_size, run);
    std::size_t d = rank - 1;
    while (d-- > 0) {
      if (++i[d] < p.extent[d]) break;
      i[d] = 0;
    }
    if (d == static_cast<std::size_t>(-1)) return;
  }
}

// Worker threads that run jobs of type Job through `work`, at most `capacity` waiting.
// Stopping (the destructor) drops waiting jobs and joins.
// Worker threads that run jobs of type Job, at most `capacity` waiting. Each thread calls
// make_work() once for its own job function (and so its own decoder and buffers). Stopping
// (the destructor) drops waiting jobs and joins; finish() runs them all and rethrows the first
// exception a job threw.
template <class Job>
class WorkerPool {
public:
  template <class MakeWork>
  WorkerPool(unsigned workers, std::size_t capacity, MakeWork make_work) : capacity_(capacity) {
    for (unsigned k = 0; k < workers; ++k)
      threads_.emplace_back([this, make_work] {
        try {
          auto work = make_work();
          while (true) {
            std::unique_lock lock(m_);
            has_work_.wait(lock, [&] { return stop_ || closed_ || !jobs_.empty(); });
            if (stop_ || jobs_.empty()) return;
            Job job = std::move(jobs_.front());
            jobs_.pop_front();
            lock.unlock();
            has_space_.notify_one();
            work(job);
          }
        } catch (...) {
          std::lock_guard lock(m_);
          if (!error_) error_ = std::current_exception();
          stop_ = true;
          has_space_.notify_all();
        }
      });
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool() {
    {
      std::lock_guard lock(m_);
      stop_ = true;
    }
    has_work_.notify_all();
    join();
  }
  void push(Job job) {
    std::unique_lock lock(m_);
    has_space_.wait(lock, [&] { return stop_ || jobs_.size() < capacity_; });
    if (stop_) std::rethrow_exception(error_);
    jobs_.push_back(std::move(job));
    lock.unlock();
    has_work_.notify_one();
  }
  void finish() {
    {
      std::lock_guard lock(m_);
      closed_ = true;
    }
    has_work_.notify_all();
    join();
    if (error_) std::rethrow_exception(error_);
  }

private:
  void join() {
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  std::mutex m_;
  std::condition_variable has_work_, has_space_;
  std::deque<Job> jobs_;
  std::size_t capacity_;
  bool closed_ = false, stop_ = false;
  std::exception_ptr error_;
  std::vector<std::thread> threads_;
};

// Reads one region through HDF5 (filters, conversions and errors all HDF5's own).
void read_region_through_hdf5(const Session& s, hid_t dataset, hid_t memory_type, const ChunkLayout& l,
                              const std::vector<hsize_t>& offset, const std::vector<hsize_t>& extent, void* array,
                              const std::string& path) {
  const int rank = static_cast<int>(l.shape.size());
  Handle file_space(s.check(H5Dget_space(dataset), "cannot read the dataset's shape", path), H5Sclose);
  Handle memory_space(s.check(H5Screate_simple(rank, l.shape.data(), nullptr), "cannot create a dataspace", path),
                      H5Sclose);
  for (hid_t space : {file_space.get(), memory_space.get()})
    s.check_status(H5Sselect_hyperslab(space, H5S_SELECT_SET, offset.data(), nullptr, extent.data(), nullptr),
                   "cannot select a chunk", path);
  std::string at;
  for (std::size_t d = 0; d < offset.size(); ++d) at += (d ? ", " : "") + std::to_string(offset[d]);
  s.check_status(H5Dread(dataset, memory_type, memory_space.get(), file_space.get(), H5P_DEFAULT, array),
                 "cannot read the chunk at (" + at + ") (truncated or damaged file?)", path);
}

}  // namespace

unsigned chunk_worker_count() { return std::clamp(std::thread::hardware_concurrency(), 1u, 8u); }

template <class T>
bool read_chunked_parallel(const Session& s, hid_t dataset, std::span<const hsize_t> shape, std::span<T> out,
                           const std::string& path, const ByteCounter& advance) {
  const std::optional<ChunkLayout> found = inspect(s, dataset, native_type<T>(), sizeof(T), shape, path);
  if (!found) return false;
  const ChunkLayout& l = *found;
  auto* array = reinterpret_cast<std::uint8_t*>(out.data());

  struct Job {
    std::vector<hsize_t> offset;
    std::vector<std::uint8_t> stored;
  };
  std::mutex m;  // guards the three below
  std::vector<std::vector<hsize_t>> undecoded;
  std::vector<std::vector<std::uint8_t>> spare;  // stored-chunk buffers to reuse
  double done = 0, reported = 0;

  std::vector<std::vector<hsize_t>> through_hdf5;  // unallocated or partly filtered chunks
  {
    const unsigned workers = chunk_worker_count();
    WorkerPool<Job> pool(workers, 2 * workers, [&] {
      return [&, decoder = std::make_unique<ChunkDecoder>(), buffer = std::vector<std::uint8_t>()](Job& job) mutable {
        bool ok = false;
        const Placement p = place(l, job.offset);
        try {
          if (p.full) {
            ok = decoder->decode(l.filters, job.stored, std::span(array + p.first_byte, l.chunk_bytes));
          } else {
            buffer.resize(l.chunk_bytes);
            ok = decoder->decode(l.filters, job.stored, buffer);
            if (ok)
              for_each_run(l, job.offset, p, [&](std::size_t a, std::size_t c, std::size_t n) {
                std::memcpy(array + a, buffer.data() + c, n);
              });
          }
        } catch (const std::bad_alloc&) {
          ok = false;  // no memory for scratch: HDF5 gets to try
        }
        std::lock_guard lock(m);
        if (!ok) undecoded.push_back(std::move(job.offset));
        spare.push_back(std::move(job.stored));
        done += region_bytes(l, p);
      };
    });
    auto report = [&] {
      double now;
      {
        std::lock_guard lock(m);
        now = done;
      }
      advance(now - reported);  // also 0: the caller checks for cancellation
      reported = now;
    };
    for (std::size_t k = 0; k < l.chunk_count; ++k) {
      report();
      std::vector<hsize_t> offset = chunk_offset(l, k);
      hsize_t stored_bytes = 0;
      if (H5Dget_chunk_storage_size(dataset, offset.data(), &stored_bytes) < 0 || stored_bytes == 0) {
        s.clear_errors();
        through_hdf5.push_back(std::move(offset));
        continue;
      }
      std::vector<std::uint8_t> stored;
      {
        std::lock_guard lock(m);
        if (!spare.empty()) {
          stored = std::move(spare.back());
          spare.pop_back();
        }
      }
      stored.resize(stored_bytes);
      std::uint32_t skipped_filters = 0;
      if (H5Dread_chunk(dataset, H5P_DEFAULT, offset.data(), &skipped_filters, stored.data()) < 0 || skipped_filters != 0) {
        s.clear_errors();
        through_hdf5.push_back(std::move(offset));
        continue;
      }
      pool.push({std::move(offset), std::move(stored)});
    }
    pool.finish();
    report();
  }
  through_hdf5.insert(through_hdf5.end(), undecoded.begin(), undecoded.end());
  for (const auto& offset : through_hdf5) {
    const Placement p = place(l, offset);
    read_region_through_hdf5(s, dataset, native_type<T>(), l, offset, p.extent, out.data(), path);
    advance(region_bytes(l, p));
  }
  return true;
}

template <class T>
void write_chunked_parallel(const Session& s, hid_t dataset, std::span<const hsize_t> shape, std::span<const T> data,
                            const std::string& path, const ByteCounter& advance) {
  const std::optional<ChunkLayout> found = inspect(s, dataset, native_type<T>(), sizeof(T), shape, path);
  if (!found) throw Error("internal: the dataset cannot be written chunk by chunk", s.file(), path);
  const ChunkLayout& l = *found;
  const auto* array = reinterpret_cast<const std::uint8_t*>(data.data());

  // Chunks are encoded out of order but written in order (the same volume gives the same
  // file), through a window of slots: slot k % window holds chunk k until it is written.
  const unsigned workers = chunk_worker_count();
  const std::size_t window = 3 * static_cast<std::size_t>(workers);
  struct Slot {
    std::vector<std::uint8_t> stored;
    bool ready = false, ok = false;
  };
  std::vector<Slot> slots(window);
  std::mutex m;
  std::condition_variable ready;

  WorkerPool<std::size_t> pool(workers, window, [&] {
    return [&, encoder = std::make_unique<ChunkEncoder>(), buffer = std::vector<std::uint8_t>()](std::size_t& k) mutable {
      const std::vector<hsize_t> offset = chunk_offset(l, k);
      const Placement p = place(l, offset);
      Slot& slot = slots[k % window];
      bool ok = false;
      try {
        std::span<const std::uint8_t> chunk, stored;
        if (p.full) {
          chunk = std::span(array + p.first_byte, l.chunk_bytes);
        } else {
          // Edge chunks are stored whole; HDF5 too fills the part outside the dataset with zeros.
          buffer.assign(l.chunk_bytes, 0);
          for_each_run(l, offset, p, [&](std::size_t a, std::size_t c, std::size_t n) {
            std::memcpy(buffer.data() + c, array + a, n);
          });
          chunk = buffer;
        }
        ok = encoder->encode(l.filters, chunk, stored);
        if (ok) slot.stored.assign(stored.begin(), stored.end());
      } catch (const std::bad_alloc&) {
        ok = false;  // reported by the writing thread
      }
      {
        std::lock_guard lock(m);
        slot.ok = ok;
        slot.ready = true;
      }
      ready.notify_all();
    };
  });
  std::size_t submitted = 0;
  for (std::size_t k = 0; k < l.chunk_count; ++k) {
    while (submitted < l.chunk_count && submitted < k + window) pool.push(submitted++);
    Slot& slot = slots[k % window];
    {
      std::unique_lock lock(m);
      ready.wait(lock, [&] { return slot.ready; });
    }
    const std::vector<hsize_t> offset = chunk_offset(l, k);
    const Placement p = place(l, offset);
    std::string at;
    for (std::size_t d = 0; d < offset.size(); ++d) at += (d ? ", " : "") + std::to_string(offset[d]);
    if (!slot.ok) throw Error("cannot compress the chunk at (" + at + ") (out of memory?)", s.file(), path);
    s.check_status(H5Dwrite_chunk(dataset, H5P_DEFAULT, 0, offset.data(), slot.stored.size(), slot.stored.data()),
                   "cannot write the chunk at (" + at + ")", path);
    {
      std::lock_guard lock(m);
      slot.ready = false;
    }
    advance(region_bytes(l, p));
  }
  pool.finish();
}

#define EBSD_PARALLEL_CHUNKS(T)                                                                                    \
  template bool read_chunked_parallel<T>(const Session&, hid_t, std::span<const hsize_t>, std::span<T>,            \
                                         const std::string&, const ByteCounter&);                                  \
  template void write_chunked_parallel<T>(const Session&, hid_t, std::span<const hsize_t>, std::span<const T>,     \
                                          const std::string&, const ByteCounter&);
EBSD_PARALLEL_CHUNKS(float)
EBSD_PARALLEL_CHUNKS(std::int32_t)
EBSD_PARALLEL_CHUNKS(std::uint8_t)
#undef EBSD_PARALLEL_CHUNKS

}  // namespace ebsd::io::h5

#include "ebsd/volume/voxel_array.hpp"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace ebsd::detail {

void* allocate_voxel_block(std::size_t bytes) {
  if (bytes < kHugePageBytes) return ::operator new(bytes);
  void* p = ::operator new(bytes, std::align_val_t{kHugePageBytes});
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // Advice only: where transparent huge pages are off ("never") this fails harmlessly and the
  // block is used with normal pages.
  (void)::madvise(p, bytes / kHugePageBytes * kHugePageBytes, MADV_HUGEPAGE);
#endif
  return p;
}

void free_voxel_block(void* p, std::size_t bytes) noexcept {
  // Unsized deletes: clang does not declare the sized ones without -fsized-deallocation (the
  // fuzz build), and they would only be a hint here.
  if (bytes < kHugePageBytes)
    ::operator delete(p);
  else
    ::operator delete(p, std::align_val_t{kHugePageBytes});
}

}  // namespace ebsd::detail

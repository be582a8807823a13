#pragma once
// Storage of a Volume's per-voxel arrays: a std::vector whose allocator
//  - default-initialises instead of value-initialising, so resize(n) on a vector of numbers
//    leaves the new elements unset (a reader that writes every element does not pay for a
//    zero fill it overwrites at once; a 256^3 volume is 486 MB), while assign(n, value) and
//    every other way of giving a value behave as for std::vector;
//  - asks Linux for transparent huge pages for large blocks: the first touch of a fresh
//    allocation then faults 2 MiB at a time instead of 4 KiB (512 times fewer page faults,
//    which cost more than the copying itself when a file is read into a new volume).
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace ebsd {

namespace detail {
// Blocks of at least this many bytes are aligned to, and advised as, huge pages.
inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;
void* allocate_voxel_block(std::size_t bytes);
void free_voxel_block(void* p, std::size_t bytes) noexcept;
}  // namespace detail

template <class T>
class VoxelAllocator {
public:
  using value_type = T;
  VoxelAllocator() noexcept = default;
  template <class U>
  VoxelAllocator(const VoxelAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(detail::allocate_voxel_block(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept { detail::free_voxel_block(p, n * sizeof(T)); }

  // Construction without arguments (resize, vector(n)): default-initialisation, which for
  // numbers leaves the value unset. With arguments: as std::allocator.
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }

  template <class U>
  bool operator==(const VoxelAllocator<U>&) const noexcept {
    return true;
  }
};

// One per-voxel array of a Volume.
template <class T>
using VoxelArray = std::vector<T, VoxelAllocator<T>>;

}  // namespace ebsd

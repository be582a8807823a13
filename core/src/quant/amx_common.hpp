#pragma once
// What both AMX kernels need: the ldtilecfg operand and 64-byte aligned per-thread scratch.
#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

namespace ebsd::quant::detail {

// The 64-byte operand of ldtilecfg (palette 1): per tile its rows and bytes per row. Each AMX
// kernel fills one with its own tile shapes.
struct alignas(64) TileConfig {
  std::uint8_t palette = 1, start_row = 0;
  std::uint8_t reserved[14] = {};
  std::uint16_t colsb[16] = {};
  std::uint8_t rows[16] = {};
};

// 64-byte aligned storage for a std::vector of tiles (tile loads and aligned vector stores want
// whole cache lines).
template <class T>
struct AlignedAllocator {
  using value_type = T;
  AlignedAllocator() = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{64})); }
  void deallocate(T* p, std::size_t) { ::operator delete(p, std::align_val_t{64}); }
  template <class U>
  bool operator==(const AlignedAllocator<U>&) const { return true; }
};

template <class T>
using AlignedVector = std::vector<T, AlignedAllocator<T>>;

}  // namespace ebsd::quant::detail

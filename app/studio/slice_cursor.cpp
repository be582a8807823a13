#include "slice_cursor.hpp"

#include <algorithm>

namespace ebsd::studio {

SliceCursor::SliceCursor(QObject* parent) : QObject(parent) {}

void SliceCursor::resetTo(const Index3& dims) {
  dims_ = dims;
  position_ = {dims[0] / 2, dims[1] / 2, dims[2] / 2};
  emit moved(position_, 0b111);
}

void SliceCursor::setPosition(const Index3& position) {
  int changed = 0;
  Index3 next = position_;
  for (std::size_t k = 0; k < 3; ++k) {
    next[k] = std::clamp<std::int64_t>(position[k], 0, std::max<std::int64_t>(0, dims_[k] - 1));
    if (next[k] != position_[k]) changed |= 1 << k;
  }
  if (!changed) return;
  position_ = next;
  emit moved(position_, changed);
}

void SliceCursor::setSlice(SliceAxis axis, std::int64_t index) {
  Index3 next = position_;
  next[static_cast<std::size_t>(axisIndex(axis))] = index;
  setPosition(next);
}

}  // namespace ebsd::studio

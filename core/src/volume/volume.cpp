#include "ebsd/volume/volume.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "ebsd/core/error.hpp"

namespace ebsd {

Volume::Volume(Index3 dims, std::array<double, 3> spacing, std::array<double, 3> origin, Unfilled)
    : dims_(dims), origin_(origin) {
  for (int a = 0; a < 3; ++a) {
    if (dims[a] < 1)
      throw Error("dimension " + std::to_string(a) + " is " + std::to_string(dims[a]) + ", expected >= 1", "", "volume");
  }
  // Multiply carefully: three int64 factors can overflow before the comparison.
  const double n = static_cast<double>(dims[0]) * static_cast<double>(dims[1]) * static_cast<double>(dims[2]);
  if (n > static_cast<double>(kMaxVoxels))
    throw Error("volume of " + std::to_string(dims[0]) + "x" + std::to_string(dims[1]) + "x" + std::to_string(dims[2]) +
                    " voxels exceeds the limit of " + std::to_string(kMaxVoxels),
                "", "volume");
  set_spacing(spacing);
  // resize() of a VoxelArray default-initialises: the memory is reserved, not written.
  const auto count = static_cast<std::size_t>(voxel_count());
  quats_.resize(count * 4);
  phase_ids_.resize(count);
  ci_.resize(count);
  iq_.resize(count);
  valid_.resize(count);
}

Volume::Volume(Index3 dims, std::array<double, 3> spacing, std::array<double, 3> origin)
    : Volume(dims, spacing, origin, Unfilled{}) {
  // Identity orientation (w = 1), phase 0, CI 0, IQ 0, invalid.
  const auto count = static_cast<std::size_t>(voxel_count());
  for (std::size_t i = 0; i < count; ++i) {
    float* q = &quats_[i * 4];
    q[0] = 1.0f;
    q[1] = q[2] = q[3] = 0.0f;
  }
  std::fill(phase_ids_.begin(), phase_ids_.end(), 0);
  std::fill(ci_.begin(), ci_.end(), 0.0f);
  std::fill(iq_.begin(), iq_.end(), 0.0f);
  std::fill(valid_.begin(), valid_.end(), std::uint8_t{0});
}

Volume Volume::for_overwrite(Index3 dims, std::array<double, 3> spacing, std::array<double, 3> origin) {
  return Volume(dims, spacing, origin, Unfilled{});
}

void Volume::set_spacing(const std::array<double, 3>& s) {
  for (int a = 0; a < 3; ++a)
    if (!(std::isfinite(s[a]) && s[a] > 0.0))
      throw Error("spacing " + std::to_string(a) + " is " + std::to_string(s[a]) + ", expected a finite value > 0", "", "volume");
  spacing_ = s;
}

const Phase* Volume::phase_of(std::int64_t i) const {
  const std::int32_t p = phase_ids_[static_cast<std::size_t>(i)];
  if (p < 1 || static_cast<std::size_t>(p) > phases_.size()) return nullptr;
  return &phases_[static_cast<std::size_t>(p - 1)];
}

double Volume::indexed_fraction() const {
  if (valid_.empty()) return 0.0;
  std::size_t n = 0;
  for (auto v : valid_) n += v != 0;
  return static_cast<double>(n) / static_cast<double>(valid_.size());
}

void Volume::set_grain_ids(std::vector<std::int32_t> ids) {
  if (static_cast<std::int64_t>(ids.size()) != voxel_count())
    throw Error("grain ids have " + std::to_string(ids.size()) + " values, expected " + std::to_string(voxel_count()), "",
                "grain ids");
  grain_ids_ = std::move(ids);
}

const Channel& Volume::channel(const std::string& name) const {
  auto it = channels_.find(name);
  if (it == channels_.end()) throw Error("no channel named '" + name + "'", "", "channels");
  return it->second;
}

Channel& Volume::channel(const std::string& name) {
  auto it = channels_.find(name);
  if (it == channels_.end()) throw Error("no channel named '" + name + "'", "", "channels");
  return it->second;
}

void Volume::set_channel(const std::string& name, Channel c) {
  if (name.empty()) throw Error("a channel needs a name", "", "channels");
  if (static_cast<std::int64_t>(c.values.size()) != voxel_count())
    throw Error("channel '" + name + "' has " + std::to_string(c.values.size()) + " values, expected " +
                    std::to_string(voxel_count()),
                "", "channels");
  channels_[name] = std::move(c);
}

void Volume::mark_missing(std::int64_t z) {
  if (z < 0 || z >= nz())
    throw Error("slice " + std::to_string(z) + " is outside 0.." + std::to_string(nz() - 1), "", "missing slices");
  missing_.insert(z);
}

void Volume::mark_damaged(std::int64_t z) {
  if (z < 0 || z >= nz())
    throw Error("slice " + std::to_string(z) + " is outside 0.." + std::to_string(nz() - 1), "", "damaged slices");
  damaged_.insert(z);
}

}  // namespace ebsd

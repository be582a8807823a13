#pragma once
// What preflight knows about the data flowing between steps, without any voxel data: whether
// a volume exists, and (when a header could be read cheaply) its grid and channel names. A
// step's preflight checks its parameters against this and updates it to what it will produce,
// so a mistake in the last step of a pipeline is found before the first step runs.
#include <array>
#include <cstdint>
#include <set>
#include <string>

namespace ebsd {
class Volume;
}

namespace ebsd::pipeline {

struct DataShape {
  bool has_volume = false;
  // True when dims and channels below are exact. A reader whose file was only sniffed leaves
  // it false, and checks that need them are then deferred to execute.
  bool known = false;
  std::array<std::int64_t, 3> dims{0, 0, 0};
  std::set<std::string> channels;  // extra channels by name (side modalities, masks, ...)
  bool has_grain_ids = false;

  static DataShape of(const Volume& v);
  // False only when the shape is known and lacks the channel.
  bool may_have_channel(const std::string& name) const { return !known || channels.count(name) > 0; }
};

}  // namespace ebsd::pipeline

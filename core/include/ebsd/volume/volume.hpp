#pragma once
// The 3D EBSD volume: a regular grid (x fastest, then y, then z = the sectioning direction)
// with per-voxel orientation, phase, confidence index, image quality and validity, any number
// of named extra channels (side modalities), grain ids once segmented, the missing or damaged
// slices, and the provenance of everything in it. Views and steps never own a Volume's data
// implicitly: they hold a reference or a shared_ptr.
#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "ebsd/orientation/quaternion.hpp"
#include "ebsd/volume/phase.hpp"
#include "ebsd/volume/provenance.hpp"
#include "ebsd/volume/voxel_array.hpp"

namespace ebsd {

using Index3 = std::array<std::int64_t, 3>;

// A named per-voxel scalar channel (BSE, SE, polarized light, a KAM map, a denoising mask ...).
struct Channel {
  std::vector<float> values;  // one per voxel, same layout as the volume
  std::string unit;           // "" when dimensionless / arbitrary intensity
  std::string description;    // what it is and where it came from
  bool operator==(const Channel&) const = default;
};

class Volume {
public:
  // Limit on the voxel count a Volume accepts (2^33, about 8.6e9): a header claiming more is
  // a corrupt file, not a real scan, and must not trigger a huge allocation.
  static constexpr std::int64_t kMaxVoxels = std::int64_t{1} << 33;

  Volume() = default;
  // All per-voxel arrays are allocated: identity orientation, phase 0, CI 0, IQ 0, invalid.
  // Throws ebsd::Error when a dimension is < 1 or the voxel count exceeds kMaxVoxels.
  explicit Volume(Index3 dims, std::array<double, 3> spacing = {1.0, 1.0, 1.0},
                  std::array<double, 3> origin = {0.0, 0.0, 0.0});

  // For readers and steps that write every element of every per-voxel array (quaternions,
  // phase ids, confidence, image quality, valid) before anything reads them: the same volume
  // as the constructor, except that those arrays are allocated but NOT initialised (their
  // contents are unspecified until written), which saves a fill of 29 bytes a voxel that would
  // be overwritten at once. Grain ids stay absent and there are no channels, as with the
  // constructor. Same checks and exceptions as the constructor.
  static Volume for_overwrite(Index3 dims, std::array<double, 3> spacing = {1.0, 1.0, 1.0},
                              std::array<double, 3> origin = {0.0, 0.0, 0.0});

  // --- geometry ---
  const Index3& dims() const { return dims_; }
  std::int64_t nx() const { return dims_[0]; }
  std::int64_t ny() const { return dims_[1]; }
  std::int64_t nz() const { return dims_[2]; }
  std::int64_t voxel_count() const { return dims_[0] * dims_[1] * dims_[2]; }
  std::int64_t index(std::int64_t x, std::int64_t y, std::int64_t z) const {
    return x + dims_[0] * (y + dims_[1] * z);
  }
  Index3 coords(std::int64_t i) const {
    return {i % dims_[0], (i / dims_[0]) % dims_[1], i / (dims_[0] * dims_[1])};
  }
  bool contains(std::int64_t x, std::int64_t y, std::int64_t z) const {
    return x >= 0 && y >= 0 && z >= 0 && x < dims_[0] && y < dims_[1] && z < dims_[2];
  }
  const std::array<double, 3>& spacing() const { return spacing_; }
  const std::array<double, 3>& origin() const { return origin_; }
  void set_spacing(const std::array<double, 3>& s);  // throws unless all > 0 and finite
  void set_origin(const std::array<double, 3>& o) { origin_ = o; }
  const std::string& length_unit() const { return length_unit_; }
  void set_length_unit(std::string unit) { length_unit_ = std::move(unit); }

  // --- phases (phase id k >= 1 refers to phases()[k - 1]; 0 = not indexed) ---
  const std::vector<Phase>& phases() const { return phases_; }
  std::vector<Phase>& phases() { return phases_; }
  // The phase of voxel i, or nullptr when its phase id is 0 or out of range.
  const Phase* phase_of(std::int64_t i) const;

  // --- per-voxel data; spans have voxel_count() elements ---
  // Orientations are stored as float (w, x, y, z) quadruples to halve memory for large
  // volumes; computations convert to double through orientation()/set_orientation().
  Quat orientation(std::int64_t i) const {
    const float* q = &quats_[static_cast<std::size_t>(i) * 4];
    return {q[0], q[1], q[2], q[3]};
  }
  void set_orientation(std::int64_t i, const Quat& q) {
    float* d = &quats_[static_cast<std::size_t>(i) * 4];
    const Quat p = q.positive();
    d[0] = static_cast<float>(p.w); d[1] = static_cast<float>(p.x);
    d[2] = static_cast<float>(p.y); d[3] = static_cast<float>(p.z);
  }
  std::span<float> quaternion_data() { return quats_; }              // 4 * voxel_count()
  std::span<const float> quaternion_data() const { return quats_; }
  std::span<std::int32_t> phase_ids() { return phase_ids_; }
  std::span<const std::int32_t> phase_ids() const { return phase_ids_; }
  std::span<float> confidence() { return ci_; }
  std::span<const float> confidence() const { return ci_; }
  std::span<float> image_quality() { return iq_; }
  std::span<const float> image_quality() const { return iq_; }
  std::span<std::uint8_t> valid() { return valid_; }                  // 1 = indexed and trusted
  std::span<const std::uint8_t> valid() const { return valid_; }
  bool is_valid(std::int64_t i) const { return valid_[static_cast<std::size_t>(i)] != 0; }
  // Fraction of voxels marked valid.
  double indexed_fraction() const;

  // --- grain ids (empty until segmented; 0 = no grain, grains numbered from 1) ---
  bool has_grain_ids() const { return !grain_ids_.empty(); }
  std::span<const std::int32_t> grain_ids() const { return grain_ids_; }
  std::span<std::int32_t> grain_ids() { return grain_ids_; }
  void set_grain_ids(std::vector<std::int32_t> ids);  // throws on a size mismatch
  void clear_grain_ids() { grain_ids_.clear(); }

  // --- named channels ---
  const std::map<std::string, Channel>& channels() const { return channels_; }
  bool has_channel(const std::string& name) const { return channels_.count(name) != 0; }
  const Channel& channel(const std::string& name) const;  // throws ebsd::Error if absent
  Channel& channel(const std::string& name);
  // Adds or replaces; throws when the size differs from voxel_count() or the name is empty.
  void set_channel(const std::string& name, Channel c);
  void remove_channel(const std::string& name) { channels_.erase(name); }

  // --- missing and damaged slices (z indices) ---
  const std::set<std::int64_t>& missing_slices() const { return missing_; }
  const std::set<std::int64_t>& damaged_slices() const { return damaged_; }
  void mark_missing(std::int64_t z);   // throws when z is outside [0, nz)
  void mark_damaged(std::int64_t z);
  void clear_slice_marks() { missing_.clear(); damaged_.clear(); }

  // --- provenance ---
  const std::vector<ProvenanceRecord>& provenance() const { return provenance_; }
  void add_provenance(ProvenanceRecord r) { provenance_.push_back(std::move(r)); }

  bool operator==(const Volume&) const = default;

private:
  struct Unfilled {};
  // Checks dims and spacing and allocates the per-voxel arrays without initialising them.
  Volume(Index3 dims, std::array<double, 3> spacing, std::array<double, 3> origin, Unfilled);

  Index3 dims_{0, 0, 0};
  std::array<double, 3> spacing_{1.0, 1.0, 1.0};
  std::array<double, 3> origin_{0.0, 0.0, 0.0};
  std::string length_unit_ = "um";
  std::vector<Phase> phases_;
  // Allocated by VoxelAllocator (voxel_array.hpp): huge pages, and no fill for for_overwrite.
  VoxelArray<float> quats_;
  VoxelArray<std::int32_t> phase_ids_;
  VoxelArray<float> ci_;
  VoxelArray<float> iq_;
  VoxelArray<std::uint8_t> valid_;
  std::vector<std::int32_t> grain_ids_;
  std::map<std::string, Channel> channels_;
  std::set<std::int64_t> missing_;
  std::set<std::int64_t> damaged_;
  std::vector<ProvenanceRecord> provenance_;
};

}  // namespace ebsd

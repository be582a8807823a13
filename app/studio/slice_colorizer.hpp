#pragma once
// Colours slices of a volume for the views, by core's rules (ebsd/volume/slice_image.hpp): the
// same pixels as `ebsd export-png`, fast enough to scroll a large volume.
//
// Why not slice_image() alone: it finds the grey range of CI, IQ and channels by scanning the
// whole volume on every call (134 M voxels at 512^3). Here the grey ranges are computed once per
// volume; IPF colours are computed a row at a time by core's voxel_ipf_colors (the call
// slice_image makes, so the pixels are the same), once per run of voxels with the same exact
// orientation (grains share exact orientations in synthetic and segmented-then-averaged
// data); misorientation angles are memoised per orientation; large slices are coloured by
// several threads. Phase and grain colours come from slice_image() itself.
// Qt- and VTK-free: it could move down to core.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "ebsd/volume/slice_image.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::studio {

// Width and height of the slice perpendicular to `axis` (slice_image's layout).
std::pair<std::int64_t, std::int64_t> sliceSize(const Index3& dims, SliceAxis axis);

class SliceColorizer {
public:
  explicit SliceColorizer(std::shared_ptr<const Volume> volume, int threads = 0);
  ~SliceColorizer();
  SliceColorizer(const SliceColorizer&) = delete;
  SliceColorizer& operator=(const SliceColorizer&) = delete;

  const Volume& volume() const { return *volume_; }

  // Writes width * height RGB triples (top row first, as slice_image) to `out`. Throws
  // ebsd::Error like slice_image: index outside the volume, grain colouring without grain
  // ids, an unknown channel.
  void colour(SliceAxis axis, std::int64_t index, const SliceColoring& coloring, std::uint8_t* out);

  // The grey ramp's ends for CI, IQ or a channel: min and max over valid, finite voxels (as
  // slice_image); {inf, -inf} when there is none. Cached after the first call.
  std::pair<double, double> scalarRange(const SliceColoring& coloring);

  // The top of a misorientation ramp in degrees: core's misorientation_ramp_max_deg, computed
  // on several threads and cached per reference.
  double misorientationTop(const SliceColoring& coloring);

private:
  struct IpfRows;
  struct AngleMemo;
  void colourMisorientation(SliceAxis axis, std::int64_t index, const SliceColoring& coloring, std::uint8_t* out);
  void colourIpf(SliceAxis axis, std::int64_t index, const SliceColoring& coloring, std::uint8_t* out);
  void colourScalar(SliceAxis axis, std::int64_t index, const SliceColoring& coloring, std::uint8_t* out);

  std::shared_ptr<const Volume> volume_;
  int threads_;
  std::mutex rangeMutex_;
  std::map<std::string, std::pair<double, double>> ranges_;  // "ci", "iq", "channel:NAME"
  std::vector<std::unique_ptr<IpfRows>> ipfRows_;             // one per worker thread
  std::vector<std::unique_ptr<AngleMemo>> angleMemos_;        // one per worker thread
  std::map<std::string, double> misorientationTops_;          // by reference voxel
};

}  // namespace ebsd::studio

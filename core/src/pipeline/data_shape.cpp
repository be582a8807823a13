#include "ebsd/pipeline/data_shape.hpp"

#include "ebsd/volume/volume.hpp"

namespace ebsd::pipeline {

DataShape DataShape::of(const Volume& v) {
  DataShape s;
  s.has_volume = true;
  s.known = true;
  s.dims = {v.dims()[0], v.dims()[1], v.dims()[2]};
  for (const auto& [name, channel] : v.channels()) s.channels.insert(name);
  s.has_grain_ids = v.has_grain_ids();
  return s;
}

}  // namespace ebsd::pipeline

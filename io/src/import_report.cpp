#include "ebsd/io/import_report.hpp"

namespace ebsd::io {

nlohmann::json ImportReport::to_json() const {
  auto rot = [](const FrameRotation& r) {
    return nlohmann::json{{"angle_deg", r.angle_deg}, {"axis", {r.axis.x(), r.axis.y(), r.axis.z()}}};
  };
  return {{"format", format},
          {"angle_unit_in_file", angle_unit_in_file},
          {"grid", grid},
          {"converted_to_square", converted_to_square},
          {"recommended_sample_rotation", rot(recommended_sample_rotation)},
          {"recommended_crystal_rotation", rot(recommended_crystal_rotation)},
          {"transforms_applied", transforms_applied},
          {"warnings", warnings}};
}

}  // namespace ebsd::io

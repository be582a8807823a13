// The bundled step plugin "kam": a kernel average misorientation map as channel "kam" (degrees).
// Glue only: the algorithm is kernel_average_misorientation.cpp; symmetry comes from the host.
#include <cmath>
#include <numbers>

#include <ebsd_sdk/plugin.hpp>

#include "kernel_average_misorientation.hpp"

namespace {

namespace sdk = ebsd::sdk;

void check(const sdk::Params& p, sdk::Shape& shape) {
  if (p.get_string("output").empty()) throw sdk::Error("parameter 'output': the channel needs a name");
  if (p.get_bool("same_grain_only") && shape.known() && !shape.has_grain_ids())
    throw sdk::Error("same_grain_only needs grain ids, and the volume has none: run 'segment' before 'kam'");
  shape.add_channel(p.get_string("output"));
}

void run(const sdk::Params& p, sdk::Volume& v, sdk::Context& ctx) {
  ebsd_kam::KamOptions options;
  options.threshold_rad = p.get_float("threshold_deg") * std::numbers::pi / 180.0;
  options.in_plane = p.get_string("dimensions") == "2d";
  options.kernel = p.get_string("kernel") == "full" ? ebsd_kam::Kernel::Full : ebsd_kam::Kernel::Faces;
  options.same_grain_only = p.get_bool("same_grain_only");
  if (options.same_grain_only && !v.has_grain_ids())
    throw sdk::Error("same_grain_only needs grain ids, and the volume has none: run 'segment' before 'kam'");

  ebsd_kam::KamGrid grid;
  grid.dims = v.dims();
  grid.orientations = v.orientation_data();
  grid.phase_ids = v.phase_ids();
  grid.valid = v.valid();
  grid.grain_ids = v.grain_ids();
  grid.laue_of_phase.assign(1, -1);  // phase id 0: not indexed
  for (const auto& phase : v.phases()) grid.laue_of_phase.push_back(phase.laue);

  const auto kam = ebsd_kam::kernel_average_misorientation(
      grid, options, [](const float* a, const float* b, int laue) { return sdk::disorientation_angle(a, b, laue); },
      [&](double fraction) {
        ctx.progress(fraction, "kernel average misorientation");
        return !ctx.cancelled();
      });
  if (kam.empty()) throw sdk::Cancelled{};

  auto out = v.add_channel(p.get_string("output"), "deg",
                           "kernel average misorientation: mean disorientation to the " + p.get_string("kernel") +
                               " kernel's neighbours (" + p.get_string("dimensions") + ") within " +
                               std::to_string(p.get_float("threshold_deg")) +
                               " deg; NaN where not indexed or no neighbour counts (plugin kam)");
  double sum = 0.0;
  std::int64_t counted = 0;
  for (std::size_t i = 0; i < kam.size(); ++i) {
    out[i] = static_cast<float>(kam[i] * 180.0 / std::numbers::pi);
    if (!std::isnan(out[i])) {
      sum += out[i];
      ++counted;
    }
  }
  ctx.report("voxels_with_kam", static_cast<double>(counted));
  if (counted > 0) ctx.report("mean_kam_deg", sum / static_cast<double>(counted));
}

void register_kam(sdk::Registrar& r) {
  r.info("kam", "1.0.0", "Kernel average misorientation maps (bundled with EBSD Studio)");
  sdk::StepDefinition s;
  s.id = "kam";
  s.title = "Kernel average misorientation";
  s.category = "Analysis";
  s.description =
      "Mean disorientation angle between each voxel and the neighbours of its kernel, ignoring neighbours that are "
      "not indexed, of another phase, or disoriented above the threshold (MTEX EBSD.KAM, DREAM.3D Find Kernel "
      "Average Misorientations). A map of local lattice curvature and stored strain. Writes a channel in degrees; NaN "
      "where the voxel is not indexed or no neighbour counts.";
  s.parameters = {
      sdk::Param::number("threshold_deg", 5.0).range(0.0, 180.0).unit("deg")
          .help("neighbours disoriented by more than this are ignored (taken as across a grain boundary)"),
      sdk::Param::choice("dimensions", "3d", {"3d", "2d"})
          .help("3d: neighbours in adjacent slices count too; 2d: only neighbours in the same z slice"),
      sdk::Param::choice("kernel", "faces", {"faces", "full"})
          .help("faces: face-sharing neighbours (6 in 3D, 4 in 2D); full: all 26 (3D) or 8 (2D) around the voxel"),
      sdk::Param::boolean("same_grain_only", false)
          .help("ignore neighbours with another grain id (needs a segmented volume)"),
      sdk::Param::text("output", "kam").help("name of the channel to write"),
  };
  s.preflight = check;
  s.execute = run;
  r.add_step(std::move(s));
}

}  // namespace

EBSD_PLUGIN(register_kam)

// Example EBSD Studio plugin: one step, "example-ci-threshold", that marks voxels whose
// confidence index is below a threshold as not indexed, a usual clean-up before segmentation.
// It shows the whole C++ layer of the SDK: plugin identity, a declared parameter with range,
// unit and help, a preflight that checks without touching data, and an execute that reads and
// writes the volume, reports progress, honours cancellation and returns a result.
#include <ebsd_sdk/plugin.hpp>

namespace {

namespace sdk = ebsd::sdk;

void execute(const sdk::Params& params, sdk::Volume& volume, sdk::Context& ctx) {
  const double min_ci = params.get_float("min_ci");
  const auto ci = volume.confidence();
  auto valid = volume.valid();
  const auto [nx, ny, nz] = volume.dims();
  std::int64_t removed = 0;
  for (std::int64_t z = 0; z < nz; ++z) {
    ctx.check_cancelled();  // a safe point: throws sdk::Cancelled when the user stops the run
    for (std::int64_t i = z * nx * ny; i < (z + 1) * nx * ny; ++i) {
      const auto k = static_cast<std::size_t>(i);
      if (valid[k] && ci[k] < min_ci) {
        valid[k] = 0;
        ++removed;
      }
    }
    ctx.progress(static_cast<double>(z + 1) / static_cast<double>(nz), "thresholding CI");
  }
  ctx.report("voxels_invalidated", static_cast<double>(removed));
  ctx.log(std::to_string(removed) + " voxels below CI " + std::to_string(min_ci) + " marked not indexed");
}

void register_plugin(sdk::Registrar& r) {
  r.info("example", "1.0.0", "Example plugin from the EBSD Studio SDK template");

  sdk::StepDefinition step;
  step.id = "example-ci-threshold";  // kebab-case and unique across EBSD Studio and all plugins
  step.title = "Invalidate low-confidence voxels";
  step.category = "Repair";
  step.description = "Marks every voxel whose confidence index is below min_ci as not indexed.";
  step.parameters = {
      sdk::Param::number("min_ci", 0.1).range(0.0, 1.0).help("voxels with a lower confidence index become not indexed"),
  };
  step.preflight = [](const sdk::Params& params, sdk::Shape& shape) {
    if (!shape.has_volume()) throw sdk::Error("needs a volume: read one first");
    (void)params;  // the range above is checked by the host; nothing else to check here
  };
  step.execute = execute;
  r.add_step(std::move(step));
}

}  // namespace

// Defines the two C entry points (SDK version and registration) for this plugin.
EBSD_PLUGIN(register_plugin)

#include "plugin_format.hpp"

#include "ebsd/io/atomic_file.hpp"

namespace ebsd::plugins {
namespace {

// Readers fill orientations through a raw pointer; the host's convention (w >= 0) is restored
// here so that a reader that forgets it cannot leave two representations of one orientation.
void make_orientations_positive(Volume& v) {
  for (std::int64_t i = 0; i < v.voxel_count(); ++i)
    if (v.quaternion_data()[static_cast<std::size_t>(4 * i)] < 0.0f) v.set_orientation(i, v.orientation(i));
}

}  // namespace

io::FileFormat make_plugin_format(const DeclaredFormat& d, const PluginIdentity& plugin) {
  io::FileFormat f;
  f.name = d.name;
  f.description = d.description.empty() ? "from plugin " + plugin.name : d.description + " (plugin " + plugin.name + ")";
  f.extensions = d.extensions;
  const std::string what = "format '" + d.name + "'";
  if (d.sniff) {
    f.sniff = [d](const std::filesystem::path& path) {
      // A sniff never fails loudly: an exception escaping the plugin means "not mine".
      try {
        return d.sniff(d.user, path.c_str()) == 1;
      } catch (...) {
        return false;
      }
    };
  }
  if (d.read) {
    // Plugin readers take no options (the C ABI has none); read_volume refuses any given.
    f.read = [d, plugin, what](const std::filesystem::path& path, const io::ReadOptions&, Progress& progress) {
      ebsd_context ctx;
      ctx.progress = &progress;
      ctx.may_create_volume = true;
      const ebsd_status status = guarded_call(ctx, [&] { return d.read(d.user, path.c_str(), &ctx); });
      throw_on_failure(status, ctx, plugin, what, path.string());
      if (!ctx.created)
        throw Error("the reader returned without creating a volume (host->create_volume)", path.string(),
                    "plugin '" + plugin.name + "', " + what);
      io::ReadResult result{std::move(*ctx.created), {}};
      make_orientations_positive(result.volume);
      result.report.format = d.name;
      result.report.warnings = ctx.warnings;
      result.report.header = ctx.report;
      return result;
    };
  }
  if (d.write) {
    f.write = [d, plugin, what](const std::filesystem::path& path, const Volume& volume, Progress& progress) {
      io::write_atomically(path, [&](const std::filesystem::path& temporary) {
        ebsd_context ctx;
        ctx.progress = &progress;
        // The C API hands writers a const handle; the cast only fills the handle's field.
        ebsd_volume handle{const_cast<Volume*>(&volume), &ctx};
        const ebsd_status status = guarded_call(ctx, [&] { return d.write(d.user, temporary.c_str(), &handle, &ctx); });
        throw_on_failure(status, ctx, plugin, what, path.string());
      });
    };
  }
  return f;
}

}  // namespace ebsd::plugins

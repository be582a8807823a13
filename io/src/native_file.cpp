// The native `.ebsd.h5` project file; the layout is specified in native_file.hpp.
#include "ebsd/io/native_file.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>
#include <vector>

#include "ebsd/core/error.hpp"
#include "ebsd/io/atomic_file.hpp"
#include "ebsd/orientation/laue_group.hpp"
#include "hdf5_data.hpp"
#include "hdf5_handle.hpp"
#include "parallel_chunks.hpp"

#include "ebsd/core/version.hpp"

namespace ebsd::io {
namespace {

namespace fs = std::filesystem;
using h5::Handle;
using h5::Session;

// deflate cannot compress better than about 1032:1 (RFC 1951: at most 258 bytes per
// ~2-bit code), so a dataset whose stored chunks are smaller than its size / kMaxCompression
// cannot be real data; refusing it before allocating keeps a tiny damaged file from claiming
// gigabytes. kStorageSlack covers chunk headers of small datasets.
constexpr double kMaxCompression = 1100.0;
constexpr double kStorageSlack = 1 << 20;

// Rows of the volume moved per HDF5 call: large enough to be efficient, small enough for
// progress reports and cancellation to stay responsive.
constexpr std::int64_t kElementsPerSlab = std::int64_t{1} << 22;

// Shape (z, y, x[, components]) of a per-voxel dataset.
std::vector<hsize_t> voxel_shape(const Index3& dims, hsize_t components) {
  std::vector<hsize_t> shape{static_cast<hsize_t>(dims[2]), static_cast<hsize_t>(dims[1]), static_cast<hsize_t>(dims[0])};
  if (components > 1) shape.push_back(components);
  return shape;
}

// Chunks of at most 256 x 256 voxels in a slice and about 64 Ki voxels in all, stacking whole
// slices for small slices: fast to read slice by slice (the viewer's access) and by slabs.
std::vector<hsize_t> voxel_chunk(const Index3& dims, hsize_t components) {
  const hsize_t cx = std::min<hsize_t>(static_cast<hsize_t>(dims[0]), 256);
  const hsize_t cy = std::min<hsize_t>(static_cast<hsize_t>(dims[1]), 256);
  const hsize_t cz = std::clamp<hsize_t>(65536 / (cx * cy), 1, static_cast<hsize_t>(dims[2]));
  std::vector<hsize_t> chunk{cz, cy, cx};
  if (components > 1) chunk.push_back(components);
  return chunk;
}

// Slices moved per call: a multiple of the chunk depth, so that writes cover whole chunks.
hsize_t slab_rows(const Index3& dims, hsize_t components) {
  const hsize_t per_slice = static_cast<hsize_t>(dims[0] * dims[1]) * components;
  const hsize_t cz = voxel_chunk(dims, components)[0];
  const hsize_t wanted = std::max<hsize_t>(1, static_cast<hsize_t>(kElementsPerSlab) / per_slice);
  return std::max<hsize_t>(cz, wanted / cz * cz);
}

// Progress over all bytes moved by one read or write.
class ByteProgress {
public:
  ByteProgress(Progress& p, double total, std::string message) : p_(p), total_(total), message_(std::move(message)) {}
  void advance(double bytes) {
    done_ += bytes;
    p_.report(total_ > 0 ? std::min(1.0, done_ / total_) : 1.0, message_);
  }
  void check() const { p_.check(); }

private:
  Progress& p_;
  double total_;
  double done_ = 0;
  std::string message_;
};

// Link names cannot contain '/' or be "."; channel names are free text, so escape them
// injectively (the exact name is kept in the dataset's "name" attribute).
std::string channel_link_name(const std::string& name) {
  if (name == ".") return "%2E";
  std::string out;
  for (char c : name) {
    if (c == '%')
      out += "%25";
    else if (c == '/')
      out += "%2F";
    else
      out += c;
  }
  return out;
}

// ------------------------------------------------------------------------------------------
// Writing

template <class T>
Handle write_voxel_dataset(const Session& s, hid_t group, const std::string& name, const Index3& dims, hsize_t components,
                         std::span<const T> data, ByteProgress& progress) {
  const std::string path = "/voxels/" + name;
  const std::vector<hsize_t> shape = voxel_shape(dims, components);
  const std::vector<hsize_t> chunk = voxel_chunk(dims, components);
  Handle d = h5::create_chunked_dataset<T>(s, group, name, shape, chunk, true, path);
  // Compressed on worker threads and stored chunk by chunk: the same bytes as HDF5's filters.
  h5::write_chunked_parallel<T>(s, d.get(), shape, data, path, [&](double bytes) {
    progress.check();
    progress.advance(bytes);
  });
  return d;
}

nlohmann::json provenance_json(const Volume& v) {
  nlohmann::json records = nlohmann::json::array();
  for (const ProvenanceRecord& r : v.provenance())
    records.push_back({{"step", r.step},
                       {"parameters", r.parameters},
                       {"software_version", r.software_version},
                       {"time_utc", r.time_utc},
                       {"note", r.note}});
  return records;
}

void write_contents(const Session& s, hid_t file, const Volume& v, Progress& p) {
  const std::int64_t count = v.voxel_count();
  double total = static_cast<double>(count) * (4 * sizeof(float) + sizeof(std::int32_t) + 2 * sizeof(float) + 1);
  if (v.has_grain_ids()) total += static_cast<double>(count) * sizeof(std::int32_t);
  total += static_cast<double>(count) * sizeof(float) * static_cast<double>(v.channels().size());
  ByteProgress progress(p, total, "writing " + s.file());

  h5::write_string_attribute(s, file, "format", std::string(kNativeFormatName), "/");
  h5::write_scalar_attribute<std::int32_t>(s, file, "format_version", kNativeFormatVersion, "/");
  h5::write_string_attribute(s, file, "software_version", EBSD_VERSION, "/");

  {
    Handle g = h5::create_group(s, file, "geometry", "/geometry");
    const auto& d = v.dims();
    h5::write_attribute<std::int64_t>(s, g.get(), "dims", std::span<const std::int64_t>(d.data(), 3), "/geometry");
    h5::write_attribute<double>(s, g.get(), "spacing", v.spacing(), "/geometry");
    h5::write_attribute<double>(s, g.get(), "origin", v.origin(), "/geometry");
    h5::write_string_attribute(s, g.get(), "length_unit", v.length_unit(), "/geometry");
  }
  {
    Handle g = h5::create_group(s, file, "phases", "/phases");
    for (std::size_t k = 0; k < v.phases().size(); ++k) {
      const Phase& ph = v.phases()[k];
      const std::string name = std::to_string(k + 1), path = "/phases/" + name;
      Handle pg = h5::create_group(s, g.get(), name, path);
      h5::write_string_attribute(s, pg.get(), "name", ph.name, path);
      h5::write_string_attribute(s, pg.get(), "laue_group", std::string(laue_symbol(ph.laue)), path);
      h5::write_attribute<double>(s, pg.get(), "lattice", ph.lattice, path);
    }
  }
  {
    Handle g = h5::create_group(s, file, "voxels", "/voxels");
    const Index3& d = v.dims();
    write_voxel_dataset<float>(s, g.get(), "quaternions", d, 4, v.quaternion_data(), progress);
    write_voxel_dataset<std::int32_t>(s, g.get(), "phase_ids", d, 1, v.phase_ids(), progress);
    write_voxel_dataset<float>(s, g.get(), "confidence", d, 1, v.confidence(), progress);
    write_voxel_dataset<float>(s, g.get(), "image_quality", d, 1, v.image_quality(), progress);
    write_voxel_dataset<std::uint8_t>(s, g.get(), "valid", d, 1, v.valid(), progress);
    if (v.has_grain_ids())
      write_voxel_dataset<std::int32_t>(s, g.get(), "grain_ids", d, 1, v.grain_ids(), progress);
  }
  {
    Handle g = h5::create_group(s, file, "channels", "/channels");
    for (const auto& [name, channel] : v.channels()) {
      const std::string link = channel_link_name(name), path = "/channels/" + link;
      Handle d = write_voxel_dataset<float>(s, g.get(), link, v.dims(), 1, channel.values, progress);
      h5::write_string_attribute(s, d.get(), "name", name, path);
      h5::write_string_attribute(s, d.get(), "unit", channel.unit, path);
      h5::write_string_attribute(s, d.get(), "description", channel.description, path);
    }
  }
  {
    Handle g = h5::create_group(s, file, "slices", "/slices");
    const std::vector<std::int64_t> missing(v.missing_slices().begin(), v.missing_slices().end());
    const std::vector<std::int64_t> damaged(v.damaged_slices().begin(), v.damaged_slices().end());
    h5::write_vector<std::int64_t>(s, g.get(), "missing", missing, "/slices/missing");
    h5::write_vector<std::int64_t>(s, g.get(), "damaged", damaged, "/slices/damaged");
  }
  std::string provenance;
  try {
    provenance = provenance_json(v).dump();
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("cannot encode the provenance as JSON: ") + e.what(), s.file(), "/provenance");
  }
  h5::write_string_dataset(s, file, "provenance", provenance, "/provenance");
}

// ------------------------------------------------------------------------------------------
// Reading

// Type, shape and stored size of a per-voxel dataset, checked before anything is allocated.
template <class T>
Handle open_voxel_dataset(const Session& s, hid_t group, const std::string& name, const std::string& path,
                          const Index3& dims, hsize_t components) {
  Handle d = h5::open_dataset(s, group, name, path);
  h5::require_type<T>(s, d.get(), path);
  const std::vector<hsize_t> want = voxel_shape(dims, components), have = h5::dataset_shape(s, d.get(), path);
  if (have != want)
    throw Error("expected shape " + h5::describe_shape(want) + " (z, y, x" + (components > 1 ? ", components" : "") +
                    "), found " + h5::describe_shape(have),
                s.file(), path);
  const double bytes = static_cast<double>(dims[0]) * static_cast<double>(dims[1]) * static_cast<double>(dims[2]) *
                       static_cast<double>(components * sizeof(T));
  const double stored = static_cast<double>(H5Dget_storage_size(d.get()));
  if (bytes > kMaxCompression * stored + kStorageSlack)
    throw Error("holds only " + std::to_string(static_cast<long long>(stored)) + " bytes for " +
                    std::to_string(static_cast<long long>(bytes)) +
                    " bytes of data, expected at least 1/1100 of it (truncated or damaged file)",
                s.file(), path);
  return d;
}

template <class T>
void read_voxel_dataset(const Session& s, hid_t dataset, const std::string& path, const Index3& dims,
                        hsize_t components, std::span<T> out, ByteProgress& progress, NativeReadMethod method) {
  const std::vector<hsize_t> shape = voxel_shape(dims, components);
  // Chunks decoded on worker threads straight into `out` (the layout this writer uses) ...
  if (method == NativeReadMethod::ParallelChunks &&
      h5::read_chunked_parallel<T>(s, dataset, shape, out, path, [&](double bytes) {
        progress.check();
        if (bytes > 0) progress.advance(bytes);
      }))
    return;
  // ... or, for any other storage (a file rewritten by other tools), through H5Dread.
  const hsize_t per_slice = static_cast<hsize_t>(dims[0] * dims[1]) * components;
  const hsize_t rows = slab_rows(dims, components);
  for (hsize_t z = 0; z < shape[0]; z += rows) {
    progress.check();
    const hsize_t n = std::min(rows, shape[0] - z);
    h5::read_rows<T>(s, dataset, shape, z, n, out.data() + z * per_slice, path);
    progress.advance(static_cast<double>(n * per_slice * sizeof(T)));
  }
}

struct Geometry {
  Index3 dims{};
  std::array<double, 3> spacing{}, origin{};
  std::string length_unit;
};

Geometry read_geometry(const Session& s, hid_t file) {
  Handle g = h5::open_group(s, file, "geometry", "/geometry");
  Geometry geo;
  const auto dims = h5::read_attribute<std::int64_t>(s, g.get(), "dims", 3, "/geometry");
  const std::string dims_place = "/geometry attribute 'dims'";
  double voxels = 1;
  for (int a = 0; a < 3; ++a) {
    if (dims[a] < 1)
      throw Error("dimension " + std::to_string(a) + " is " + std::to_string(dims[a]) + ", expected >= 1", s.file(),
                  dims_place);
    geo.dims[a] = dims[a];
    voxels *= static_cast<double>(dims[a]);
  }
  if (voxels > static_cast<double>(Volume::kMaxVoxels))
    throw Error("claims " + std::to_string(dims[0]) + " x " + std::to_string(dims[1]) + " x " + std::to_string(dims[2]) +
                    " voxels, expected at most " + std::to_string(Volume::kMaxVoxels) + " in all",
                s.file(), dims_place);
  const auto spacing = h5::read_attribute<double>(s, g.get(), "spacing", 3, "/geometry");
  const auto origin = h5::read_attribute<double>(s, g.get(), "origin", 3, "/geometry");
  std::copy(spacing.begin(), spacing.end(), geo.spacing.begin());
  std::copy(origin.begin(), origin.end(), geo.origin.begin());
  geo.length_unit = h5::read_string_attribute(s, g.get(), "length_unit", "/geometry");
  return geo;
}

std::vector<Phase> read_phases(const Session& s, hid_t file) {
  Handle g = h5::open_group(s, file, "phases", "/phases");
  const hsize_t n = h5::link_count(s, g.get(), "/phases");
  std::vector<Phase> phases;
  for (hsize_t k = 1; k <= n; ++k) {
    const std::string name = std::to_string(k), path = "/phases/" + name;
    Handle pg = h5::open_group(s, g.get(), name, path);
    Phase ph;
    ph.name = h5::read_string_attribute(s, pg.get(), "name", path);
    const std::string symbol = h5::read_string_attribute(s, pg.get(), "laue_group", path);
    try {
      ph.laue = laue_from_symbol(symbol);
    } catch (const Error& e) {
      throw Error("expected a Laue group symbol such as m-3m, found '" + symbol + "'", s.file(),
                  path + " attribute 'laue_group'");
    }
    const auto lattice = h5::read_attribute<double>(s, pg.get(), "lattice", 6, path);
    std::copy(lattice.begin(), lattice.end(), ph.lattice.begin());
    phases.push_back(std::move(ph));
  }
  return phases;
}

std::vector<ProvenanceRecord> parse_provenance(const Session& s, const std::string& text) {
  const char* expected = "expected a JSON array of {step, parameters, software_version, time_utc, note} records";
  std::vector<ProvenanceRecord> records;
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    if (!j.is_array()) throw Error(expected, s.file(), "/provenance");
    for (const auto& r : j)
      records.push_back({r.at("step").get<std::string>(), r.at("parameters"), r.at("software_version").get<std::string>(),
                         r.at("time_utc").get<std::string>(), r.at("note").get<std::string>()});
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string(expected) + " (" + e.what() + ")", s.file(), "/provenance");
  }
  return records;
}

// Rethrows a Volume's own validation error with the file and the place in it.
template <class F>
void in_place(const Session& s, const std::string& place, F&& f) {
  try {
    f();
  } catch (const Error& e) {
    if (!e.file().empty()) throw;
    throw Error(e.problem(), s.file(), place);
  }
}

Volume read_contents(const Session& s, hid_t file, Progress& p, NativeReadMethod method) {
  if (!h5::has_attribute(file, "format"))
    throw Error("not an EBSD Studio volume: expected the root attribute format = \"" + std::string(kNativeFormatName) +
                    "\"",
                s.file(), "/");
  const std::string format = h5::read_string_attribute(s, file, "format", "/");
  if (format != kNativeFormatName)
    throw Error("expected format \"" + std::string(kNativeFormatName) + "\", found \"" + format + "\"", s.file(),
                "/ attribute 'format'");
  const std::int32_t version = h5::read_attribute<std::int32_t>(s, file, "format_version", 1, "/")[0];
  if (version < 1 || version > kNativeFormatVersion)
    throw Error("format version " + std::to_string(version) + ", expected 1.." + std::to_string(kNativeFormatVersion) +
                    (version > kNativeFormatVersion ? " (written by a newer EBSD Studio)" : ""),
                s.file(), "/ attribute 'format_version'");

  const Geometry geo = read_geometry(s, file);
  std::vector<Phase> phases = read_phases(s, file);

  // Open and check every per-voxel dataset before the volume is allocated.
  const Index3& dims = geo.dims;
  Handle voxels = h5::open_group(s, file, "voxels", "/voxels");
  const hid_t vg = voxels.get();
  Handle quats = open_voxel_dataset<float>(s, vg, "quaternions", "/voxels/quaternions", dims, 4);
  Handle phase_ids = open_voxel_dataset<std::int32_t>(s, vg, "phase_ids", "/voxels/phase_ids", dims, 1);
  Handle confidence = open_voxel_dataset<float>(s, vg, "confidence", "/voxels/confidence", dims, 1);
  Handle image_quality = open_voxel_dataset<float>(s, vg, "image_quality", "/voxels/image_quality", dims, 1);
  Handle valid = open_voxel_dataset<std::uint8_t>(s, vg, "valid", "/voxels/valid", dims, 1);
  Handle grain_ids;
  if (h5::has_link(vg, "grain_ids"))
    grain_ids = open_voxel_dataset<std::int32_t>(s, vg, "grain_ids", "/voxels/grain_ids", dims, 1);

  Handle channel_group = h5::open_group(s, file, "channels", "/channels");
  struct ChannelEntry {
    std::string name, path;
    Handle dataset;
  };
  std::vector<ChannelEntry> channels;
  const hsize_t channel_count = h5::link_count(s, channel_group.get(), "/channels");
  for (hsize_t k = 0; k < channel_count; ++k) {
    const std::string link = h5::link_name(s, channel_group.get(), k, "/channels");
    const std::string path = "/channels/" + link;
    Handle d = open_voxel_dataset<float>(s, channel_group.get(), link, path, dims, 1);
    const std::string name = h5::read_string_attribute(s, d.get(), "name", path);
    for (const auto& c : channels)
      if (c.name == name) throw Error("a second channel named '" + name + "', expected unique names", s.file(), path);
    channels.push_back({name, path, std::move(d)});
  }

  double total = static_cast<double>(dims[0]) * static_cast<double>(dims[1]) * static_cast<double>(dims[2]) *
                 (4 * sizeof(float) + sizeof(std::int32_t) + 2 * sizeof(float) + 1 +
                  (grain_ids.valid() ? sizeof(std::int32_t) : 0) + channels.size() * sizeof(float));
  ByteProgress progress(p, total, "reading " + s.file());

  Volume v;
  in_place(s, "/geometry", [&] {
    // Every element of every per-voxel array is read below, so none is filled first.
    v = Volume::for_overwrite(dims, geo.spacing, geo.origin);
  });
  v.set_length_unit(geo.length_unit);
  v.phases() = std::move(phases);
  read_voxel_dataset<float>(s, quats.get(), "/voxels/quaternions", dims, 4, v.quaternion_data(), progress, method);
  read_voxel_dataset<std::int32_t>(s, phase_ids.get(), "/voxels/phase_ids", dims, 1, v.phase_ids(), progress, method);
  read_voxel_dataset<float>(s, confidence.get(), "/voxels/confidence", dims, 1, v.confidence(), progress, method);
  read_voxel_dataset<float>(s, image_quality.get(), "/voxels/image_quality", dims, 1, v.image_quality(), progress, method);
  read_voxel_dataset<std::uint8_t>(s, valid.get(), "/voxels/valid", dims, 1, v.valid(), progress, method);
  if (grain_ids.valid()) {
    std::vector<std::int32_t> ids(static_cast<std::size_t>(v.voxel_count()));
    read_voxel_dataset<std::int32_t>(s, grain_ids.get(), "/voxels/grain_ids", dims, 1, std::span(ids), progress, method);
    v.set_grain_ids(std::move(ids));
  }
  for (auto& c : channels) {
    Channel channel;
    channel.unit = h5::read_string_attribute(s, c.dataset.get(), "unit", c.path);
    channel.description = h5::read_string_attribute(s, c.dataset.get(), "description", c.path);
    channel.values.resize(static_cast<std::size_t>(v.voxel_count()));
    read_voxel_dataset<float>(s, c.dataset.get(), c.path, dims, 1, std::span(channel.values), progress, method);
    in_place(s, c.path + " attribute 'name'", [&] { v.set_channel(c.name, std::move(channel)); });
  }

  Handle slices = h5::open_group(s, file, "slices", "/slices");
  const auto nz = static_cast<std::size_t>(dims[2]);
  for (std::int64_t z : h5::read_vector<std::int64_t>(s, slices.get(), "missing", nz, "/slices/missing"))
    in_place(s, "/slices/missing", [&] { v.mark_missing(z); });
  for (std::int64_t z : h5::read_vector<std::int64_t>(s, slices.get(), "damaged", nz, "/slices/damaged"))
    in_place(s, "/slices/damaged", [&] { v.mark_damaged(z); });

  for (auto& r : parse_provenance(s, h5::read_string_dataset(s, file, "provenance", "/provenance")))
    v.add_provenance(std::move(r));
  return v;
}

}  // namespace

void write_native(const fs::path& path, const Volume& volume, Progress& progress) {
  if (volume.voxel_count() < 1) throw Error("the volume has no voxels, expected at least one", path.string());
  write_atomically(path, [&](const fs::path& temporary) {
    Session s(path.string());
    Handle fapl(s.check(H5Pcreate(H5P_FILE_ACCESS), "cannot create a property list", "/"), H5Pclose);
    // The 1.8 file format: readable by any HDF5 since 1.8, and it stores attributes larger than
    // 64 KiB (long channel descriptions) densely instead of failing.
    s.check_status(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_V18), "cannot set the file format",
                   "/");
    s.check_status(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), "cannot set the close behaviour", "/");
    Handle file(H5Fcreate(temporary.string().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose);
    if (!file.valid()) s.fail("cannot create the file", "");
    write_contents(s, file.get(), volume, progress);
    // Closing flushes: a failure here (e.g. a full disk) must not become a renamed, broken file.
    if (!file.close()) s.fail("cannot finish writing the file", "");
  });
  progress.report(1.0, "wrote " + path.string());
}

Volume read_native(const fs::path& path, Progress& progress, NativeReadMethod method) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error("no such file", path.string());
  if (!fs::is_regular_file(path, ec)) throw Error("not a regular file", path.string());
  Session s(path.string());
  if (H5Fis_hdf5(path.string().c_str()) <= 0) throw Error("not an HDF5 file (no HDF5 signature)", path.string());
  Handle file(H5Fopen(path.string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) s.fail("cannot open the HDF5 file (truncated or damaged?)", "");
  return read_contents(s, file.get(), progress, method);
}

bool looks_like_native(const fs::path& path) {
  try {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return false;
    Session s(path.string());
    if (H5Fis_hdf5(path.string().c_str()) <= 0) return false;
    Handle file(H5Fopen(path.string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!file.valid() || !h5::has_attribute(file.get(), "format")) return false;
    return h5::read_string_attribute(s, file.get(), "format", "/") == kNativeFormatName;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace ebsd::io

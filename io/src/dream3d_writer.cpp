// Writing a Volume as a version 8.0 .dream3d file plus its .xdmf sidecar; the layout is in
// dream3d.hpp and follows simplnx's DataStructureWriter (ImageGeomIO, AttributeMatrixIO,
// DataArrayIO, StringArrayIO) and Dream3dIO (FileVersion, Pipeline).
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "dream3d_cell_array.hpp"
#include "dream3d_hdf5.hpp"
#include "dream3d_metadata.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/io/atomic_file.hpp"
#include "ebsd/io/dream3d.hpp"
#include "ebsd/orientation/laue_group.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "xdmf_writer.hpp"

namespace ebsd::io {
namespace {

namespace fs = std::filesystem;
using d3d::Element;
using d3d::Handle;
using d3d::Session;

// The names simplnx's EBSD readers (ReadAngData, ReadCtfData) give these objects.
const std::string kGeometry = "DataContainer";
const std::string kCellData = "Cell Data";
const std::string kEnsembleData = "Cell Ensemble Data";
const std::string kGeometryPath = "/DataStructure/" + kGeometry;
const std::string kCellPath = kGeometryPath + "/" + kCellData;
const std::string kEnsemblePath = kGeometryPath + "/" + kEnsembleData;
// simplnx's k_CurrentPipelineVersion: the version its reader expects of a 8.0 file's pipeline.
constexpr std::int32_t kPipelineVersion = 3;
// DREAM.3D's CrystalStructures value for "unknown", used for the dummy entry 0.
constexpr std::uint32_t kUnknownCrystalStructure = 999;

const std::set<std::string> kReservedArrayNames = {"EulerAngles",   "Quats", "Phases",     "Confidence Index",
                                                   "Image Quality", "Mask",  "GoodVoxels", "FeatureIds"};

// Channel names are free text, but an HDF5 link name cannot contain '/' or be ".", and a
// channel must not take the name of an array we write: escape '/' and '%' (%2F, %25) and add
// " (channel)" on a clash. The exact name travels in the ebsd_studio metadata.
std::string dataset_name_for(const std::string& name, std::set<std::string>& used) {
  std::string out;
  for (char c : name) {
    if (c == '%')
      out += "%25";
    else if (c == '/')
      out += "%2F";
    else
      out += c;
  }
  if (out == ".") out = "%2E";
  std::string candidate = out;
  for (int k = 1; kReservedArrayNames.count(candidate) || used.count(candidate); ++k)
    candidate = out + (k == 1 ? " (channel)" : " (channel " + std::to_string(k) + ")");
  used.insert(candidate);
  return candidate;
}

// simplnx marks every DataObject with its type name, a unique id and whether to import it.
class Objects {
public:
  std::uint64_t mark(const Session& s, hid_t obj, const std::string& type, const std::string& path) {
    const std::uint64_t id = next_++;
    d3d::write_text_attribute(s, obj, "ObjectType", type, path);
    d3d::write_u64_scalar_attribute(s, obj, "ObjectId", id, path);
    d3d::write_i32_scalar_attribute(s, obj, "Importable", 1, path);
    return id;
  }
  std::uint64_t next() const { return next_; }

private:
  std::uint64_t next_ = 1;
};

struct ArrayType {
  Element element;
  const char* object_type;  // simplnx DataArray<T>::GetTypeName()
  const char* xdmf_type;
  int precision;
};
constexpr ArrayType kFloat32{Element::Float32, "DataArray<float32>", "Float", 4};
constexpr ArrayType kInt32{Element::Int32, "DataArray<int32>", "Int", 4};
constexpr ArrayType kBool{Element::UInt8, "DataArray<bool>", "UChar", 1};

void mark_array_shape(const Session& s, hid_t d, std::span<const std::uint64_t> tuples, std::uint64_t components,
                      const std::string& path) {
  d3d::write_u64_attribute(s, d, "TupleDimensions", tuples, path);
  d3d::write_u64_attribute(s, d, "ComponentDimensions", std::span<const std::uint64_t>(&components, 1), path);
}

class CellWriter {
public:
  CellWriter(const Session& s, hid_t group, const Volume& v, Objects& objects, Progress& progress, std::size_t arrays)
      : s_(s), group_(group), v_(v), objects_(objects), progress_(progress), arrays_(arrays) {}

  // Writes one (z, y, x, components) array; fill(first_voxel, voxel_count, out) produces the
  // values of consecutive voxels.
  template <class T, class Fill>
  void write(const std::string& name, const std::string& shown_as, const ArrayType& type, hsize_t components, Fill fill) {
    progress_.report(static_cast<double>(written_) / static_cast<double>(arrays_ + 1), "writing " + shown_as);
    const std::string path = kCellPath + "/" + name;
    const Index3& d = v_.dims();
    const std::vector<hsize_t> shape{static_cast<hsize_t>(d[2]), static_cast<hsize_t>(d[1]), static_cast<hsize_t>(d[0]),
                                     components};
    Handle ds = d3d::create_compressed_array(s_, group_, name, type.element, shape, d3d::cell_chunk(shape), path);
    const hsize_t per_slice = shape[1] * shape[2];
    const hsize_t slab = d3d::slab_slices(shape);
    std::vector<T> buffer(static_cast<std::size_t>(std::min(slab, shape[0]) * per_slice * components));
    for (hsize_t z = 0; z < shape[0]; z += slab) {
      progress_.check();
      const hsize_t n = std::min(slab, shape[0] - z);
      fill(static_cast<std::int64_t>(z * per_slice), static_cast<std::int64_t>(n * per_slice), buffer.data());
      h5::write_rows<T>(s_, ds.get(), shape, z, n, buffer.data(), path);
    }
    objects_.mark(s_, ds.get(), type.object_type, path);
    const std::uint64_t tuples[3] = {shape[0], shape[1], shape[2]};
    mark_array_shape(s_, ds.get(), tuples, components, path);
    xdmf_.push_back({shown_as, path, static_cast<std::size_t>(components), type.xdmf_type, type.precision});
    ++written_;
  }

  // One component copied from a span of voxel values.
  template <class T>
  void write_values(const std::string& name, const std::string& shown_as, const ArrayType& type, std::span<const T> values) {
    write<T>(name, shown_as, type, 1, [&](std::int64_t first, std::int64_t count, T* out) {
      std::copy_n(values.begin() + first, count, out);
    });
  }

  const std::vector<xdmf::CellArray>& xdmf_arrays() const { return xdmf_; }

private:
  const Session& s_;
  hid_t group_;
  const Volume& v_;
  Objects& objects_;
  Progress& progress_;
  std::size_t arrays_, written_ = 0;
  std::vector<xdmf::CellArray> xdmf_;
};

void write_ensemble(const Session& s, hid_t geometry, const Volume& v, Objects& objects) {
  Handle g = h5::create_group(s, geometry, kEnsembleData, kEnsemblePath);
  objects.mark(s, g.get(), "AttributeMatrix", kEnsemblePath);
  const std::uint64_t entries = v.phases().size() + 1;  // entry 0 is DREAM.3D's dummy phase
  d3d::write_u64_attribute(s, g.get(), "TupleDims", std::span<const std::uint64_t>(&entries, 1), kEnsemblePath);

  std::vector<std::uint32_t> structures{kUnknownCrystalStructure};
  std::vector<float> lattice(6, 0.0f);
  std::vector<std::string> names{"Invalid Phase"};
  for (const Phase& p : v.phases()) {
    structures.push_back(static_cast<std::uint32_t>(dream3d_crystal_structure(p.laue)));
    for (double c : p.lattice) lattice.push_back(static_cast<float>(c));
    names.push_back(p.name);
  }
  {
    const std::string path = kEnsemblePath + "/CrystalStructures";
    const hsize_t shape[2] = {entries, 1};
    d3d::write_array(s, g.get(), "CrystalStructures", Element::UInt32, shape, structures.data(), path);
    Handle d = h5::open_dataset(s, g.get(), "CrystalStructures", path);
    objects.mark(s, d.get(), "DataArray<uint32>", path);
    mark_array_shape(s, d.get(), std::span<const std::uint64_t>(&entries, 1), 1, path);
  }
  {
    const std::string path = kEnsemblePath + "/LatticeConstants";
    const hsize_t shape[2] = {entries, 6};
    d3d::write_array(s, g.get(), "LatticeConstants", Element::Float32, shape, lattice.data(), path);
    Handle d = h5::open_dataset(s, g.get(), "LatticeConstants", path);
    objects.mark(s, d.get(), "DataArray<float32>", path);
    mark_array_shape(s, d.get(), std::span<const std::uint64_t>(&entries, 1), 6, path);
  }
  {
    const std::string path = kEnsemblePath + "/MaterialName";
    d3d::write_string_list(s, g.get(), "MaterialName", names, path);
    Handle d = h5::open_dataset(s, g.get(), "MaterialName", path);
    objects.mark(s, d.get(), "StringArray", path);
    d3d::write_u64_scalar_attribute(s, d.get(), "TupleDimensions", entries, path);  // as StringArrayIO writes it
  }
}

struct ChannelDataset {
  std::string dataset;
  const std::string* name;
  const Channel* channel;
};

xdmf::UniformGrid write_contents(const Session& s, hid_t file, const Volume& v, const std::vector<ChannelDataset>& channels,
                                 const std::string& pipeline, Progress& progress) {
  d3d::write_text_attribute(s, file, "FileVersion", "8.0", "/");
  {
    Handle g = h5::create_group(s, file, "Pipeline", "/Pipeline");
    d3d::write_i32_scalar_attribute(s, g.get(), "Pipeline Version", kPipelineVersion, "/Pipeline");
    d3d::write_text_attribute(s, g.get(), "Current Pipeline", "EBSD Studio export", "/Pipeline");
    d3d::write_text_dataset(s, g.get(), "Pipeline", pipeline, "/Pipeline/Pipeline");
  }
  Handle structure = h5::create_group(s, file, "DataStructure", "/DataStructure");
  Objects objects;
  Handle geometry = h5::create_group(s, structure.get(), kGeometry, kGeometryPath);
  objects.mark(s, geometry.get(), "ImageGeom", kGeometryPath);
  const Index3& d = v.dims();
  const std::uint64_t dims[3] = {static_cast<std::uint64_t>(d[0]), static_cast<std::uint64_t>(d[1]),
                                 static_cast<std::uint64_t>(d[2])};
  const float origin[3] = {static_cast<float>(v.origin()[0]), static_cast<float>(v.origin()[1]),
                           static_cast<float>(v.origin()[2])};
  const float spacing[3] = {static_cast<float>(v.spacing()[0]), static_cast<float>(v.spacing()[1]),
                            static_cast<float>(v.spacing()[2])};
  d3d::write_u64_attribute(s, geometry.get(), "_DIMENSIONS", dims, kGeometryPath);
  d3d::write_numeric_attribute(s, geometry.get(), "_ORIGIN", Element::Float32, origin, 3, kGeometryPath);
  d3d::write_numeric_attribute(s, geometry.get(), "_SPACING", Element::Float32, spacing, 3, kGeometryPath);

  Handle cell = h5::create_group(s, geometry.get(), kCellData, kCellPath);
  const std::uint64_t cell_id = objects.mark(s, cell.get(), "AttributeMatrix", kCellPath);
  d3d::write_u64_scalar_attribute(s, geometry.get(), "Cell Data ID", cell_id, kGeometryPath);
  const std::uint64_t tuples[3] = {dims[2], dims[1], dims[0]};
  d3d::write_u64_attribute(s, cell.get(), "TupleDims", tuples, kCellPath);

  const std::size_t arrays = 6 + (v.has_grain_ids() ? 1 : 0) + channels.size();
  CellWriter w(s, cell.get(), v, objects, progress, arrays);
  w.write<float>("EulerAngles", "EulerAngles", kFloat32, 3, [&](std::int64_t first, std::int64_t count, float* out) {
    for (std::int64_t i = 0; i < count; ++i) {
      const Euler e = euler_from_quat(v.orientation(first + i));
      out[3 * i] = static_cast<float>(e.phi1);
      out[3 * i + 1] = static_cast<float>(e.Phi);
      out[3 * i + 2] = static_cast<float>(e.phi2);
    }
  });
  // DREAM.3D orders quaternions (x, y, z, w); the volume stores (w, x, y, z).
  const auto q = v.quaternion_data();
  w.write<float>("Quats", "Quats", kFloat32, 4, [&](std::int64_t first, std::int64_t count, float* out) {
    for (std::int64_t i = 0; i < count; ++i) {
      const auto k = static_cast<std::size_t>(first + i);
      out[4 * i] = q[4 * k + 1];
      out[4 * i + 1] = q[4 * k + 2];
      out[4 * i + 2] = q[4 * k + 3];
      out[4 * i + 3] = q[4 * k];
    }
  });
  w.write_values<std::int32_t>("Phases", "Phases", kInt32, v.phase_ids());
  w.write_values<float>("Confidence Index", "Confidence Index", kFloat32, v.confidence());
  w.write_values<float>("Image Quality", "Image Quality", kFloat32, v.image_quality());
  w.write_values<std::uint8_t>("Mask", "Mask", kBool, v.valid());
  if (v.has_grain_ids()) w.write_values<std::int32_t>("FeatureIds", "FeatureIds", kInt32, v.grain_ids());
  for (const ChannelDataset& c : channels)
    w.write_values<float>(c.dataset, *c.name, kFloat32, std::span<const float>(c.channel->values));

  write_ensemble(s, geometry.get(), v, objects);
  d3d::write_u64_scalar_attribute(s, structure.get(), "NextObjectId", objects.next(), "/DataStructure");

  xdmf::UniformGrid grid{kGeometry, v.dims(), v.origin(), v.spacing(), w.xdmf_arrays()};
  return grid;
}

}  // namespace

fs::path xdmf_sidecar_path(const fs::path& path) { return fs::path(path).replace_extension(".xdmf"); }

void write_dream3d(const fs::path& path, const Volume& volume, Progress& progress) {
  if (volume.voxel_count() < 1) throw Error("the volume has no voxels, expected at least one", path.string());
  if (xdmf_sidecar_path(path) == path)
    throw Error("a .dream3d file cannot end in .xdmf: its XDMF sidecar takes that name", path.string());

  std::set<std::string> used;
  std::vector<ChannelDataset> channels;
  std::vector<d3d::ChannelNote> notes;
  for (const auto& [name, channel] : volume.channels()) {
    channels.push_back({dataset_name_for(name, used), &name, &channel});
    notes.push_back({channels.back().dataset, name, channel.unit, channel.description});
  }
  const std::string pipeline = [&] {
    try {
      return d3d::pipeline_text(d3d::metadata_of(volume, std::move(notes)));
    } catch (const Error& e) {
      throw Error(e.problem(), path.string(), "/Pipeline/Pipeline");
    }
  }();

  xdmf::UniformGrid grid;
  write_atomically(path, [&](const fs::path& temporary) {
    Session s(path.string());
    Handle fapl(s.check(H5Pcreate(H5P_FILE_ACCESS), "cannot create a property list", "/"), H5Pclose);
    // The HDF5 1.8 file format: DREAM.3D 6, simplnx and ParaView's XDMF reader all open it.
    s.check_status(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_V18), "cannot set the file format", "/");
    s.check_status(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), "cannot set the close behaviour", "/");
    Handle file(H5Fcreate(temporary.string().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose);
    if (!file.valid()) s.fail("cannot create the file", "");
    grid = write_contents(s, file.get(), volume, channels, pipeline, progress);
    // Closing flushes: a failure here (a full disk) must not become a renamed, broken file.
    if (!file.close()) s.fail("cannot finish writing the file", "");
  });
  xdmf::write_file(xdmf_sidecar_path(path), grid, path.filename().string());
  progress.report(1.0, "wrote " + path.string());
}

}  // namespace ebsd::io

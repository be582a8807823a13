// Finding the volume in a .dream3d file of version 7.0 or 8.0; see dream3d_layout.hpp.
#include "dream3d_layout.hpp"

#include <cmath>
#include <optional>
#include <vector>

#include "ebsd/core/error.hpp"

namespace ebsd::io::d3d {
namespace {

bool has_dataset(const std::vector<Child>& kids, std::string_view name) {
  for (const Child& c : kids)
    if (c.kind == LinkKind::Dataset && c.name == name) return true;
  return false;
}

bool holds_orientations(const std::vector<Child>& kids) {
  return has_dataset(kids, kEulerAngles) || has_dataset(kids, kQuats);
}

std::string join(const std::string& parent, const std::string& name) {
  return parent == "/" ? "/" + name : parent + "/" + name;
}

// Three values of a grid property, whatever their stored type.
std::array<double, 3> three(const std::vector<double>& v, const Session& s, const std::string& place) {
  if (v.size() != 3) throw Error("expected 3 values (x, y, z), found " + std::to_string(v.size()), s.file(), place);
  return {v[0], v[1], v[2]};
}

// Dimensions >= 1 and integral with at most Volume::kMaxVoxels voxels, spacing > 0, all finite:
// a header claiming 10^12 voxels is a damaged file and must fail before any allocation.
void set_grid(const Session& s, Layout& layout, const std::array<double, 3>& dims, const std::array<double, 3>& spacing,
              const std::array<double, 3>& origin, const std::string& dims_place, const std::string& spacing_place,
              const std::string& origin_place) {
  double voxels = 1;
  for (int a = 0; a < 3; ++a) {
    if (!std::isfinite(dims[a]) || dims[a] < 1 || dims[a] != std::floor(dims[a]))
      throw Error("dimension " + std::string(1, "xyz"[a]) + " is " + std::to_string(dims[a]) + ", expected an integer >= 1",
                  s.file(), dims_place);
    voxels *= dims[a];
  }
  if (voxels > static_cast<double>(Volume::kMaxVoxels))
    throw Error("claims " + std::to_string(static_cast<long long>(dims[0])) + " x " +
                    std::to_string(static_cast<long long>(dims[1])) + " x " +
                    std::to_string(static_cast<long long>(dims[2])) + " voxels, expected at most " +
                    std::to_string(Volume::kMaxVoxels) + " in all",
                s.file(), dims_place);
  for (int a = 0; a < 3; ++a) {
    if (!std::isfinite(spacing[a]) || spacing[a] <= 0)
      throw Error("spacing " + std::string(1, "xyz"[a]) + " is " + std::to_string(spacing[a]) + ", expected a finite value > 0",
                  s.file(), spacing_place);
    if (!std::isfinite(origin[a]))
      throw Error("origin " + std::string(1, "xyz"[a]) + " is not finite", s.file(), origin_place);
    layout.dims[a] = static_cast<std::int64_t>(dims[a]);
  }
  layout.spacing = spacing;
  layout.origin = origin;
}

std::optional<std::int64_t> integer_attribute_or_none(const Session& s, hid_t obj, const std::string& name,
                                                      const std::string& path) {
  if (!h5::has_attribute(obj, name)) return std::nullopt;
  return h5::read_integer_attribute(s, obj, name, path);
}

// Version 7.0: /DataContainers/<DC>/_SIMPL_GEOMETRY (DIMENSIONS, ORIGIN, SPACING datasets) and
// attribute matrices beside it, typed by AttributeMatrixType (3 = Cell, 11 = CellEnsemble).
Layout locate_v7(const Session& s, hid_t file) {
  const std::string root = "/DataContainers";
  if (!h5::has_link(file, "DataContainers"))
    throw Error("expected the group /DataContainers of a version 7.0 file", s.file(), root);
  Handle containers = h5::open_group(s, file, "DataContainers", root);
  for (const Child& dc : children(s, containers.get(), root)) {
    if (dc.kind != LinkKind::Group) continue;
    const std::string dc_path = join(root, dc.name);
    Handle g = h5::open_group(s, containers.get(), dc.name, dc_path);
    if (!h5::has_link(g.get(), "_SIMPL_GEOMETRY")) continue;
    const std::string geom_path = dc_path + "/_SIMPL_GEOMETRY";
    Handle geom = h5::open_group(s, g.get(), "_SIMPL_GEOMETRY", geom_path);
    const std::string type_name = text_attribute_or_empty(s, geom.get(), "GeometryTypeName");
    if (!type_name.empty() && type_name != "ImageGeometry") continue;
    if (type_name.empty()) {
      const auto type = integer_attribute_or_none(s, geom.get(), "GeometryType", geom_path);
      if (type && *type != 0) continue;  // 0 = image geometry in SIMPL's enum
    }
    Layout layout;
    layout.file_version = std::string(kFileVersion7);
    layout.geometry_path = geom_path;
    for (const Child& am : children(s, g.get(), dc_path)) {
      if (am.kind != LinkKind::Group || am.name == "_SIMPL_GEOMETRY") continue;
      const std::string am_path = join(dc_path, am.name);
      Handle amg = h5::open_group(s, g.get(), am.name, am_path);
      const auto am_type = integer_attribute_or_none(s, amg.get(), "AttributeMatrixType", am_path);
      const auto kids = children(s, amg.get(), am_path);
      if (am_type == 3 && layout.cell_path.empty() && holds_orientations(kids)) layout.cell_path = am_path;
      if (am_type == 11 && layout.ensemble_path.empty() && has_dataset(kids, kCrystalStructures))
        layout.ensemble_path = am_path;
    }
    if (layout.cell_path.empty()) continue;
    const auto dims = three(h5::read_numeric<double>(s, geom.get(), "DIMENSIONS", 3, 1, true, geom_path + "/DIMENSIONS"),
                            s, geom_path + "/DIMENSIONS");
    const std::string spacing_name = h5::has_link(geom.get(), "SPACING")      ? "SPACING"
                                     : h5::has_link(geom.get(), "RESOLUTION") ? "RESOLUTION"  // older SIMPL name
                                                                              : "";
    if (spacing_name.empty())
      throw Error("missing dataset, expected SPACING (3 numbers, x y z)", s.file(), geom_path + "/SPACING");
    const std::string spacing_path = geom_path + "/" + spacing_name;
    const auto spacing = three(h5::read_numeric<double>(s, geom.get(), spacing_name, 3, 1, false, spacing_path), s,
                               spacing_path);
    const auto origin = three(h5::read_numeric<double>(s, geom.get(), "ORIGIN", 3, 1, false, geom_path + "/ORIGIN"), s,
                              geom_path + "/ORIGIN");
    set_grid(s, layout, dims, spacing, origin, geom_path + "/DIMENSIONS", spacing_path, geom_path + "/ORIGIN");
    return layout;
  }
  throw Error("found no image geometry whose cell attribute matrix holds EulerAngles or Quats", s.file(), root);
}

// The first attribute matrix among `kids` of `parent` that holds CrystalStructures.
std::string ensemble_among(const Session& s, hid_t parent, const std::string& parent_path, const std::vector<Child>& kids) {
  for (const Child& c : kids) {
    if (c.kind != LinkKind::Group) continue;
    const std::string path = join(parent_path, c.name);
    Handle g = h5::open_group(s, parent, c.name, path);
    if (text_attribute_or_empty(s, g.get(), "ObjectType") == "AttributeMatrix" &&
        has_dataset(children(s, g.get(), path), kCrystalStructures))
      return path;
  }
  return {};
}

// Version 8.0: /DataStructure/<name> with ObjectType "ImageGeom" and attributes _DIMENSIONS,
// _ORIGIN, _SPACING; its cell attribute matrix is the child whose ObjectId is "Cell Data ID".
Layout locate_v8(const Session& s, hid_t file) {
  const std::string root = "/DataStructure";
  if (!h5::has_link(file, "DataStructure"))
    throw Error("expected the group /DataStructure of a version 8.0 file", s.file(), root);
  Handle structure = h5::open_group(s, file, "DataStructure", root);
  const auto top = children(s, structure.get(), root);
  for (const Child& gc : top) {
    if (gc.kind != LinkKind::Group) continue;
    const std::string geom_path = join(root, gc.name);
    Handle geom = h5::open_group(s, structure.get(), gc.name, geom_path);
    if (text_attribute_or_empty(s, geom.get(), "ObjectType") != "ImageGeom") continue;
    Layout layout;
    layout.file_version = std::string(kFileVersion8);
    layout.geometry_path = geom_path;
    const auto cell_id = integer_attribute_or_none(s, geom.get(), "Cell Data ID", geom_path);
    const auto kids = children(s, geom.get(), geom_path);
    std::string first_with_orientations;
    for (const Child& am : kids) {
      if (am.kind != LinkKind::Group) continue;
      const std::string am_path = join(geom_path, am.name);
      Handle amg = h5::open_group(s, geom.get(), am.name, am_path);
      if (text_attribute_or_empty(s, amg.get(), "ObjectType") != "AttributeMatrix") continue;
      if (!holds_orientations(children(s, amg.get(), am_path))) continue;
      if (first_with_orientations.empty()) first_with_orientations = am_path;
      if (cell_id && integer_attribute_or_none(s, amg.get(), "ObjectId", am_path) == cell_id) layout.cell_path = am_path;
    }
    if (layout.cell_path.empty()) layout.cell_path = first_with_orientations;
    if (layout.cell_path.empty()) continue;
    layout.ensemble_path = ensemble_among(s, geom.get(), geom_path, kids);
    if (layout.ensemble_path.empty()) layout.ensemble_path = ensemble_among(s, structure.get(), root, top);
    const auto dims = three(read_number_attribute(s, geom.get(), "_DIMENSIONS", 3, geom_path), s,
                            geom_path + " attribute '_DIMENSIONS'");
    const auto spacing = three(read_number_attribute(s, geom.get(), "_SPACING", 3, geom_path), s,
                               geom_path + " attribute '_SPACING'");
    const auto origin = three(read_number_attribute(s, geom.get(), "_ORIGIN", 3, geom_path), s,
                              geom_path + " attribute '_ORIGIN'");
    set_grid(s, layout, dims, spacing, origin, geom_path + " attribute '_DIMENSIONS'",
             geom_path + " attribute '_SPACING'", geom_path + " attribute '_ORIGIN'");
    return layout;
  }
  throw Error("found no ImageGeom whose cell attribute matrix holds EulerAngles or Quats", s.file(), root);
}

}  // namespace

std::string file_version(const Session& s, hid_t file) {
  if (!h5::has_attribute(file, "FileVersion"))
    throw Error("not a DREAM.3D file: expected the root attribute FileVersion (\"7.0\" or \"8.0\")", s.file(), "/");
  const std::string version = h5::read_string_attribute(s, file, "FileVersion", "/");
  if (version != kFileVersion7 && version != kFileVersion8)
    throw Error("file version \"" + version + "\", expected \"7.0\" (DREAM.3D 6) or \"8.0\" (DREAM3D-NX)", s.file(),
                "/ attribute 'FileVersion'");
  return version;
}

Layout locate(const Session& s, hid_t file, const std::string& version) {
  return version == kFileVersion7 ? locate_v7(s, file) : locate_v8(s, file);
}

}  // namespace ebsd::io::d3d

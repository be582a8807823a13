// Reading .dream3d files of version 7.0 and 8.0 into a Volume; the mapping is in dream3d.hpp,
// the layouts in FORMATS.md F.4.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>
#include <string>
#include <vector>

#include "dream3d_cell_array.hpp"
#include "dream3d_hdf5.hpp"
#include "dream3d_layout.hpp"
#include "dream3d_metadata.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/io/dream3d.hpp"
#include "ebsd/orientation/laue_group.hpp"
#include "ebsd/orientation/rotations.hpp"

namespace ebsd::io {
namespace {

namespace fs = std::filesystem;
using d3d::CellArray;
using d3d::Handle;
using d3d::Session;

// A DREAM.3D ensemble of more entries than this is a damaged file, not a material.
constexpr std::int64_t kMaxEnsembleEntries = 4096;
// TSL marks unindexed points with Euler angles of 4 pi; DREAM.3D keeps them as imported.
bool is_unindexed_marker(float angle) { return std::fabs(angle - 4.0 * std::numbers::pi) < 1e-3; }
// Radians never exceed 4 pi (the marker); anything beyond is degrees.
constexpr double kLargestRadians = 4.0 * std::numbers::pi + 0.01;
// Quats and EulerAngles agree when they differ by less than this rotation (radians): float32
// rounding of either stays below 1e-5.
constexpr double kQuatEulerTolerance = 1e-3;

std::string voxel_place(const std::string& path, const Index3& dims, std::int64_t i) {
  const std::int64_t x = i % dims[0], y = (i / dims[0]) % dims[1], z = i / (dims[0] * dims[1]);
  return path + " at voxel (x, y, z) = (" + std::to_string(x) + ", " + std::to_string(y) + ", " + std::to_string(z) + ")";
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

struct StoredPhases {
  std::vector<Phase> phases;       // ids 1..n-1
  std::vector<std::string> names;  // raw MaterialName entries 1..n-1 ("" when absent)
};

// EbsdLib's .ang import left the header key in the value ("MaterialName Nickel "): strip it
// and surrounding blanks; a missing name becomes "Phase k".
std::string clean_material_name(std::string name, std::size_t k) {
  const std::string_view key = "MaterialName";
  if (name.rfind(key, 0) == 0) name.erase(0, key.size());
  const auto first = name.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "Phase " + std::to_string(k);
  const auto last = name.find_last_not_of(" \t\r\n");
  return name.substr(first, last - first + 1);
}

StoredPhases read_ensemble(const Session& s, hid_t file, const d3d::Layout& layout, ImportReport& report) {
  if (layout.ensemble_path.empty())
    throw Error("expected an ensemble attribute matrix holding CrystalStructures beside the cell data", s.file(),
                layout.cell_path);
  const std::string& path = layout.ensemble_path;
  Handle g = h5::open_group(s, file, path, path);
  const std::string cs_path = path + "/CrystalStructures";
  const auto n = static_cast<std::int64_t>(h5::numeric_count(s, g.get(), "CrystalStructures", true, cs_path));
  if (n < 1 || n > kMaxEnsembleEntries)
    throw Error("holds " + std::to_string(n) + " entries, expected 1.." + std::to_string(kMaxEnsembleEntries) +
                    " (entry 0 is DREAM.3D's dummy phase)",
                s.file(), cs_path);
  const auto rows = static_cast<std::uint64_t>(n);
  const auto codes = h5::read_numeric<std::int64_t>(s, g.get(), "CrystalStructures", rows, 1, true, cs_path);
  std::vector<double> lattice;
  if (h5::has_link(g.get(), "LatticeConstants"))
    lattice = h5::read_numeric<double>(s, g.get(), "LatticeConstants", rows, 6, false, path + "/LatticeConstants");
  std::vector<std::string> names;
  if (h5::has_link(g.get(), "MaterialName"))
    names = d3d::read_string_list(s, g.get(), "MaterialName", static_cast<std::size_t>(n), path + "/MaterialName");

  StoredPhases out;
  for (std::int64_t k = 1; k < n; ++k) {
    const auto ku = static_cast<std::size_t>(k);
    Phase p;
    try {
      p.laue = laue_from_dream3d(static_cast<int>(codes[ku]));
    } catch (const Error&) {
      // 999 (Unknown) and codes from newer DREAM.3D releases: assume no symmetry rather than
      // refuse data that is otherwise fine, and say so.
      p.laue = LaueGroup::Triclinic;
      report.warnings.push_back("phase " + std::to_string(k) + " has CrystalStructures " + std::to_string(codes[ku]) +
                                " (not a Laue group); read as triclinic -1");
    }
    if (!lattice.empty()) std::copy_n(lattice.begin() + static_cast<std::ptrdiff_t>(6 * ku), 6, p.lattice.begin());
    out.names.push_back(names.empty() ? std::string() : names[ku]);
    p.name = clean_material_name(out.names.back(), ku);
    out.phases.push_back(std::move(p));
  }
  return out;
}

// The "ebsd_studio" metadata of a file we wrote, or nullopt.
std::optional<d3d::StudioMetadata> read_metadata(const Session& s, hid_t file, ImportReport& report) {
  if (!h5::has_link(file, "Pipeline")) return std::nullopt;
  Handle g = h5::open_group(s, file, "Pipeline", "/Pipeline");
  if (!h5::has_link(g.get(), "Pipeline")) return std::nullopt;
  std::string text;
  try {
    text = h5::read_string_dataset(s, g.get(), "Pipeline", "/Pipeline/Pipeline");
  } catch (const Error& e) {
    report.warnings.push_back("the pipeline record could not be read (" + e.problem() + ")");
    return std::nullopt;
  }
  return d3d::metadata_from_pipeline(text, s.file(), "/Pipeline/Pipeline");
}

bool same_as_float(double exact, double stored) { return static_cast<float>(exact) == static_cast<float>(stored); }

// Our exact phases when they describe what the ensemble arrays hold.
bool phases_agree(const std::vector<Phase>& exact, const StoredPhases& stored) {
  if (exact.size() != stored.phases.size()) return false;
  for (std::size_t k = 0; k < exact.size(); ++k) {
    if (dream3d_crystal_structure(exact[k].laue) != dream3d_crystal_structure(stored.phases[k].laue) ||
        exact[k].name != stored.names[k])
      return false;
    for (int c = 0; c < 6; ++c)
      if (!same_as_float(exact[k].lattice[c], stored.phases[k].lattice[c])) return false;
  }
  return true;
}

// Known units of the EBSD arrays DREAM.3D's .ang/.ctf readers create.
std::string unit_of(const std::string& name) {
  if (name == "Fit" || name == "MAD") return "deg";
  if (name == "X Position" || name == "Y Position") return "um";
  return "";
}

struct Arrays {
  std::optional<CellArray> euler, quats, phases, ci, iq, mask, feature_ids;
  std::vector<CellArray> channels;
};

Arrays open_arrays(const Session& s, hid_t cell, const d3d::Layout& layout, ImportReport& report) {
  Arrays a;
  const Index3& dims = layout.dims;
  auto open = [&](const std::string& name) { return d3d::open_cell_array(s, cell, name, layout.cell_path + "/" + name, dims); };
  for (const d3d::Child& c : d3d::children(s, cell, layout.cell_path)) {
    if (c.kind != d3d::LinkKind::Dataset) {
      if (c.kind == d3d::LinkKind::Group) report.warnings.push_back("skipped the group '" + c.name + "' in the cell data");
      continue;
    }
    if (c.name == "EulerAngles") {
      a.euler = open(c.name);
      d3d::require(s, *a.euler, 3, false);
    } else if (c.name == "Quats") {
      a.quats = open(c.name);
      d3d::require(s, *a.quats, 4, false);
    } else if (c.name == "Phases") {
      a.phases = open(c.name);
      d3d::require(s, *a.phases, 1, true);
    } else if (c.name == "Confidence Index") {
      a.ci = open(c.name);
      d3d::require(s, *a.ci, 1, false);
    } else if (c.name == "Image Quality") {
      a.iq = open(c.name);
      d3d::require(s, *a.iq, 1, false);
    } else if (c.name == "Mask" || c.name == "GoodVoxels") {
      // Older DREAM.3D pipelines name the mask GoodVoxels; children come in name order, so a
      // Mask beside it replaces it.
      a.mask = open(c.name);
      d3d::require(s, *a.mask, 1, false);
    } else if (c.name == "FeatureIds") {
      a.feature_ids = open(c.name);
      d3d::require(s, *a.feature_ids, 1, true);
    } else {
      CellArray x = open(c.name);
      if (!x.numeric || x.components != 1) {
        report.warnings.push_back("skipped the cell array '" + c.name + "' (" + x.type + ", " +
                                  std::to_string(x.components) + " components): only one-component numeric arrays become channels");
        continue;
      }
      a.channels.push_back(std::move(x));
    }
  }
  if (!a.phases)
    throw Error("missing dataset, expected integer phase ids shaped (z, y, x, 1)", s.file(), layout.cell_path + "/Phases");
  return a;
}

}  // namespace

Dream3dReadResult read_dream3d(const fs::path& path, Progress& progress) {
  Session s(path.string());
  Handle file = h5::open_file_for_reading(s);
  const std::string version = d3d::file_version(s, file.get());
  const d3d::Layout layout = d3d::locate(s, file.get(), version);
  const Index3& dims = layout.dims;

  Dream3dReadResult result;
  ImportReport& report = result.report;
  report.format = "dream3d";
  report.angle_unit_in_file = "rad";
  report.grid = "square";
  report.transforms_applied = false;  // identity recommended rotations: DREAM.3D stores no frame convention
  report.header = {{"file_version", version},
                   {"geometry", layout.geometry_path},
                   {"cell_data", layout.cell_path},
                   {"ensemble_data", layout.ensemble_path}};
  if (h5::has_attribute(file.get(), "DREAM3D Version"))
    report.header["dream3d_version"] = d3d::text_attribute_or_empty(s, file.get(), "DREAM3D Version");

  const std::optional<d3d::StudioMetadata> meta = read_metadata(s, file.get(), report);
  const bool ours = meta.has_value();
  StoredPhases stored = read_ensemble(s, file.get(), layout, report);

  Handle cell = h5::open_group(s, file.get(), layout.cell_path, layout.cell_path);
  Arrays arrays = open_arrays(s, cell.get(), layout, report);

  // --- geometry and phases: our exact values where they agree with what DREAM.3D sees ---
  std::array<double, 3> spacing = layout.spacing, origin = layout.origin;
  if (ours) {
    bool agree = true;
    for (int a = 0; a < 3; ++a)
      agree = agree && same_as_float(meta->spacing[a], layout.spacing[a]) && same_as_float(meta->origin[a], layout.origin[a]);
    if (agree) {
      spacing = meta->spacing;
      origin = meta->origin;
    } else {
      report.warnings.push_back("spacing or origin were changed after EBSD Studio wrote the file; using the stored values");
    }
  }
  Volume& v = result.volume;
  in_place(s, layout.geometry_path, [&] { v = Volume(dims, spacing, origin); });
  v.set_length_unit(ours ? meta->length_unit : "um");
  report.header["length_unit"] = ours ? meta->length_unit : "um (assumed: DREAM.3D stores no length unit)";
  if (ours && phases_agree(meta->phases, stored)) {
    v.phases() = meta->phases;
  } else {
    if (ours) report.warnings.push_back("the phases were changed after EBSD Studio wrote the file; using the stored ensemble");
    v.phases() = stored.phases;
  }
  const auto phase_count = static_cast<std::int32_t>(v.phases().size());

  // --- read every array ---
  const std::int64_t n = v.voxel_count();
  const auto nu = static_cast<std::size_t>(n);
  const std::size_t total = 1 + (arrays.euler ? 1 : 0) + (arrays.quats ? 1 : 0) + (arrays.ci ? 1 : 0) +
                            (arrays.iq ? 1 : 0) + (arrays.mask ? 1 : 0) + (arrays.feature_ids ? 1 : 0) +
                            arrays.channels.size();
  std::size_t done = 0;
  auto step = [&](const std::string& what) {
    progress.report(static_cast<double>(done++) / static_cast<double>(total + 1), "reading " + what);
  };

  std::vector<float> euler, quats;
  if (arrays.euler) {
    step("EulerAngles");
    euler.resize(3 * nu);
    d3d::read_cell_array<float>(s, *arrays.euler, std::span(euler), progress);
  }
  if (arrays.quats) {
    step("Quats");
    quats.resize(4 * nu);
    d3d::read_cell_array<float>(s, *arrays.quats, std::span(quats), progress);
  }
  step("Phases");
  d3d::read_cell_array<std::int32_t>(s, *arrays.phases, v.phase_ids(), progress);
  if (arrays.ci) {
    step("Confidence Index");
    d3d::read_cell_array<float>(s, *arrays.ci, v.confidence(), progress);
  }
  if (arrays.iq) {
    step("Image Quality");
    d3d::read_cell_array<float>(s, *arrays.iq, v.image_quality(), progress);
  }
  std::vector<std::uint8_t> mask;
  if (arrays.mask) {
    step(arrays.mask->name);
    mask.resize(nu);
    d3d::read_cell_array<std::uint8_t>(s, *arrays.mask, std::span(mask), progress);
  }
  if (arrays.feature_ids) {
    step("FeatureIds");
    std::vector<std::int32_t> ids(nu);
    d3d::read_cell_array<std::int32_t>(s, *arrays.feature_ids, std::span(ids), progress);
    for (std::int64_t i = 0; i < n; ++i)
      if (ids[static_cast<std::size_t>(i)] < 0)
        throw Error("feature id " + std::to_string(ids[static_cast<std::size_t>(i)]) + ", expected >= 0", s.file(),
                    voxel_place(arrays.feature_ids->path, dims, i));
    v.set_grain_ids(std::move(ids));
  }

  // --- per voxel: indexing, phase ids, orientations ---
  std::int64_t unindexed_count = 0, out_of_range_angles = 0, disagreements = 0;
  double worst_disagreement = 0;
  std::vector<std::uint8_t> unindexed(nu, 0);
  for (std::int64_t i = 0; i < n; ++i) {
    if ((i & 0xFFFF) == 0) progress.check();
    const auto k = static_cast<std::size_t>(i);
    if (!euler.empty()) {
      const float* e = &euler[3 * k];
      for (int c = 0; c < 3; ++c) {
        if (!std::isfinite(e[c]))
          throw Error("Euler angle is not a finite number", s.file(), voxel_place(arrays.euler->path, dims, i));
        if (std::fabs(e[c]) > kLargestRadians)
          throw Error("Euler angle " + std::to_string(e[c]) + " exceeds 4 pi: DREAM.3D stores radians, this looks like degrees",
                      s.file(), voxel_place(arrays.euler->path, dims, i));
      }
      const bool marker = is_unindexed_marker(e[0]) || is_unindexed_marker(e[1]) || is_unindexed_marker(e[2]);
      if (!marker && (e[0] < -1e-3 || e[1] < -1e-3 || e[2] < -1e-3 || e[0] > 2 * std::numbers::pi + 1e-3 ||
                      e[1] > std::numbers::pi + 1e-3 || e[2] > 2 * std::numbers::pi + 1e-3))
        ++out_of_range_angles;
      if (!ours && marker) unindexed[k] = 1;
    }
    if (!ours && arrays.ci && v.confidence()[k] < 0) unindexed[k] = 1;
    unindexed_count += unindexed[k];

    std::int32_t& ph = v.phase_ids()[k];
    if (ph < 0 || ph > phase_count)
      throw Error("phase id " + std::to_string(ph) + ", expected 0.." + std::to_string(phase_count) +
                      " (the ensemble lists " + std::to_string(phase_count) + " phases)",
                  s.file(), voxel_place(arrays.phases->path, dims, i));
    if (unindexed[k]) ph = 0;
  }

  // Quats are exact float32 quaternions; EulerAngles are DREAM.3D's primary orientation array.
  // Use Quats only where both agree everywhere (an edited or P = -1 file would not).
  if (!quats.empty()) {
    for (std::int64_t i = 0; i < n; ++i) {
      const auto k = static_cast<std::size_t>(i);
      const float* q = &quats[4 * k];
      const double norm = std::sqrt(double(q[0]) * q[0] + double(q[1]) * q[1] + double(q[2]) * q[2] + double(q[3]) * q[3]);
      if (!std::isfinite(norm) || (!unindexed[k] && std::fabs(norm - 1.0) > 1e-3))
        throw Error("quaternion of norm " + std::to_string(norm) + ", expected a unit quaternion (x, y, z, w)", s.file(),
                    voxel_place(arrays.quats->path, dims, i));
      if (euler.empty() || unindexed[k]) continue;
      const float* e = &euler[3 * k];
      const Quat fe = quat_from_euler({e[0], e[1], e[2]});
      // The rotation between the two, by atan2: acos of a dot product near 1 loses half the digits.
      const Quat d = Quat{q[3], q[0], q[1], q[2]} * fe.conj();
      const double angle = 2.0 * std::atan2(d.vec().norm(), std::fabs(d.w));
      if (angle > kQuatEulerTolerance) {
        ++disagreements;
        worst_disagreement = std::max(worst_disagreement, angle);
      }
    }
  }
  const bool use_quats = !quats.empty() && disagreements == 0;
  if (disagreements > 0)
    report.warnings.push_back("Quats disagree with EulerAngles at " + std::to_string(disagreements) + " voxels (by up to " +
                              std::to_string(worst_disagreement * 180.0 / std::numbers::pi) +
                              " deg); orientations are taken from EulerAngles");
  report.header["orientation_source"] = use_quats ? "Quats" : "EulerAngles";
  auto quat_data = v.quaternion_data();
  for (std::int64_t i = 0; i < n; ++i) {
    if ((i & 0xFFFF) == 0) progress.check();
    const auto k = static_cast<std::size_t>(i);
    if (use_quats) {
      const float* q = &quats[4 * k];
      if (ours) {  // bit for bit what was written (w, x, y, z)
        quat_data[4 * k] = q[3];
        quat_data[4 * k + 1] = q[0];
        quat_data[4 * k + 2] = q[1];
        quat_data[4 * k + 3] = q[2];
      } else if (!unindexed[k]) {
        v.set_orientation(i, Quat{q[3], q[0], q[1], q[2]}.normalized());
      }
    } else if (!unindexed[k]) {
      const float* e = &euler[3 * k];
      v.set_orientation(i, quat_from_euler({e[0], e[1], e[2]}));
    }
  }
  if (out_of_range_angles > 0)
    report.warnings.push_back(std::to_string(out_of_range_angles) +
                              " voxels have Euler angles outside the Bunge ranges [0, 2 pi] x [0, pi] x [0, 2 pi]");

  // --- validity ---
  auto valid = v.valid();
  for (std::int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(i);
    if (ours && !mask.empty())
      valid[k] = mask[k];
    else
      valid[k] = (!unindexed[k] && v.phase_ids()[k] > 0 && (mask.empty() || mask[k] != 0)) ? 1 : 0;
  }
  if (!ours) report.header["unindexed_voxels"] = unindexed_count;
  if (!arrays.ci) report.warnings.push_back("no Confidence Index array: CI is 0 everywhere");
  if (!arrays.iq) report.warnings.push_back("no Image Quality array: IQ is 0 everywhere");

  // --- channels ---
  nlohmann::json channel_names = nlohmann::json::array();
  for (const CellArray& a : arrays.channels) {
    step(a.name);
    Channel c;
    c.values.resize(nu);
    d3d::read_cell_array<float>(s, a, std::span(c.values), progress);
    std::string name = a.name;
    c.unit = unit_of(a.name);
    c.description = "DREAM.3D cell array '" + a.name + "' (" + a.type + ")";
    if (ours)
      for (const d3d::ChannelNote& note : meta->channels)
        if (note.dataset == a.name) {
          name = note.name;
          c.unit = note.unit;
          c.description = note.description;
        }
    channel_names.push_back(name);
    in_place(s, a.path, [&] { v.set_channel(name, std::move(c)); });
  }
  report.header["channels"] = channel_names;
  if (ours)
    for (const d3d::ChannelNote& note : meta->channels)
      if (!v.has_channel(note.name))
        report.warnings.push_back("the channel '" + note.name + "' was removed after EBSD Studio wrote the file");

  // --- what DREAM.3D has no place for ---
  if (ours) {
    for (std::int64_t z : meta->missing_slices) in_place(s, "/Pipeline/Pipeline missing_slices", [&] { v.mark_missing(z); });
    for (std::int64_t z : meta->damaged_slices) in_place(s, "/Pipeline/Pipeline damaged_slices", [&] { v.mark_damaged(z); });
    for (const ProvenanceRecord& r : meta->provenance) v.add_provenance(r);
  } else {
    report.warnings.push_back(
        "DREAM.3D records no reference-frame convention: orientations are as stored, with whatever sample and crystal "
        "transforms the pipeline that wrote the file applied");
    v.add_provenance({"read-dream3d",
                      {{"file_version", version}, {"geometry", layout.geometry_path}, {"cell_data", layout.cell_path}},
                      "",
                      utc_timestamp(),
                      path.string()});
  }
  progress.report(1.0, "read " + path.string());
  return result;
}

bool looks_like_dream3d(const fs::path& path) {
  try {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return false;
    Session s(path.string());
    if (H5Fis_hdf5(path.string().c_str()) <= 0) return false;
    Handle file(H5Fopen(path.string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!file.valid() || !h5::has_attribute(file.get(), "FileVersion")) return false;
    const std::string version = d3d::text_attribute_or_empty(s, file.get(), "FileVersion");
    if (version == d3d::kFileVersion7) return h5::has_link(file.get(), "DataContainers");
    if (version == d3d::kFileVersion8) return h5::has_link(file.get(), "DataStructure");
    return false;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace ebsd::io

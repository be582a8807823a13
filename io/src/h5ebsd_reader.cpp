// DREAM.3D H5EBSD reader (FORMATS.md F.3; DREAM3D Documentation/ReferenceManual/
// 3_SupportedFileFormats/H5EbsdFile.md). Two passes: the first reads every slice's header and
// array lengths (metadata only) and checks that all slices share the stack's grid, so a damaged
// file fails before the volume is allocated; the second reads the slices into the volume.
#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <optional>
#include <string>
#include <vector>

#include "ebsd/core/error.hpp"
#include "ebsd/io/h5ebsd.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "hdf5_data.hpp"

namespace ebsd::io {
namespace {

using h5::Handle;
using h5::Session;

constexpr double kTwoPi = 2.0 * std::numbers::pi;
constexpr double kAngleSlack = 1e-3;
constexpr int kMaxPhases = 1000;

enum class Flavour { tsl, hkl };

// TSL marks unindexed points with Euler angles of 4 pi (FORMATS.md F.1).
bool is_unindexed_marker(double angle) { return std::fabs(angle - 4.0 * std::numbers::pi) < 1e-3; }

bool hexagonal_or_trigonal(LaueGroup g) {
  return g == LaueGroup::HexagonalHigh || g == LaueGroup::HexagonalLow || g == LaueGroup::TrigonalHigh ||
         g == LaueGroup::TrigonalLow;
}

std::string trimmed(std::string s) {
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

// "/12": built by append, which keeps GCC 12's -Wrestrict false positive on "/" + to_string away.
std::string slice_path(std::int64_t k) { return std::string("/").append(std::to_string(k)); }

std::string point_text(std::size_t i, std::int64_t nx) {
  return "point " + std::to_string(i) + " (x " + std::to_string(static_cast<std::int64_t>(i) % nx) + ", y " +
         std::to_string(static_cast<std::int64_t>(i) / nx) + ")";
}

// The stack as the root datasets describe it.
struct Stack {
  Flavour flavour = Flavour::tsl;
  std::string manufacturer;
  std::int64_t nx = 0, ny = 0;
  double xres = 0, yres = 0, zres = 0;
  std::int64_t z_start = 0, z_end = 0;
  std::int64_t stacking = 0;  // 0: ZStartIndex at z = 0; 1: ZEndIndex at z = 0
};

double positive_number(const Session& s, hid_t loc, const std::string& name, const std::string& path) {
  const double v = h5::read_number(s, loc, name, path);
  if (!(v > 0) || !std::isfinite(v)) throw Error("expected a positive number, found " + std::to_string(v), s.file(), path);
  return v;
}

Stack read_stack(const Session& s, hid_t root, ImportReport& rep) {
  Stack st;
  st.manufacturer = trimmed(h5::read_string_dataset(s, root, "Manufacturer", "/Manufacturer"));
  if (st.manufacturer == "TSL") st.flavour = Flavour::tsl;
  else if (st.manufacturer == "HKL") st.flavour = Flavour::hkl;
  else throw Error("Manufacturer '" + st.manufacturer + "': expected TSL or HKL", s.file(), "/Manufacturer");
  st.nx = h5::read_integer(s, root, "Max X Points", "/Max X Points");
  st.ny = h5::read_integer(s, root, "Max Y Points", "/Max Y Points");
  if (st.nx < 1 || st.ny < 1) throw Error("expected at least 1 point along x and y", s.file(), st.nx < 1 ? "/Max X Points" : "/Max Y Points");
  st.xres = positive_number(s, root, "X Resolution", "/X Resolution");
  st.yres = positive_number(s, root, "Y Resolution", "/Y Resolution");
  st.zres = positive_number(s, root, "Z Resolution", "/Z Resolution");
  st.z_start = h5::read_integer(s, root, "ZStartIndex", "/ZStartIndex");
  st.z_end = h5::read_integer(s, root, "ZEndIndex", "/ZEndIndex");
  if (st.z_end < st.z_start)
    throw Error("ZEndIndex " + std::to_string(st.z_end) + " is below ZStartIndex " + std::to_string(st.z_start), s.file(), "/ZEndIndex");
  // Every slice is a group of the root: more slices than root members is a damaged header.
  const auto members = static_cast<std::int64_t>(h5::link_count(s, root, "/"));
  if (st.z_end - st.z_start + 1 > members)
    throw Error("ZStartIndex..ZEndIndex spans " + std::to_string(st.z_end - st.z_start + 1) + " slices but the file holds only " +
                    std::to_string(members) + " root objects",
                s.file(), "/ZEndIndex");
  const double cells = static_cast<double>(st.nx) * static_cast<double>(st.ny) * static_cast<double>(st.z_end - st.z_start + 1);
  if (cells > static_cast<double>(Volume::kMaxVoxels))
    throw Error("the stack claims " + std::to_string(st.nx) + " x " + std::to_string(st.ny) + " x " +
                    std::to_string(st.z_end - st.z_start + 1) + " voxels, beyond any real scan",
                s.file(), "/Max X Points");
  if (h5::has_link(root, "Stacking Order")) {
    st.stacking = h5::read_integer(s, root, "Stacking Order", "/Stacking Order");
    if (st.stacking != 0 && st.stacking != 1)
      throw Error("expected 0 (low to high) or 1 (high to low), found " + std::to_string(st.stacking), s.file(), "/Stacking Order");
  } else {
    rep.warnings.push_back("no 'Stacking Order': slices stacked low to high");
  }
  return st;
}

// The stack's own frame transformations when it records them (degrees about an axis).
std::optional<FrameRotation> stored_rotation(const Session& s, hid_t root, const std::string& angle_name,
                                             const std::string& axis_name) {
  if (!h5::has_link(root, angle_name) || !h5::has_link(root, axis_name)) return std::nullopt;
  FrameRotation r;
  r.angle_deg = h5::read_number(s, root, angle_name, "/" + angle_name);
  const auto axis = h5::read_numeric<double>(s, root, axis_name, 3, 1, false, "/" + axis_name);
  r.axis = {axis[0], axis[1], axis[2]};
  if (!std::isfinite(r.angle_deg) || !r.axis.allFinite() || (r.angle_deg != 0 && r.axis.norm() == 0))
    throw Error("expected a finite angle about a non-zero axis", s.file(), "/" + axis_name);
  return r;
}

std::int64_t phase_number(const Session& s, const std::string& name, const std::string& path) {
  std::int64_t id = 0;
  for (char c : name) {
    if (c < '0' || c > '9' || id > kMaxPhases) throw Error("phase groups are named 1, 2, ...; found '" + name + "'", s.file(), path);
    id = id * 10 + (c - '0');
  }
  if (name.empty() || id < 1 || id > kMaxPhases) throw Error("phase groups are named 1.." + std::to_string(kMaxPhases) + "; found '" + name + "'", s.file(), path);
  return id;
}

std::string optional_string(const Session& s, hid_t loc, const std::string& name, const std::string& path) {
  return h5::has_link(loc, name) ? trimmed(h5::read_string_dataset(s, loc, name, path)) : std::string();
}

// Header/Phases/<n>: TSL {MaterialName, Symmetry, LatticeConstants[6]}, HKL {PhaseName,
// LaueGroup, LatticeDimensions[3], LatticeAngles[3]}. Ids missing between 1 and the largest
// become placeholder phases, reported.
std::vector<Phase> read_phases(const Session& s, hid_t header, Flavour flavour, const std::string& header_path,
                               std::vector<std::string>& warnings) {
  const std::string path = header_path + "/Phases";
  Handle phases = h5::open_group(s, header, "Phases", path);
  std::map<std::int64_t, Phase> found;
  const hsize_t n = h5::link_count(s, phases.get(), path);
  if (n > static_cast<hsize_t>(kMaxPhases)) throw Error("more than " + std::to_string(kMaxPhases) + " phases", s.file(), path);
  for (hsize_t k = 0; k < n; ++k) {
    const std::string name = h5::link_name(s, phases.get(), k, path);
    const std::string ppath = path + "/" + name;
    const std::int64_t id = phase_number(s, name, ppath);
    Handle g = h5::open_group(s, phases.get(), name, ppath);
    Phase p;
    try {
      if (flavour == Flavour::tsl) {
        std::string material = optional_string(s, g.get(), "MaterialName", ppath + "/MaterialName");
        if (material.empty()) material = optional_string(s, g.get(), "Material Name", ppath + "/Material Name");
        if (!material.empty()) p.name = material;
        p.laue = laue_from_tsl_symmetry(static_cast<int>(h5::read_integer(s, g.get(), "Symmetry", ppath + "/Symmetry")));
        if (h5::has_link(g.get(), "LatticeConstants")) {
          const auto lc = h5::read_numeric<double>(s, g.get(), "LatticeConstants", 6, 1, false, ppath + "/LatticeConstants");
          std::copy(lc.begin(), lc.end(), p.lattice.begin());
        }
      } else {
        const std::string name_text = optional_string(s, g.get(), "PhaseName", ppath + "/PhaseName");
        if (!name_text.empty()) p.name = name_text;
        p.laue = laue_from_hkl_number(static_cast<int>(h5::read_integer(s, g.get(), "LaueGroup", ppath + "/LaueGroup")));
        if (h5::has_link(g.get(), "LatticeDimensions") && h5::has_link(g.get(), "LatticeAngles")) {
          const auto len = h5::read_numeric<double>(s, g.get(), "LatticeDimensions", 3, 1, false, ppath + "/LatticeDimensions");
          const auto ang = h5::read_numeric<double>(s, g.get(), "LatticeAngles", 3, 1, false, ppath + "/LatticeAngles");
          p.lattice = {len[0], len[1], len[2], ang[0], ang[1], ang[2]};
        }
      }
    } catch (const Error& e) {
      // laue_from_* know the number, not the file: name both here.
      if (!e.file().empty()) throw;
      throw Error(e.problem(), s.file(), ppath + (flavour == Flavour::tsl ? "/Symmetry" : "/LaueGroup"));
    }
    found[id] = p;
  }
  if (found.empty()) throw Error("no phase groups, expected at least one", s.file(), path);
  std::vector<Phase> out(static_cast<std::size_t>(found.rbegin()->first));
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto it = found.find(static_cast<std::int64_t>(i + 1));
    if (it != found.end()) {
      out[i] = it->second;
    } else {
      warnings.push_back("no phase group " + std::to_string(i + 1) + " in " + path + ": placeholder phase 'Unknown'");
    }
  }
  return out;
}

// One slice's grid as its header states it, checked against the stack.
void check_slice_grid(const Session& s, hid_t header, const Stack& st, const std::string& slice) {
  const std::string hp = slice + "/Header";
  std::int64_t nx = 0, ny = 0;
  double xstep = 0, ystep = 0;
  std::string nx_key, step_key;
  if (st.flavour == Flavour::tsl) {
    if (h5::has_link(header, "GRID")) {
      const std::string grid = trimmed(h5::read_string_dataset(s, header, "GRID", hp + "/GRID"));
      if (grid.find("Hex") != std::string::npos || grid.find("hex") != std::string::npos)
        throw Error("hexagonal slice: H5EBSD stacks hold square grids only (convert the slice first)", s.file(), hp + "/GRID");
    }
    nx_key = h5::has_link(header, "NCOLS_ODD") ? "NCOLS_ODD" : "NCOLS_EVEN";
    nx = h5::read_integer(s, header, nx_key, hp + "/" + nx_key);
    if (nx_key == "NCOLS_ODD" && h5::has_link(header, "NCOLS_EVEN")) {
      const std::int64_t even = h5::read_integer(s, header, "NCOLS_EVEN", hp + "/NCOLS_EVEN");
      if (even != nx)
        throw Error("NCOLS_EVEN " + std::to_string(even) + " differs from NCOLS_ODD " + std::to_string(nx) + " (a hexagonal grid?)",
                    s.file(), hp + "/NCOLS_EVEN");
    }
    ny = h5::read_integer(s, header, "NROWS", hp + "/NROWS");
    step_key = "XSTEP";
    xstep = positive_number(s, header, "XSTEP", hp + "/XSTEP");
    ystep = positive_number(s, header, "YSTEP", hp + "/YSTEP");
  } else {
    nx_key = "XCells";
    nx = h5::read_integer(s, header, "XCells", hp + "/XCells");
    ny = h5::read_integer(s, header, "YCells", hp + "/YCells");
    step_key = "XStep";
    xstep = positive_number(s, header, "XStep", hp + "/XStep");
    ystep = positive_number(s, header, "YStep", hp + "/YStep");
  }
  if (nx != st.nx || ny != st.ny)
    throw Error("slice grid " + std::to_string(nx) + " x " + std::to_string(ny) + " differs from the stack's " + std::to_string(st.nx) +
                    " x " + std::to_string(st.ny) + " (Max X Points x Max Y Points): all slices must share one grid",
                s.file(), hp + "/" + nx_key);
  auto close = [](double a, double b) { return std::fabs(a - b) <= 1e-4 * std::max(std::fabs(a), std::fabs(b)); };
  if (!close(xstep, st.xres) || !close(ystep, st.yres))
    throw Error("slice step " + std::to_string(xstep) + " x " + std::to_string(ystep) + " differs from the stack's X/Y Resolution " +
                    std::to_string(st.xres) + " x " + std::to_string(st.yres) + ": all slices must share one grid",
                s.file(), hp + "/" + step_key);
}

// Arrays of one slice read as float, or empty when the dataset is absent.
std::vector<float> optional_floats(const Session& s, hid_t data, const std::string& name, std::uint64_t n, const std::string& dp) {
  if (!h5::has_link(data, name)) return {};
  return h5::read_numeric<float>(s, data, name, n, 1, false, dp + "/" + name);
}

// Per-voxel channels collected over the slices; a channel missing in some slices stays 0 there.
class ChannelSet {
public:
  explicit ChannelSet(std::int64_t voxels) : voxels_(voxels) {}
  void fill(const std::string& name, const std::string& unit, const std::string& description, const std::vector<float>& values,
            std::int64_t base) {
    auto it = channels_.find(name);
    if (it == channels_.end())
      it = channels_.emplace(name, Channel{std::vector<float>(static_cast<std::size_t>(voxels_), 0.0f), unit, description}).first;
    std::copy(values.begin(), values.end(), it->second.values.begin() + base);
    ++slices_[name];
  }
  void move_into(Volume& v, std::int64_t slices, std::vector<std::string>& warnings) {
    for (auto& [name, c] : channels_) {
      if (slices_[name] != slices)
        warnings.push_back("channel '" + name + "' is missing in " + std::to_string(slices - slices_[name]) + " slices (0 there)");
      v.set_channel(name, std::move(c));
    }
  }

private:
  std::int64_t voxels_;
  std::map<std::string, Channel> channels_;
  std::map<std::string, std::int64_t> slices_;
};

struct Reading {
  const Session& s;
  const Stack& st;
  const H5EbsdReadOptions& options;
  Volume& v;
  ChannelSet& channels;
  ImportReport& rep;
  std::string hkl_unit;  // decided by the first HKL slice, required of the others
  std::size_t aligned = 0;
};

void read_tsl_slice(Reading& r, hid_t data, const std::string& dp, std::int64_t base) {
  const Session& s = r.s;
  const auto n = static_cast<std::uint64_t>(r.st.nx * r.st.ny);
  const auto phi1 = h5::read_numeric<float>(s, data, "Phi1", n, 1, false, dp + "/Phi1");
  const auto Phi = h5::read_numeric<float>(s, data, "Phi", n, 1, false, dp + "/Phi");
  const auto phi2 = h5::read_numeric<float>(s, data, "Phi2", n, 1, false, dp + "/Phi2");
  const auto phase = h5::read_numeric<std::int64_t>(s, data, "PhaseData", n, 1, true, dp + "/PhaseData");
  const auto ci = optional_floats(s, data, "Confidence Index", n, dp);
  const auto iq = optional_floats(s, data, "Image Quality", n, dp);
  const auto nphases = static_cast<std::int64_t>(r.v.phases().size());
  const std::vector<float>* euler[3] = {&phi1, &Phi, &phi2};
  const char* names[3] = {"/Phi1", "/Phi", "/Phi2"};
  for (std::size_t i = 0; i < n; ++i) {
    for (int k = 0; k < 3; ++k)
      if (!std::isfinite((*euler[k])[i]))
        throw Error("Euler angle is not a finite number at " + point_text(i, r.st.nx), s.file(), dp + names[k]);
    const double e1 = phi1[i], e2 = Phi[i], e3 = phi2[i];
    const float c = ci.empty() ? 1.0f : ci[i];
    if (!std::isfinite(c)) throw Error("confidence index is not a finite number at " + point_text(i, r.st.nx), s.file(), dp + "/Confidence Index");
    const bool unindexed = c < 0.0f || is_unindexed_marker(e1) || is_unindexed_marker(e2) || is_unindexed_marker(e3);
    std::int64_t ph = phase[i];
    if (nphases == 1 && ph == 0) ph = 1;  // legacy .ang: phase 0 in a one-phase file is phase 1
    if (ph < 0 || ph > nphases)
      throw Error("phase " + std::to_string(ph) + " at " + point_text(i, r.st.nx) + " is not in Header/Phases (which lists " +
                      std::to_string(nphases) + ")",
                  s.file(), dp + "/PhaseData");
    if (!unindexed)
      for (int k = 0; k < 3; ++k) {
        const double a = (*euler[k])[i];
        if (a < -kAngleSlack || a > kTwoPi + kAngleSlack)
          throw Error("Euler angle " + std::to_string(a) + " at " + point_text(i, r.st.nx) +
                          " is outside [0, 2 pi]: TSL angles are radians (degrees in the file?)",
                      s.file(), dp + names[k]);
      }
    const auto idx = base + static_cast<std::int64_t>(i);
    const auto u = static_cast<std::size_t>(idx);
    r.v.phase_ids()[u] = unindexed ? 0 : static_cast<std::int32_t>(ph);
    r.v.valid()[u] = (!unindexed && ph > 0) ? 1 : 0;
    r.v.confidence()[u] = c;
    r.v.image_quality()[u] = iq.empty() ? 0.0f : iq[i];
    if (!unindexed) r.v.set_orientation(idx, quat_from_euler({e1, e2, e3}));
  }
  if (auto sem = optional_floats(s, data, "SEM Signal", n, dp); !sem.empty())
    r.channels.fill("sem_signal", "", "SEM signal (detector intensity) from the H5EBSD stack", sem, base);
  if (auto fit = optional_floats(s, data, "Fit", n, dp); !fit.empty())
    r.channels.fill("fit", "deg", "pattern fit from the H5EBSD stack", fit, base);
}

void read_hkl_slice(Reading& r, hid_t data, const std::string& dp, std::int64_t base) {
  const Session& s = r.s;
  const auto n = static_cast<std::uint64_t>(r.st.nx * r.st.ny);
  const char* names[3] = {"Euler1", "Euler2", "Euler3"};
  std::vector<float> euler[3];
  double max_angle = 0;
  for (int k = 0; k < 3; ++k) {
    euler[k] = h5::read_numeric<float>(s, data, names[k], n, 1, false, dp + "/" + names[k]);
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(euler[k][i]))
        throw Error("Euler angle is not a finite number at " + point_text(i, r.st.nx), s.file(), dp + "/" + names[k]);
      max_angle = std::max(max_angle, std::fabs(static_cast<double>(euler[k][i])));
    }
  }
  // Degrees, as in 2D .ctf files; stacks made from 3D .ctf files (with a Z column) carry radians
  // (H5EbsdFile.md, HKL data table): decided by range, as read_ctf does.
  const bool three_d = h5::has_link(data, "Z");
  const std::string unit = three_d && max_angle <= kTwoPi + kAngleSlack ? "rad" : "deg";
  if (unit == "deg" && max_angle > 360.0 + kAngleSlack)
    throw Error("Euler angles above 360 deg", s.file(), dp + "/Euler1");
  if (r.hkl_unit.empty()) r.hkl_unit = unit;
  else if (unit != r.hkl_unit)
    throw Error("this slice's Euler angles read as " + unit + " but the first slice's as " + r.hkl_unit, s.file(), dp + "/Euler1");
  const double to_rad = unit == "deg" ? std::numbers::pi / 180.0 : 1.0;

  const auto phase = h5::read_numeric<std::int64_t>(s, data, "Phase", n, 1, true, dp + "/Phase");
  std::vector<std::int64_t> error;
  if (h5::has_link(data, "Error")) error = h5::read_numeric<std::int64_t>(s, data, "Error", n, 1, true, dp + "/Error");
  const auto bc = optional_floats(s, data, "BC", n, dp);
  const auto nphases = static_cast<std::int64_t>(r.v.phases().size());
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t ph = phase[i];
    if (ph < 0 || ph > nphases)
      throw Error("phase " + std::to_string(ph) + " at " + point_text(i, r.st.nx) + " is not in Header/Phases (which lists " +
                      std::to_string(nphases) + ")",
                  s.file(), dp + "/Phase");
    const bool indexed = ph > 0 && (error.empty() || error[i] == 0);
    const auto idx = base + static_cast<std::int64_t>(i);
    const auto u = static_cast<std::size_t>(idx);
    r.v.phase_ids()[u] = static_cast<std::int32_t>(ph);
    r.v.valid()[u] = indexed ? 1 : 0;
    r.v.confidence()[u] = indexed ? 1.0f : 0.0f;
    r.v.image_quality()[u] = bc.empty() ? 0.0f : bc[i];
    if (ph > 0) {
      Euler e{euler[0][i] * to_rad, euler[1][i] * to_rad, euler[2][i] * to_rad};
      if (r.options.hexagonal_to_tsl_alignment && hexagonal_or_trigonal(r.v.phases()[static_cast<std::size_t>(ph - 1)].laue)) {
        e.phi2 += std::numbers::pi / 6.0;
        ++r.aligned;
      }
      r.v.set_orientation(idx, quat_from_euler(e));
    }
  }
  struct Extra {
    const char* dataset;
    const char* channel;
    const char* unit;
  };
  for (const Extra& x : {Extra{"MAD", "mad", "deg"}, Extra{"Bands", "bands", ""}, Extra{"Error", "error", ""}, Extra{"BS", "bs", ""}})
    if (auto values = optional_floats(s, data, x.dataset, n, dp); !values.empty())
      r.channels.fill(x.channel, x.unit, std::string(x.dataset) + " of the H5EBSD stack (HKL)", values, base);
}

}  // namespace

bool looks_like_h5ebsd(const std::filesystem::path& path) {
  try {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return false;
    Session s(path.string());
    if (H5Fis_hdf5(path.string().c_str()) <= 0) return false;
    Handle file(H5Fopen(path.string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    return file.valid() && h5::has_attribute(file.get(), "FileVersion") && h5::has_link(file.get(), "Manufacturer") &&
           h5::has_link(file.get(), "Max X Points") && h5::has_link(file.get(), "ZStartIndex");
  } catch (const std::exception&) {
    return false;
  }
}

ReadResult read_h5ebsd(const std::filesystem::path& path, const H5EbsdReadOptions& options, Progress& progress) {
  const std::string file = path.string();
  Session s(file);
  Handle f = h5::open_file_for_reading(s);
  const hid_t root = f.get();

  ReadResult result;
  ImportReport& rep = result.report;
  rep.format = "h5ebsd";
  rep.grid = "square";
  rep.header = nlohmann::json::object();
  const std::int64_t version = h5::read_integer_attribute(s, root, "FileVersion", "/");
  if (version != 5) rep.warnings.push_back("FileVersion " + std::to_string(version) + " (this reader follows version 5)");

  const Stack st = read_stack(s, root, rep);
  const std::int64_t nslices = st.z_end - st.z_start + 1;
  const bool tsl = st.flavour == Flavour::tsl;
  rep.recommended_sample_rotation = stored_rotation(s, root, "SampleTransformationAngle", "SampleTransformationAxis")
                                        .value_or(tsl ? kTslSampleRotation : kHklSampleRotation);
  rep.recommended_crystal_rotation = stored_rotation(s, root, "EulerTransformationAngle", "EulerTransformationAxis")
                                         .value_or(tsl ? kTslCrystalRotation : kHklCrystalRotation);
  rep.header["Manufacturer"] = st.manufacturer;
  rep.header["FileVersion"] = version;
  rep.header["Max X Points"] = st.nx;
  rep.header["Max Y Points"] = st.ny;
  rep.header["X Resolution"] = st.xres;
  rep.header["Y Resolution"] = st.yres;
  rep.header["Z Resolution"] = st.zres;
  rep.header["ZStartIndex"] = st.z_start;
  rep.header["ZEndIndex"] = st.z_end;
  rep.header["Stacking Order"] = st.stacking;

  // Pass 1: headers and array lengths of every slice; the phases come from the first slice and
  // must be the same (same ids, same symmetry) in every other, or the ids would mean different
  // crystals in different slices.
  std::vector<Phase> phases;
  const auto points = static_cast<std::uint64_t>(st.nx * st.ny);
  const std::string euler_name = tsl ? "Phi1" : "Euler1";
  for (std::int64_t k = st.z_start; k <= st.z_end; ++k) {
    const std::string sp = slice_path(k);
    Handle slice = h5::open_group(s, root, std::to_string(k), sp);
    Handle header = h5::open_group(s, slice.get(), "Header", sp + "/Header");
    Handle data = h5::open_group(s, slice.get(), "Data", sp + "/Data");
    check_slice_grid(s, header.get(), st, sp);
    std::vector<std::string> phase_warnings;
    std::vector<Phase> slice_phases = read_phases(s, header.get(), st.flavour, sp + "/Header", phase_warnings);
    if (k == st.z_start) {
      phases = std::move(slice_phases);
      for (auto& w : phase_warnings) rep.warnings.push_back(w);
    } else {
      bool same = slice_phases.size() == phases.size();
      for (std::size_t i = 0; same && i < phases.size(); ++i) same = slice_phases[i].laue == phases[i].laue;
      if (!same)
        throw Error("this slice's phases (count or symmetry) differ from slice " + std::to_string(st.z_start) + "'s", file,
                    sp + "/Header/Phases");
    }
    const std::uint64_t found = h5::numeric_count(s, data.get(), euler_name, false, sp + "/Data/" + euler_name);
    if (found != points)
      throw Error("expected Max X Points x Max Y Points = " + std::to_string(points) + " values, found " + std::to_string(found), file,
                  sp + "/Data/" + euler_name);
    progress.check();
  }

  // Pass 2: the data, slice by slice.
  Volume v({st.nx, st.ny, nslices}, {st.xres, st.yres, st.zres}, {0.0, 0.0, 0.0});
  v.phases() = phases;
  ChannelSet channels(v.voxel_count());
  Reading r{s, st, options, v, channels, rep, {}, 0};
  nlohmann::json slice_list = nlohmann::json::array();
  for (std::int64_t k = st.z_start; k <= st.z_end; ++k) {
    progress.check();
    progress.report(static_cast<double>(k - st.z_start) / static_cast<double>(nslices), "reading slice " + std::to_string(k));
    const std::string sp = slice_path(k);
    const std::int64_t z = st.stacking == 0 ? k - st.z_start : st.z_end - k;
    Handle slice = h5::open_group(s, root, std::to_string(k), sp);
    Handle data = h5::open_group(s, slice.get(), "Data", sp + "/Data");
    if (tsl) read_tsl_slice(r, data.get(), sp + "/Data", z * st.nx * st.ny);
    else read_hkl_slice(r, data.get(), sp + "/Data", z * st.nx * st.ny);
    slice_list.push_back({{"group", std::to_string(k)}, {"z", z}});
  }
  progress.report(1.0, "read " + std::to_string(nslices) + " slices");
  channels.move_into(v, nslices, rep.warnings);
  rep.header["slices"] = slice_list;
  rep.angle_unit_in_file = tsl ? "rad" : r.hkl_unit;
  if (!tsl) {
    bool any_hex = false;
    for (const auto& p : phases) any_hex |= hexagonal_or_trigonal(p.laue);
    if (any_hex)
      rep.warnings.push_back(options.hexagonal_to_tsl_alignment
                                 ? "hexagonal/trigonal phases: phi2 + 30 deg applied (HKL X||a to TSL X||a*) on " +
                                       std::to_string(r.aligned) + " points"
                                 : "hexagonal/trigonal phases: angles kept in the HKL convention (crystal X || a); no 30 deg correction applied");
  }

  nlohmann::json params = rep.to_json();
  params["file"] = path.filename().string();
  params["hexagonal_to_tsl_alignment"] = options.hexagonal_to_tsl_alignment;
  params["slices"] = nslices;
  v.add_provenance({"read-h5ebsd", params, "", utc_timestamp(), file});
  result.volume = std::move(v);
  return result;
}

}  // namespace ebsd::io

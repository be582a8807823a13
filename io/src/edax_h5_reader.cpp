// EDAX OIM Analysis HDF5 reader. Names follow what OIM writes (EbsdLib's H5OIMReader and
// AngConstants.h name them): the root datasets " Manufacturer" and " Version" (with a leading
// blank; other writers drop it), one group per scan, and in it EBSD/Header and EBSD/Data.
// Types vary between writers (Phase int8 or int32, counts int32 or uint32, header values as
// scalars or one-element arrays, fixed or variable-length strings), so every value is read
// through the type-tolerant numeric helpers and checked before use.
#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <string>
#include <vector>

#include "ebsd/core/error.hpp"
#include "ebsd/io/edax_h5.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "grid_placement.hpp"
#include "hdf5_data.hpp"

namespace ebsd::io {
namespace {

using h5::Handle;
using h5::Session;

constexpr double kTwoPi = 2.0 * std::numbers::pi;
constexpr double kAngleSlack = 1e-3;
constexpr int kMaxPhases = 1000;
constexpr hsize_t kMaxRootMembersScanned = 4096;

bool is_unindexed_marker(double angle) { return std::fabs(angle - 4.0 * std::numbers::pi) < 1e-3; }

std::string trimmed(std::string s) {
  const auto not_space = [](unsigned char c) { return !std::isspace(c) && c != 0; };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_group(hid_t loc, const std::string& name) {
  if (!h5::has_link(loc, name)) return false;
  H5O_info_t info;
  return H5Oget_info_by_name2(loc, name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) >= 0 && info.type == H5O_TYPE_GROUP;
}

// A scan group holds EBSD/Data and EBSD/Header.
bool is_scan(hid_t root, const std::string& name) {
  return is_group(root, name) && is_group(root, name + "/EBSD/Data") && is_group(root, name + "/EBSD/Header");
}

std::vector<std::string> scan_names(const Session& s, hid_t root) {
  std::vector<std::string> out;
  const hsize_t n = std::min(h5::link_count(s, root, "/"), kMaxRootMembersScanned);
  for (hsize_t k = 0; k < n; ++k) {
    std::string name = h5::link_name(s, root, k, "/");
    if (is_scan(root, name)) out.push_back(std::move(name));
  }
  return out;
}

// The root manufacturer text, "" when absent. OIM writes " Manufacturer"; others "Manufacturer".
std::string manufacturer(const Session& s, hid_t root) {
  for (const char* name : {" Manufacturer", "Manufacturer"})
    if (h5::has_link(root, name)) return trimmed(h5::read_string_dataset(s, root, name, std::string("/") + name));
  return {};
}

std::string point_text(std::size_t i) { return "point " + std::to_string(i); }

std::int64_t phase_number(const Session& s, const std::string& name, const std::string& path) {
  std::int64_t id = 0;
  for (char c : name) {
    if (c < '0' || c > '9' || id > kMaxPhases) throw Error("phase groups are named 1, 2, ...; found '" + name + "'", s.file(), path);
    id = id * 10 + (c - '0');
  }
  if (name.empty() || id < 1) throw Error("phase groups are named 1, 2, ...; found '" + name + "'", s.file(), path);
  return id;
}

// Header/Phase/<n>/{MaterialName, Symmetry (TSL code), Lattice Constant a .. gamma}. Some writers
// (pyebsdindex) store the TSL code as LGsymID instead of Symmetry.
std::vector<Phase> read_phases(const Session& s, hid_t header, const std::string& hp, std::vector<std::string>& warnings) {
  const std::string group_name = h5::has_link(header, "Phase") ? "Phase" : "Phases";
  const std::string path = hp + "/" + group_name;
  Handle phases = h5::open_group(s, header, group_name, path);
  const hsize_t n = h5::link_count(s, phases.get(), path);
  if (n > static_cast<hsize_t>(kMaxPhases)) throw Error("more than " + std::to_string(kMaxPhases) + " phases", s.file(), path);
  std::map<std::int64_t, Phase> found;
  for (hsize_t k = 0; k < n; ++k) {
    const std::string name = h5::link_name(s, phases.get(), k, path);
    const std::string pp = path + "/" + name;
    const std::int64_t id = phase_number(s, name, pp);
    Handle g = h5::open_group(s, phases.get(), name, pp);
    Phase p;
    if (h5::has_link(g.get(), "MaterialName")) {
      const std::string material = trimmed(h5::read_string_dataset(s, g.get(), "MaterialName", pp + "/MaterialName"));
      if (!material.empty()) p.name = material;
    }
    const std::string sym_name = h5::has_link(g.get(), "Symmetry") || !h5::has_link(g.get(), "LGsymID") ? "Symmetry" : "LGsymID";
    const std::int64_t code = h5::read_integer(s, g.get(), sym_name, pp + "/" + sym_name);
    try {
      p.laue = laue_from_tsl_symmetry(static_cast<int>(std::clamp<std::int64_t>(code, -1, 1000)));
    } catch (const Error& e) {
      throw Error(e.problem(), s.file(), pp + "/" + sym_name);
    }
    const char* lattice[6] = {"Lattice Constant a", "Lattice Constant b", "Lattice Constant c",
                              "Lattice Constant alpha", "Lattice Constant beta", "Lattice Constant gamma"};
    int present = 0;
    for (int i = 0; i < 6; ++i)
      if (h5::has_link(g.get(), lattice[i])) {
        p.lattice[static_cast<std::size_t>(i)] = h5::read_number(s, g.get(), lattice[i], pp + "/" + lattice[i]);
        ++present;
      }
    if (present != 6) warnings.push_back(pp + ": " + std::to_string(6 - present) + " lattice constants missing (defaults kept)");
    found[id] = p;
  }
  if (found.empty()) throw Error("no phase groups, expected at least one", s.file(), path);
  std::vector<Phase> out(static_cast<std::size_t>(found.rbegin()->first));
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto it = found.find(static_cast<std::int64_t>(i + 1));
    if (it != found.end()) out[i] = it->second;
    else warnings.push_back("no phase group " + std::to_string(i + 1) + " in " + path + ": placeholder phase 'Unknown'");
  }
  return out;
}

std::vector<float> optional_floats(const Session& s, hid_t data, const std::string& name, std::uint64_t n, const std::string& dp) {
  if (!h5::has_link(data, name)) return {};
  return h5::read_numeric<float>(s, data, name, n, 1, false, dp + "/" + name);
}

}  // namespace

std::vector<std::string> edax_h5_scan_names(const std::filesystem::path& path) {
  Session s(path.string());
  Handle f = h5::open_file_for_reading(s);
  return scan_names(s, f.get());
}

bool looks_like_edax_h5(const std::filesystem::path& path) {
  try {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return false;
    Session s(path.string());
    if (H5Fis_hdf5(path.string().c_str()) <= 0) return false;
    Handle f(H5Fopen(path.string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!f.valid()) return false;
    const std::string maker = lower(manufacturer(s, f.get()));
    if (!maker.empty()) return maker.find("edax") != std::string::npos;
    // No manufacturer: the first few root groups, looking for OIM's header key nColumns.
    const hsize_t n = std::min<hsize_t>(h5::link_count(s, f.get(), "/"), 16);
    for (hsize_t k = 0; k < n; ++k) {
      const std::string name = h5::link_name(s, f.get(), k, "/");
      if (is_scan(f.get(), name) && h5::has_link(f.get(), name + "/EBSD/Header/nColumns")) return true;
    }
    return false;
  } catch (const std::exception&) {
    return false;
  }
}

ReadResult read_edax_h5(const std::filesystem::path& path, const EdaxH5ReadOptions& options, Progress& progress) {
  const std::string file = path.string();
  Session s(file);
  Handle f = h5::open_file_for_reading(s);
  const hid_t root = f.get();

  ReadResult result;
  ImportReport& rep = result.report;
  rep.format = "edax-h5";
  rep.angle_unit_in_file = "rad";
  rep.recommended_sample_rotation = kTslSampleRotation;
  rep.recommended_crystal_rotation = kTslCrystalRotation;
  rep.header = nlohmann::json::object();
  const std::string maker = manufacturer(s, root);
  if (!maker.empty()) rep.header["Manufacturer"] = maker;
  for (const char* name : {" Version", "Version"})
    if (h5::has_link(root, name)) {
      rep.header["Version"] = trimmed(h5::read_string_dataset(s, root, name, std::string("/") + name));
      break;
    }

  // --- which scan ---
  const std::vector<std::string> scans = scan_names(s, root);
  if (scans.empty()) throw Error("no scan group with EBSD/Data and EBSD/Header", file, "/");
  std::string scan = options.scan_name.empty() ? scans.front() : options.scan_name;
  if (std::find(scans.begin(), scans.end(), scan) == scans.end()) {
    std::string list;
    for (const auto& n : scans) list += (list.empty() ? "'" : ", '") + n + "'";
    throw Error("no scan named '" + scan + "' (scans: " + list + ")", file, "/" + scan);
  }
  if (scans.size() > 1) {
    std::string others;
    for (const auto& n : scans)
      if (n != scan) others += (others.empty() ? "'" : ", '") + n + "'";
    rep.warnings.push_back("file holds " + std::to_string(scans.size()) + " scans; read '" + scan + "', not " + others +
                           " (choose with the scan name option)");
  }
  rep.header["scan"] = scan;
  const std::string hp = "/" + scan + "/EBSD/Header", dp = "/" + scan + "/EBSD/Data";
  Handle header = h5::open_group(s, root, scan + "/EBSD/Header", hp);
  Handle data = h5::open_group(s, root, scan + "/EBSD/Data", dp);

  // --- header ---
  const std::string grid = trimmed(h5::read_string_dataset(s, header.get(), "Grid Type", hp + "/Grid Type"));
  const bool hex = lower(grid).find("hex") != std::string::npos;
  if (!hex && lower(grid).find("sqr") == std::string::npos)
    throw Error("Grid Type must be SqrGrid or HexGrid, found '" + grid + "'", file, hp + "/Grid Type");
  if (hex && !options.hex_to_square) throw Error("hexagonal grid; reading it needs conversion to a square grid", file, hp + "/Grid Type");
  rep.grid = hex ? "hexagonal" : "square";
  rep.header["Grid Type"] = grid;
  auto positive = [&](const char* name) {
    const double v = h5::read_number(s, header.get(), name, hp + "/" + name);
    if (!(v > 0) || !std::isfinite(v)) throw Error("expected a positive number, found " + std::to_string(v), file, hp + "/" + name);
    rep.header[name] = v;
    return v;
  };
  const double xstep = positive("Step X"), ystep = positive("Step Y");
  const std::int64_t ncols = h5::read_integer(s, header.get(), "nColumns", hp + "/nColumns");
  const std::int64_t nrows = h5::read_integer(s, header.get(), "nRows", hp + "/nRows");
  if (ncols < 1 || ncols > Volume::kMaxVoxels) throw Error("expected a positive column count, found " + std::to_string(ncols), file, hp + "/nColumns");
  if (nrows < 1 || nrows > Volume::kMaxVoxels) throw Error("expected a positive row count, found " + std::to_string(nrows), file, hp + "/nRows");
  if (static_cast<double>(ncols) * static_cast<double>(nrows) > static_cast<double>(Volume::kMaxVoxels))
    throw Error("nColumns x nRows = " + std::to_string(ncols) + " x " + std::to_string(nrows) + " is beyond any real scan", file, hp + "/nColumns");
  rep.header["nColumns"] = ncols;
  rep.header["nRows"] = nrows;
  std::vector<Phase> phases = read_phases(s, header.get(), hp, rep.warnings);

  // --- data: lengths first, against the header, before anything is allocated ---
  const bool separate_angles = h5::has_link(data.get(), "Phi1");
  const std::string angle_name = separate_angles ? "Phi1" : "Euler";
  std::uint64_t n = h5::numeric_count(s, data.get(), angle_name, false, dp + "/" + angle_name);
  if (!separate_angles) n /= 3;
  const auto cells = static_cast<std::uint64_t>(ncols * nrows);
  // A hexagonal grid has nColumns points in odd rows and one fewer in even rows (FORMATS.md F.1).
  const std::uint64_t hex_points = static_cast<std::uint64_t>((nrows + 1) / 2 * ncols + nrows / 2 * (ncols - 1));
  if (!hex && n != cells)
    throw Error("expected nColumns x nRows = " + std::to_string(cells) + " values, found " + std::to_string(n), file, dp + "/" + angle_name);
  if (hex && n != hex_points && n != cells)
    throw Error("expected " + std::to_string(hex_points) + " values for a hexagonal grid of " + std::to_string(ncols) + " columns and " +
                    std::to_string(nrows) + " rows, found " + std::to_string(n),
                file, dp + "/" + angle_name);
  progress.check();

  std::vector<float> phi1, Phi, phi2;
  if (separate_angles) {
    phi1 = h5::read_numeric<float>(s, data.get(), "Phi1", n, 1, false, dp + "/Phi1");
    Phi = h5::read_numeric<float>(s, data.get(), "Phi", n, 1, false, dp + "/Phi");
    phi2 = h5::read_numeric<float>(s, data.get(), "Phi2", n, 1, false, dp + "/Phi2");
  } else {
    const auto e = h5::read_numeric<float>(s, data.get(), "Euler", n, 3, false, dp + "/Euler");
    phi1.resize(n);
    Phi.resize(n);
    phi2.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      phi1[i] = e[3 * i];
      Phi[i] = e[3 * i + 1];
      phi2[i] = e[3 * i + 2];
    }
  }
  const auto phase = h5::read_numeric<std::int64_t>(s, data.get(), "Phase", n, 1, true, dp + "/Phase");
  const auto ci = optional_floats(s, data.get(), "CI", n, dp);
  const auto iq = optional_floats(s, data.get(), "IQ", n, dp);
  const auto xs_f = optional_floats(s, data.get(), "X Position", n, dp);
  const auto ys_f = optional_floats(s, data.get(), "Y Position", n, dp);
  progress.report(0.5, "placing points");

  // --- grid: square scans in file order (x fastest); hexagonal ones resampled by coordinates ---
  GridPlacement g;
  if (hex) {
    if (xs_f.empty() || ys_f.empty()) throw Error("a hexagonal scan needs X Position and Y Position", file, dp + "/X Position");
    std::vector<double> xs(n), ys(n);
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(xs_f[i]) || !std::isfinite(ys_f[i]))
        throw Error("coordinate is not a finite number at " + point_text(i), file, dp + (std::isfinite(xs_f[i]) ? "/Y Position" : "/X Position"));
      xs[i] = xs_f[i];
      ys[i] = ys_f[i];
    }
    try {
      g = place_on_grid(xs, ys, xstep, ystep, true, file);
    } catch (const Error& e) {
      throw Error(e.problem(), file, dp + "/X Position");
    }
    rep.converted_to_square = true;
    for (auto& w : g.warnings) rep.warnings.push_back(w);
  } else {
    g.nx = ncols;
    g.ny = nrows;
    g.xstep = xstep;
    g.ystep = ystep;
    if (!xs_f.empty() && !ys_f.empty() && std::isfinite(xs_f[0]) && std::isfinite(ys_f[0])) {
      g.x0 = xs_f[0];
      g.y0 = ys_f[0];
    }
    g.source_row.resize(n);
    for (std::size_t i = 0; i < n; ++i) g.source_row[i] = static_cast<std::int64_t>(i);
  }

  Volume v({g.nx, g.ny, 1}, {g.xstep, g.ystep, std::min(g.xstep, g.ystep)}, {g.x0, g.y0, 0.0});
  if (phases.empty()) phases.push_back(Phase{});
  v.phases() = phases;
  const auto nphases = static_cast<std::int64_t>(phases.size());
  const std::vector<float>* euler[3] = {&phi1, &Phi, &phi2};
  const std::string euler_place[3] = {separate_angles ? "/Phi1" : "/Euler", separate_angles ? "/Phi" : "/Euler",
                                      separate_angles ? "/Phi2" : "/Euler"};
  for (std::int64_t vi = 0; vi < v.voxel_count(); ++vi) {
    const std::int64_t src = g.source_row[static_cast<std::size_t>(vi)];
    if (src < 0) continue;
    const auto i = static_cast<std::size_t>(src);
    for (int k = 0; k < 3; ++k)
      if (!std::isfinite((*euler[k])[i])) throw Error("Euler angle is not a finite number at " + point_text(i), file, dp + euler_place[k]);
    const double e1 = phi1[i], e2 = Phi[i], e3 = phi2[i];
    const float c = ci.empty() ? 1.0f : ci[i];
    if (!std::isfinite(c)) throw Error("CI is not a finite number at " + point_text(i), file, dp + "/CI");
    const bool unindexed = c < 0.0f || is_unindexed_marker(e1) || is_unindexed_marker(e2) || is_unindexed_marker(e3);
    std::int64_t ph = phase[i];
    if (nphases == 1 && ph == 0) ph = 1;  // as in .ang: phase 0 in a one-phase scan is phase 1
    if (ph < 0 || ph > nphases)
      throw Error("phase " + std::to_string(ph) + " at " + point_text(i) + " is not in the header (which lists " + std::to_string(nphases) + ")",
                  file, dp + "/Phase");
    if (!unindexed)
      for (int k = 0; k < 3; ++k) {
        const double a = (*euler[k])[i];
        if (a < -kAngleSlack || a > kTwoPi + kAngleSlack)
          throw Error("Euler angle " + std::to_string(a) + " at " + point_text(i) + " is outside [0, 2 pi]: OIM angles are radians (degrees in the file?)",
                      file, dp + euler_place[k]);
      }
    const auto u = static_cast<std::size_t>(vi);
    v.phase_ids()[u] = unindexed ? 0 : static_cast<std::int32_t>(ph);
    v.valid()[u] = (!unindexed && ph > 0) ? 1 : 0;
    v.confidence()[u] = c;
    v.image_quality()[u] = iq.empty() ? 0.0f : iq[i];
    if (!unindexed) v.set_orientation(vi, quat_from_euler({e1, e2, e3}));
  }
  struct Extra {
    const char* dataset;
    const char* channel;
    const char* unit;
  };
  for (const Extra& x : {Extra{"SEM Signal", "sem_signal", ""}, Extra{"Fit", "fit", "deg"}}) {
    const auto values = optional_floats(s, data.get(), x.dataset, n, dp);
    if (values.empty()) continue;
    Channel c{std::vector<float>(static_cast<std::size_t>(v.voxel_count()), 0.0f), x.unit,
              std::string(x.dataset) + " from the EDAX OIM .h5 file"};
    for (std::int64_t vi = 0; vi < v.voxel_count(); ++vi) {
      const std::int64_t src = g.source_row[static_cast<std::size_t>(vi)];
      if (src >= 0) c.values[static_cast<std::size_t>(vi)] = values[static_cast<std::size_t>(src)];
    }
    v.set_channel(x.channel, std::move(c));
  }
  progress.report(1.0, "read scan '" + scan + "'");

  nlohmann::json params = rep.to_json();
  params["file"] = path.filename().string();
  params["scan"] = scan;
  params["hex_to_square"] = options.hex_to_square;
  params["points"] = n;
  v.add_provenance({"read-edax-h5", params, "", utc_timestamp(), file});
  result.volume = std::move(v);
  return result;
}

}  // namespace ebsd::io

// Oxford Instruments .h5oina reader (oinanoanalysis/h5oina H5OINAFile.md, EBSD technique;
// EbsdLib's H5OINAReader names the same datasets). All angles in the file are radians (the
// specification's general notes), Euler angles are Bunge and stored as one (n x 3) dataset,
// maps are x fastest, and pixels outside an irregular acquisition area hold NaN.
#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <string>
#include <vector>

#include "ebsd/core/error.hpp"
#include "ebsd/io/h5oina.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "hdf5_data.hpp"

namespace ebsd::io {
namespace {

using h5::Handle;
using h5::Session;

constexpr double kTwoPi = 2.0 * std::numbers::pi;
constexpr double kAngleSlack = 1e-3;
constexpr int kMaxPhases = 1000;
constexpr double kRadToDeg = 180.0 / std::numbers::pi;
// The format versions EbsdLib's reader knows (CtfConstants.h, namespace H5OINA).
constexpr double kOldestKnownVersion = 2.0, kNewestKnownVersion = 5.0;

// H5OINAFile.md, EBSD Data "Error": NotAnalyzed=0, Success=1, NoSolution=2, LowBandContrast=3,
// LowBandSlope=4, HighMAD=5, UnexpectedError=6, Replaced=7.
constexpr std::int64_t kErrorSuccess = 1, kErrorReplaced = 7;

bool hexagonal_or_trigonal(LaueGroup g) {
  return g == LaueGroup::HexagonalHigh || g == LaueGroup::HexagonalLow || g == LaueGroup::TrigonalHigh ||
         g == LaueGroup::TrigonalLow;
}

std::string trimmed(std::string s) {
  const auto not_space = [](unsigned char c) { return !std::isspace(c) && c != 0; };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

bool is_group(hid_t loc, const std::string& name) {
  if (!h5::has_link(loc, name)) return false;
  H5O_info_t info;
  return H5Oget_info_by_name2(loc, name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) >= 0 && info.type == H5O_TYPE_GROUP;
}

std::string point_text(std::size_t i, std::int64_t nx) {
  return "point " + std::to_string(i) + " (x " + std::to_string(static_cast<std::int64_t>(i) % nx) + ", y " +
         std::to_string(static_cast<std::int64_t>(i) / nx) + ")";
}

// "5.0" -> 5.0; throws on text that is not a version number.
double version_number(const Session& s, const std::string& text) {
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    if (used > 0 && std::isfinite(v)) return v;
  } catch (const std::exception&) {
  }
  throw Error("Format Version '" + text + "' is not a version number", s.file(), "/Format Version");
}

std::int64_t phase_number(const Session& s, const std::string& name, const std::string& path) {
  std::int64_t id = 0;
  for (char c : name) {
    if (c < '0' || c > '9' || id > kMaxPhases) throw Error("phase groups are named 1, 2, ...; found '" + name + "'", s.file(), path);
    id = id * 10 + (c - '0');
  }
  if (name.empty() || id < 1) throw Error("phase groups are named 1, 2, ...; found '" + name + "'", s.file(), path);
  return id;
}

// Header/Phases/<n>/{Phase Name, Laue Group (1..11, the .ctf numbering), Lattice Dimensions (A),
// Lattice Angles}. The specification gives the angles in radians, but files exist with
// degrees: no lattice angle is below 3.2 degrees, so all three at or below pi means radians.
std::vector<Phase> read_phases(const Session& s, hid_t header, const std::string& hp, ImportReport& rep) {
  const std::string path = hp + "/Phases";
  Handle phases = h5::open_group(s, header, "Phases", path);
  const hsize_t n = h5::link_count(s, phases.get(), path);
  if (n > static_cast<hsize_t>(kMaxPhases)) throw Error("more than " + std::to_string(kMaxPhases) + " phases", s.file(), path);
  std::map<std::int64_t, Phase> found;
  int radian_phases = 0;
  for (hsize_t k = 0; k < n; ++k) {
    const std::string name = h5::link_name(s, phases.get(), k, path);
    const std::string pp = path + "/" + name;
    const std::int64_t id = phase_number(s, name, pp);
    Handle g = h5::open_group(s, phases.get(), name, pp);
    Phase p;
    const std::string phase_name = trimmed(h5::read_string_dataset(s, g.get(), "Phase Name", pp + "/Phase Name"));
    if (!phase_name.empty()) p.name = phase_name;
    const std::int64_t laue = h5::read_integer(s, g.get(), "Laue Group", pp + "/Laue Group");
    try {
      p.laue = laue_from_hkl_number(static_cast<int>(std::clamp<std::int64_t>(laue, -1, 1000)));
    } catch (const Error& e) {
      throw Error(e.problem(), s.file(), pp + "/Laue Group");
    }
    const auto len = h5::read_numeric<double>(s, g.get(), "Lattice Dimensions", 1, 3, false, pp + "/Lattice Dimensions");
    const auto ang = h5::read_numeric<double>(s, g.get(), "Lattice Angles", 1, 3, false, pp + "/Lattice Angles");
    for (int i = 0; i < 3; ++i) {
      if (!(len[static_cast<std::size_t>(i)] > 0) || !std::isfinite(len[static_cast<std::size_t>(i)]))
        throw Error("lattice lengths must be positive numbers", s.file(), pp + "/Lattice Dimensions");
      if (!(ang[static_cast<std::size_t>(i)] > 0) || !std::isfinite(ang[static_cast<std::size_t>(i)]) || ang[static_cast<std::size_t>(i)] >= 180.0)
        throw Error("lattice angles must lie strictly between 0 and 180 deg (or 0 and pi)", s.file(), pp + "/Lattice Angles");
    }
    const bool radians = std::max({ang[0], ang[1], ang[2]}) <= std::numbers::pi + kAngleSlack;
    radian_phases += radians;
    const double to_deg = radians ? kRadToDeg : 1.0;
    p.lattice = {len[0], len[1], len[2], ang[0] * to_deg, ang[1] * to_deg, ang[2] * to_deg};
    found[id] = p;
  }
  if (found.empty()) throw Error("no phase groups, expected at least one", s.file(), path);
  rep.header["lattice_angle_unit_in_file"] = radian_phases == static_cast<int>(found.size()) ? "rad" : radian_phases == 0 ? "deg" : "mixed";
  std::vector<Phase> out(static_cast<std::size_t>(found.rbegin()->first));
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto it = found.find(static_cast<std::int64_t>(i + 1));
    if (it != found.end()) out[i] = it->second;
    else rep.warnings.push_back("no phase group " + std::to_string(i + 1) + " in " + path + ": placeholder phase 'Unknown'");
  }
  return out;
}

std::vector<std::string> ebsd_slices(const Session& s, hid_t root) {
  std::vector<std::string> out;
  const hsize_t n = std::min<hsize_t>(h5::link_count(s, root, "/"), 4096);
  for (hsize_t k = 0; k < n; ++k) {
    std::string name = h5::link_name(s, root, k, "/");
    if (is_group(root, name) && is_group(root, name + "/EBSD/Data") && is_group(root, name + "/EBSD/Header")) out.push_back(std::move(name));
  }
  return out;
}

}  // namespace

bool looks_like_h5oina(const std::filesystem::path& path) {
  try {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return false;
    Session s(path.string());
    if (H5Fis_hdf5(path.string().c_str()) <= 0) return false;
    Handle f(H5Fopen(path.string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!f.valid() || !h5::has_link(f.get(), "Format Version")) return false;
    if (is_group(f.get(), "1")) return true;
    return h5::has_link(f.get(), "Manufacturer") &&
           h5::read_string_dataset(s, f.get(), "Manufacturer", "/Manufacturer").find("Oxford") != std::string::npos;
  } catch (const std::exception&) {
    return false;
  }
}

ReadResult read_h5oina(const std::filesystem::path& path, const H5oinaReadOptions& options, Progress& progress) {
  const std::string file = path.string();
  Session s(file);
  Handle f = h5::open_file_for_reading(s);
  const hid_t root = f.get();

  ReadResult result;
  ImportReport& rep = result.report;
  rep.format = "h5oina";
  rep.angle_unit_in_file = "rad";
  rep.grid = "square";
  rep.recommended_sample_rotation = kHklSampleRotation;
  rep.recommended_crystal_rotation = kHklCrystalRotation;
  rep.header = nlohmann::json::object();

  const std::string version_text = trimmed(h5::read_string_dataset(s, root, "Format Version", "/Format Version"));
  const double version = version_number(s, version_text);
  rep.header["Format Version"] = version_text;
  if (version < kOldestKnownVersion || version > kNewestKnownVersion)
    rep.warnings.push_back("Format Version " + version_text + " is outside the 2.0-5.0 this reader was written for; EBSD datasets read by name");
  if (h5::has_link(root, "Manufacturer")) rep.header["Manufacturer"] = trimmed(h5::read_string_dataset(s, root, "Manufacturer", "/Manufacturer"));
  if (h5::has_link(root, "Software Version"))
    rep.header["Software Version"] = trimmed(h5::read_string_dataset(s, root, "Software Version", "/Software Version"));

  // --- which slice ---
  const std::vector<std::string> slices = ebsd_slices(s, root);
  if (slices.empty()) throw Error("no slice with EBSD data (expected /1/EBSD/Data and /1/EBSD/Header)", file, "/1/EBSD");
  std::string slice = options.slice;
  if (slice.empty()) slice = std::find(slices.begin(), slices.end(), "1") != slices.end() ? "1" : slices.front();
  if (std::find(slices.begin(), slices.end(), slice) == slices.end()) {
    std::string list;
    for (const auto& n : slices) list += (list.empty() ? "'" : ", '") + n + "'";
    throw Error("no slice named '" + slice + "' with EBSD data (slices: " + list + ")", file, "/" + slice + "/EBSD");
  }
  if (slices.size() > 1)
    rep.warnings.push_back("file holds " + std::to_string(slices.size()) + " slices with EBSD data; read '" + slice +
                           "' (choose another with the slice option)");
  rep.header["slice"] = slice;
  const std::string hp = "/" + slice + "/EBSD/Header", dp = "/" + slice + "/EBSD/Data";
  Handle header = h5::open_group(s, root, slice + "/EBSD/Header", hp);
  Handle data = h5::open_group(s, root, slice + "/EBSD/Data", dp);

  // --- header ---
  const std::int64_t nx = h5::read_integer(s, header.get(), "X Cells", hp + "/X Cells");
  const std::int64_t ny = h5::read_integer(s, header.get(), "Y Cells", hp + "/Y Cells");
  if (nx < 1 || nx > Volume::kMaxVoxels) throw Error("expected a positive cell count, found " + std::to_string(nx), file, hp + "/X Cells");
  if (ny < 1 || ny > Volume::kMaxVoxels) throw Error("expected a positive cell count, found " + std::to_string(ny), file, hp + "/Y Cells");
  if (static_cast<double>(nx) * static_cast<double>(ny) > static_cast<double>(Volume::kMaxVoxels))
    throw Error("X Cells x Y Cells = " + std::to_string(nx) + " x " + std::to_string(ny) + " is beyond any real map", file, hp + "/X Cells");
  const double xstep = h5::read_number(s, header.get(), "X Step", hp + "/X Step");
  double ystep = h5::read_number(s, header.get(), "Y Step", hp + "/Y Step");
  if (!(xstep > 0) || !std::isfinite(xstep)) throw Error("expected a positive step, found " + std::to_string(xstep), file, hp + "/X Step");
  // Line scans store Y Cells = 1 and Y Step = 0 (H5OINAFile.md, common header).
  if (ny == 1 && ystep == 0) ystep = xstep;
  if (!(ystep > 0) || !std::isfinite(ystep)) throw Error("expected a positive step, found " + std::to_string(ystep), file, hp + "/Y Step");
  rep.header["X Cells"] = nx;
  rep.header["Y Cells"] = ny;
  rep.header["X Step"] = xstep;
  rep.header["Y Step"] = ystep;
  const std::vector<Phase> phases = read_phases(s, header.get(), hp, rep);

  // --- data: lengths against the header before anything is allocated ---
  const auto n = static_cast<std::uint64_t>(nx * ny);
  const std::uint64_t euler_values = h5::numeric_count(s, data.get(), "Euler", false, dp + "/Euler");
  if (euler_values != 3 * n)
    throw Error("expected X Cells x Y Cells = " + std::to_string(n) + " rows of 3 angles, found " + std::to_string(euler_values) + " values",
                file, dp + "/Euler");
  progress.check();
  const auto euler = h5::read_numeric<float>(s, data.get(), "Euler", n, 3, false, dp + "/Euler");
  const auto phase = h5::read_numeric<std::int64_t>(s, data.get(), "Phase", n, 1, true, dp + "/Phase");
  std::vector<std::int64_t> error;
  if (h5::has_link(data.get(), "Error")) error = h5::read_numeric<std::int64_t>(s, data.get(), "Error", n, 1, true, dp + "/Error");
  auto optional_floats = [&](const char* name) {
    return h5::has_link(data.get(), name) ? h5::read_numeric<float>(s, data.get(), name, n, 1, false, dp + "/" + name) : std::vector<float>{};
  };
  const auto bc = optional_floats("Band Contrast");
  const auto xs = optional_floats("X");
  const auto ys = optional_floats("Y");
  progress.report(0.5, "converting orientations");

  // X and Y are measured from the top-left corner (H5OINAFile.md): the first pixel's position is
  // the origin when the file gives one.
  std::array<double, 3> origin{0.0, 0.0, 0.0};
  if (!xs.empty() && !ys.empty() && std::isfinite(xs[0]) && std::isfinite(ys[0])) origin = {xs[0], ys[0], 0.0};
  Volume v({nx, ny, 1}, {xstep, ystep, std::min(xstep, ystep)}, origin);
  v.phases() = phases;
  const auto nphases = static_cast<std::int64_t>(phases.size());
  std::size_t outside = 0, replaced = 0, aligned = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t ph = phase[i];
    if (ph < 0 || ph > nphases)
      throw Error("phase " + std::to_string(ph) + " at " + point_text(i, nx) + " is not in Header/Phases (which lists " +
                      std::to_string(nphases) + ")",
                  file, dp + "/Phase");
    const double e1 = euler[3 * i], e2 = euler[3 * i + 1], e3 = euler[3 * i + 2];
    const bool finite = std::isfinite(e1) && std::isfinite(e2) && std::isfinite(e3);
    if (!finite) {
      // NaN marks pixels outside the acquisition area; an indexed pixel must have real angles.
      if (ph > 0) throw Error("Euler angles are not finite numbers at indexed " + point_text(i, nx), file, dp + "/Euler");
      ++outside;
      continue;  // stays invalid, phase 0
    }
    const bool success = error.empty() || error[i] == kErrorSuccess || error[i] == kErrorReplaced;
    const bool indexed = ph > 0 && success;
    if (indexed && !error.empty() && error[i] == kErrorReplaced) ++replaced;
    if (ph > 0)
      for (double a : {e1, e2, e3})
        if (a < -kTwoPi - kAngleSlack || a > kTwoPi + kAngleSlack)
          throw Error("Euler angle " + std::to_string(a) + " at " + point_text(i, nx) +
                          " is outside [-2 pi, 2 pi]: .h5oina angles are radians (degrees in the file?)",
                      file, dp + "/Euler");
    const auto u = static_cast<std::size_t>(i);
    v.phase_ids()[u] = static_cast<std::int32_t>(ph);
    v.valid()[u] = indexed ? 1 : 0;
    v.confidence()[u] = indexed ? 1.0f : 0.0f;
    if (!bc.empty()) v.image_quality()[u] = bc[i];
    if (ph > 0) {
      Euler e{e1, e2, e3};
      if (options.hexagonal_to_tsl_alignment && hexagonal_or_trigonal(phases[static_cast<std::size_t>(ph - 1)].laue)) {
        e.phi2 += std::numbers::pi / 6.0;
        ++aligned;
      }
      v.set_orientation(static_cast<std::int64_t>(i), quat_from_euler(e));
    }
  }
  if (outside > 0) rep.warnings.push_back(std::to_string(outside) + " pixels outside the acquisition area (NaN angles) marked invalid");
  if (replaced > 0) rep.warnings.push_back(std::to_string(replaced) + " pixels were replaced by AZtec's clean-up (Error = Replaced); kept as indexed");

  struct Extra {
    const char* dataset;
    const char* channel;
    const char* unit;
    double scale;
  };
  // MAD is radians in the file; channels hold it in degrees, as read_ctf does.
  for (const Extra& x : {Extra{"Mean Angular Deviation", "mad", "deg", kRadToDeg}, Extra{"Band Slope", "band_slope", "", 1.0},
                         Extra{"Bands", "bands", "", 1.0}, Extra{"Error", "error", "", 1.0}}) {
    auto values = optional_floats(x.dataset);
    if (values.empty()) continue;
    for (float& value : values) value = static_cast<float>(value * x.scale);
    v.set_channel(x.channel, {std::move(values), x.unit, std::string(x.dataset) + " from the .h5oina file"});
  }

  bool any_hex = false;
  for (const auto& p : phases) any_hex |= hexagonal_or_trigonal(p.laue);
  if (any_hex)
    rep.warnings.push_back(options.hexagonal_to_tsl_alignment
                               ? "hexagonal/trigonal phases: phi2 + 30 deg applied (HKL X||a to TSL X||a*) on " + std::to_string(aligned) + " points"
                               : "hexagonal/trigonal phases: angles kept in the HKL convention (crystal X || a); no 30 deg correction applied");
  progress.report(1.0, "read slice '" + slice + "'");

  nlohmann::json params = rep.to_json();
  params["file"] = path.filename().string();
  params["slice"] = slice;
  params["hexagonal_to_tsl_alignment"] = options.hexagonal_to_tsl_alignment;
  v.add_provenance({"read-h5oina", params, "", utc_timestamp(), file});
  result.volume = std::move(v);
  return result;
}

}  // namespace ebsd::io

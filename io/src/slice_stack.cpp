#include "ebsd/io/slice_stack.hpp"

#include <glob.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <system_error>

#include "ebsd/core/error.hpp"
#include "ebsd/core/version.hpp"
#include "ebsd/io/volume_file.hpp"

namespace ebsd::io {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// -1, 0, 1 as a < b, equal value, a > b; runs of digits compare numerically.
int natural_compare(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      std::size_t ie = i, je = j;
      while (ie < a.size() && is_digit(a[ie])) ++ie;
      while (je < b.size() && is_digit(b[je])) ++je;
      // Leading zeros carry no value; then the longer run is the larger number, and runs of
      // equal length compare digit by digit (no overflow for any length).
      std::size_t is = i, js = j;
      while (is + 1 < ie && a[is] == '0') ++is;
      while (js + 1 < je && b[js] == '0') ++js;
      if (ie - is != je - js) return ie - is < je - js ? -1 : 1;
      if (const int c = a.compare(is, ie - is, b, js, je - js); c != 0) return c < 0 ? -1 : 1;
      i = ie;
      j = je;
      continue;
    }
    const auto ca = static_cast<unsigned char>(a[i]), cb = static_cast<unsigned char>(b[j]);
    if (ca != cb) return ca < cb ? -1 : 1;
    ++i;
    ++j;
  }
  if (i < a.size()) return 1;
  if (j < b.size()) return -1;
  return 0;
}

std::string slice_name(const std::filesystem::path& p) { return p.filename().string(); }

bool same_step(double a, double b, double tolerance) { return std::fabs(a - b) <= tolerance * std::fabs(a); }

// What every later slice must share with the first one.
struct SliceGrid {
  std::int64_t nx = 0, ny = 0;
  std::array<double, 3> spacing{}, origin{};
  std::string length_unit;
  std::vector<Phase> phases;
  std::string file;
};

std::string grid_text(std::int64_t nx, std::int64_t ny) { return std::to_string(nx) + " x " + std::to_string(ny); }

void check_against_first(const SliceGrid& first, const Volume& v, const std::filesystem::path& file, const SliceStackOptions& o,
                         std::vector<std::string>& warnings) {
  const std::string name = file.string();
  const std::string of_first = " of the first slice (" + first.file + ")";
  if (v.nx() != first.nx || v.ny() != first.ny)
    throw Error("slice grid " + grid_text(v.nx(), v.ny()) + " differs from " + grid_text(first.nx, first.ny) + of_first +
                    "; all slices of a stack must share one grid",
                name);
  for (int a = 0; a < 2; ++a)
    if (!same_step(first.spacing[a], v.spacing()[a], o.spacing_tolerance))
      throw Error(std::string(a == 0 ? "x" : "y") + " step " + std::to_string(v.spacing()[a]) + " differs from " + std::to_string(first.spacing[a]) + of_first,
                  name);
  if (v.length_unit() != first.length_unit)
    throw Error("length unit '" + v.length_unit() + "' differs from '" + first.length_unit + "'" + of_first, name);
  if (v.phases().size() != first.phases.size())
    throw Error("lists " + std::to_string(v.phases().size()) + " phases where " + first.file + " (the first slice) lists " +
                    std::to_string(first.phases.size()),
                name);
  for (std::size_t p = 0; p < v.phases().size(); ++p) {
    const Phase &a = first.phases[p], &b = v.phases()[p];
    if (a.laue != b.laue)
      throw Error("phase " + std::to_string(p + 1) + " has Laue group " + std::string(laue_symbol(b.laue)) +
                      " where " + first.file + " (the first slice) has " + std::string(laue_symbol(a.laue)),
                  name);
    if (a.name != b.name || a.lattice != b.lattice)
      warnings.push_back(slice_name(file) + ": phase " + std::to_string(p + 1) + " ('" + b.name +
                         "') differs in name or lattice from the first slice's ('" + a.name + "'); the first slice's is kept");
  }
  for (int a = 0; a < 2; ++a)
    if (std::fabs(v.origin()[a] - first.origin[a]) > 0.5 * first.spacing[a]) {
      warnings.push_back(slice_name(file) + ": origin (" + std::to_string(v.origin()[0]) + ", " + std::to_string(v.origin()[1]) +
                         ") differs from the first slice's (" + std::to_string(first.origin[0]) + ", " +
                         std::to_string(first.origin[1]) + "); stacked on the first slice's grid");
      break;
    }
}

// Copies the single z plane of `slice` into plane z of `stack`.
void copy_plane(const Volume& slice, Volume& stack, std::int64_t z) {
  const auto plane = static_cast<std::size_t>(slice.nx() * slice.ny());
  const auto at = static_cast<std::ptrdiff_t>(plane * static_cast<std::size_t>(z));
  std::copy(slice.quaternion_data().begin(), slice.quaternion_data().end(), stack.quaternion_data().begin() + 4 * at);
  std::copy(slice.phase_ids().begin(), slice.phase_ids().end(), stack.phase_ids().begin() + at);
  std::copy(slice.confidence().begin(), slice.confidence().end(), stack.confidence().begin() + at);
  std::copy(slice.image_quality().begin(), slice.image_quality().end(), stack.image_quality().begin() + at);
  std::copy(slice.valid().begin(), slice.valid().end(), stack.valid().begin() + at);
}

}  // namespace

bool natural_less(const std::string& a, const std::string& b) {
  const int c = natural_compare(a, b);
  return c != 0 ? c < 0 : a < b;
}

void sort_naturally(std::vector<std::filesystem::path>& paths) {
  // By file name first: slices given from several folders still stack by their numbers; the
  // folder decides only between equal names (slice1/map.ang, slice10/map.ang).
  std::stable_sort(paths.begin(), paths.end(), [](const std::filesystem::path& a, const std::filesystem::path& b) {
    const std::string na = a.filename().string(), nb = b.filename().string();
    if (na != nb) return natural_less(na, nb);
    return natural_less(a.string(), b.string());
  });
}

bool has_glob_wildcards(const std::string& text) { return text.find_first_of("*?[") != std::string::npos; }

std::vector<std::filesystem::path> expand_glob(const std::string& pattern) {
  glob_t g{};
  const int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
  std::vector<std::filesystem::path> out;
  if (rc == 0) {
    for (std::size_t k = 0; k < g.gl_pathc; ++k) {
      std::error_code ec;
      if (std::filesystem::is_regular_file(g.gl_pathv[k], ec)) out.emplace_back(g.gl_pathv[k]);
    }
  }
  ::globfree(&g);
  if (rc != 0 && rc != GLOB_NOMATCH) throw Error("could not list the files matching the pattern", pattern);
  if (out.empty()) throw Error("no file matches the pattern", pattern);
  sort_naturally(out);
  return out;
}

std::vector<std::filesystem::path> expand_inputs(const std::vector<std::string>& inputs, bool keep_order) {
  std::vector<std::filesystem::path> out;
  for (const auto& in : inputs) {
    std::error_code ec;
    if (!std::filesystem::exists(in, ec) && has_glob_wildcards(in)) {
      for (auto& p : expand_glob(in)) out.push_back(std::move(p));
    } else {
      out.emplace_back(in);
    }
  }
  if (!keep_order) sort_naturally(out);
  return out;
}

SliceStackResult read_slice_stack(const std::vector<std::filesystem::path>& files, const SliceStackOptions& o, Progress& progress) {
  if (files.empty()) throw Error("no slice files to stack");
  if (!std::isfinite(o.z_step) || o.z_step <= 0.0)
    throw Error("expected a z step (slice spacing) > 0, got " + std::to_string(o.z_step), "", "z step");
  if (!std::isfinite(o.spacing_tolerance) || o.spacing_tolerance < 0.0)
    throw Error("expected a spacing tolerance >= 0", "", "spacing tolerance");

  const auto n = static_cast<std::int64_t>(files.size());
  SliceStackResult r;
  r.files = files;
  SliceGrid first;
  std::map<std::string, std::vector<bool>> channel_present;
  std::int64_t slices_with_grains = 0;
  std::vector<std::string> stack_warnings;  // remarks about the stack as a whole
  nlohmann::json file_list = nlohmann::json::array();

  for (std::int64_t k = 0; k < n; ++k) {
    const auto& file = files[static_cast<std::size_t>(k)];
    progress.check();
    progress.report(static_cast<double>(k) / static_cast<double>(n), "reading " + slice_name(file));
    // The reader reports its own fraction of one slice; forward it as part of the whole, and
    // let a cancellation request stop the reader at its next report.
    Progress slice_progress(
        [&](double f, const std::string&) {
          progress.report((static_cast<double>(k) + std::clamp(f, 0.0, 1.0)) / static_cast<double>(n), "reading " + slice_name(file));
          progress.check();
        },
        nullptr);
    ReadResult rr = read_volume_with_report(file, o.read, slice_progress);
    const Volume& v = rr.volume;
    if (v.nz() != 1)
      throw Error("holds " + std::to_string(v.nz()) + " slices; a stack is built from 2D maps (one slice per file)", file.string());

    std::vector<std::string> slice_warnings;
    for (const auto& w : rr.report.warnings) slice_warnings.push_back(slice_name(file) + ": " + w);
    if (k == 0) {
      if (v.nx() * v.ny() > Volume::kMaxVoxels / n)
        throw Error(std::to_string(n) + " slices of " + grid_text(v.nx(), v.ny()) + " exceed the largest volume (" +
                        std::to_string(Volume::kMaxVoxels) + " voxels)",
                    file.string());
      r.volume = Volume({v.nx(), v.ny(), n}, {v.spacing()[0], v.spacing()[1], o.z_step}, v.origin());
      r.volume.set_length_unit(v.length_unit());
      r.volume.phases() = v.phases();
      first = {v.nx(), v.ny(), v.spacing(), v.origin(), v.length_unit(), v.phases(), slice_name(file)};
    } else {
      check_against_first(first, v, file, o, slice_warnings);
    }

    copy_plane(v, r.volume, k);
    const auto plane = static_cast<std::size_t>(v.nx() * v.ny());
    for (const auto& [name, c] : v.channels()) {
      if (!r.volume.has_channel(name)) {
        r.volume.set_channel(name, {std::vector<float>(static_cast<std::size_t>(r.volume.voxel_count()),
                                                       std::numeric_limits<float>::quiet_NaN()),
                                    c.unit, c.description});
        channel_present[name].assign(static_cast<std::size_t>(n), false);
      } else if (r.volume.channel(name).unit != c.unit) {
        slice_warnings.push_back(slice_name(file) + ": channel '" + name + "' has unit '" + c.unit + "' where an earlier slice has '" +
                                 r.volume.channel(name).unit + "'; values kept as they are");
      }
      auto& dst = r.volume.channel(name).values;
      std::copy(c.values.begin(), c.values.end(), dst.begin() + static_cast<std::ptrdiff_t>(plane * static_cast<std::size_t>(k)));
      channel_present[name][static_cast<std::size_t>(k)] = true;
    }
    if (v.has_grain_ids()) ++slices_with_grains;
    if (v.missing_slices().count(0)) r.volume.mark_missing(k);
    if (v.damaged_slices().count(0)) r.volume.mark_damaged(k);

    nlohmann::json steps = nlohmann::json::array();
    for (const auto& p : v.provenance()) steps.push_back(p.step);
    file_list.push_back({{"file", file.string()}, {"format", rr.report.format}, {"steps", steps}, {"warnings", slice_warnings}});
    for (auto& w : slice_warnings) r.warnings.push_back(std::move(w));
    r.reports.push_back(std::move(rr.report));
  }

  for (const auto& [name, present] : channel_present) {
    const auto absent = std::count(present.begin(), present.end(), false);
    if (absent > 0)
      stack_warnings.push_back("channel '" + name + "' is absent from " + std::to_string(absent) + " of " + std::to_string(n) +
                           " slices (first: " + slice_name(files[static_cast<std::size_t>(std::find(present.begin(), present.end(), false) - present.begin())]) +
                           "); NaN there");
  }
  if (slices_with_grains > 0)
    stack_warnings.push_back("per-slice grain ids of " + std::to_string(slices_with_grains) +
                         " slices dropped; segment the stack in 3D (ebsd segment)");

  nlohmann::json params{{"files", file_list},
                        {"slice_count", n},
                        {"z_step", o.z_step},
                        {"length_unit", r.volume.length_unit()},
                        {"spacing_tolerance", o.spacing_tolerance},
                        {"first_slice_import", r.reports.front().to_json()},
                        {"warnings", stack_warnings}};
  for (auto& w : stack_warnings) r.warnings.push_back(std::move(w));
  r.volume.add_provenance({"stack-slices", std::move(params), EBSD_VERSION, utc_timestamp(),
                           std::to_string(n) + " slices from " + files.front().string() + " to " + files.back().string()});
  progress.report(1.0, "stacked " + std::to_string(n) + " slices");
  return r;
}

}  // namespace ebsd::io

// .ang reader. The data block is parsed in one pass with std::from_chars; rows are then
// placed on the grid by their x/y coordinates (EbsdLib's Out_Of_Order.ang shuffles them), and
// where the header and the coordinates disagree the coordinates win with a warning.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <numbers>
#include <string>
#include <vector>

#include "ebsd/core/error.hpp"
#include "ebsd/io/ang.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "grid_placement.hpp"
#include "text_scan.hpp"

namespace ebsd::io {
namespace {

constexpr int kMaxColumns = 64;
// TSL marks unindexed points with Euler angles of 4 pi (12.56637).
bool is_unindexed_marker(double angle) { return std::fabs(angle - 4.0 * std::numbers::pi) < 1e-3; }

std::string at_line(std::size_t n) { return "line " + std::to_string(n); }

struct AngHeader {
  std::vector<Phase> phases;
  std::string grid = "SqrGrid";
  double xstep = 0, ystep = 0;
  long long ncols_odd = -1, ncols_even = -1, nrows = -1;
  std::vector<std::string> column_headers;  // OIM 8 COLUMN_HEADERS, when present
  nlohmann::json keys = nlohmann::json::object();
};

// Splits "# KEY: value" or "# KEY value" into key and value.
void split_header_line(std::string_view line, std::string_view& key, std::string_view& value) {
  line.remove_prefix(1);  // '#'
  line = text::trim(line);
  std::size_t k = 0;
  while (k < line.size() && !text::is_space(line[k]) && line[k] != ':') ++k;
  key = line.substr(0, k);
  std::string_view rest = line.substr(k);
  if (!rest.empty() && rest.front() == ':') rest.remove_prefix(1);
  value = text::trim(rest);
}

std::vector<double> numbers_in(std::string_view s) {
  std::vector<double> out;
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    while (p < end && (text::is_space(*p) || *p == ',')) ++p;
    if (p >= end) break;
    double v;
    const char* q = text::parse_double(p, end, v);
    if (!q) break;
    out.push_back(v);
    p = q;
  }
  return out;
}

AngHeader parse_header(std::string_view buf, const std::string& file, std::size_t& data_offset, std::size_t& data_line) {
  AngHeader h;
  text::LineReader lines(buf);
  std::string_view line;
  Phase* phase = nullptr;
  data_offset = buf.size();
  std::size_t last_offset = 0;
  while (lines.next(line)) {
    const std::string_view t = text::trim(line);
    if (t.empty()) {
      last_offset = lines.offset();
      continue;
    }
    if (t.front() != '#') {
      data_offset = last_offset;
      data_line = lines.number();
      return h;
    }
    last_offset = lines.offset();
    std::string_view key, value;
    split_header_line(t, key, value);
    if (key.empty()) continue;
    const std::string k = text::lower(key);
    if (k == "phase") {
      long long id;
      if (!text::to_int(value, id) || id < 1 || id > 1000) throw Error("bad phase number '" + std::string(value) + "'", file, at_line(lines.number()));
      h.phases.resize(std::max<std::size_t>(h.phases.size(), static_cast<std::size_t>(id)));
      phase = &h.phases[static_cast<std::size_t>(id - 1)];
      continue;
    }
    if (phase && k == "materialname") {
      phase->name = std::string(value);
    } else if (phase && k == "symmetry") {
      long long code;
      if (!text::to_int(value, code)) throw Error("Symmetry '" + std::string(value) + "' is not a number", file, at_line(lines.number()));
      try {
        phase->laue = laue_from_tsl_symmetry(static_cast<int>(code));
      } catch (const Error& e) {
        throw Error(e.problem(), file, at_line(lines.number()));
      }
    } else if (phase && k == "latticeconstants") {
      const auto v = numbers_in(value);
      if (v.size() != 6) throw Error("LatticeConstants needs 6 numbers (a b c alpha beta gamma)", file, at_line(lines.number()));
      std::copy(v.begin(), v.end(), phase->lattice.begin());
    } else if (k == "grid") {
      h.grid = std::string(value);
    } else if (k == "xstep" || k == "ystep") {
      double v;
      if (!text::to_double(value, v) || !(v > 0) || !std::isfinite(v))
        throw Error(std::string(key) + " must be a positive number, got '" + std::string(value) + "'", file, at_line(lines.number()));
      (k == "xstep" ? h.xstep : h.ystep) = v;
    } else if (k == "ncols_odd" || k == "ncols_even" || k == "nrows") {
      long long v;
      if (!text::to_int(value, v) || v < 0)
        throw Error(std::string(key) + " must be a non-negative integer, got '" + std::string(value) + "'", file, at_line(lines.number()));
      (k == "ncols_odd" ? h.ncols_odd : k == "ncols_even" ? h.ncols_even : h.nrows) = v;
    } else if (k == "column_headers") {
      std::string cur;
      for (char c : value) {
        if (c == ',') {
          h.column_headers.push_back(std::string(text::trim(cur)));
          cur.clear();
        } else {
          cur += c;
        }
      }
      if (!text::trim(cur).empty()) h.column_headers.push_back(std::string(text::trim(cur)));
    }
    if (!phase || k == "grid" || k.find("step") != std::string::npos || k.rfind("ncols", 0) == 0 || k == "nrows")
      h.keys[std::string(key)] = std::string(value);
  }
  data_line = lines.number() + 1;
  return h;
}

// Column roles by position for the TSL layout, or by name from OIM 8 COLUMN_HEADERS.
struct Columns {
  int phi1 = 0, Phi = 1, phi2 = 2, x = 3, y = 4, iq = 5, ci = 6, phase = 7, sem = 8, fit = 9;
};

Columns columns_from_headers(const std::vector<std::string>& names, const std::string& file) {
  Columns c{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
  for (int i = 0; i < static_cast<int>(names.size()); ++i) {
    const std::string n = text::lower(names[static_cast<std::size_t>(i)]);
    if (n == "phi1") c.phi1 = i;
    else if (n == "phi") c.Phi = i;
    else if (n == "phi2") c.phi2 = i;
    else if (n == "x") c.x = i;
    else if (n == "y") c.y = i;
    else if (n == "iq") c.iq = i;
    else if (n == "ci") c.ci = i;
    else if (n == "phase index" || n == "phase" || n == "phaseid") c.phase = i;
    else if (n == "sem" || n == "sem signal" || n == "detector intensity") c.sem = i;
    else if (n == "fit") c.fit = i;
  }
  if (c.phi1 < 0 || c.Phi < 0 || c.phi2 < 0 || c.x < 0 || c.y < 0)
    throw Error("COLUMN_HEADERS lacks phi1, PHI, phi2, x or y", file, "header");
  return c;
}

}  // namespace

bool looks_like_ang(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::string head(4096, '\0');
  f.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(f.gcount()));
  if (head.empty() || head.front() != '#') return false;
  for (const char* key : {"NCOLS_ODD", "XSTEP", "TEM_PIXperUM", "x-star", "GRID:"})
    if (head.find(key) != std::string::npos) return true;
  return false;
}

AngReadResult read_ang(const std::filesystem::path& path, const AngReadOptions& options) {
  const std::string file = path.string();
  const std::string buf = text::load_file(path);
  std::size_t data_offset = 0, first_data_line = 1;
  AngHeader h = parse_header(buf, file, data_offset, first_data_line);

  AngReadResult result;
  ImportReport& rep = result.report;
  rep.format = "ang";
  rep.angle_unit_in_file = "rad";
  rep.recommended_sample_rotation = {180.0, {0, 1, 0}};
  rep.recommended_crystal_rotation = {90.0, {0, 0, 1}};
  rep.header = h.keys;

  const bool hex = text::lower(h.grid).find("hex") != std::string::npos;
  if (!hex && text::lower(h.grid).find("sqr") == std::string::npos)
    throw Error("GRID must be SqrGrid or HexGrid, got '" + h.grid + "'", file, "header");
  rep.grid = hex ? "hexagonal" : "square";
  if (hex && !options.hex_to_square) throw Error("hexagonal grid; reading it needs conversion to a square grid", file, "GRID");

  // --- data block: one pass, numbers into a flat row-major table ---
  std::vector<float> table;
  int ncol = 0;
  std::size_t rows = 0;
  {
    text::LineReader lines(std::string_view(buf).substr(data_offset));
    std::string_view line;
    double vals[kMaxColumns];
    while (lines.next(line)) {
      const char* p = line.data();
      const char* end = p + line.size();
      int n = 0;
      while (true) {
        while (p < end && text::is_space(*p)) ++p;
        if (p >= end) break;
        if (n == kMaxColumns) throw Error("more than " + std::to_string(kMaxColumns) + " columns", file, at_line(first_data_line + lines.number() - 1));
        const char* q = text::parse_double(p, end, vals[n]);
        if (!q || (q < end && !text::is_space(*q)))
          throw Error("expected a number in column " + std::to_string(n + 1) + ", found '" +
                          std::string(p, static_cast<std::size_t>(std::find_if(p, end, text::is_space) - p)) + "'",
                      file, at_line(first_data_line + lines.number() - 1));
        p = q;
        ++n;
      }
      if (n == 0) continue;  // blank line (e.g. at the end)
      if (ncol == 0) {
        ncol = n;
        if (ncol < 8) throw Error("expected at least 8 columns (phi1 Phi phi2 x y IQ CI phase), found " + std::to_string(ncol), file, at_line(first_data_line + lines.number() - 1));
        const double expected = h.nrows > 0 && h.ncols_odd > 0 ? static_cast<double>(h.nrows) * static_cast<double>(h.ncols_odd) : 0.0;
        // Reserve from the header only when it is plausible for this file size (>= 16 bytes a row).
        if (expected > 0 && expected * 16.0 <= static_cast<double>(buf.size())) table.reserve(static_cast<std::size_t>(expected) * static_cast<std::size_t>(ncol));
      } else if (n != ncol) {
        throw Error("expected " + std::to_string(ncol) + " columns, found " + std::to_string(n) + " (truncated or corrupt row)",
                    file, at_line(first_data_line + lines.number() - 1));
      }
      for (int c = 0; c < n; ++c) {
        if (!std::isfinite(vals[c]))
          throw Error("column " + std::to_string(c + 1) + " is not a finite number", file, at_line(first_data_line + lines.number() - 1));
        table.push_back(static_cast<float>(vals[c]));
      }
      ++rows;
    }
  }
  if (rows == 0) throw Error("no data rows after the header", file, at_line(first_data_line));

  Columns col;
  if (!h.column_headers.empty() && static_cast<int>(h.column_headers.size()) == ncol) col = columns_from_headers(h.column_headers, file);
  if (col.sem >= ncol) col.sem = -1;
  if (col.fit >= ncol) col.fit = -1;
  auto value = [&](std::size_t r, int c) { return table[r * static_cast<std::size_t>(ncol) + static_cast<std::size_t>(c)]; };

  if (h.phases.empty()) {
    rep.warnings.push_back("no phase in the header: assuming one cubic (m-3m) phase");
    h.phases.push_back(Phase{});
  }
  const bool single_phase = h.phases.size() == 1;

  // --- grid from coordinates ---
  std::vector<double> xs(rows), ys(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    xs[r] = value(r, col.x);
    ys[r] = value(r, col.y);
  }
  GridPlacement grid = place_on_grid(xs, ys, h.xstep, h.ystep, hex, file);
  if (hex) rep.converted_to_square = true;
  for (auto& w : grid.warnings) rep.warnings.push_back(w);
  if (!hex && h.ncols_odd > 0 && h.ncols_odd != grid.nx)
    rep.warnings.push_back("header NCOLS_ODD " + std::to_string(h.ncols_odd) + " but the coordinates span " + std::to_string(grid.nx) + " columns; using the coordinates");
  if (!hex && h.nrows > 0 && h.nrows != grid.ny)
    rep.warnings.push_back("header NROWS " + std::to_string(h.nrows) + " but the coordinates span " + std::to_string(grid.ny) + " rows; using the coordinates");

  Volume v({grid.nx, grid.ny, 1}, {grid.xstep, grid.ystep, std::min(grid.xstep, grid.ystep)}, {grid.x0, grid.y0, 0.0});
  v.phases() = h.phases;
  Channel sem, fit;
  if (col.sem >= 0) sem = {std::vector<float>(static_cast<std::size_t>(v.voxel_count()), 0.0f), "", "SEM signal (detector intensity) from the .ang file"};
  if (col.fit >= 0) fit = {std::vector<float>(static_cast<std::size_t>(v.voxel_count()), 0.0f), "deg", "pattern fit from the .ang file"};

  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    const std::int64_t r64 = grid.source_row[static_cast<std::size_t>(i)];
    if (r64 < 0) continue;  // no point landed here: stays invalid
    const auto r = static_cast<std::size_t>(r64);
    const double e1 = value(r, col.phi1), e2 = value(r, col.Phi), e3 = value(r, col.phi2);
    const float ci = col.ci >= 0 ? value(r, col.ci) : 1.0f;
    const bool unindexed = ci < 0.0f || is_unindexed_marker(e1) || is_unindexed_marker(e2) || is_unindexed_marker(e3);
    long long ph = col.phase >= 0 ? std::llround(value(r, col.phase)) : 1;
    if (single_phase && ph == 0) ph = 1;  // legacy: phase 0 in a one-phase file means phase 1
    if (ph < 0 || ph > static_cast<long long>(h.phases.size()))
      throw Error("phase " + std::to_string(ph) + " is not in the header (which lists " + std::to_string(h.phases.size()) + ")", file,
                  "data row " + std::to_string(r + 1));
    if (!unindexed && (e1 > 2 * std::numbers::pi + 1e-3 || e2 > 2 * std::numbers::pi + 1e-3 || e3 > 2 * std::numbers::pi + 1e-3 ||
                       e1 < -1e-3 || e2 < -1e-3 || e3 < -1e-3))
      throw Error("Euler angle outside [0, 2 pi]: .ang angles are radians; this file looks like degrees", file,
                  "data row " + std::to_string(r + 1));
    v.phase_ids()[static_cast<std::size_t>(i)] = unindexed ? 0 : static_cast<std::int32_t>(ph);
    if (!unindexed) v.set_orientation(i, quat_from_euler({e1, e2, e3}));
    v.confidence()[static_cast<std::size_t>(i)] = ci;
    v.image_quality()[static_cast<std::size_t>(i)] = col.iq >= 0 ? value(r, col.iq) : 0.0f;
    v.valid()[static_cast<std::size_t>(i)] = (!unindexed && ph > 0) ? 1 : 0;
    if (col.sem >= 0) sem.values[static_cast<std::size_t>(i)] = value(r, col.sem);
    if (col.fit >= 0) fit.values[static_cast<std::size_t>(i)] = value(r, col.fit);
  }
  if (col.sem >= 0) v.set_channel("sem_signal", std::move(sem));
  if (col.fit >= 0) v.set_channel("fit", std::move(fit));

  nlohmann::json params = rep.to_json();
  params["file"] = path.filename().string();
  params["columns"] = ncol;
  params["rows"] = rows;
  v.add_provenance({"read-ang", params, "", utc_timestamp(), file});
  result.volume = std::move(v);
  return result;
}

}  // namespace ebsd::io

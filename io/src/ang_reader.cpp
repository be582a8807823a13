// .ang reader. read_ang takes the fast path (ang_fast.cpp) for the common file and this general
// one otherwise: the data block is parsed in one pass; rows are then placed on the grid by
// their x/y coordinates (EbsdLib's Out_Of_Order.ang shuffles them), and where the header and
// the coordinates disagree the coordinates win with a warning. ang_read.hpp has the split.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>
#include <numbers>
#include <string>
#include <vector>

#include "ebsd/core/error.hpp"
#include "ebsd/io/ang.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "ang_layout.hpp"
#include "ang_read.hpp"
#include "grid_placement.hpp"
#include "source_columns.hpp"
#include "text_scan.hpp"

namespace ebsd::io {
namespace ang_detail {

bool is_unindexed_marker(double angle) { return std::fabs(angle - 4.0 * std::numbers::pi) < 1e-3; }

namespace {

constexpr int kMaxColumns = 64;

std::string at_line(std::size_t n) { return "line " + std::to_string(n); }

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

}  // namespace

AngHeader parse_header(std::string_view buf, const std::string& file, std::size_t& data_offset, std::size_t& data_line) {
  AngHeader h;
  text::LineReader lines(buf);
  std::string_view line;
  Phase* phase = nullptr;
  std::size_t phase_index = 0;
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
    // Keep the lines the writer cannot rebuild from the volume, in their section.
    const bool rebuilt = k == "phase" || k == "materialname" || k == "symmetry" || k == "latticeconstants" || k == "grid" ||
                         k == "xstep" || k == "ystep" || k == "ncols_odd" || k == "ncols_even" || k == "nrows" ||
                         k == "column_count" || k == "column_headers" || k == "column_units";
    if (!rebuilt) {
      std::string kept = text::utf8_or_replaced(text::trim(t.substr(1)));
      if (h.grid_seen) h.trailer.push_back(std::move(kept));
      else if (phase) h.phase_lines[phase_index].push_back(std::move(kept));
      else h.preamble.push_back(std::move(kept));
    }
    if (k == "phase") {
      long long id;
      if (!text::to_int(value, id) || id < 1 || id > 1000) throw Error("bad phase number '" + std::string(value) + "'", file, at_line(lines.number()));
      h.phases.resize(std::max<std::size_t>(h.phases.size(), static_cast<std::size_t>(id)));
      h.phase_lines.resize(h.phases.size());
      phase = &h.phases[static_cast<std::size_t>(id - 1)];
      phase_index = static_cast<std::size_t>(id - 1);
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
      h.grid_seen = true;
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

namespace {

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

std::size_t find_data_start(std::string_view buf, bool complete) {
  std::size_t pos = 0;
  while (pos < buf.size()) {
    const auto nl = buf.find('\n', pos);
    if (nl == std::string_view::npos && complete) return std::string_view::npos;
    const std::size_t stop = nl == std::string_view::npos ? buf.size() : nl;
    const std::string_view t = text::trim(buf.substr(pos, stop - pos));
    if (!t.empty() && t.front() != '#') return pos;
    pos = stop + 1;
  }
  return std::string_view::npos;
}

Columns columns_for(const AngHeader& h, int ncol, const std::string& file) {
  Columns col;
  if (!h.column_headers.empty() && static_cast<int>(h.column_headers.size()) == ncol) col = columns_from_headers(h.column_headers, file);
  if (col.sem >= ncol) col.sem = -1;
  if (col.fit >= ncol) col.fit = -1;
  return col;
}

bool start_report(ImportReport& rep, const AngHeader& h, const AngReadOptions& options, const std::string& file) {
  rep.format = "ang";
  rep.angle_unit_in_file = "rad";
  rep.recommended_sample_rotation = kTslSampleRotation;
  rep.recommended_crystal_rotation = kTslCrystalRotation;
  rep.header = h.keys;
  const bool hex = text::lower(h.grid).find("hex") != std::string::npos;
  if (!hex && text::lower(h.grid).find("sqr") == std::string::npos)
    throw Error("GRID must be SqrGrid or HexGrid, got '" + h.grid + "'", file, "header");
  rep.grid = hex ? "hexagonal" : "square";
  if (hex && !options.hex_to_square) throw Error("hexagonal grid; reading it needs conversion to a square grid", file, "GRID");
  return hex;
}

std::vector<ChannelColumn> channel_columns(const Columns& col, int ncol, const AngHeader& h) {
  std::vector<ChannelColumn> out;
  if (col.sem >= 0) out.push_back({col.sem, "sem_signal", {{}, "", "SEM signal (detector intensity) from the .ang file"}});
  if (col.fit >= 0) out.push_back({col.fit, "fit", {{}, "deg", "pattern fit from the .ang file"}});
  for (int c = 0; c < ncol; ++c) {
    bool known = false;
    for (int k : {col.phi1, col.Phi, col.phi2, col.x, col.y, col.iq, col.ci, col.phase, col.sem, col.fit}) known |= k == c;
    if (known) continue;
    std::string name = "column_" + std::to_string(c + 1);
    if (static_cast<int>(h.column_headers.size()) == ncol) {
      name = text::lower(text::trim(h.column_headers[static_cast<std::size_t>(c)]));
      for (auto& ch : name)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    }
    out.push_back({c, text::utf8_or_replaced(name), {{}, "", "column " + std::to_string(c + 1) + " of the .ang file"}});
  }
  return out;
}

void describe_columns(AngLayout& layout, const Columns& col, int ncol, const AngHeader& h, const std::vector<ColumnShapes>& shapes,
                      const std::vector<ChannelColumn>& channels) {
  const char* roles[] = {"phi1", "Phi", "phi2", "x", "y", "iq", "ci", "phase"};
  const int role_cols[] = {col.phi1, col.Phi, col.phi2, col.x, col.y, col.iq, col.ci, col.phase};
  for (int c = 0; c < ncol; ++c) {
    std::string role;
    for (int k = 0; k < 8; ++k)
      if (role_cols[k] == c) role = roles[k];
    for (const auto& cc : channels)
      if (cc.column == c) role = "channel:" + cc.name;
    const std::string header = static_cast<int>(h.column_headers.size()) == ncol ? text::utf8_or_replaced(h.column_headers[static_cast<std::size_t>(c)]) : role;
    layout.columns.push_back({role, header, shapes[static_cast<std::size_t>(c)].format()});
  }
  layout.preamble = h.preamble;
  layout.trailer = h.trailer;
  layout.phase_lines = h.phase_lines;
}

void header_size_warnings(ImportReport& rep, const AngHeader& h, bool hex, std::int64_t nx, std::int64_t ny) {
  if (!hex && h.ncols_odd > 0 && h.ncols_odd != nx)
    rep.warnings.push_back("header NCOLS_ODD " + std::to_string(h.ncols_odd) + " but the coordinates span " + std::to_string(nx) + " columns; using the coordinates");
  if (!hex && h.nrows > 0 && h.nrows != ny)
    rep.warnings.push_back("header NROWS " + std::to_string(h.nrows) + " but the coordinates span " + std::to_string(ny) + " rows; using the coordinates");
}

void finish(AngReadResult& result, Volume&& v, const AngLayout& layout, int ncol, std::size_t rows, const std::filesystem::path& path) {
  nlohmann::json params = result.report.to_json();
  params["file"] = text::utf8_or_replaced(path.filename().string());
  params["columns"] = ncol;
  params["rows"] = rows;
  params["layout"] = layout.to_json();
  v.add_provenance({"read-ang", params, "", utc_timestamp(), text::utf8_or_replaced(path.string())});
  result.volume = std::move(v);
}

AngReadResult read_ang_general(const std::filesystem::path& path, const AngReadOptions& options) {
  const std::string file = path.string();
  const std::string buf = text::load_file(path);
  std::size_t data_offset = 0, first_data_line = 1;
  AngHeader h = parse_header(buf, file, data_offset, first_data_line);

  AngReadResult result;
  ImportReport& rep = result.report;
  const bool hex = start_report(rep, h, options, file);

  // --- data block: one pass, numbers into a flat row-major table of doubles (the exact
  // parsed values: the round-trip check below compares against them), and each column's
  // number shapes for its print format ---
  std::vector<double> table;
  std::vector<ColumnShapes> shapes;
  int ncol = 0;
  std::size_t rows = 0;
  {
    const char* p = buf.data() + data_offset;
    const char* const end = buf.data() + buf.size();
    std::size_t line_no = first_data_line;
    double vals[kMaxColumns];
    text::NumberShape shape[kMaxColumns];
    for (; p < end; ++line_no) {
      const char* eol = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
      if (!eol) eol = end;
      int n = 0;
      while (true) {
        while (p < eol && text::is_space(*p)) ++p;
        if (p >= eol) break;
        if (n == kMaxColumns) throw Error("more than " + std::to_string(kMaxColumns) + " columns", file, at_line(line_no));
        const char* q = text::scan_number(p, eol, vals[n], shape[n]);
        if (!q || (q < eol && !text::is_space(*q)))
          throw Error("expected a number in column " + std::to_string(n + 1) + ", found '" +
                          std::string(p, static_cast<std::size_t>(std::find_if(p, eol, text::is_space) - p)) + "'",
                      file, at_line(line_no));
        p = q;
        ++n;
      }
      p = eol + 1;
      if (n == 0) continue;  // blank line (e.g. at the end)
      if (ncol == 0) {
        ncol = n;
        if (ncol < 8) throw Error("expected at least 8 columns (phi1 Phi phi2 x y IQ CI phase), found " + std::to_string(ncol), file, at_line(line_no));
        shapes.resize(static_cast<std::size_t>(ncol));
        // Reserve from the file size (a row of n numbers takes at least 2n bytes), never from
        // the header alone: a header may claim 10^12 points.
        const std::size_t row_bytes = static_cast<std::size_t>(eol - (buf.data() + data_offset)) + 1;
        table.reserve((buf.size() - data_offset) / std::max<std::size_t>(row_bytes / 2, 1) * static_cast<std::size_t>(ncol) + static_cast<std::size_t>(ncol));
      } else if (n != ncol) {
        throw Error("expected " + std::to_string(ncol) + " columns, found " + std::to_string(n) + " (truncated or corrupt row)", file,
                    at_line(line_no));
      }
      for (int c = 0; c < n; ++c) {
        // Only the from_chars path can give inf or nan ("plain" numbers are always finite).
        if (!shape[c].plain && !std::isfinite(vals[c]))
          throw Error("column " + std::to_string(c + 1) + " is not a finite number", file, at_line(line_no));
        shapes[static_cast<std::size_t>(c)].add(shape[c]);
      }
      table.insert(table.end(), vals, vals + n);
      ++rows;
    }
  }
  if (rows == 0) throw Error("no data rows after the header", file, at_line(first_data_line));

  const Columns col = columns_for(h, ncol, file);
  const auto stride = static_cast<std::size_t>(ncol);
  auto value = [&](std::size_t r, int c) { return table[r * stride + static_cast<std::size_t>(c)]; };

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
  header_size_warnings(rep, h, hex, grid.nx, grid.ny);

  Volume v({grid.nx, grid.ny, 1}, {grid.xstep, grid.ystep, std::min(grid.xstep, grid.ystep)}, {grid.x0, grid.y0, 0.0});
  v.phases() = h.phases;

  std::vector<ChannelColumn> channels = channel_columns(col, ncol, h);
  for (auto& cc : channels) cc.channel.values.assign(static_cast<std::size_t>(v.voxel_count()), 0.0f);

  // What unindexed rows and legacy one-phase files write, from the first rows that show it;
  // rows that differ are caught by the round-trip check.
  AngLayout layout;
  layout.unindexed_euler = {4.0 * std::numbers::pi, 4.0 * std::numbers::pi, 4.0 * std::numbers::pi};
  bool seen_unindexed = false, seen_indexed = false;

  const auto phase_ids = v.phase_ids();
  const auto ci_out = v.confidence();
  const auto iq_out = v.image_quality();
  const auto valid_out = v.valid();
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    const std::int64_t r64 = grid.source_row[static_cast<std::size_t>(i)];
    if (r64 < 0) continue;  // no point landed here: stays invalid
    const auto r = static_cast<std::size_t>(r64);
    const double e1 = value(r, col.phi1), e2 = value(r, col.Phi), e3 = value(r, col.phi2);
    const double ci = col.ci >= 0 ? value(r, col.ci) : 1.0;
    const bool unindexed = ci < 0.0 || is_unindexed_marker(e1) || is_unindexed_marker(e2) || is_unindexed_marker(e3);
    const double raw_phase = col.phase >= 0 ? value(r, col.phase) : 1.0;
    long long ph = std::llround(raw_phase);
    if (unindexed && !seen_unindexed) {
      layout.unindexed_euler = {e1, e2, e3};
      layout.unindexed_phase = raw_phase;
      seen_unindexed = true;
    }
    if (!unindexed && !seen_indexed) {
      layout.phase_one_as_zero = single_phase && ph == 0;
      seen_indexed = true;
    }
    if (single_phase && ph == 0) ph = 1;  // legacy: phase 0 in a one-phase file means phase 1
    if (ph < 0 || ph > static_cast<long long>(h.phases.size()))
      throw Error("phase " + std::to_string(ph) + " is not in the header (which lists " + std::to_string(h.phases.size()) + ")", file,
                  "data row " + std::to_string(r + 1));
    if (!unindexed && (e1 > 2 * std::numbers::pi + 1e-3 || e2 > 2 * std::numbers::pi + 1e-3 || e3 > 2 * std::numbers::pi + 1e-3 ||
                       e1 < -1e-3 || e2 < -1e-3 || e3 < -1e-3))
      throw Error("Euler angle outside [0, 2 pi]: .ang angles are radians; this file looks like degrees", file,
                  "data row " + std::to_string(r + 1));
    const auto k = static_cast<std::size_t>(i);
    phase_ids[k] = unindexed ? 0 : static_cast<std::int32_t>(ph);
    if (!unindexed) v.set_orientation(i, quat_from_euler({e1, e2, e3}));
    ci_out[k] = static_cast<float>(ci);
    iq_out[k] = col.iq >= 0 ? static_cast<float>(value(r, col.iq)) : 0.0f;
    valid_out[k] = (!unindexed && ph > 0) ? 1 : 0;
    for (auto& cc : channels) cc.channel.values[k] = static_cast<float>(value(r, cc.column));
  }
  for (auto& cc : channels) v.set_channel(cc.name, std::move(cc.channel));

  // --- the layout the writer will use, verified on every row ---
  describe_columns(layout, col, ncol, h, shapes, channels);
  // Columns held as float32 (IQ, CI, channels) need no check when their numbers fit float.
  std::vector<bool> float_exact(static_cast<std::size_t>(ncol), false), fits_float(static_cast<std::size_t>(ncol), false);
  for (int c = 0; c < ncol; ++c) {
    fits_float[static_cast<std::size_t>(c)] = shapes[static_cast<std::size_t>(c)].fits_float();
    const auto& role = layout.columns[static_cast<std::size_t>(c)].role;
    float_exact[static_cast<std::size_t>(c)] = (role == "iq" || role == "ci" || role.rfind("channel:", 0) == 0) && shapes[static_cast<std::size_t>(c)].fits_float();
  }
  // The shared check (source_columns.hpp) with the .ang roles; angles are radians, and Euler
  // angles of valid voxels may be certified unless source angles are already kept.
  const auto not_reproduced = [&] {
    AngRows rows(v, layout);
    const bool kept_euler = v.has_channel(kSourceEuler[0]);
    return columns_not_reproduced(v, layout, rows, grid.source_row, table, ncol, float_exact, fits_float,
                                  {"phi1", "Phi", "phi2"}, 1.0,
                                  [&](std::size_t i) { return !kept_euler && v.valid()[i] != 0; });
  };
  const auto failing = not_reproduced();
  bool kept_any = false;
  auto failed = [&](int c) { return failing[static_cast<std::size_t>(c)] > 0; };
  if (failed(col.phi1) || failed(col.Phi) || failed(col.phi2)) {
    const int cols3[3] = {col.phi1, col.Phi, col.phi2};
    for (int k = 0; k < 3; ++k)
      keep_source_column(v, kSourceEuler[k], grid.source_row, table, ncol, cols3[k], "rad",
                         "Euler angle as written in " + path.filename().string() +
                             ", kept because the float32 quaternion does not give back its digits on every row (Phi near 0, "
                             "angle ranges, unindexed rows)");
    kept_any = true;
  }
  if (failed(col.x) || failed(col.y)) {
    keep_source_column(v, kSourceX, grid.source_row, table, ncol, col.x, "um", "x as written in the .ang file (off the grid nodes)");
    keep_source_column(v, kSourceY, grid.source_row, table, ncol, col.y, "um", "y as written in the .ang file (off the grid nodes)");
    kept_any = true;
  }
  if (col.phase >= 0 && failed(col.phase)) {
    keep_source_column(v, kSourcePhase, grid.source_row, table, ncol, col.phase, "", "phase column as written in the .ang file");
    kept_any = true;
  }
  // A kept column prints back exactly when its numbers fit float32 (at most six digits); only
  // otherwise (e.g. 12.56637) is the check run again.
  bool recheck = false;
  for (int c : {col.phi1, col.Phi, col.phi2, col.x, col.y, col.phase})
    if (c >= 0 && failed(c) && !fits_float[static_cast<std::size_t>(c)]) recheck = true;
  if (kept_any && recheck) {
    const auto still = not_reproduced();
    for (int c = 0; c < ncol; ++c)
      if (still[static_cast<std::size_t>(c)] > 0)
        rep.warnings.push_back("column " + std::to_string(c + 1) + ": " + std::to_string(still[static_cast<std::size_t>(c)]) +
                               " values have more digits than float32 keeps; writing this volume back will round them");
  } else {
    for (int c = 0; c < ncol; ++c)
      if (failed(c) && !(kept_any && fits_float[static_cast<std::size_t>(c)] &&
                         (c == col.phi1 || c == col.Phi || c == col.phi2 || c == col.x || c == col.y || c == col.phase)))
        rep.warnings.push_back("column " + std::to_string(c + 1) + ": " + std::to_string(failing[static_cast<std::size_t>(c)]) +
                               " values have more digits than float32 keeps; writing this volume back will round them");
  }

  finish(result, std::move(v), layout, ncol, rows, path);
  return result;
}

}  // namespace ang_detail

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
  AngReadResult result;
  if (ang_detail::read_ang_fast(path, options, result)) return result;
  return ang_detail::read_ang_general(path, options);
}

}  // namespace ebsd::io

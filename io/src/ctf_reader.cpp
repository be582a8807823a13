// .ctf reader: header key/value lines up to the column-name line, then tab-separated rows
// mapped by column name (never by position: dialects differ), placed on the grid by X/Y.
// read_ctf takes the fast path (ctf_fast.cpp) for the common file and this general one
// otherwise; ctf_read.hpp has the split.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <numbers>
#include <string>
#include <vector>

#include "ebsd/core/error.hpp"
#include "ebsd/io/ctf.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "column_format.hpp"
#include "ctf_layout.hpp"
#include "ctf_read.hpp"
#include "grid_placement.hpp"
#include "source_columns.hpp"
#include "text_scan.hpp"

namespace ebsd::io {
namespace ctf_detail {
namespace {

std::string at_line(std::size_t n) { return "line " + std::to_string(n); }

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t b = 0;
  while (true) {
    const auto e = s.find(sep, b);
    out.push_back(s.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b));
    if (e == std::string_view::npos) break;
    b = e + 1;
  }
  return out;
}

// Parses a number that may use a decimal comma (European exports: "0,5").
bool number(std::string_view s, double& v) {
  s = text::trim(s);
  if (s.size() > 63 || s.empty()) return false;
  if (s.find(',') == std::string_view::npos) return text::to_double(s, v);
  char buf[64];
  std::size_t n = 0;
  for (char c : s) buf[n++] = c == ',' ? '.' : c;
  return text::to_double(std::string_view(buf, n), v);
}


}  // namespace

CtfHeader parse_header(std::string_view buf, const std::string& file) {
  CtfHeader h;
  text::LineReader lines(buf);
  std::string_view line;
  lines.next(line);
  CtfLayout& layout = h.layout;
  std::vector<Phase>& phases = h.phases;
  std::vector<std::string>& names = h.names;  // column names
  long long expected_phases = -1;
  while (lines.next(line)) {
    const auto fields = split(line, '\t');
    const std::string key(text::trim(fields[0]));
    if (key == "Phase" && fields.size() > 2 && text::trim(fields[1]) == "X") {
      for (auto f : fields) names.emplace_back(text::trim(f));
      h.names_end_line = lines.offset() > 0 && lines.offset() <= buf.size() && buf[lines.offset() - 1] == '\n';
      break;
    }
    const std::string_view value = fields.size() > 1 ? text::trim(fields[1]) : std::string_view{};
    if (key == "Phases") {
      long long n;
      if (!text::to_int(value, n) || n < 0 || n > 1000) throw Error("Phases must be a count, got '" + std::string(value) + "'", file, at_line(lines.number()));
      expected_phases = n;
      for (long long k = 0; k < n; ++k) {
        if (!lines.next(line)) throw Error("file ends inside the phase list", file, at_line(lines.number()));
        const auto pf = split(line, '\t');
        if (pf.size() < 4) throw Error("phase line needs lattice lengths, angles, name and Laue group", file, at_line(lines.number()));
        Phase p;
        const auto len = split(pf[0], ';'), ang = split(pf[1], ';');
        if (len.size() != 3 || ang.size() != 3) throw Error("lattice must be 'a;b;c<TAB>alpha;beta;gamma'", file, at_line(lines.number()));
        for (int i = 0; i < 3; ++i)
          if (!number(len[static_cast<std::size_t>(i)], p.lattice[static_cast<std::size_t>(i)]) ||
              !number(ang[static_cast<std::size_t>(i)], p.lattice[static_cast<std::size_t>(i + 3)]))
            throw Error("lattice parameters must be numbers", file, at_line(lines.number()));
        p.name = std::string(text::trim(pf[2]));
        std::vector<std::string> tail;
        for (std::size_t f = 4; f < pf.size(); ++f) tail.push_back(text::utf8_or_replaced(pf[f]));
        layout.phase_tails.push_back(std::move(tail));
        long long laue;
        if (!text::to_int(pf[3], laue)) throw Error("Laue group must be a number 1-11, got '" + std::string(pf[3]) + "'", file, at_line(lines.number()));
        try {
          p.laue = laue_from_hkl_number(static_cast<int>(laue));
        } catch (const Error& e) {
          throw Error(e.problem(), file, at_line(lines.number()));
        }
        phases.push_back(p);
      }
      continue;
    }
    auto positive = [&](double& target) {
      double v;
      if (!number(value, v) || !(v > 0) || !std::isfinite(v))
        throw Error(key + " must be a positive number, got '" + std::string(value) + "'", file, at_line(lines.number()));
      target = v;
    };
    if (key == "XStep") positive(h.xstep);
    else if (key == "YStep") positive(h.ystep);
    else if (key == "ZStep") positive(h.zstep);
    else if (key == "ZCells") {
      if (!text::to_int(value, h.zcells) || h.zcells < 0) throw Error("ZCells must be a count", file, at_line(lines.number()));
    } else if (key == "XCells" || key == "YCells") {
      long long cells = -1;  // not checked here: the grid comes from the coordinates
      (key == "XCells" ? h.xcells : h.ycells) = text::to_int(value, cells) && cells > 0 ? cells : -1;
    }
    if (!key.empty() && fields.size() == 2) h.keys[key] = text::utf8_or_replaced(value);
    // The writer rebuilds the grid keys from the volume; every other line goes back verbatim.
    if (key != "XCells" && key != "YCells" && key != "XStep" && key != "YStep" && key != "ZCells" && key != "ZStep")
      layout.header_lines.push_back(text::utf8_or_replaced(line));
  }
  if (names.empty()) throw Error("no column-name line ('Phase<TAB>X<TAB>Y...') before the data", file, at_line(lines.number()));
  if (expected_phases < 0) throw Error("no 'Phases' line in the header", file, "header");
  h.header_lines = lines.number();
  h.data_offset = lines.offset();
  return h;
}

void start_report(ImportReport& rep) {
  rep.format = "ctf";
  rep.grid = "square";
  rep.recommended_sample_rotation = kHklSampleRotation;
  rep.recommended_crystal_rotation = kHklCrystalRotation;
  rep.header = nlohmann::json::object();
}

std::string role_of(const std::string& n) {
  return n == "Phase" ? "phase" : n == "X" ? "x" : n == "Y" ? "y" : n == "Z" ? "z" : n == "Euler1" ? "euler1" : n == "Euler2" ? "euler2"
         : n == "Euler3" ? "euler3" : n == "BC" ? "bc" : "channel:" + text::lower(n);
}

std::vector<ChannelColumn> channel_columns(const std::vector<std::string>& names) {
  std::vector<ChannelColumn> out;
  for (int c = 0; c < static_cast<int>(names.size()); ++c) {
    const std::string& n = names[static_cast<std::size_t>(c)];
    if (n == "Phase" || n == "X" || n == "Y" || n == "Z" || n == "Euler1" || n == "Euler2" || n == "Euler3" || n == "BC") continue;
    std::string lname = text::lower(n);
    std::string unit = lname == "mad" ? "deg" : "";
    out.push_back({c, std::move(lname), {{}, std::move(unit), n + " column of the .ctf file"}});
  }
  return out;
}

void hexagonal_warning(ImportReport& rep, const std::vector<Phase>& phases, const CtfReadOptions& options, std::size_t alignment_applied) {
  bool any_hex = false;
  for (const auto& p : phases)
    any_hex |= p.laue == LaueGroup::HexagonalHigh || p.laue == LaueGroup::HexagonalLow || p.laue == LaueGroup::TrigonalHigh ||
               p.laue == LaueGroup::TrigonalLow;
  if (any_hex)
    rep.warnings.push_back(options.hexagonal_to_tsl_alignment
                               ? "hexagonal/trigonal phases: phi2 + 30 deg applied (HKL X||a to TSL X||a*) on " + std::to_string(alignment_applied) + " points"
                               : "hexagonal/trigonal phases: angles kept in the HKL convention (crystal X || a); no 30 deg correction applied");
}

void finish(CtfReadResult& result, Volume&& v, const CtfLayout& layout, std::size_t rows, const std::filesystem::path& path,
            const CtfReadOptions& options) {
  nlohmann::json params = result.report.to_json();
  params["file"] = text::utf8_or_replaced(path.filename().string());
  params["hexagonal_to_tsl_alignment"] = options.hexagonal_to_tsl_alignment;
  params["rows"] = rows;
  params["layout"] = layout.to_json();
  v.add_provenance({"read-ctf", params, "", utc_timestamp(), text::utf8_or_replaced(path.string())});
  result.volume = std::move(v);
}

CtfReadResult read_ctf_general(const std::filesystem::path& path, const CtfReadOptions& options) {
  const std::string file = path.string();
  const std::string buf = text::load_file(path);
  if (buf.rfind("Channel Text File", 0) != 0) throw Error("not a .ctf file: the first line must be 'Channel Text File'", file, "line 1");

  CtfReadResult result;
  ImportReport& rep = result.report;
  start_report(rep);
  CtfHeader h = parse_header(buf, file);
  rep.header = h.keys;
  CtfLayout layout = std::move(h.layout);
  const double xstep = h.xstep, ystep = h.ystep, zstep = h.zstep;
  const long long zcells = h.zcells;
  std::vector<Phase> phases = std::move(h.phases);
  const std::vector<std::string>& names = h.names;

  std::map<std::string, int> col;
  for (int i = 0; i < static_cast<int>(names.size()); ++i) col[names[static_cast<std::size_t>(i)]] = i;
  for (const char* required : {"Phase", "X", "Y", "Euler1", "Euler2", "Euler3"})
    if (!col.count(required)) throw Error(std::string("no '") + required + "' column", file, "column names");
  const int ncol = static_cast<int>(names.size());
  const bool three_d = col.count("Z") != 0;

  // --- data rows: tab-separated numbers scanned in place, into a table of doubles (the exact
  // parsed values, for the round-trip check) and each column's number shapes ---
  const std::size_t header_lines = h.header_lines;
  std::vector<double> table;
  std::vector<ColumnShapes> shapes(static_cast<std::size_t>(ncol));
  std::size_t rows = 0;
  {
    const char* p = buf.data() + h.data_offset;
    const char* const end = buf.data() + buf.size();
    // European-locale exports write decimal commas; tabs separate the fields, so a comma in
    // the first data row decides.
    const char* first_eol = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    layout.decimal_comma = std::find(p, first_eol ? first_eol : end, ',') != (first_eol ? first_eol : end);
    const char sep = layout.decimal_comma ? ',' : '.';
    table.reserve(static_cast<std::size_t>(end - p) / (static_cast<std::size_t>(ncol) * 2 + 1) * static_cast<std::size_t>(ncol));
    std::vector<double> vals(static_cast<std::size_t>(ncol));
    std::vector<text::NumberShape> shape(static_cast<std::size_t>(ncol));
    for (std::size_t line_no = header_lines + 1; p < end; ++line_no) {
      const char* eol = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
      if (!eol) eol = end;
      const char* q = p;
      while (q < eol && text::is_space(*q)) ++q;
      if (q == eol) {  // blank line
        p = eol + 1;
        continue;
      }
      // Fields are scanned in place: spaces, the number, spaces, then a tab or the line end.
      // Only a field that does not parse is looked at as a whole, for the error message.
      int c = 0;
      while (true) {
        while (p < eol && text::is_space(*p) && *p != '\t') ++p;
        if (c < ncol) {
          const char* stop = text::scan_number(p, eol, vals[static_cast<std::size_t>(c)], shape[static_cast<std::size_t>(c)], sep);
          if (stop)
            while (stop < eol && text::is_space(*stop) && *stop != '\t') ++stop;
          if (!stop || stop == p || (stop < eol && *stop != '\t')) {
            const char* field_end = static_cast<const char*>(std::memchr(p, '\t', static_cast<std::size_t>(eol - p)));
            if (!field_end) field_end = eol;
            const char* a = p;
            const char* b = field_end;
            while (b > a && text::is_space(b[-1])) --b;
            // A short row usually fails here first (an empty last field): say what it is.
            const auto fields = std::count(q, eol, '\t') + 1;
            if (fields != ncol)
              throw Error("expected " + std::to_string(ncol) + " tab-separated columns, found " + std::to_string(fields) +
                              " (truncated or corrupt row)",
                          file, at_line(line_no));
            throw Error("expected a number in column '" + names[static_cast<std::size_t>(c)] + "', found '" + std::string(a, b) + "'", file,
                        at_line(line_no));
          }
          // Only the from_chars path can give inf or nan ("plain" numbers are always finite).
          if (!shape[static_cast<std::size_t>(c)].plain && !std::isfinite(vals[static_cast<std::size_t>(c)]))
            throw Error("column '" + names[static_cast<std::size_t>(c)] + "' is not a finite number", file, at_line(line_no));
          p = stop;
        } else {
          // Surplus fields are only counted (the check after the loop reports them).
          const char* field_end = static_cast<const char*>(std::memchr(p, '\t', static_cast<std::size_t>(eol - p)));
          p = field_end ? field_end : eol;
        }
        ++c;
        if (p >= eol) break;
        ++p;  // the tab
      }
      if (c != ncol)
        throw Error("expected " + std::to_string(ncol) + " tab-separated columns, found " + std::to_string(c) + " (truncated or corrupt row)",
                    file, at_line(line_no));
      for (int k = 0; k < ncol; ++k) shapes[static_cast<std::size_t>(k)].add(shape[static_cast<std::size_t>(k)]);
      table.insert(table.end(), vals.begin(), vals.end());
      ++rows;
      p = eol + 1;
    }
  }
  if (rows == 0) throw Error("no data rows after the column names", file, at_line(header_lines + 1));
  auto value = [&](std::size_t r, const std::string& name) { return table[r * static_cast<std::size_t>(ncol) + static_cast<std::size_t>(col.at(name))]; };
  const int c_phase = col.at("Phase"), c_e1 = col.at("Euler1"), c_e2 = col.at("Euler2"), c_e3 = col.at("Euler3");
  const int c_error = col.count("Error") ? col.at("Error") : -1, c_bc = col.count("BC") ? col.at("BC") : -1;
  auto at = [&](std::size_t r, int c) { return table[r * static_cast<std::size_t>(ncol) + static_cast<std::size_t>(c)]; };

  // Degrees in 2D files; 3D exports may carry radians (DREAM.3D H5EBSD notes): decide by range.
  double max_angle = 0;
  for (std::size_t r = 0; r < rows; ++r)
    for (int e : {c_e1, c_e2, c_e3}) max_angle = std::max(max_angle, std::fabs(at(r, e)));
  bool degrees = true;
  if (three_d && max_angle <= 2 * std::numbers::pi + 1e-3) {
    degrees = false;
    rep.warnings.push_back("3D file with all Euler angles within 2 pi: read as radians");
  }
  if (degrees && max_angle > 360.0 + 1e-3) throw Error("Euler angles above 360 deg", file, "Euler columns");
  rep.angle_unit_in_file = degrees ? "deg" : "rad";
  const double to_rad = degrees ? std::numbers::pi / 180.0 : 1.0;

  // --- slices (3D files) and grid ---
  std::vector<double> zs(rows, 0.0);
  double z0 = 0;
  std::int64_t nz = 1;
  if (three_d) {
    for (std::size_t r = 0; r < rows; ++r) zs[r] = value(r, "Z");
    z0 = *std::min_element(zs.begin(), zs.end());
    if (!(zstep > 0)) throw Error("3D file without a positive ZStep", file, "header");
    const double z1 = *std::max_element(zs.begin(), zs.end());
    nz = std::llround((z1 - z0) / zstep) + 1;
    if (zcells > 0 && zcells != nz) rep.warnings.push_back("header ZCells " + std::to_string(zcells) + " but the Z column spans " + std::to_string(nz) + " slices; using the coordinates");
  }
  // All slices share one in-plane grid: place using every point's x/y.
  std::vector<double> xs(rows), ys(rows);
  const int c_x = col.at("X"), c_y = col.at("Y");
  for (std::size_t r = 0; r < rows; ++r) {
    xs[r] = at(r, c_x);
    ys[r] = at(r, c_y);
  }
  GridPlacement grid = place_on_grid(xs, ys, xstep, ystep, false, file);
  if (three_d) {
    // place_on_grid kept only the last row per (x, y) node; redo the mapping with z.
    grid.source_row.assign(static_cast<std::size_t>(grid.nx * grid.ny * nz), -1);
    for (std::size_t r = 0; r < rows; ++r) {
      const auto ix = std::llround((xs[r] - grid.x0) / grid.xstep), iy = std::llround((ys[r] - grid.y0) / grid.ystep);
      const auto iz = std::llround((zs[r] - z0) / zstep);
      if (iz < 0 || iz >= nz) throw Error("Z outside the slice range", file, "data row " + std::to_string(r + 1));
      grid.source_row[static_cast<std::size_t>((iz * grid.ny + iy) * grid.nx + ix)] = static_cast<std::int64_t>(r);
    }
  } else {
    for (auto& w : grid.warnings) rep.warnings.push_back(w);
  }

  Volume v({grid.nx, grid.ny, nz}, {grid.xstep, grid.ystep, three_d ? zstep : std::min(grid.xstep, grid.ystep)}, {grid.x0, grid.y0, z0});
  if (phases.empty()) {
    rep.warnings.push_back("no phase in the header: assuming one cubic (m-3m) phase");
    phases.push_back(Phase{});
  }
  v.phases() = phases;

  const bool has_error = col.count("Error") != 0;
  // Extra columns become channels named in lower case ("mad", "bands", ...).
  std::vector<ChannelColumn> channels = channel_columns(names);
  for (auto& cc : channels) cc.channel.values.assign(static_cast<std::size_t>(v.voxel_count()), 0.0f);

  std::size_t alignment_applied = 0;
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    const std::int64_t r64 = grid.source_row[static_cast<std::size_t>(i)];
    if (r64 < 0) continue;
    const auto r = static_cast<std::size_t>(r64);
    const auto ph = std::llround(at(r, c_phase));
    if (ph < 0 || ph > static_cast<long long>(phases.size()))
      throw Error("phase " + std::to_string(ph) + " is not in the header (which lists " + std::to_string(phases.size()) + ")", file,
                  at_line(header_lines + r + 1));
    const bool indexed = ph > 0 && (!has_error || std::llround(at(r, c_error)) == 0);
    const auto idx = static_cast<std::size_t>(i);
    v.phase_ids()[idx] = static_cast<std::int32_t>(ph);
    v.valid()[idx] = indexed ? 1 : 0;
    v.confidence()[idx] = indexed ? 1.0f : 0.0f;
    if (c_bc >= 0) v.image_quality()[idx] = static_cast<float>(at(r, c_bc));
    Euler e{at(r, c_e1) * to_rad, at(r, c_e2) * to_rad, at(r, c_e3) * to_rad};
    if (options.hexagonal_to_tsl_alignment && ph > 0) {
      const LaueGroup g = phases[static_cast<std::size_t>(ph - 1)].laue;
      if (g == LaueGroup::HexagonalHigh || g == LaueGroup::HexagonalLow || g == LaueGroup::TrigonalHigh || g == LaueGroup::TrigonalLow) {
        e.phi2 += std::numbers::pi / 6.0;
        ++alignment_applied;
      }
    }
    if (ph > 0) v.set_orientation(i, quat_from_euler(e));
    for (auto& cc : channels) cc.channel.values[idx] = static_cast<float>(table[r * static_cast<std::size_t>(ncol) + static_cast<std::size_t>(cc.column)]);
  }
  for (auto& cc : channels) v.set_channel(cc.name, std::move(cc.channel));
  hexagonal_warning(rep, phases, options, alignment_applied);

  // --- the layout the writer will use, verified on every row ---
  layout.degrees = degrees;
  layout.hexagonal_aligned = options.hexagonal_to_tsl_alignment;
  for (int c = 0; c < ncol; ++c) {
    const std::string& n = names[static_cast<std::size_t>(c)];
    layout.columns.push_back({role_of(n), text::utf8_or_replaced(n), shapes[static_cast<std::size_t>(c)].format()});
  }
  std::vector<bool> float_exact(static_cast<std::size_t>(ncol), false), fits_float(static_cast<std::size_t>(ncol), false);
  for (int c = 0; c < ncol; ++c) {
    fits_float[static_cast<std::size_t>(c)] = shapes[static_cast<std::size_t>(c)].fits_float();
    const auto& role = layout.columns[static_cast<std::size_t>(c)].role;
    float_exact[static_cast<std::size_t>(c)] = (role == "bc" || role.rfind("channel:", 0) == 0) && role != "channel:error" &&
                                               shapes[static_cast<std::size_t>(c)].fits_float();
  }
  // The shared check (source_columns.hpp) with the .ctf roles; the error-bound certificate
  // knows nothing of the optional hexagonal +30 deg, so every row is derived then.
  const auto not_reproduced = [&] {
    CtfRows rows(v, layout);
    const bool may_certify = !v.has_channel(kSourceEuler[0]) && !layout.hexagonal_aligned;
    const double per_radian = layout.degrees ? 180.0 / std::numbers::pi : 1.0;
    return columns_not_reproduced(v, layout, rows, grid.source_row, table, ncol, float_exact, fits_float,
                                  {"euler1", "euler2", "euler3"}, per_radian,
                                  [&](std::size_t i) { return may_certify && v.phase_ids()[i] > 0; });
  };
  auto failing = not_reproduced();
  auto failed = [&](int c) { return failing[static_cast<std::size_t>(c)] > 0; };
  bool kept_any = false;
  if (failed(c_e1) || failed(c_e2) || failed(c_e3)) {
    const int cols3[3] = {c_e1, c_e2, c_e3};
    for (int k = 0; k < 3; ++k)
      keep_source_column(v, kSourceEuler[k], grid.source_row, table, ncol, cols3[k], degrees ? "deg" : "rad",
                         "Euler angle as written in " + text::utf8_or_replaced(path.filename().string()) +
                             ", kept because the float32 quaternion does not give back its digits on every row (Phi near 0, "
                             "angle ranges, the hexagonal alignment, unindexed rows)");
    kept_any = true;
  }
  if (failed(c_x) || failed(c_y)) {
    keep_source_column(v, kSourceX, grid.source_row, table, ncol, c_x, "um", "X as written in the .ctf file (off the grid nodes)");
    keep_source_column(v, kSourceY, grid.source_row, table, ncol, c_y, "um", "Y as written in the .ctf file (off the grid nodes)");
    kept_any = true;
  }
  // A kept column prints back exactly when its numbers fit float32; only otherwise re-check.
  bool recheck = false;
  for (int c : {c_e1, c_e2, c_e3, c_x, c_y}) {
    if (!failed(c)) continue;
    if (!fits_float[static_cast<std::size_t>(c)]) recheck = true;
  }
  if (kept_any && recheck) failing = not_reproduced();
  else if (kept_any)
    for (int c : {c_e1, c_e2, c_e3, c_x, c_y}) failing[static_cast<std::size_t>(c)] = 0;
  for (int c = 0; c < ncol; ++c)
    if (failed(c))
      rep.warnings.push_back("column '" + text::utf8_or_replaced(names[static_cast<std::size_t>(c)]) + "': " + std::to_string(failing[static_cast<std::size_t>(c)]) +
                             " values have more digits than float32 keeps; writing this volume back will round them");

  finish(result, std::move(v), layout, rows, path, options);
  return result;
}

}  // namespace ctf_detail

bool looks_like_ctf(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  char head[17] = {};
  f.read(head, 17);
  return f.gcount() == 17 && std::string_view(head, 17) == "Channel Text File";
}

CtfReadResult read_ctf(const std::filesystem::path& path, const CtfReadOptions& options) {
  CtfReadResult result;
  if (ctf_detail::read_ctf_fast(path, options, result)) return result;
  return ctf_detail::read_ctf_general(path, options);
}

}  // namespace ebsd::io

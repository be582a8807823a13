#pragma once
// The pieces of read_ang (private to io) shared by its two paths:
//   read_ang_fast (ang_fast.cpp): one streaming pass for the common file, rows in raster order
//     on the square grid the header announces, every value checked to print back; it writes
//     the volume as it parses and declines (returns false) at the first thing it does not
//     handle, before anything is returned;
//   read_ang_general (ang_reader.cpp): the whole file in memory, rows placed by coordinates,
//     kept source columns, every error message.
// read_ang tries the first, then the second; both give the same result for a file the first
// accepts (tests/unit/io/test_text_fast_paths.cpp compares them).
#include <array>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ang_layout.hpp"
#include "column_format.hpp"
#include "ebsd/io/ang.hpp"

namespace ebsd::io::ang_detail {

struct AngHeader {
  std::vector<Phase> phases;
  std::string grid = "SqrGrid";
  double xstep = 0, ystep = 0;
  long long ncols_odd = -1, ncols_even = -1, nrows = -1;
  std::vector<std::string> column_headers;  // OIM 8 COLUMN_HEADERS, when present
  nlohmann::json keys = nlohmann::json::object();
  // Lines kept for the writer (AngLayout): before the first phase, per phase, after the grid.
  std::vector<std::string> preamble, trailer;
  std::vector<std::vector<std::string>> phase_lines;
  bool grid_seen = false;
};

// The header lines of buf up to the first data line: data_offset is where that line starts
// (buf.size() when there is none) and data_line its 1-based number. Throws ebsd::Error.
AngHeader parse_header(std::string_view buf, const std::string& file, std::size_t& data_offset, std::size_t& data_line);

// Where the first data line of buf starts (the first line that is neither blank nor a '#'
// line), or npos when buf ends first; with `complete`, only when that line's newline is in buf.
std::size_t find_data_start(std::string_view buf, bool complete);

// Column roles by position for the TSL layout, or by name from OIM 8 COLUMN_HEADERS.
struct Columns {
  int phi1 = 0, Phi = 1, phi2 = 2, x = 3, y = 4, iq = 5, ci = 6, phase = 7, sem = 8, fit = 9;
};
// Roles for a file of ncol columns (throws when COLUMN_HEADERS lacks the Euler angles or x/y).
Columns columns_for(const AngHeader& h, int ncol, const std::string& file);

// The report fields every .ang read sets, and whether the grid is hexagonal (throws for an
// unknown GRID, or a hexagonal one without options.hex_to_square).
bool start_report(ImportReport& rep, const AngHeader& h, const AngReadOptions& options, const std::string& file);

// Columns beyond the ten standard ones (OIM 8 PRIAS and others) become channels named after
// COLUMN_HEADERS ("prias_bottom_strip") or by position ("column_11").
struct ChannelColumn {
  int column;
  std::string name;
  Channel channel;  // values left empty
};
std::vector<ChannelColumn> channel_columns(const Columns& col, int ncol, const AngHeader& h);

// The layout's columns (role, header, format), preamble, trailer and phase lines.
void describe_columns(AngLayout& layout, const Columns& col, int ncol, const AngHeader& h, const std::vector<ColumnShapes>& shapes,
                      const std::vector<ChannelColumn>& channels);

// The report's warnings when the header's NCOLS_ODD / NROWS differ from the grid.
void header_size_warnings(ImportReport& rep, const AngHeader& h, bool hex, std::int64_t nx, std::int64_t ny);

// The provenance record and the result.
void finish(AngReadResult& result, Volume&& v, const AngLayout& layout, int ncol, std::size_t rows, const std::filesystem::path& path);

// TSL marks unindexed points with Euler angles of 4 pi (12.56637).
bool is_unindexed_marker(double angle);

AngReadResult read_ang_general(const std::filesystem::path& path, const AngReadOptions& options);
bool read_ang_fast(const std::filesystem::path& path, const AngReadOptions& options, AngReadResult& result);

}  // namespace ebsd::io::ang_detail

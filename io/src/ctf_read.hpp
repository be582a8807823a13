#pragma once
// The pieces of read_ctf (private to io) shared by its two paths, as ang_read.hpp for .ang:
//   read_ctf_fast (ctf_fast.cpp): one streaming pass for the common 2D file in raster order on
//     the XCells x YCells grid of its header; declines (returns false) at anything else;
//   read_ctf_general (ctf_reader.cpp): the whole file in memory, every case and error message.
// read_ctf tries the first, then the second; both give the same result for a file the first
// accepts (tests/unit/io/test_text_fast_paths.cpp compares them).
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "column_format.hpp"
#include "ctf_layout.hpp"
#include "ebsd/io/ctf.hpp"

namespace ebsd::io::ctf_detail {

struct CtfHeader {
  CtfLayout layout;  // header_lines and phase_tails
  double xstep = 0, ystep = 0, zstep = 0;
  long long zcells = 0;
  long long xcells = -1, ycells = -1;  // as the header says, -1 when absent or not a count (only the fast path uses them)
  std::vector<Phase> phases;
  std::vector<std::string> names;  // column names
  nlohmann::json keys = nlohmann::json::object();  // the report's header
  std::size_t header_lines = 0;  // lines up to and including the column-name line
  std::size_t data_offset = 0;   // where the line after it starts
  bool names_end_line = false;   // the column-name line ends with a newline (not the buffer's end)
};

// The header of buf, up to the column-name line; throws ebsd::Error as read_ctf does.
CtfHeader parse_header(std::string_view buf, const std::string& file);

// The report fields every .ctf read sets.
void start_report(ImportReport& rep);

// The role of a column of that name in the layout.
std::string role_of(const std::string& name);

// Columns other than Phase X Y Z Euler1-3 BC become channels named in lower case.
struct ChannelColumn {
  int column;
  std::string name;
  Channel channel;  // values left empty
};
std::vector<ChannelColumn> channel_columns(const std::vector<std::string>& names);

// The warning about hexagonal phases (none when there are none).
void hexagonal_warning(ImportReport& rep, const std::vector<Phase>& phases, const CtfReadOptions& options, std::size_t alignment_applied);

// The provenance record and the result.
void finish(CtfReadResult& result, Volume&& v, const CtfLayout& layout, std::size_t rows, const std::filesystem::path& path,
            const CtfReadOptions& options);

CtfReadResult read_ctf_general(const std::filesystem::path& path, const CtfReadOptions& options);
bool read_ctf_fast(const std::filesystem::path& path, const CtfReadOptions& options, CtfReadResult& result);

}  // namespace ebsd::io::ctf_detail

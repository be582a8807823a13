// .ctf writer: Oxford header, then tab-separated rows printed through CtfRows with the layout
// of the file the volume came from (or Oxford's), so the reader's round-trip check is exactly
// what the writer does.
#include <numbers>
#include <string>

#include "buffered_output.hpp"
#include "column_format.hpp"
#include "ctf_layout.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/io/atomic_file.hpp"
#include "ebsd/io/ctf.hpp"
#include "slice_file_names.hpp"

namespace ebsd::io {
namespace {

std::string one_line(std::string s) {
  for (auto& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return s;
}

void write_header(BufferedOutput& out, const Volume& v, const CtfLayout& layout) {
  const bool comma = layout.decimal_comma;
  auto line = [&](const std::string& s) { out.put(s + "\r\n"); };  // Oxford writes CRLF
  line("Channel Text File");
  // Kept lines up to the grid keys go first, the rest (acquisition angles, the long Euler
  // line) after them, as Oxford orders them.
  std::vector<std::string> before, after;
  if (!layout.header_lines.empty()) {
    bool grid_done = false;
    for (const auto& s : layout.header_lines) {
      if (s.rfind("AcqE", 0) == 0 || s.rfind("Euler angles refer", 0) == 0) grid_done = true;
      (grid_done ? after : before).push_back(s);
    }
  } else {
    before = {"Prj\tEBSD Studio", "Author\t", "JobMode\tGrid"};
    after = {"AcqE1\t0", "AcqE2\t0", "AcqE3\t0",
             "Euler angles refer to Sample Coordinate system (CS0)!\tMag\t0\tCoverage\t100\tDevice\t0\tKV\t0\tTiltAngle\t70\tTiltAxis\t0"};
  }
  for (const auto& s : before) line(s);
  line("XCells\t" + std::to_string(v.nx()));
  line("YCells\t" + std::to_string(v.ny()));
  line("XStep\t" + header_number(v.spacing()[0], 0, comma));
  line("YStep\t" + header_number(v.spacing()[1], 0, comma));
  for (const auto& s : after) line(s);
  line("Phases\t" + std::to_string(v.phases().size()));
  const bool keep_tails = layout.phase_tails.size() == v.phases().size();
  for (std::size_t k = 0; k < v.phases().size(); ++k) {
    const Phase& p = v.phases()[k];
    std::string s;
    for (int i = 0; i < 3; ++i) s += header_number(p.lattice[static_cast<std::size_t>(i)], 0, comma) + (i < 2 ? ";" : "\t");
    for (int i = 3; i < 6; ++i) s += header_number(p.lattice[static_cast<std::size_t>(i)], 0, comma) + (i < 5 ? ";" : "\t");
    s += one_line(p.name);
    s += '\t';
    s += std::to_string(hkl_number(p.laue));
    if (keep_tails) {
      for (const auto& t : layout.phase_tails[k]) s += "\t" + t;
    } else {
      s += "\t0";  // space group unknown
    }
    line(s);
  }
  std::string names;
  for (std::size_t c = 0; c < layout.columns.size(); ++c) {
    if (c) names += '\t';
    names += one_line(layout.columns[c].header);
  }
  line(names);
}

}  // namespace

void write_ctf(const std::filesystem::path& path, const Volume& volume, std::int64_t z) {
  if (volume.voxel_count() == 0) throw Error("the volume is empty", path.string());
  if (z < 0 || z >= volume.nz())
    throw Error("slice " + std::to_string(z) + " is outside the volume (0.." + std::to_string(volume.nz() - 1) + ")", path.string(), "--index");
  CtfLayout layout = ctf_layout_for(volume);
  // One slice per file: a Z column would make the file a 3D one without a ZStep.
  std::erase_if(layout.columns, [](const CtfLayout::Column& c) { return c.role == "z"; });
  const CtfRows rows(volume, layout);
  write_atomically(path, [&](const std::filesystem::path& tmp) {
    BufferedOutput out(tmp);
    write_header(out, volume, layout);
    std::vector<double> values(layout.columns.size());
    for (std::int64_t y = 0; y < volume.ny(); ++y) {
      for (std::int64_t x = 0; x < volume.nx(); ++x) {
        rows.row(volume.index(x, y, z), values.data());
        char* p = out.reserve(values.size() * 66 + 2);
        char* const start = p;
        for (std::size_t c = 0; c < values.size(); ++c) {
          if (c) *p++ = '\t';
          p += layout.columns[c].format.print(values[c], p, layout.decimal_comma);
        }
        *p++ = '\r';
        *p++ = '\n';
        out.commit(static_cast<std::size_t>(p - start));
      }
    }
    out.close();
  });
}

std::vector<std::filesystem::path> write_ctf_slices(const std::filesystem::path& path, const Volume& volume) {
  return write_per_slice(path, volume, [](const std::filesystem::path& file, const Volume& v, std::int64_t z) { write_ctf(file, v, z); });
}

}  // namespace ebsd::io

// .ang writer: TSL header, then rows printed through AngRows with the layout of the file the
// volume came from (or TSL's), so the reader's round-trip check is what the writer does.
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>

#include "ang_layout.hpp"
#include "buffered_output.hpp"
#include "column_format.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/io/ang.hpp"
#include "ebsd/io/atomic_file.hpp"
#include "slice_file_names.hpp"

namespace ebsd::io {
namespace {

// The name a column has in COLUMN_HEADERS; the reader maps these back to roles.
std::string column_header(const AngLayout::Column& c) {
  if (c.role == "phi1") return "phi1";
  if (c.role == "Phi") return "PHI";
  if (c.role == "phi2") return "phi2";
  if (c.role == "x") return "x";
  if (c.role == "y") return "y";
  if (c.role == "iq") return "IQ";
  if (c.role == "ci") return "CI";
  if (c.role == "phase") return "Phase index";
  if (c.role == "channel:sem_signal") return "SEM";
  if (c.role == "channel:fit") return "Fit";
  std::string name = !c.header.empty() ? c.header : c.role.substr(8);
  for (auto& ch : name)
    if (ch == ',' || ch == '\n' || ch == '\r') ch = '_';
  return name;
}

void write_header(BufferedOutput& out, const Volume& v, const AngLayout& layout) {
  auto line = [&](const std::string& s) { out.put("# " + s + "\n"); };
  if (!layout.preamble.empty()) {
    for (const auto& s : layout.preamble) line(s);
  } else {
    // Pattern-centre calibration is unknown for a volume that did not come from OIM.
    line("TEM_PIXperUM          1.000000");
    line("x-star                0.000000");
    line("y-star                0.000000");
    line("z-star                0.000000");
    line("WorkingDistance       0.000000");
  }
  out.put("#\n");
  const bool keep_phase_lines = layout.phase_lines.size() == v.phases().size();
  for (std::size_t k = 0; k < v.phases().size(); ++k) {
    const Phase& p = v.phases()[k];
    line("Phase " + std::to_string(k + 1));
    std::string name = p.name;
    for (auto& ch : name)
      if (ch == '\n' || ch == '\r') ch = ' ';
    line("MaterialName  \t" + name);
    line("Symmetry              " + std::to_string(tsl_symmetry(p.laue)));
    std::string lattice = "LatticeConstants      ";
    for (int i = 0; i < 6; ++i) lattice += header_number(p.lattice[static_cast<std::size_t>(i)], 3) + (i < 5 ? " " : "");
    line(lattice);
    if (keep_phase_lines) {
      for (const auto& s : layout.phase_lines[k]) line(s);
    } else {
      line("NumberFamilies        0");
    }
    out.put("#\n");
  }
  line("GRID: SqrGrid");
  line("XSTEP: " + header_number(v.spacing()[0], 6));
  line("YSTEP: " + header_number(v.spacing()[1], 6));
  line("NCOLS_ODD: " + std::to_string(v.nx()));
  line("NCOLS_EVEN: " + std::to_string(v.nx()));
  line("NROWS: " + std::to_string(v.ny()));
  out.put("#\n");
  if (!layout.trailer.empty()) {
    for (const auto& s : layout.trailer) line(s);
  } else {
    line("OPERATOR: \tEBSD Studio");
    line("SAMPLEID: \t");
    line("SCANID: \t");
  }
  // OIM 8 column names: readers map the columns by name, so extra channels keep theirs.
  line("COLUMN_COUNT: " + std::to_string(layout.columns.size()));
  std::string headers = "COLUMN_HEADERS: ";
  for (std::size_t c = 0; c < layout.columns.size(); ++c) {
    if (c) headers += ", ";
    headers += column_header(layout.columns[c]);
  }
  line(headers);
  out.put("#\n");
}

}  // namespace

void write_ang(const std::filesystem::path& path, const Volume& volume, std::int64_t z) {
  if (volume.voxel_count() == 0) throw Error("the volume is empty", path.string());
  if (z < 0 || z >= volume.nz())
    throw Error("slice " + std::to_string(z) + " is outside the volume (0.." + std::to_string(volume.nz() - 1) + ")", path.string(), "--index");
  const AngLayout layout = ang_layout_for(volume);
  const AngRows rows(volume, layout);
  write_atomically(path, [&](const std::filesystem::path& tmp) {
    BufferedOutput out(tmp);
    write_header(out, volume, layout);
    std::vector<double> values(layout.columns.size());
    for (std::int64_t y = 0; y < volume.ny(); ++y) {
      for (std::int64_t x = 0; x < volume.nx(); ++x) {
        rows.row(volume.index(x, y, z), values.data());
        char* p = out.reserve(values.size() * 66 + 1);
        char* const start = p;
        for (std::size_t c = 0; c < values.size(); ++c) {
          *p++ = ' ';
          p += layout.columns[c].format.print(values[c], p);
        }
        *p++ = '\n';
        out.commit(static_cast<std::size_t>(p - start));
      }
    }
    out.close();
  });
}

std::vector<std::filesystem::path> write_ang_slices(const std::filesystem::path& path, const Volume& volume) {
  return write_per_slice(path, volume, [](const std::filesystem::path& file, const Volume& v, std::int64_t z) { write_ang(file, v, z); });
}

}  // namespace ebsd::io

// XDMF 2.2 for a uniform image grid; see xdmf_writer.hpp.
#include "xdmf_writer.hpp"

#include <fstream>
#include <limits>
#include <sstream>

#include "ebsd/core/error.hpp"
#include "ebsd/io/atomic_file.hpp"

namespace ebsd::io::xdmf {
namespace {

// Names are free text; the five XML special characters must be escaped in attributes and text.
std::string escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

const char* attribute_type(std::size_t components) {
  switch (components) {
    case 1: return "Scalar";
    case 3: return "Vector";
    case 9: return "Tensor";
    default: return nullptr;
  }
}

}  // namespace

std::string document(const UniformGrid& grid, const std::string& hdf5_file) {
  std::ostringstream out;
  out.precision(std::numeric_limits<double>::max_digits10);
  const auto& d = grid.dims;
  out << "<?xml version=\"1.0\"?>\n"
      << "<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\"[]>\n"
      << "<Xdmf xmlns:xi=\"http://www.w3.org/2003/XInclude\" Version=\"2.2\">\n"
      << " <Domain>\n"
      << "  <Grid Name=\"" << escaped(grid.name) << "\" GridType=\"Uniform\">\n"
      // A 3DCoRectMesh counts points, one more than cells along each axis, slowest (z) first.
      << "    <Topology TopologyType=\"3DCoRectMesh\" Dimensions=\"" << d[2] + 1 << " " << d[1] + 1 << " " << d[0] + 1
      << "\"></Topology>\n"
      << "    <Geometry Type=\"ORIGIN_DXDYDZ\">\n"
      << "      <!-- Origin Z, Y, X -->\n"
      << "      <DataItem Format=\"XML\" Dimensions=\"3\">" << grid.origin[2] << " " << grid.origin[1] << " "
      << grid.origin[0] << "</DataItem>\n"
      << "      <!-- Spacing Z, Y, X -->\n"
      << "      <DataItem Format=\"XML\" Dimensions=\"3\">" << grid.spacing[2] << " " << grid.spacing[1] << " "
      << grid.spacing[0] << "</DataItem>\n"
      << "    </Geometry>\n";
  for (const CellArray& a : grid.arrays) {
    const char* type = attribute_type(a.components);
    if (!type) continue;
    out << "    <Attribute Name=\"" << escaped(a.name) << "\" AttributeType=\"" << type << "\" Center=\"Cell\">\n"
        << "      <DataItem Format=\"HDF\" Dimensions=\"" << d[2] << " " << d[1] << " " << d[0] << " " << a.components
        << "\" NumberType=\"" << a.number_type << "\" Precision=\"" << a.precision << "\">\n"
        << "        " << escaped(hdf5_file) << ":" << escaped(a.hdf5_path) << "\n"
        << "      </DataItem>\n"
        << "    </Attribute>\n";
  }
  out << "  </Grid>\n"
      << " </Domain>\n"
      << "</Xdmf>\n";
  return out.str();
}

void write_file(const std::filesystem::path& path, const UniformGrid& grid, const std::string& hdf5_file) {
  const std::string text = document(grid, hdf5_file);
  write_atomically(path, [&](const std::filesystem::path& temporary) {
    std::ofstream f(temporary, std::ios::binary | std::ios::trunc);
    if (!f) throw Error("cannot create the file", path.string());
    f << text;
    f.close();
    if (!f) throw Error("cannot write the file (disk full?)", path.string());
  });
}

}  // namespace ebsd::io::xdmf

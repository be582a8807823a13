#pragma once
// Private to io/: a light XDMF file describing a uniform image grid whose cell-centred arrays
// live in an HDF5 file beside it, so ParaView (XDMF reader) opens a .dream3d volume. We follow
// the XDMF 2.2 layout simplnx writes for an ImageGeom (Dream3dIO.cpp, WriteGeomXdmf):
//   <Grid GridType="Uniform"> with <Topology TopologyType="3DCoRectMesh" Dimensions="nz+1 ny+1 nx+1">
//   (point counts, z first), <Geometry Type="ORIGIN_DXDYDZ"> with origin and spacing (z, y, x),
//   and one <Attribute Center="Cell"> per array with an HDF DataItem "file.dream3d:/path".
// XDMF has attribute types for 1 (Scalar), 3 (Vector) and 9 (Tensor) components only; arrays of
// other widths (Quats) are left out, as simplnx leaves them out.
#include <array>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "ebsd/volume/volume.hpp"

namespace ebsd::io::xdmf {

struct CellArray {
  std::string name;          // shown in ParaView
  std::string hdf5_path;     // absolute path of the dataset inside the HDF5 file
  std::size_t components;    // 1, 3 or 9; others are skipped
  std::string number_type;   // "Float", "Int", "UInt", "Char" or "UChar"
  int precision;             // bytes per value: 1, 2, 4 or 8
};

struct UniformGrid {
  std::string name;
  Index3 dims{};                          // cells, x y z
  std::array<double, 3> origin{}, spacing{};  // x y z
  std::vector<CellArray> arrays;
};

// The XDMF document for `grid` whose data lives in `hdf5_file` (a name relative to the .xdmf).
std::string document(const UniformGrid& grid, const std::string& hdf5_file);

// Writes document(grid, hdf5_file) to `path` atomically; throws ebsd::Error.
void write_file(const std::filesystem::path& path, const UniformGrid& grid, const std::string& hdf5_file);

}  // namespace ebsd::io::xdmf

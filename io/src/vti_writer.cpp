// .vti writer: the XML header lists every array with its byte offset into one appended raw
// block; each array there is a UInt64 byte count followed by the values, little endian
// (VTK's header_type="UInt64" layout).
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "buffered_output.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/io/atomic_file.hpp"
#include "ebsd/io/vti.hpp"
#include "ebsd/orientation/ipf.hpp"

namespace ebsd::io {
namespace {

static_assert(std::endian::native == std::endian::little, "the .vti writer writes the machine's bytes as LittleEndian");

std::string xml_escaped(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string number(double v) {
  char b[40];
  std::snprintf(b, sizeof b, "%.17g", v);
  return b;
}

// One array of the appended block: its XML attributes and a function that writes its bytes.
struct Array {
  std::string type, name;
  int components;
  std::uint64_t bytes;
  std::function<void(BufferedOutput&)> write;
};

template <class T>
Array raw_array(std::string type, std::string name, int components, std::span<const T> values) {
  return {std::move(type), std::move(name), components, values.size_bytes(), [values](BufferedOutput& out) {
            out.put(std::string_view(reinterpret_cast<const char*>(values.data()), values.size_bytes()));
          }};
}

}  // namespace

void write_vti(const std::filesystem::path& path, const Volume& v, const VtiOptions& options) {
  if (v.voxel_count() == 0) throw Error("the volume is empty", path.string());
  const auto n = static_cast<std::size_t>(v.voxel_count());

  // IPF colours along z, computed up front (the only derived array).
  std::vector<std::uint8_t> ipf(n * 3, 0);
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    const Phase* p = v.phase_of(i);
    if (!v.is_valid(i) || !p) continue;
    const auto rgb = ipf_color(v.orientation(i), Eigen::Vector3d::UnitZ(), p->laue);
    std::memcpy(&ipf[static_cast<std::size_t>(i) * 3], rgb.data(), 3);
  }

  std::vector<Array> arrays;
  arrays.push_back(raw_array<std::uint8_t>("UInt8", "IPF_Z", 3, ipf));
  arrays.push_back(raw_array<std::int32_t>("Int32", "Phase", 1, v.phase_ids()));
  arrays.push_back(raw_array<std::uint8_t>("UInt8", "Valid", 1, v.valid()));
  arrays.push_back(raw_array<float>("Float32", "CI", 1, v.confidence()));
  arrays.push_back(raw_array<float>("Float32", "IQ", 1, v.image_quality()));
  arrays.push_back(raw_array<float>("Float32", "Quaternion", 4, v.quaternion_data()));
  if (v.has_grain_ids()) arrays.push_back(raw_array<std::int32_t>("Int32", "GrainIds", 1, v.grain_ids()));
  for (const auto& [name, channel] : v.channels())
    arrays.push_back(raw_array<float>("Float32", name, 1, std::span<const float>(channel.values)));

  const auto& s = v.spacing();
  const auto& o = v.origin();
  const bool cells = options.cell_data;
  std::array<double, 3> origin = o;
  if (cells)
    for (int a = 0; a < 3; ++a) origin[static_cast<std::size_t>(a)] -= 0.5 * s[static_cast<std::size_t>(a)];
  const std::int64_t ex = v.nx() - (cells ? 0 : 1), ey = v.ny() - (cells ? 0 : 1), ez = v.nz() - (cells ? 0 : 1);
  const std::string extent = "0 " + std::to_string(ex) + " 0 " + std::to_string(ey) + " 0 " + std::to_string(ez);

  std::string xml = "<?xml version=\"1.0\"?>\n"
                    "<VTKFile type=\"ImageData\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt64\">\n"
                    "  <ImageData WholeExtent=\"" + extent + "\" Origin=\"" + number(origin[0]) + " " + number(origin[1]) + " " +
                    number(origin[2]) + "\" Spacing=\"" + number(s[0]) + " " + number(s[1]) + " " + number(s[2]) + "\">\n" +
                    "    <Piece Extent=\"" + extent + "\">\n" +
                    (cells ? "      <CellData Scalars=\"Phase\">\n" : "      <PointData Scalars=\"Phase\">\n");
  std::uint64_t offset = 0;
  for (const auto& a : arrays) {
    xml += "        <DataArray type=\"" + a.type + "\" Name=\"" + xml_escaped(a.name) + "\" NumberOfComponents=\"" +
           std::to_string(a.components) + "\" format=\"appended\" offset=\"" + std::to_string(offset) + "\"/>\n";
    offset += sizeof(std::uint64_t) + a.bytes;
  }
  xml += cells ? "      </CellData>\n" : "      </PointData>\n";
  xml += "    </Piece>\n  </ImageData>\n  <AppendedData encoding=\"raw\">\n   _";

  write_atomically(path, [&](const std::filesystem::path& tmp) {
    BufferedOutput out(tmp);
    out.put(xml);
    for (const auto& a : arrays) {
      const std::uint64_t bytes = a.bytes;
      out.put(std::string_view(reinterpret_cast<const char*>(&bytes), sizeof bytes));
      a.write(out);
    }
    out.put("\n  </AppendedData>\n</VTKFile>\n");
    out.close();
  });
}

}  // namespace ebsd::io

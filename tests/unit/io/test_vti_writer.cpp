// The .vti writer, read back by a small independent parser of VTK's XML ImageData layout
// (header_type UInt64, raw appended data): extents, origin, spacing and known voxel values.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <regex>
#include <string>

#include "ebsd/core/error.hpp"
#include "ebsd/io/vti.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "run_command.hpp"

namespace {

struct ParsedArray {
  std::string type;
  int components = 0;
  std::string bytes;  // the values, without the UInt64 count
};

struct ParsedVti {
  std::string whole_extent, origin, spacing, data_kind;
  std::map<std::string, ParsedArray> arrays;
};

ParsedVti parse(const std::string& text) {
  ParsedVti p;
  std::smatch m;
  const std::string head = text.substr(0, text.find("<AppendedData"));
  EXPECT_TRUE(std::regex_search(head, m, std::regex("WholeExtent=\"([^\"]*)\" Origin=\"([^\"]*)\" Spacing=\"([^\"]*)\"")));
  p.whole_extent = m[1];
  p.origin = m[2];
  p.spacing = m[3];
  p.data_kind = head.find("<CellData") != std::string::npos ? "cell" : "point";
  const auto data = text.find('_', text.find("<AppendedData")) + 1;  // raw block starts after '_'
  const std::regex array_re("<DataArray type=\"(\\w+)\" Name=\"([^\"]*)\" NumberOfComponents=\"(\\d+)\" format=\"appended\" offset=\"(\\d+)\"/>");
  for (auto it = std::sregex_iterator(head.begin(), head.end(), array_re); it != std::sregex_iterator(); ++it) {
    const auto offset = std::stoull((*it)[4]);
    std::uint64_t count = 0;
    std::memcpy(&count, text.data() + data + offset, 8);
    p.arrays[(*it)[2]] = {(*it)[1], std::stoi((*it)[3]), text.substr(data + offset + 8, count)};
  }
  return p;
}

template <class T>
T value_at(const ParsedArray& a, std::size_t i) {
  T v;
  std::memcpy(&v, a.bytes.data() + i * sizeof(T), sizeof(T));
  return v;
}

ebsd::Volume small_volume() {
  ebsd::Volume v({3, 2, 2}, {0.5, 0.25, 1.0}, {10.0, 20.0, 30.0});
  v.phases() = {ebsd::Phase{}};
  v.set_orientation(1, ebsd::Quat::identity());  // [001] || z: red in IPF-Z for m-3m
  v.valid()[1] = 1;
  v.phase_ids()[1] = 1;
  v.confidence()[1] = 0.75f;
  v.image_quality()[5] = 42.5f;
  v.set_channel("bse", {std::vector<float>(12, 3.0f), "", "backscatter"});
  v.set_grain_ids(std::vector<std::int32_t>(12, 7));
  return v;
}

TEST(VtiWriter, CellDataHasEveryArrayWithTheVolumesGeometry) {
  ebsd::test::TempDir dir;
  ebsd::io::write_vti(dir.path() / "v.vti", small_volume());
  const auto p = parse(ebsd::test::read_file(dir.path() / "v.vti"));
  EXPECT_EQ(p.data_kind, "cell");
  EXPECT_EQ(p.whole_extent, "0 3 0 2 0 2");  // 3 x 2 x 2 cells
  EXPECT_EQ(p.origin, "9.75 19.875 29.5");   // first voxel centre minus half a step
  EXPECT_EQ(p.spacing, "0.5 0.25 1");
  for (const char* name : {"IPF_Z", "Phase", "Valid", "CI", "IQ", "Quaternion", "GrainIds", "bse"}) EXPECT_TRUE(p.arrays.count(name)) << name;
  const auto& ipf = p.arrays.at("IPF_Z");
  EXPECT_EQ(ipf.type, "UInt8");
  EXPECT_EQ(ipf.components, 3);
  ASSERT_EQ(ipf.bytes.size(), 36u);
  EXPECT_EQ(value_at<std::uint8_t>(ipf, 3), 255);  // voxel 1: red
  EXPECT_EQ(value_at<std::uint8_t>(ipf, 4), 0);
  EXPECT_EQ(value_at<std::uint8_t>(ipf, 5), 0);
  EXPECT_EQ(value_at<std::uint8_t>(ipf, 0), 0);  // voxel 0 not valid: black
  EXPECT_EQ(value_at<std::int32_t>(p.arrays.at("Phase"), 1), 1);
  EXPECT_EQ(value_at<float>(p.arrays.at("CI"), 1), 0.75f);
  EXPECT_EQ(value_at<float>(p.arrays.at("IQ"), 5), 42.5f);
  EXPECT_EQ(value_at<float>(p.arrays.at("Quaternion"), 4), 1.0f);  // voxel 1, w
  EXPECT_EQ(value_at<std::int32_t>(p.arrays.at("GrainIds"), 11), 7);
  EXPECT_EQ(value_at<float>(p.arrays.at("bse"), 11), 3.0f);
  EXPECT_EQ(p.arrays.at("bse").bytes.size(), 48u);
}

TEST(VtiWriter, PointDataPutsPointsOnTheVoxelCentres) {
  ebsd::test::TempDir dir;
  ebsd::io::write_vti(dir.path() / "v.vti", small_volume(), {.cell_data = false});
  const auto p = parse(ebsd::test::read_file(dir.path() / "v.vti"));
  EXPECT_EQ(p.data_kind, "point");
  EXPECT_EQ(p.whole_extent, "0 2 0 1 0 1");
  EXPECT_EQ(p.origin, "10 20 30");
}

TEST(VtiWriter, UnwritablePathGivesAnErrorAndNoFile) {
  ebsd::test::TempDir dir;
  EXPECT_THROW(ebsd::io::write_vti(dir.path() / "missing" / "v.vti", small_volume()), ebsd::Error);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

}  // namespace

// The .xdmf sidecar of a .dream3d we write opens in ParaView's XDMF reader (Debian's
// python3-paraview, through tests/integration/xdmf_check.py) with the right grid, cell arrays
// and values in the right voxel order.
//
// In Debian 12 python3-paraview conflicts with python3-vtk9, which libvtk9-dev (the GUI's VTK)
// depends on, so the set-up script installs `paraview` and unpacks python3-paraview's modules
// into .deps/ (scripts/unpack-paraview-python.sh); the check runs Debian's python3 with them on
// PYTHONPATH. Where neither they nor an installed python3-paraview exist these tests skip and
// say why, unless EBSD_REQUIRE_PARAVIEW is set (run-tests.sh, CI), when they fail.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numbers>
#include <string>

#include "ebsd/io/dream3d.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "run_command.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ebsd::io::write_dream3d;

// Debian's interpreter: python3-paraview's modules are built for it only.
constexpr const char* kPython = "/usr/bin/python3";

// The interpreter with ParaView's modules: the unpacked ones of .deps/ when present, else
// whatever an installed python3-paraview provides.
std::string paraview_python() {
  const fs::path unpacked = fs::path(EBSD_SOURCE_DIR) / ".deps" / "python3-paraview" / "dist-packages";
  if (fs::is_directory(unpacked / "paraview")) return "PYTHONPATH='" + unpacked.string() + "' " + kPython;
  return kPython;
}

ebsd::Volume indexed_volume() {
  ebsd::Volume v({7, 5, 3}, {0.5, 0.25, 1.5}, {1.0, -2.0, 3.0});
  v.phases().push_back({"Nickel", ebsd::LaueGroup::CubicHigh, {3.52, 3.52, 3.52, 90, 90, 90}});
  v.phases().push_back({"Magnesium", ebsd::LaueGroup::HexagonalHigh, {3.21, 3.21, 5.21, 90, 90, 120}});
  std::vector<float> index(static_cast<std::size_t>(v.voxel_count()));
  std::vector<std::int32_t> grains(index.size());
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    const auto k = static_cast<std::size_t>(i);
    const auto c = v.coords(i);
    v.set_orientation(i, ebsd::quat_from_euler({0.01 * static_cast<double>(i), 0.5, 0.25}));
    v.phase_ids()[k] = static_cast<std::int32_t>(c[2] % 3);  // 0, 1, 2 by slice
    v.valid()[k] = v.phase_ids()[k] > 0;
    v.confidence()[k] = 0.5f;
    index[k] = static_cast<float>(i);
    grains[k] = static_cast<std::int32_t>(c[0] + 1);  // 1..7 along x
  }
  v.set_channel("voxel index", {index, "", "x + 7 (y + 5 z)"});
  v.set_grain_ids(grains);
  return v;
}

// True (skip) when ParaView's modules do not load; a failure too where they are required.
bool skip_without_paraview(const ebsd::test::TempDir& tmp) {
  const auto r = ebsd::test::run(paraview_python() + " -c 'import paraview.simple'", tmp);
  if (r.exit_code == 0) return false;
  if (std::getenv("EBSD_REQUIRE_PARAVIEW") != nullptr) {
    ADD_FAILURE() << "EBSD_REQUIRE_PARAVIEW is set but ParaView's Python modules do not load (run "
                     "scripts/setup.sh): "
                  << r.err;
  }
  return true;
}

json paraview_view(const fs::path& xdmf, const ebsd::test::TempDir& tmp) {
  const std::string script = std::string(EBSD_SOURCE_DIR) + "/tests/integration/xdmf_check.py";
  const auto r = ebsd::test::run(paraview_python() + " '" + script + "' '" + xdmf.string() + "'", tmp);
  if (r.exit_code != 0 || r.out.empty())
    ADD_FAILURE() << "ParaView's XDMF reader did not run (install python3-paraview, see scripts/setup.sh): exit "
                  << r.exit_code << "\n" << r.err;
  // ParaView may print banners before our one JSON line: take the last line.
  const auto end = r.out.find_last_not_of("\n");
  const auto start = r.out.find_last_of('\n', end);
  return json::parse(r.out.substr(start == std::string::npos ? 0 : start + 1), nullptr, false);
}

TEST(XdmfParaView, SeesTheGridAndEveryCellArray) {
  ebsd::test::TempDir tmp;
  if (skip_without_paraview(tmp)) GTEST_SKIP() << "ParaView's Python modules are absent (scripts/setup.sh unpacks them)";
  write_dream3d(tmp / "scan.dream3d", indexed_volume());
  const json j = paraview_view(tmp / "scan.xdmf", tmp);
  ASSERT_TRUE(j.is_object() && j.contains("cell_arrays")) << j.dump();
  EXPECT_EQ(j["class"], "vtkImageData");
  EXPECT_EQ(j["dimensions"], (json{8, 6, 4}));  // points: cells + 1 along x, y, z
  EXPECT_EQ(j["cells"], 105);
  EXPECT_EQ(j["origin"], (json{1.0, -2.0, 3.0}));
  EXPECT_EQ(j["spacing"], (json{0.5, 0.25, 1.5}));
  const json& a = j["cell_arrays"];
  for (const auto& [name, components] :
       {std::pair{"EulerAngles", 3}, std::pair{"Phases", 1}, std::pair{"Confidence Index", 1},
        std::pair{"Image Quality", 1}, std::pair{"Mask", 1}, std::pair{"FeatureIds", 1}, std::pair{"voxel index", 1}}) {
    ASSERT_TRUE(a.contains(name)) << name << " missing from " << a.dump();
    EXPECT_EQ(a[name]["components"], components) << name;
    EXPECT_EQ(a[name]["tuples"], 105) << name;
  }
  EXPECT_FALSE(a.contains("Quats"));
}

TEST(XdmfParaView, CellValuesArriveInVoxelOrder) {
  ebsd::test::TempDir tmp;
  if (skip_without_paraview(tmp)) GTEST_SKIP() << "ParaView's Python modules are absent (scripts/setup.sh unpacks them)";
  const ebsd::Volume v = indexed_volume();
  write_dream3d(tmp / "order.dream3d", v);
  const json j = paraview_view(tmp / "order.xdmf", tmp);
  ASSERT_TRUE(j.is_object() && j.contains("cell_arrays")) << j.dump();
  const json& a = j["cell_arrays"];
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    const auto c = v.coords(i);
    EXPECT_EQ(a["voxel index"]["values"][i], static_cast<double>(i));
    EXPECT_EQ(a["Phases"]["values"][i], static_cast<double>(c[2] % 3));
    EXPECT_EQ(a["FeatureIds"]["values"][i], static_cast<double>(c[0] + 1));
    EXPECT_EQ(a["Mask"]["values"][i], c[2] % 3 > 0 ? 1.0 : 0.0);
    // phi1 of 0.01 i (radians, float32), as written.
    EXPECT_NEAR(a["EulerAngles"]["values"][i].get<double>(), 0.01 * static_cast<double>(i), 1e-6) << i;
  }
}

}  // namespace

// Reader options on the command line (`--scan`, `--hex-alignment`) and in the read step: the
// choice reaches the reader, is recorded, and an option that cannot apply to the file is an
// error naming the file instead of being silently ignored.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <nlohmann/json.hpp>
#include <string>

#include "ebsd/io/volume_file.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "ebsd/orientation/laue_group.hpp"
#include "run_command.hpp"

namespace {

namespace fs = std::filesystem;
const fs::path kMagnesium = fs::path(EBSD_SHARED_DIR) / "data/real/maps_2d/mtex_twins_Mg.ctf";
const fs::path kDuplex = fs::path(EBSD_SHARED_DIR) / "data/real/maps_2d/orix_sdss_ferrite_austenite.ang";

std::string cli() { return std::string(EBSD_CLI); }

TEST(ReaderOptions, HexAlignmentTslTurnsHexagonalPhasesBy30DegreesAboutC) {
  ebsd::test::TempDir t;
  const auto kept = ebsd::test::run(cli() + " convert '" + kMagnesium.string() + "' -o " + (t / "kept.ebsd.h5").string(), t);
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  const auto turned = ebsd::test::run(
      cli() + " convert '" + kMagnesium.string() + "' --hex-alignment tsl -o " + (t / "tsl.ebsd.h5").string(), t);
  ASSERT_EQ(turned.exit_code, 0) << turned.err;
  const ebsd::Volume a = ebsd::io::read_volume(t / "kept.ebsd.h5");
  const ebsd::Volume b = ebsd::io::read_volume(t / "tsl.ebsd.h5");
  ASSERT_EQ(a.dims(), b.dims());
  std::int64_t compared = 0;
  for (std::int64_t i = 0; i < a.voxel_count(); i += 97) {
    if (!a.is_valid(i)) continue;
    ASSERT_EQ(a.phase_ids()[static_cast<std::size_t>(i)], b.phase_ids()[static_cast<std::size_t>(i)]);
    const auto laue = a.phases()[static_cast<std::size_t>(a.phase_ids()[static_cast<std::size_t>(i)] - 1)].laue;
    const bool hexagonal = laue >= ebsd::LaueGroup::TrigonalLow && laue <= ebsd::LaueGroup::HexagonalHigh;
    // TSL alignment: phi2 + 30 deg on hexagonal and trigonal phases, nothing on the others.
    ebsd::Euler e = ebsd::euler_from_quat(a.orientation(i));
    if (hexagonal) e.phi2 += std::numbers::pi / 6.0;
    EXPECT_GT(std::fabs(ebsd::quat_from_euler(e).dot(b.orientation(i))), 1.0 - 1e-6) << "voxel " << i;
    compared += hexagonal ? 1 : 0;
  }
  EXPECT_GT(compared, 100);
  // The step's provenance records the choice.
  const auto info = ebsd::test::run(cli() + " info " + (t / "tsl.ebsd.h5").string() + " --json", t);
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_NE(info.out.find("\"hexagonal_alignment\""), std::string::npos);
  EXPECT_NE(info.out.find("\"tsl\""), std::string::npos);
}

TEST(ReaderOptions, AnOptionThatCannotApplyIsAnErrorNamingTheFile) {
  ebsd::test::TempDir t;
  const auto scan = ebsd::test::run(cli() + " info '" + kDuplex.string() + "' --scan 'Scan 2'", t);
  EXPECT_EQ(scan.exit_code, 1);
  EXPECT_NE(scan.err.find("orix_sdss_ferrite_austenite.ang"), std::string::npos) << scan.err;
  EXPECT_NE(scan.err.find("scan"), std::string::npos) << scan.err;
  const auto hex = ebsd::test::run(
      cli() + " convert '" + kDuplex.string() + "' --hex-alignment tsl -o " + (t / "x.ebsd.h5").string(), t);
  EXPECT_EQ(hex.exit_code, 1);
  EXPECT_NE(hex.err.find("orix_sdss_ferrite_austenite.ang"), std::string::npos) << hex.err;
  EXPECT_NE(hex.err.find("hexagonal"), std::string::npos) << hex.err;
  EXPECT_FALSE(fs::exists(t / "x.ebsd.h5"));
  const auto bad = ebsd::test::run(cli() + " info '" + kDuplex.string() + "' --hex-alignment sideways", t);
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
}

}  // namespace

// `ebsd align` as a user runs it: a synthetic stack displaced by known offsets comes back
// with the opposite shifts, printed and recorded; an aligned stack is left alone.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ebsd/io/volume_file.hpp"
#include "run_command.hpp"

namespace {

namespace fs = std::filesystem;
using ebsd::test::run;
using ebsd::test::TempDir;
const std::string kEbsd = EBSD_CLI;

// The content of slice z moved by offsets[z] (displaced(x + ox, y + oy) = original(x, y));
// voxels that nothing covers stay unindexed.
ebsd::Volume displace(const ebsd::Volume& v, const std::vector<std::array<std::int64_t, 2>>& offsets) {
  ebsd::Volume d(v.dims(), v.spacing(), v.origin());
  d.phases() = v.phases();
  for (std::int64_t z = 0; z < v.nz(); ++z)
    for (std::int64_t y = 0; y < v.ny(); ++y)
      for (std::int64_t x = 0; x < v.nx(); ++x) {
        const auto& o = offsets[static_cast<std::size_t>(z)];
        if (!d.contains(x + o[0], y + o[1], z)) continue;
        const auto from = v.index(x, y, z), to = d.index(x + o[0], y + o[1], z);
        d.set_orientation(to, v.orientation(from));
        d.phase_ids()[static_cast<std::size_t>(to)] = v.phase_ids()[static_cast<std::size_t>(from)];
        d.valid()[static_cast<std::size_t>(to)] = v.valid()[static_cast<std::size_t>(from)];
      }
  return d;
}

std::string synth(const TempDir& t) {
  const auto in = (t / "in.ebsd.h5").string();
  const auto r = run(kEbsd + " synth -o " + in + " --dims 40,36,5 --grains 20 --seed 4", t);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return in;
}

TEST(Align, AlignedStackGetsZeroShifts) {
  TempDir t;
  const auto in = synth(t);
  const auto out = (t / "out.ebsd.h5").string();
  const auto r = run(kEbsd + " align " + in + " -o " + out + " --json", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["slices"].size(), 5u);
  for (const auto& s : j["slices"]) {
    EXPECT_EQ(s["dx"], 0);
    EXPECT_EQ(s["dy"], 0);
  }
  EXPECT_EQ(j["slices_moved"], 0);
  EXPECT_EQ(j["slices"][0]["status"], "reference");
  EXPECT_EQ(ebsd::io::read_volume(out).provenance().back().step, "align-sections");
}

TEST(Align, DisplacedSlicesAreShiftedBackAndTheShiftsPrinted) {
  TempDir t;
  const auto in = synth(t);
  const auto shifted = t / "shifted.ebsd.h5";
  ebsd::io::write_volume(shifted, displace(ebsd::io::read_volume(in), {{0, 0}, {2, 0}, {2, -3}, {-1, -2}, {0, 1}}));
  const auto out = (t / "out.ebsd.h5").string();
  auto r = run(kEbsd + " align " + shifted.string() + " -o " + out + " --max-shift 5 --json", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const std::vector<std::array<int, 2>> expected{{0, 0}, {-2, 0}, {-2, 3}, {1, 2}, {0, -1}};
  ASSERT_EQ(j["slices"].size(), expected.size());
  for (std::size_t z = 0; z < expected.size(); ++z) {
    EXPECT_EQ(j["slices"][z]["dx"], expected[z][0]) << z;
    EXPECT_EQ(j["slices"][z]["dy"], expected[z][1]) << z;
  }
  EXPECT_EQ(j["slices_moved"], 4);
  EXPECT_EQ(j["largest_shift"], 3);
  // The record in the output file holds the same shifts.
  const auto rec = ebsd::io::read_volume(out).provenance().back();
  EXPECT_EQ(rec.step, "align-sections");
  EXPECT_EQ(rec.parameters["shifts"][2]["dy"], 3);
  // The text form: a table row per slice and a summary.
  r = run(kEbsd + " align " + shifted.string() + " -o " + out, t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("slice     dx     dy  misfit  status"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("    2     -2      3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("shifted 4 of 5 slices (largest shift 3 voxels"), std::string::npos) << r.out;
}

TEST(Align, RealSmallIn100SliceRecoversAKnownDisplacement) {
  TempDir t;
  const auto slice = ebsd::io::read_volume(std::string(EBSD_SHARED_DIR) + "/data/real/small_in100/Small_IN100_slice_Out_Of_Order.ang");
  // Two copies of the measured map, the second displaced by (3, -2) voxels.
  ebsd::Volume two({slice.nx(), slice.ny(), 2}, {slice.spacing()[0], slice.spacing()[1], 0.25}, slice.origin());
  two.phases() = slice.phases();
  for (std::int64_t z = 0; z < 2; ++z)
    for (std::int64_t i = 0; i < slice.voxel_count(); ++i) {
      const auto to = i + z * slice.voxel_count();
      two.set_orientation(to, slice.orientation(i));
      two.phase_ids()[static_cast<std::size_t>(to)] = slice.phase_ids()[static_cast<std::size_t>(i)];
      two.valid()[static_cast<std::size_t>(to)] = slice.valid()[static_cast<std::size_t>(i)];
    }
  const auto shifted = t / "two.ebsd.h5";
  ebsd::io::write_volume(shifted, displace(two, {{0, 0}, {3, -2}}));
  const auto r = run(kEbsd + " align " + shifted.string() + " -o " + (t / "out.ebsd.h5").string() + " --json", t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["slices"][1]["dx"], -3);
  EXPECT_EQ(j["slices"][1]["dy"], 2);
  EXPECT_EQ(j["slices"][1]["misfit"], 0.0);  // the same map: every overlapping pair agrees
}

TEST(Align, BadOptionsAndInputs) {
  TempDir t;
  const auto out = (t / "out.ebsd.h5").string();
  auto r = run(kEbsd + " align " + (t / "none.ebsd.h5").string() + " -o " + out, t);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no such file"), std::string::npos) << r.err;
  const auto in = synth(t);
  r = run(kEbsd + " align " + in + " -o " + out + " --max-shift -1", t);
  EXPECT_EQ(r.exit_code, 2);
  r = run(kEbsd + " align " + in + " -o " + out + " --tolerance-deg 0", t);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("tolerance"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace

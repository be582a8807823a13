// `ebsd recover` and `ebsd eval` end to end, as a user runs them: a synthetic volume, a slice
// replaced by each baseline, the result judged by eval against the untouched file.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ebsd/io/volume_file.hpp"
#include "ebsd/synth/microstructure.hpp"
#include "run_command.hpp"

namespace {

using ebsd::test::run;
using ebsd::test::TempDir;
const std::string kEbsd = EBSD_CLI;

nlohmann::json recover_and_eval(const TempDir& t, const std::string& method, const std::string& slices) {
  const auto truth = (t / "truth.ebsd.h5").string(), out = (t / (method + ".ebsd.h5")).string();
  const auto r = run(kEbsd + " recover " + truth + " -o " + out + " --slices " + slices + " --method " + method + " --json", t);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto e = run(kEbsd + " eval --truth " + truth + " --test " + out + " --slices " + slices + " --json", t);
  EXPECT_EQ(e.exit_code, 0) << e.err;
  return nlohmann::json::parse(e.out);
}

TEST(Recover, BaselinesJudgedByEvalRecoverMostOfARemovedSlice) {
  TempDir t;
  ebsd::synth::SynthOptions o;
  o.dims = {40, 40, 12};
  o.grains = 40;
  o.seed = 21;
  ebsd::io::write_volume(t / "truth.ebsd.h5", ebsd::synth::generate_microstructure(o).volume);
  // The untouched file against itself: everything right.
  const auto self = run(kEbsd + " eval --truth " + (t / "truth.ebsd.h5").string() + " --test " +
                            (t / "truth.ebsd.h5").string() + " --slices 6 --json", t);
  ASSERT_EQ(self.exit_code, 0) << self.err;
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(self.out)["grains"]["boundary_accuracy"].get<double>(), 1.0);
  const auto nearest = recover_and_eval(t, "nearest", "6");
  const auto interp = recover_and_eval(t, "interp", "6");
  const auto fill = recover_and_eval(t, "fill", "6,7");
  for (const auto& m : {nearest, interp, fill}) {
    EXPECT_GT(m["grains"]["voxel_accuracy"].get<double>(), 0.75);
    EXPECT_LT(m["grains"]["boundary_accuracy"].get<double>(), 1.0);
    EXPECT_EQ(m["orientation"]["unrecovered"].get<int>(), 0);
  }
  // Interpolation keeps the nearer slice's grain ids, so its grain accuracy equals nearest's.
  EXPECT_DOUBLE_EQ(interp["grains"]["voxel_accuracy"].get<double>(), nearest["grains"]["voxel_accuracy"].get<double>());
  const auto out = ebsd::io::read_volume(t / "nearest.ebsd.h5");
  EXPECT_TRUE(out.has_channel("recovery_confidence"));
}

TEST(Recover, RejectsASliceOutsideTheVolumeBeforeReading) {
  TempDir t;
  ebsd::synth::SynthOptions o;
  o.dims = {16, 16, 6};
  o.grains = 6;
  ebsd::io::write_volume(t / "truth.ebsd.h5", ebsd::synth::generate_microstructure(o).volume);
  const auto r = run(kEbsd + " recover " + (t / "truth.ebsd.h5").string() + " -o " + (t / "o.ebsd.h5").string() +
                         " --slices 9 --method nearest", t);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("slice 9"), std::string::npos) << r.err;
}

}  // namespace

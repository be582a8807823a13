// `ebsd export-png` on the real Small IN100 .ang slice: the PNG is the map, coloured as the
// IPF key says, with the key beside it; bad requests give one-line errors and no file.
#include <gtest/gtest.h>

#include "ebsd/io/png.hpp"
#include "run_command.hpp"

namespace {

using ebsd::test::run;
using ebsd::test::TempDir;

const std::string kEbsd = EBSD_CLI;
const std::string kIn100 = std::string(EBSD_SHARED_DIR) + "/data/real/small_in100/Small_IN100_slice_Out_Of_Order.ang";

TEST(ExportPng, RealIn100SliceWithIpfKey) {
  TempDir t;
  const auto out = (t.path() / "map.png").string(), key = (t.path() / "key.png").string();
  const auto r = run(kEbsd + " export-png " + kIn100 + " --axis z --index 0 --color ipf-z -o " + out + " --key " + key, t);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto img = ebsd::io::read_png(out);
  EXPECT_EQ(img.width, 189);
  EXPECT_EQ(img.height, 201);
  // The unindexed row at x = 15.25, y = 1.5 um (pixel 61, 6; origin 0, step 0.25) is black; the
  // indexed point at (10, 20) um, pixel (40, 80), Euler (2.78742, 1.42648, 0.98712), is not.
  const auto* u = img.at(61, 6);
  EXPECT_EQ(u[0] + u[1] + u[2], 0);
  const auto* p = img.at(40, 80);
  EXPECT_GT(p[0] + p[1] + p[2], 0);
  const auto k = ebsd::io::read_png(key);
  EXPECT_EQ(k.width, 256);
}

TEST(ExportPng, OtherColouringsAndAxes) {
  TempDir t;
  for (const std::string& args : {" --color ci", " --color iq", " --color phase", " --color sem_signal", " --color ipf:1,1,0",
                                  " --axis y --index 100 --color ipf-x", " --axis x --index 0 --color fit"}) {
    const auto out = (t.path() / "o.png").string();
    const auto r = run(kEbsd + " export-png " + kIn100 + args + " -o " + out, t);
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
  }
  const auto y = ebsd::io::read_png(t.path() / "o.png");  // the last one: axis x -> ny x nz
  EXPECT_EQ(y.width, 201);
  EXPECT_EQ(y.height, 1);
}

TEST(ExportPng, BadRequestsFailWithoutOutput) {
  TempDir t;
  const auto out = (t.path() / "o.png").string();
  auto r = run(kEbsd + " export-png " + kIn100 + " --index 1 -o " + out, t);  // a 2D map has only slice 0
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("outside"), std::string::npos) << r.err;
  r = run(kEbsd + " export-png " + kIn100 + " --color nonsense -o " + out, t);
  EXPECT_EQ(r.exit_code, 1);
  r = run(kEbsd + " export-png " + kIn100 + " --axis w -o " + out, t);
  EXPECT_EQ(r.exit_code, 2);
  r = run(kEbsd + " export-png " + kIn100 + " --color ci --key k.png -o " + out, t);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace

// ang -> native -> ang keeps every value (issue 3, "Done means"): every real .ang file is read,
// saved as .ebsd.h5, read again and written as .ang; then both texts are parsed here with a
// plain independent parser and every column of every row is compared as a number, rows matched
// by their (x, y) (the reader reorders shuffled rows; where two rows share a node the later one
// is what the reader keeps).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ebsd/io/ang.hpp"
#include "ebsd/io/native_file.hpp"
#include "run_command.hpp"

namespace {

const std::string kReal = std::string(EBSD_SHARED_DIR) + "/data/real/";

using Row = std::vector<double>;
using Key = std::pair<double, double>;

// Data rows of an .ang text, keyed by (x, y) = columns 4 and 5; strtod, not the library.
std::map<Key, Row> rows_by_position(const std::filesystem::path& p, std::size_t& columns) {
  std::ifstream f(p);
  std::string line;
  std::map<Key, Row> out;
  columns = 0;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream s(line);
    Row r;
    std::string tok;
    while (s >> tok) r.push_back(std::strtod(tok.c_str(), nullptr));
    if (r.empty()) continue;
    columns = r.size();
    out[{r[3], r[4]}] = r;
  }
  return out;
}

void expect_every_value_kept(const std::string& file) {
  ebsd::test::TempDir dir;
  const auto original = ebsd::io::read_ang(file);
  ebsd::io::write_native(dir.path() / "a.ebsd.h5", original.volume);
  const ebsd::Volume native = ebsd::io::read_native(dir.path() / "a.ebsd.h5");
  ebsd::io::write_ang(dir.path() / "back.ang", native);

  std::size_t cols_in = 0, cols_out = 0;
  const auto in = rows_by_position(file, cols_in);
  const auto out = rows_by_position(dir.path() / "back.ang", cols_out);
  ASSERT_EQ(cols_out, cols_in) << file;
  ASSERT_EQ(out.size(), in.size()) << file;
  std::size_t compared = 0, differing = 0;
  for (const auto& [key, row] : in) {
    const auto it = out.find(key);
    ASSERT_NE(it, out.end()) << file << ": no row at x=" << key.first << " y=" << key.second;
    for (std::size_t c = 0; c < cols_in; ++c) {
      ++compared;
      if (it->second[c] != row[c]) {
        if (++differing <= 5)
          ADD_FAILURE() << file << " x=" << key.first << " y=" << key.second << " column " << c + 1 << ": " << row[c] << " became "
                        << it->second[c];
      }
    }
  }
  EXPECT_EQ(differing, 0u) << "of " << compared << " values";
  EXPECT_EQ(compared, in.size() * cols_in);

  // The header values that define the data: grid, steps, phases with symmetry and lattice.
  const auto back = ebsd::io::read_ang(dir.path() / "back.ang");
  EXPECT_EQ(back.volume.dims(), original.volume.dims());
  EXPECT_EQ(back.volume.spacing()[0], original.volume.spacing()[0]);
  EXPECT_EQ(back.volume.spacing()[1], original.volume.spacing()[1]);
  EXPECT_EQ(back.volume.phases(), original.volume.phases());
}

TEST(AngWriterRoundTrip, SmallIn100ShuffledRowsKeepEveryValue) {
  expect_every_value_kept(kReal + "small_in100/Small_IN100_slice_Out_Of_Order.ang");
}

TEST(AngWriterRoundTrip, EmsoftTwoPhaseFileKeepsEveryValue) {
  expect_every_value_kept(kReal + "maps_2d/orix_sdss_ferrite_austenite.ang");
}

TEST(AngWriterRoundTrip, RealFilesNeedNoKeptEulerColumns) {
  // In these files Phi never comes near 0, so the float32 quaternions alone give back every
  // digit of the angles; the kept columns are for files where they do not.
  for (const char* f : {"small_in100/Small_IN100_slice_Out_Of_Order.ang", "maps_2d/orix_sdss_ferrite_austenite.ang"}) {
    const auto r = ebsd::io::read_ang(kReal + f);
    EXPECT_FALSE(r.volume.has_channel("source_euler1")) << f;
    EXPECT_FALSE(r.volume.has_channel("source_x")) << f;
    EXPECT_FALSE(r.volume.has_channel("source_phase")) << f;
  }
}

}  // namespace

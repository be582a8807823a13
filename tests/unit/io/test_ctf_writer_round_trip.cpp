// ctf -> native -> ctf keeps every value (issue 3, "Done means"): every real .ctf file is read,
// saved as .ebsd.h5, read again and written as .ctf; both texts are parsed here with a plain
// independent parser (decimal commas turned into points) and every column of every row is
// compared as a number, rows matched by their (X, Y).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ebsd/io/ctf.hpp"
#include "ebsd/io/native_file.hpp"
#include "run_command.hpp"

namespace {

const std::string kReal = std::string(EBSD_SHARED_DIR) + "/data/real/maps_2d/";

using Row = std::vector<double>;
using Key = std::pair<double, double>;

// Data rows after the "Phase\tX\t..." line, keyed by (X, Y) = columns 2 and 3.
std::map<Key, Row> rows_by_position(const std::filesystem::path& p, std::size_t& columns, bool& decimal_comma) {
  std::ifstream f(p, std::ios::binary);
  std::string line;
  std::map<Key, Row> out;
  bool data = false;
  columns = 0;
  decimal_comma = false;
  while (std::getline(f, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!data) {
      data = line.rfind("Phase\tX\t", 0) == 0;
      continue;
    }
    if (line.empty()) continue;
    Row r;
    std::istringstream s(line);
    std::string tok;
    while (std::getline(s, tok, '\t')) {
      for (auto& c : tok)
        if (c == ',') c = '.', decimal_comma = true;
      r.push_back(std::strtod(tok.c_str(), nullptr));
    }
    columns = r.size();
    out[{r[1], r[2]}] = r;
  }
  return out;
}

void expect_every_value_kept(const std::string& file) {
  ebsd::test::TempDir dir;
  const auto original = ebsd::io::read_ctf(file);
  ebsd::io::write_native(dir.path() / "a.ebsd.h5", original.volume);
  const ebsd::Volume native = ebsd::io::read_native(dir.path() / "a.ebsd.h5");
  ebsd::io::write_ctf(dir.path() / "back.ctf", native);

  std::size_t cols_in = 0, cols_out = 0;
  bool comma_in = false, comma_out = false;
  const auto in = rows_by_position(file, cols_in, comma_in);
  const auto out = rows_by_position(dir.path() / "back.ctf", cols_out, comma_out);
  ASSERT_EQ(cols_out, cols_in) << file;
  ASSERT_EQ(out.size(), in.size()) << file;
  EXPECT_EQ(comma_out, comma_in) << "the decimal separator of the file is kept";
  std::size_t compared = 0, differing = 0;
  for (const auto& [key, row] : in) {
    const auto it = out.find(key);
    ASSERT_NE(it, out.end()) << file << ": no row at X=" << key.first << " Y=" << key.second;
    for (std::size_t c = 0; c < cols_in; ++c) {
      ++compared;
      if (it->second[c] != row[c] && ++differing <= 5)
        ADD_FAILURE() << file << " X=" << key.first << " Y=" << key.second << " column " << c + 1 << ": " << row[c] << " became "
                      << it->second[c];
    }
  }
  EXPECT_EQ(differing, 0u) << "of " << compared << " values";
  EXPECT_EQ(compared, in.size() * cols_in);

  const auto back = ebsd::io::read_ctf(dir.path() / "back.ctf");
  EXPECT_EQ(back.volume.dims(), original.volume.dims());
  EXPECT_EQ(back.volume.spacing()[0], original.volume.spacing()[0]);
  EXPECT_EQ(back.volume.spacing()[1], original.volume.spacing()[1]);
  EXPECT_EQ(back.volume.phases(), original.volume.phases());
  EXPECT_EQ(back.report.header, original.report.header) << "header keys (Prj, Author, AcqE1 ...) kept";
}

TEST(CtfWriterRoundTrip, MagnesiumTwinsKeepEveryValue) { expect_every_value_kept(kReal + "mtex_twins_Mg.ctf"); }

TEST(CtfWriterRoundTrip, ZircaloyKeepsEveryValue) { expect_every_value_kept(kReal + "ebsdlib_Test_US_1_Zircaloy4.ctf"); }

TEST(CtfWriterRoundTrip, DecimalCommaFileKeepsEveryValueAndItsCommas) {
  expect_every_value_kept(kReal + "ebsdlib_Test_European_1_Zircaloy4.ctf");
}

}  // namespace

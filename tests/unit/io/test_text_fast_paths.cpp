// The fast paths of read_ang and read_ctf (io/src/ang_fast.cpp, ctf_fast.cpp) against the
// general paths they stand in for: for every file, the fast path either declines or gives the
// same volume (bit for bit), report and provenance as the general path; errors come from the
// general path. Variants: real files, files written by our writers, and text made here with
// the quirks the readers meet (CRLF, tabs, blank lines, missing final newline, signs,
// exponents, long mantissas, -0, unindexed rows, legacy phase 0, several phases, decimal
// commas, Error values, wrong header sizes, shuffled or missing rows, bad numbers, lines across
// chunk boundaries).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <numbers>
#include <random>
#include <span>
#include <string>

#include "../../../io/src/ang_read.hpp"
#include "../../../io/src/ctf_read.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/io/ang.hpp"
#include "ebsd/io/ctf.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "run_command.hpp"

namespace {

namespace fs = std::filesystem;
const std::string kReal = std::string(EBSD_SHARED_DIR) + "/data/real/";

bool same_floats(std::span<const float> a, std::span<const float> b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

void expect_same(const ebsd::Volume& a, const ebsd::Volume& b, const ebsd::io::ImportReport& ra, const ebsd::io::ImportReport& rb,
                 const std::string& what) {
  EXPECT_EQ(ra.to_json(), rb.to_json()) << what;
  EXPECT_EQ(a.dims(), b.dims()) << what;
  EXPECT_EQ(a.spacing(), b.spacing()) << what;
  EXPECT_EQ(a.origin(), b.origin()) << what;
  EXPECT_EQ(a.length_unit(), b.length_unit()) << what;
  EXPECT_EQ(a.phases(), b.phases()) << what;
  EXPECT_TRUE(same_floats(a.quaternion_data(), b.quaternion_data())) << what;
  EXPECT_TRUE(std::ranges::equal(a.phase_ids(), b.phase_ids())) << what;
  EXPECT_TRUE(same_floats(a.confidence(), b.confidence())) << what;
  EXPECT_TRUE(same_floats(a.image_quality(), b.image_quality())) << what;
  EXPECT_TRUE(std::ranges::equal(a.valid(), b.valid())) << what;
  ASSERT_EQ(a.channels().size(), b.channels().size()) << what;
  for (const auto& [name, ca] : a.channels()) {
    ASSERT_TRUE(b.has_channel(name)) << what << ": " << name;
    const auto& cb = b.channel(name);
    EXPECT_EQ(ca.unit, cb.unit) << what << ": " << name;
    EXPECT_EQ(ca.description, cb.description) << what << ": " << name;
    EXPECT_TRUE(same_floats(ca.values, cb.values)) << what << ": " << name;
  }
  ASSERT_EQ(a.provenance().size(), b.provenance().size()) << what;
  for (std::size_t k = 0; k < a.provenance().size(); ++k) {
    EXPECT_EQ(a.provenance()[k].step, b.provenance()[k].step) << what;
    EXPECT_EQ(a.provenance()[k].parameters, b.provenance()[k].parameters) << what;
    EXPECT_EQ(a.provenance()[k].software_version, b.provenance()[k].software_version) << what;
    EXPECT_EQ(a.provenance()[k].note, b.provenance()[k].note) << what;
  }
}

// Reads the file both ways; returns whether the fast path took it.
bool compare_ang(const fs::path& p, const ebsd::io::AngReadOptions& o = {}) {
  ebsd::io::AngReadResult fast;
  std::string general_error;
  ebsd::io::AngReadResult general;
  try {
    general = ebsd::io::ang_detail::read_ang_general(p, o);
  } catch (const ebsd::Error& e) {
    general_error = e.what();
  }
  const bool taken = ebsd::io::ang_detail::read_ang_fast(p, o, fast);
  if (taken) {
    EXPECT_TRUE(general_error.empty()) << p << ": the fast path read a file the general path rejects: " << general_error;
    if (general_error.empty()) expect_same(fast.volume, general.volume, fast.report, general.report, p.string());
  }
  // read_ang itself: the same result or the same error.
  try {
    const auto r = ebsd::io::read_ang(p, o);
    EXPECT_TRUE(general_error.empty()) << p;
    if (general_error.empty()) expect_same(r.volume, general.volume, r.report, general.report, p.string() + " (read_ang)");
  } catch (const ebsd::Error& e) {
    EXPECT_EQ(std::string(e.what()), general_error) << p;
  }
  return taken;
}

bool compare_ctf(const fs::path& p, const ebsd::io::CtfReadOptions& o = {}) {
  ebsd::io::CtfReadResult fast;
  std::string general_error;
  ebsd::io::CtfReadResult general;
  try {
    general = ebsd::io::ctf_detail::read_ctf_general(p, o);
  } catch (const ebsd::Error& e) {
    general_error = e.what();
  }
  const bool taken = ebsd::io::ctf_detail::read_ctf_fast(p, o, fast);
  if (taken) {
    EXPECT_TRUE(general_error.empty()) << p << ": the fast path read a file the general path rejects: " << general_error;
    if (general_error.empty()) expect_same(fast.volume, general.volume, fast.report, general.report, p.string());
  }
  try {
    const auto r = ebsd::io::read_ctf(p, o);
    EXPECT_TRUE(general_error.empty()) << p;
    if (general_error.empty()) expect_same(r.volume, general.volume, r.report, general.report, p.string() + " (read_ctf)");
  } catch (const ebsd::Error& e) {
    EXPECT_EQ(std::string(e.what()), general_error) << p;
  }
  return taken;
}

// "e12.ang" (built by appending: GCC 12 warns, wrongly, about "e" + std::string temporaries).
std::string file_name(char prefix, int k, const char* extension) {
  std::string n(1, prefix);
  n += std::to_string(k);
  n += extension;
  return n;
}

fs::path write(const ebsd::test::TempDir& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir / name, std::ios::binary) << text;
  return dir / name;
}

// --- .ang text -------------------------------------------------------------------------

struct AngSpec {
  int nx = 23, ny = 17;
  int phases = 1;
  double unindexed = 0.05;  // fraction of rows with CI -1 and 4 pi angles
  bool legacy_phase_zero = false;  // one-phase file writing phase 0
  bool sem_fit = true;
  bool headers = false;  // OIM 8 COLUMN_HEADERS with two extra columns
  std::string sep = " ";
  std::string eol = "\n";
  bool final_newline = true;
  double x0 = 0, step = 0.5;
  unsigned seed = 1;
  double phi_small = 0;  // fraction of rows with Phi close to 0
};

std::string fixed(double v, int decimals) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

std::string ang_text(const AngSpec& s) {
  std::mt19937_64 rng(s.seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::string t = "# TEM_PIXperUM          1.000000\n# x-star 0.5\n#\n";
  for (int p = 1; p <= s.phases; ++p)
    t += "# Phase " + std::to_string(p) + "\n# MaterialName  \tPhase" + std::to_string(p) + "\n# Symmetry              43\n# LatticeConstants      3.520 3.520 3.520  90.000  90.000  90.000\n#\n";
  t += "# GRID: SqrGrid\n# XSTEP: " + fixed(s.step, 6) + "\n# YSTEP: " + fixed(s.step, 6) + "\n# NCOLS_ODD: " + std::to_string(s.nx) +
       "\n# NCOLS_EVEN: " + std::to_string(s.nx) + "\n# NROWS: " + std::to_string(s.ny) + "\n#\n";
  if (s.headers) t += "# COLUMN_COUNT: 12\n# COLUMN_HEADERS: phi1, PHI, phi2, x, y, IQ, CI, Phase index, SEM, Fit, PRIAS Bottom Strip, PRIAS Center Square\n";
  t += "#\n";
  for (int y = 0; y < s.ny; ++y)
    for (int x = 0; x < s.nx; ++x) {
      const bool unindexed = u(rng) < s.unindexed;
      double e1 = u(rng) * 6.283, e2 = std::acos(1 - 2 * u(rng)), e3 = u(rng) * 6.283;
      if (u(rng) < s.phi_small) e2 = 0.00001 * static_cast<double>(rng() % 3);
      const int phase = unindexed ? 0 : s.legacy_phase_zero ? 0 : 1 + static_cast<int>(rng() % static_cast<unsigned>(s.phases));
      std::string row;
      auto add = [&](const std::string& v) { row += s.sep + v; };
      add(unindexed ? "12.56637" : fixed(e1, 5));
      add(unindexed ? "12.56637" : fixed(e2, 5));
      add(unindexed ? "12.56637" : fixed(e3, 5));
      add(fixed(s.x0 + x * s.step, 5));
      add(fixed(y * s.step, 5));
      add(fixed(std::round(u(rng) * 3000) / 10, 1));
      add(unindexed ? "-1.000" : fixed(u(rng), 3));
      add(std::to_string(phase));
      if (s.sem_fit || s.headers) {
        add(std::to_string(static_cast<int>(u(rng) * 4000) - 1000));
        add(fixed(u(rng) * 3, 3));
      }
      if (s.headers) {
        add(fixed(u(rng) * 100, 2));
        add(fixed(u(rng) * 100, 2));
      }
      t += row + s.eol;
    }
  if (!s.final_newline) t.resize(t.size() - s.eol.size());
  return t;
}

TEST(TextFastPaths, RealFiles) {
  EXPECT_TRUE(compare_ang(kReal + "maps_2d/orix_sdss_ferrite_austenite.ang"));
  EXPECT_FALSE(compare_ang(kReal + "small_in100/Small_IN100_slice_Out_Of_Order.ang"));  // shuffled rows
  EXPECT_TRUE(compare_ctf(kReal + "maps_2d/ebsdlib_Test_US_1_Zircaloy4.ctf"));
  EXPECT_TRUE(compare_ctf(kReal + "maps_2d/ebsdlib_Test_European_1_Zircaloy4.ctf"));
  compare_ctf(kReal + "maps_2d/mtex_twins_Mg.ctf");  // a phase-0 row with angles: kept source columns
  ebsd::io::CtfReadOptions aligned;
  aligned.hexagonal_to_tsl_alignment = true;
  EXPECT_FALSE(compare_ctf(kReal + "maps_2d/ebsdlib_Test_US_1_Zircaloy4.ctf", aligned));
}

TEST(TextFastPaths, AngVariantsTheFastPathTakes) {
  ebsd::test::TempDir dir;
  int k = 0;
  auto taken = [&](const AngSpec& s) { return compare_ang(write(dir, file_name('v', k++, ".ang"), ang_text(s))); };
  AngSpec s;
  EXPECT_TRUE(taken(s));
  s.eol = "\r\n";
  EXPECT_TRUE(taken(s));
  s.eol = "\n";
  s.sep = "\t";
  EXPECT_TRUE(taken(s));
  s.sep = "   ";
  EXPECT_TRUE(taken(s));
  s.sep = " ";
  s.final_newline = false;
  EXPECT_TRUE(taken(s));
  s.final_newline = true;
  s.phases = 3;
  EXPECT_TRUE(taken(s));
  s.phases = 1;
  s.legacy_phase_zero = true;
  EXPECT_TRUE(taken(s));
  s.legacy_phase_zero = false;
  s.sem_fit = false;
  EXPECT_TRUE(taken(s));
  s.sem_fit = true;
  s.headers = true;
  EXPECT_TRUE(taken(s));
  s.headers = false;
  s.unindexed = 0;
  EXPECT_TRUE(taken(s));
  s.unindexed = 1;  // no indexed row at all
  taken(s);
  s.unindexed = 0.05;
  s.nx = 1;
  EXPECT_TRUE(taken(s));
  s.nx = 40;
  s.ny = 1;
  EXPECT_TRUE(taken(s));
  s.ny = 17;
  s.x0 = -3.25;
  s.step = 0.1;
  EXPECT_TRUE(taken(s));
  // Larger than a chunk: lines across the reader's buffer boundaries.
  s.x0 = 0;
  s.step = 0.25;
  s.nx = 401;
  s.ny = 331;
  EXPECT_TRUE(taken(s));
  for (unsigned seed = 2; seed < 8; ++seed) {
    AngSpec r;
    r.seed = seed;
    r.nx = 5 + static_cast<int>(seed * 7 % 31);
    r.ny = 3 + static_cast<int>(seed * 5 % 19);
    r.phases = 1 + static_cast<int>(seed % 3);
    EXPECT_TRUE(taken(r)) << seed;
  }
}

TEST(TextFastPaths, AngVariantsEitherWay) {
  // Each gives the general path's result or error, whichever path reads it.
  ebsd::test::TempDir dir;
  int k = 0;
  auto check = [&](const std::string& text) { return compare_ang(write(dir, file_name('e', k++, ".ang"), text)); };
  AngSpec s;
  const std::string good = ang_text(s);
  auto replace_first = [&](std::string t, const std::string& from, const std::string& to, std::size_t after = 0) {
    const auto at = t.find(from, after);
    if (at != std::string::npos) t.replace(at, from.size(), to);
    return t;
  };
  const std::size_t data = good.find("\n ", good.rfind("# ")) + 1;
  check(replace_first(good, "0.50000", "+0.50000", data));
  check(replace_first(good, "0.50000", "5.0000e-1", data));
  check(replace_first(good, "0.50000", "0.500000000000", data));
  check(replace_first(good, "0.50000", "0.5", data));
  check(replace_first(good, " 0.00000 ", " -0.00000 ", data));
  check(replace_first(good, " 1 ", " 1.0 ", data));
  check(replace_first(good, " 1 ", " nan ", data));
  check(replace_first(good, " 1 ", " inf ", data));
  check(replace_first(good, " 1 ", " 1x ", data));
  check(replace_first(good, " 1 ", " - ", data));
  check(replace_first(good, " 1 ", " 1.2.3 ", data));
  check(replace_first(good, " 1 ", " 7 ", data));                  // phase not in the header
  check(replace_first(good, " 1 ", " 1 99 ", data));               // one column too many
  check(replace_first(good, "\n ", "\n\n ", data + 10));           // a blank line inside the data
  check(replace_first(good, "\n ", "\n   \t \n ", data + 10));     // a line of whitespace
  check(good + "\n\n\n");
  check(good.substr(0, good.size() - 15));                         // truncated
  check(good.substr(0, data));                                     // no data rows
  check(replace_first(good, "NROWS: 17", "NROWS: 16"));
  check(replace_first(good, "NROWS: 17", "NROWS: 18"));
  check(replace_first(good, "NROWS: 17", "NROWS: 1000000000000"));
  check(replace_first(good, "NCOLS_ODD: 23", "NCOLS_ODD: 22"));
  check(replace_first(good, "NCOLS_ODD: 23", "NCOLS_ODD: 0"));
  check(replace_first(good, "XSTEP: 0.500000", "XSTEP: 0.600000"));
  check(replace_first(good, "GRID: SqrGrid", "GRID: HexGrid"));
  check(replace_first(good, "GRID: SqrGrid", "GRID: Triangles"));
  check(replace_first(good, "# Phase 1\n", ""));
  check(replace_first(good, " 0.50000 0.00000 ", " 0.50100 0.00000 ", data));  // off the grid nodes
  {
    // Two rows swapped: not raster order.
    const auto a = good.find('\n', data + 1), b = good.find('\n', a + 1), c = good.find('\n', b + 1);
    std::string t = good.substr(0, a + 1) + good.substr(b + 1, c - b) + good.substr(a + 1, b - a) + good.substr(c + 1);
    check(t);
  }
  // Angles that need the kept source columns (Phi near 0) or leave [0, 2 pi].
  s.phi_small = 0.2;
  check(ang_text(s));
  s.phi_small = 0;
  check(replace_first(good, " 12.56637", " 6.28400", data));
  check(replace_first(good, " 0.", " 6.2832", data));
  check(replace_first(good, " 0.", " 7.", data));
  // An absurdly long line (longer than the reader's chunk).
  check(replace_first(good, " 1 ", " 1" + std::string(700000, ' ') + " ", data));
  check(replace_first(good, " 1 ", " " + std::string(300, '1') + " ", data));
}

// --- .ctf text -------------------------------------------------------------------------

struct CtfSpec {
  int nx = 21, ny = 13;
  bool comma = false, bc = true, error = true, hexagonal = false;
  double unindexed = 0.06;
  std::string eol = "\n";
  std::string pad;  // spaces around numbers
  unsigned seed = 1;
  int extra_columns = 0;
};

std::string ctf_text(const CtfSpec& s) {
  std::mt19937_64 rng(s.seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  auto num = [&](std::string v) {
    if (s.comma)
      for (auto& c : v)
        if (c == '.') c = ',';
    return s.pad + v + s.pad;
  };
  std::string t = "Channel Text File" + s.eol + "Prj\ttest.cpr" + s.eol + "Author\t" + s.eol + "JobMode\tGrid" + s.eol + "XCells\t" + std::to_string(s.nx) + s.eol +
                  "YCells\t" + std::to_string(s.ny) + s.eol + "XStep\t" + num("0.3") + s.eol + "YStep\t" + num("0.3") + s.eol + "AcqE1\t0" + s.eol +
                  "Phases\t1" + s.eol + num("3.2089") + ";" + num("3.2089") + ";" + num("5.2101") + "\t90;90;120\tMagnesium\t" + (s.hexagonal ? "9" : "11") + "\t194" + s.eol;
  std::string names = "Phase\tX\tY\tBands";
  if (s.error) names += "\tError";
  names += "\tEuler1\tEuler2\tEuler3\tMAD";
  if (s.bc) names += "\tBC";
  names += "\tBS";
  for (int k = 0; k < s.extra_columns; ++k) names += "\tGrainIndex" + std::to_string(k);
  t += names + s.eol;
  // Oxford's five digits in all ("175.94", "19.500", "0.0000"), the decimals chosen after rounding.
  auto digits5 = [&](double v) {
    for (int d = 4; d > 0; --d) {
      const std::string t = fixed(v, d);
      if (t.size() == 6) return t;  // five digits and the point
    }
    return fixed(v, 0);
  };
  for (int y = 0; y < s.ny; ++y)
    for (int x = 0; x < s.nx; ++x) {
      const bool unindexed = u(rng) < s.unindexed;
      // (Appended piece by piece: GCC 12 warns, wrongly, about "\t" + std::string temporaries.)
      std::string row = num(unindexed ? "0" : "1");
      auto field = [&](const std::string& v) {
        row += '\t';
        row += num(v);
      };
      field(fixed(x * 0.3, 4));
      field(fixed(y * 0.3, 4));
      field(std::to_string(rng() % 12));
      if (s.error) field(unindexed ? "3" : "0");
      // Angles away from Phi = 0 and 180 and from 0 / 360, where the float32 quaternion gives
      // back five digits (elsewhere the general path keeps the source angles, see below).
      for (double v : {10 + u(rng) * 340, 30 + u(rng) * 120, 10 + u(rng) * 340}) field(unindexed ? "0.0000" : digits5(v));
      field(fixed(u(rng) * 2, 4));
      if (s.bc) field(std::to_string(rng() % 256));
      field(std::to_string(rng() % 256));
      for (int k = 0; k < s.extra_columns; ++k) field(std::to_string(rng() % 1000));
      t += row + s.eol;
    }
  return t;
}

TEST(TextFastPaths, CtfVariantsTheFastPathTakes) {
  ebsd::test::TempDir dir;
  int k = 0;
  auto taken = [&](const CtfSpec& s) { return compare_ctf(write(dir, file_name('v', k++, ".ctf"), ctf_text(s))); };
  CtfSpec s;
  EXPECT_TRUE(taken(s));
  s.comma = true;
  EXPECT_TRUE(taken(s));
  s.comma = false;
  s.eol = "\r\n";
  EXPECT_TRUE(taken(s));
  s.eol = "\n";
  s.pad = " ";
  EXPECT_TRUE(taken(s));
  s.pad = "";
  s.bc = false;
  EXPECT_TRUE(taken(s));
  s.bc = true;
  s.error = false;
  EXPECT_TRUE(taken(s));
  s.error = true;
  s.hexagonal = true;
  EXPECT_TRUE(taken(s));
  s.hexagonal = false;
  s.extra_columns = 3;
  EXPECT_TRUE(taken(s));
  s.extra_columns = 0;
  s.nx = 377;
  s.ny = 311;
  EXPECT_TRUE(taken(s));
}

TEST(TextFastPaths, CtfVariantsEitherWay) {
  ebsd::test::TempDir dir;
  int k = 0;
  auto check = [&](const std::string& text, const ebsd::io::CtfReadOptions& o = {}) {
    return compare_ctf(write(dir, file_name('e', k++, ".ctf"), text), o);
  };
  CtfSpec s;
  const std::string good = ctf_text(s);
  const std::size_t data = good.find('\n', good.find("Phase\tX")) + 1;
  auto replace_first = [&](std::string t, const std::string& from, const std::string& to, std::size_t after = 0) {
    const auto at = t.find(from, after);
    if (at != std::string::npos) t.replace(at, from.size(), to);
    return t;
  };
  ebsd::io::CtfReadOptions aligned;
  aligned.hexagonal_to_tsl_alignment = true;
  check(good, aligned);
  check(replace_first(good, "\t0\t", "\t1\t", data));  // an Error value on an indexed row
  check(replace_first(good, "\t0\t", "\t0.5\t", data));
  check(replace_first(good, "\t3\t", "\t5\t", data));
  check(replace_first(good, "\t0.0000\t", "\t1.0000\t", data));  // a phase-0 row with an angle
  check(replace_first(good, "\t1\t", "\t1\t", data));
  {
    // Phi near 0 with four decimals: the float32 quaternion cannot give back phi1 and phi2.
    std::string t = good;
    const auto row = t.find("\n1\t", data) + 1;
    auto field_start = [&](int n) {
      std::size_t at = row;
      for (int f = 0; f < n; ++f) at = t.find('\t', at) + 1;
      return at;
    };
    const auto e2 = field_start(6);
    t.replace(e2, t.find('\t', e2) - e2, "0.0101");
    check(t);
  }
  check(replace_first(good, "\t0.0000\t", "\t-0.0000\t", data));
  check(replace_first(good, "\t0.3000\t", "\t\t0.3000\t", data));  // an empty field
  check(replace_first(good, "\t0.3000\t", "\t0.3000 1\t", data));  // two numbers in a field
  check(replace_first(good, "\t0.3000\t", "\t0,3000\t", data));    // a comma after the first row
  check(replace_first(good, "\t0.3000\t", "\t0.3\t", data));
  check(replace_first(good, "\t0.3000\t", "\t3e-1\t", data));
  check(replace_first(good, "1\t", "2\t", data));                  // phase not in the header
  check(replace_first(good, "1\t", "1.0\t", data));
  check(replace_first(good, "XCells\t21", "XCells\t20"));
  check(replace_first(good, "YCells\t13", "YCells\t14"));
  check(replace_first(good, "YCells\t13", "YCells\tmany"));
  check(replace_first(good, "Phase\tX\tY\tBands", "Phase\tX\tY\tZ"));
  check(replace_first(good, "\tBS", "\tMAD"));                     // a repeated column name
  check(replace_first(good, "\tBS", "\tERROR"));                   // a second column the writer treats as Error
  check(good.substr(0, good.size() - 20));
  check(good.substr(0, data));
  check(good.substr(0, data - 1));
  check(good + "\n\t\t\n");
  check(replace_first(good, "\n", "\n\n", data + 5));
  {
    CtfSpec t;
    t.unindexed = 0;
    t.seed = 9;
    std::string text = ctf_text(t);
    check(text);
    // An angle above 360 degrees.
    const auto at = text.find('\n', data) + 1;
    check(text.substr(0, at) + replace_first(text.substr(at), "\t1", "\t361.00\t1", 0));
  }
}

// Small valid files with one to three random byte edits in their data rows (a digit, sign,
// separator, space, tab, CR or newline put in, taken out or replaced; two rows swapped): many
// stay readable, some by the fast path; whichever path reads them, the result or the error
// must be the general path's.
TEST(TextFastPaths, MutatedFilesAgree) {
  ebsd::test::TempDir dir;
  std::mt19937_64 rng(2024);
  const std::string alphabet = "0123456789012345678901234567890123456789..--+  \t\r\n,eE#x";
  int taken_ang = 0, taken_ctf = 0;
  for (int i = 0; i < 600; ++i) {
    for (int format = 0; format < 2; ++format) {
      std::string text;
      if (format == 0) {
        AngSpec s;
        s.nx = 5 + static_cast<int>(rng() % 4);
        s.ny = 3 + static_cast<int>(rng() % 3);
        s.seed = static_cast<unsigned>(rng());
        s.phases = 1 + static_cast<int>(rng() % 2);
        s.unindexed = 0.2;
        text = ang_text(s);
      } else {
        CtfSpec s;
        s.nx = 4 + static_cast<int>(rng() % 4);
        s.ny = 3 + static_cast<int>(rng() % 3);
        s.seed = static_cast<unsigned>(rng());
        s.unindexed = 0.2;
        s.comma = rng() % 4 == 0;
        text = ctf_text(s);
      }
      const std::size_t data = format == 0 ? text.find("\n ", text.rfind("# ")) + 1 : text.find('\n', text.find("Phase\tX")) + 1;
      const int edits = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < edits; ++e) {
        const std::size_t at = data + rng() % (text.size() - data);
        switch (rng() % 4) {
          case 0: text[at] = alphabet[rng() % alphabet.size()]; break;
          case 1: text.erase(at, 1); break;
          case 2: text.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
          default: {
            const auto a = text.find('\n', at);
            const auto b = a == std::string::npos ? a : text.find('\n', a + 1);
            const auto c = b == std::string::npos ? b : text.find('\n', b + 1);
            if (c != std::string::npos) text = text.substr(0, a + 1) + text.substr(b + 1, c - b) + text.substr(a + 1, b - a) + text.substr(c + 1);
          }
        }
      }
      const fs::path p = write(dir, file_name(format == 0 ? 'a' : 'c', i, format == 0 ? ".ang" : ".ctf"), text);
      if (format == 0) taken_ang += compare_ang(p);
      else taken_ctf += compare_ctf(p);
    }
  }
  // Enough of them reach the fast path for the comparison to mean something.
  EXPECT_GT(taken_ang, 60) << taken_ang;
  EXPECT_GT(taken_ctf, 60) << taken_ctf;
}

TEST(TextFastPaths, FilesOfOurWriters) {
  // Random volumes written by write_ang / write_ctf, as the benchmark makes them.
  ebsd::test::TempDir dir;
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int k = 0; k < 4; ++k) {
    ebsd::Volume v({37 + k, 29, 1}, {0.25, 0.25, 0.25});
    v.phases() = {ebsd::Phase{"Nickel", ebsd::LaueGroup::CubicHigh, {3.52, 3.52, 3.52, 90, 90, 90}}};
    for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
      const auto j = static_cast<std::size_t>(i);
      const bool indexed = u(rng) > 0.05;
      v.valid()[j] = indexed;
      v.phase_ids()[j] = indexed ? 1 : 0;
      auto r5 = [](double x) { return std::round(x * 1e5) / 1e5; };
      if (indexed) v.set_orientation(i, ebsd::quat_from_euler({r5(u(rng) * 6.283), r5(std::acos(1 - 2 * u(rng))), r5(u(rng) * 6.283)}));
      v.confidence()[j] = indexed ? static_cast<float>(std::round(u(rng) * 1000) / 1000) : -1.0f;
      v.image_quality()[j] = static_cast<float>(std::round(u(rng) * 3000) / 10);
    }
    ebsd::io::write_ang(dir / (file_name('w', k, ".ang")), v);
    ebsd::io::write_ctf(dir / (file_name('w', k, ".ctf")), v);
    EXPECT_TRUE(compare_ang(dir / (file_name('w', k, ".ang"))));
    EXPECT_TRUE(compare_ctf(dir / (file_name('w', k, ".ctf"))));
  }
}

}  // namespace

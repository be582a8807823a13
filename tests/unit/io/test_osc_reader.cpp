// The .osc reader against files built byte by byte in the layout of ebsd/io/osc.hpp (no real
// .osc file is in ../shared/data), and against broken ones.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "ebsd/core/error.hpp"
#include "ebsd/io/osc.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "run_command.hpp"

namespace {

constexpr float kUnindexed = static_cast<float>(4.0 * std::numbers::pi);

struct OscPhase {
  std::string name;
  std::int32_t symmetry;
  float lattice[6];
  int hkl_families;  // written as h k l int32 triples after the fixed part, then a formula
};

// Builds an .osc file: a 32-byte header, filler, the phase block, filler, the point data.
struct OscFile {
  std::uint32_t ncols_m1 = 0, nrows_m1 = 0, points = 0;
  std::vector<OscPhase> phases;
  std::int32_t phase_count = -1;  // -1: phases.size()
  bool byte_count = true;         // newer layout: byte count and a zero word before the steps
  std::int64_t byte_count_override = -1;
  float xstep = 0.5f, ystep = 0.5f;
  int columns = 10;
  std::vector<std::vector<float>> rows;

  // Offsets of interest, set by bytes().
  std::size_t phase_marker_at = 0, data_marker_at = 0, rows_at = 0;

  static void u32(std::string& s, std::uint32_t v) {
    for (int k = 0; k < 4; ++k) s.push_back(static_cast<char>((v >> (8 * k)) & 0xFF));
  }
  static void f32(std::string& s, float f) {
    std::uint32_t v;
    std::memcpy(&v, &f, 4);
    u32(s, v);
  }

  std::string bytes() {
    std::string s;
    u32(s, 0x12345678);  // words 0-3: not read
    u32(s, 1);
    u32(s, 2);
    u32(s, 3);
    u32(s, ncols_m1);
    u32(s, nrows_m1);
    u32(s, points);
    u32(s, 0);
    s.append(40, 'h');  // stand-in for the operator / sample text fields
    phase_marker_at = s.size();
    s.append("\xB9\x0B\xEF\xFF\x01\x00\x00\x00", 8);
    u32(s, 0);
    f32(s, 1.0f);
    u32(s, static_cast<std::uint32_t>(phase_count == -1 ? static_cast<std::int32_t>(phases.size()) : phase_count));
    for (const auto& p : phases) {
      std::string name = p.name;
      name.resize(256, '\0');
      s += name;
      u32(s, static_cast<std::uint32_t>(p.symmetry));
      for (float l : p.lattice) f32(s, l);
      u32(s, static_cast<std::uint32_t>(p.hkl_families));
      for (int f = 0; f < p.hkl_families; ++f) {
        u32(s, 1);
        u32(s, static_cast<std::uint32_t>(f % 2));
        u32(s, 0);
      }
      s.append("Fe2O3\0\0\0", 8);
      s.append(13, '\0');  // odd-sized tail: the next record is not on a 4-byte boundary
    }
    s.append(7, 'p');
    data_marker_at = s.size();
    s.append("\xB9\x0B\xEF\xFF\x02\x00\x00\x00", 8);
    if (byte_count) {
      const std::uint64_t count = byte_count_override >= 0 ? static_cast<std::uint64_t>(byte_count_override)
                                                           : 4 * (std::uint64_t{points} * static_cast<std::uint64_t>(columns) + 2);
      u32(s, static_cast<std::uint32_t>(count));
      u32(s, 0);
    }
    f32(s, xstep);
    f32(s, ystep);
    rows_at = s.size();
    for (const auto& r : rows)
      for (int c = 0; c < columns; ++c) f32(s, r[static_cast<std::size_t>(c)]);
    return s;
  }
};

// One scratch folder for the whole test program, removed when it exits.
const ebsd::test::TempDir& scratch() {
  static const ebsd::test::TempDir dir;
  return dir;
}

std::filesystem::path write_file(const std::string& name, const std::string& bytes) {
  const auto p = scratch() / name;
  std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return p;
}

const OscPhase kIron{"Iron - Alpha", 43, {2.87f, 2.87f, 2.87f, 90.0f, 90.0f, 90.0f}, 4};
const OscPhase kTitanium{"Titanium (Alpha)", 62, {2.95f, 2.95f, 4.68f, 90.0f, 90.0f, 120.0f}, 7};

// A 3 x 2 square grid, step 0.5 um, two phases, 10 columns, rows written out of order.
// Columns: phi1 Phi phi2 x y IQ CI phase SEM fit.
OscFile two_phase_file() {
  OscFile f;
  f.ncols_m1 = 2;
  f.nrows_m1 = 1;
  f.points = 6;
  f.phases = {kIron, kTitanium};
  f.rows = {
      {0.5f, 0.6f, 0.7f, 1.0f, 0.5f, 120.5f, 0.9f, 2.0f, 300.0f, 0.8f},                    // (2, 1)
      {1.1f, 0.2f, 3.3f, 0.0f, 0.0f, 210.25f, 0.75f, 1.0f, 1500.0f, 0.5f},                 // (0, 0)
      {kUnindexed, kUnindexed, kUnindexed, 0.5f, 0.5f, 10.0f, -1.0f, 0.0f, 50.0f, 0.0f},  // (1, 1) unindexed
      {2.0f, 1.0f, 0.1f, 0.5f, 0.0f, 200.0f, 0.5f, 1.0f, 1400.0f, 0.6f},                   // (1, 0)
      {0.3f, 0.4f, 6.0f, 0.0f, 0.5f, 99.0f, 0.1f, 2.0f, 900.0f, 1.2f},                     // (0, 1)
      {3.0f, 2.0f, 1.0f, 1.0f, 0.0f, 180.0f, 0.3f, 1.0f, 1000.0f, 0.9f},                   // (2, 0)
  };
  return f;
}

void expect_same_rotation(const ebsd::Quat& a, const ebsd::Quat& b) { EXPECT_NEAR(std::fabs(a.dot(b)), 1.0, 1e-6); }

TEST(OscReader, TwoPhaseFileGivesGridStepPhasesAndPointValues) {
  auto f = two_phase_file();
  const auto path = write_file("two_phase.osc", f.bytes());
  const auto r = ebsd::io::read_osc(path);
  const auto& v = r.volume;
  EXPECT_EQ(v.dims(), (ebsd::Index3{3, 2, 1}));
  EXPECT_DOUBLE_EQ(v.spacing()[0], 0.5);
  EXPECT_DOUBLE_EQ(v.spacing()[1], 0.5);
  EXPECT_EQ(r.report.format, "osc");
  EXPECT_EQ(r.report.angle_unit_in_file, "rad");
  EXPECT_EQ(r.report.grid, "square");
  EXPECT_TRUE(r.report.warnings.empty());

  ASSERT_EQ(v.phases().size(), 2u);
  EXPECT_EQ(v.phases()[0].name, "Iron - Alpha");
  EXPECT_EQ(v.phases()[0].laue, ebsd::LaueGroup::CubicHigh);
  EXPECT_NEAR(v.phases()[0].lattice[0], 2.87, 1e-6);
  EXPECT_EQ(v.phases()[1].name, "Titanium (Alpha)");
  EXPECT_EQ(v.phases()[1].laue, ebsd::LaueGroup::HexagonalHigh);
  EXPECT_NEAR(v.phases()[1].lattice[2], 4.68, 1e-6);
  EXPECT_DOUBLE_EQ(v.phases()[1].lattice[5], 120.0);

  // Point (0, 0): second row written.
  const auto i00 = static_cast<std::size_t>(v.index(0, 0, 0));
  ASSERT_TRUE(v.is_valid(static_cast<std::int64_t>(i00)));
  expect_same_rotation(v.orientation(static_cast<std::int64_t>(i00)), ebsd::quat_from_euler({1.1f, 0.2f, 3.3f}));
  EXPECT_FLOAT_EQ(v.image_quality()[i00], 210.25f);
  EXPECT_FLOAT_EQ(v.confidence()[i00], 0.75f);
  EXPECT_EQ(v.phase_ids()[i00], 1);
  EXPECT_FLOAT_EQ(v.channel("sem_signal").values[i00], 1500.0f);
  EXPECT_FLOAT_EQ(v.channel("fit").values[i00], 0.5f);
  // Point (2, 1): first row written, phase 2.
  const auto i21 = static_cast<std::size_t>(v.index(2, 1, 0));
  expect_same_rotation(v.orientation(static_cast<std::int64_t>(i21)), ebsd::quat_from_euler({0.5f, 0.6f, 0.7f}));
  EXPECT_EQ(v.phase_ids()[i21], 2);
  EXPECT_FLOAT_EQ(v.confidence()[i21], 0.9f);
  // Point (1, 1): unindexed (4 pi, CI -1) is invalid with phase 0.
  const auto i11 = static_cast<std::size_t>(v.index(1, 1, 0));
  EXPECT_FALSE(v.is_valid(static_cast<std::int64_t>(i11)));
  EXPECT_EQ(v.phase_ids()[i11], 0);
  EXPECT_FLOAT_EQ(v.confidence()[i11], -1.0f);
  std::int64_t valid = 0;
  for (auto b : v.valid()) valid += b;
  EXPECT_EQ(valid, 5);
}

TEST(OscReader, OlderLayoutWithoutByteCountFindsEightColumnsAndLegacyPhaseZero) {
  OscFile f;
  f.byte_count = false;
  f.columns = 8;
  f.ncols_m1 = 1;
  f.nrows_m1 = 1;
  f.points = 4;
  f.xstep = f.ystep = 2.0f;
  f.phases = {kIron};
  f.rows = {{0.1f, 0.2f, 0.3f, 0.0f, 0.0f, 50.0f, 0.5f, 0.0f},
            {0.4f, 0.5f, 0.6f, 2.0f, 0.0f, 60.0f, 0.6f, 0.0f},
            {0.7f, 0.8f, 0.9f, 0.0f, 2.0f, 70.0f, 0.7f, 0.0f},
            {1.0f, 1.1f, 1.2f, 2.0f, 2.0f, 80.0f, 0.8f, 0.0f}};
  const auto r = ebsd::io::read_osc(write_file("old.osc", f.bytes()));
  const auto& v = r.volume;
  EXPECT_EQ(v.dims(), (ebsd::Index3{2, 2, 1}));
  EXPECT_DOUBLE_EQ(v.spacing()[0], 2.0);
  EXPECT_EQ(r.report.header["columns"], 8);
  EXPECT_FALSE(v.has_channel("sem_signal"));
  const auto i = v.index(0, 1, 0);
  ASSERT_TRUE(v.is_valid(i));
  EXPECT_EQ(v.phase_ids()[static_cast<std::size_t>(i)], 1);  // phase 0 in a one-phase file means phase 1
  EXPECT_FLOAT_EQ(v.image_quality()[static_cast<std::size_t>(i)], 70.0f);
  expect_same_rotation(v.orientation(i), ebsd::quat_from_euler({0.7f, 0.8f, 0.9f}));
}

TEST(OscReader, ExtraColumnsBecomeNumberedChannels) {
  auto f = two_phase_file();
  f.columns = 11;
  for (std::size_t k = 0; k < f.rows.size(); ++k) f.rows[k].push_back(static_cast<float>(k) + 0.25f);
  const auto v = ebsd::io::read_osc(write_file("eleven.osc", f.bytes())).volume;
  ASSERT_TRUE(v.has_channel("column_11"));
  EXPECT_FLOAT_EQ(v.channel("column_11").values[static_cast<std::size_t>(v.index(0, 0, 0))], 1.25f);  // second row written
}

TEST(OscReader, HexagonalGridIsResampledAndReported) {
  OscFile f;
  f.xstep = 1.0f;
  f.ystep = static_cast<float>(std::sqrt(3.0) / 2.0);
  f.phases = {kIron};
  f.ncols_m1 = 2;
  f.nrows_m1 = 1;
  f.points = 5;  // 3 points in row 0, 2 in row 1 (offset by half a step)
  const float y1 = f.ystep;
  f.rows = {{0.1f, 0.1f, 0.1f, 0.0f, 0.0f, 1, 0.5f, 1, 0, 0}, {0.2f, 0.1f, 0.1f, 1.0f, 0.0f, 2, 0.5f, 1, 0, 0},
            {0.3f, 0.1f, 0.1f, 2.0f, 0.0f, 3, 0.5f, 1, 0, 0}, {0.4f, 0.1f, 0.1f, 0.5f, y1, 4, 0.5f, 1, 0, 0},
            {0.5f, 0.1f, 0.1f, 1.5f, y1, 5, 0.5f, 1, 0, 0}};
  const auto r = ebsd::io::read_osc(write_file("hex.osc", f.bytes()));
  EXPECT_EQ(r.report.grid, "hexagonal");
  EXPECT_TRUE(r.report.converted_to_square);
  EXPECT_EQ(r.volume.dims()[1], 2);
  EXPECT_DOUBLE_EQ(r.volume.spacing()[0], 1.0);
}

TEST(OscReader, LooksLikeOscByMarkersNotExtension) {
  auto f = two_phase_file();
  const std::string good = f.bytes();
  EXPECT_TRUE(ebsd::io::looks_like_osc(write_file("sniff.bin", good)));
  std::string wrong = good;
  wrong[f.phase_marker_at + 4] = 0x07;  // phase marker B9 0B EF FF 07 ...
  EXPECT_FALSE(ebsd::io::looks_like_osc(write_file("sniff_wrong.osc", wrong)));
  EXPECT_FALSE(ebsd::io::looks_like_osc(write_file("sniff.ang", "# TEM_PIXperUM 1.0\n# XSTEP: 0.5\n")));
  EXPECT_FALSE(ebsd::io::looks_like_osc("/nonexistent/scan.osc"));
}

// Every broken file must give an ebsd::Error naming the file and a place in it.
void expect_error(const std::string& name, const std::string& bytes, const std::string& what_contains = {}) {
  const auto path = write_file(name, bytes);
  try {
    ebsd::io::read_osc(path);
    ADD_FAILURE() << name << ": no error";
  } catch (const ebsd::Error& e) {
    EXPECT_EQ(e.file(), path.string()) << name;
    EXPECT_FALSE(e.place().empty()) << name << ": " << e.what();
    if (!what_contains.empty()) {
      EXPECT_NE(e.problem().find(what_contains), std::string::npos) << name << ": " << e.what();
    }
  }
}

TEST(OscReaderErrors, TruncatedAtSeveralOffsets) {
  auto f = two_phase_file();
  const std::string good = f.bytes();
  for (std::size_t cut : {std::size_t{0}, std::size_t{10}, std::size_t{26}, f.phase_marker_at + 4, f.phase_marker_at + 100,
                          f.data_marker_at + 4, f.data_marker_at + 10, f.rows_at + 2, f.rows_at + 100, good.size() - 1})
    expect_error("cut_" + std::to_string(cut) + ".osc", good.substr(0, cut));
}

TEST(OscReaderErrors, WrongMarkers) {
  auto f = two_phase_file();
  std::string no_phase = f.bytes();
  no_phase[f.phase_marker_at] = 'X';
  expect_error("no_phase_marker.osc", no_phase, "B9 0B EF FF 01");
  std::string no_data = f.bytes();
  no_data[f.data_marker_at + 4] = 0x03;
  expect_error("no_data_marker.osc", no_data, "B9 0B EF FF 02");
}

TEST(OscReaderErrors, ByteCountClaimingMoreColumnsThanTheFileHolds) {
  auto f = two_phase_file();
  f.byte_count_override = 4 * (6 * 12 + 2);  // 12 columns of 6 points; 10 are written
  expect_error("count.osc", f.bytes(), "claims");
}

TEST(OscReaderErrors, PointCountClaimingMoreThanTheFileHolds) {
  auto f = two_phase_file();
  f.points = 100000;
  expect_error("points.osc", f.bytes(), "100000 points");
  f.points = 0xFFFFFFFFu;
  expect_error("points_max.osc", f.bytes(), "points");
}

TEST(OscReaderErrors, AbsurdGridDimensions) {
  auto f = two_phase_file();
  f.ncols_m1 = 0xFFFFFFFEu;
  f.nrows_m1 = 0xFFFFFFFEu;
  expect_error("dims.osc", f.bytes(), "does not fit");
}

TEST(OscReaderErrors, NanAngle) {
  auto f = two_phase_file();
  f.rows[3][1] = std::numeric_limits<float>::quiet_NaN();
  expect_error("nan.osc", f.bytes(), "Phi (column 2) of point 4");
}

TEST(OscReaderErrors, DegreesInsteadOfRadians) {
  auto f = two_phase_file();
  f.rows[1][0] = 145.0f;
  expect_error("degrees.osc", f.bytes(), "radians");
}

TEST(OscReaderErrors, PhaseCountBeyondTheRecords) {
  auto f = two_phase_file();
  f.phase_count = 3;
  expect_error("phases.osc", f.bytes(), "lists 3 phases, found 2");
  f.phase_count = -5;
  expect_error("phases_negative.osc", f.bytes(), "phase count");
}

TEST(OscReaderErrors, PhaseIdNotInTheHeader) {
  auto f = two_phase_file();
  f.rows[0][7] = 3.0f;
  expect_error("phase_id.osc", f.bytes(), "phase 3");
}

TEST(OscReaderErrors, ZeroStep) {
  auto f = two_phase_file();
  f.xstep = 0.0f;  // read as the zero word, then the y step is taken as x: y reads the first data float
  f.ystep = -1.0f;
  expect_error("step.osc", f.bytes());
}

}  // namespace

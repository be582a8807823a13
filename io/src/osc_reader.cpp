// .osc reader (layout in ebsd/io/osc.hpp). The file is loaded whole; every field is read
// through ByteView, which checks offset and size against the file before touching a byte, so
// a truncated or lying header ends in an ebsd::Error that names the byte offset, never in an
// out-of-range read or an allocation sized by the header alone.
#include <algorithm>
#include <iterator>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <numbers>
#include <string>
#include <string_view>
#include <vector>

#include "ebsd/core/error.hpp"
#include "ebsd/io/osc.hpp"
#include "ebsd/orientation/laue_group.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "grid_placement.hpp"
#include "text_scan.hpp"

namespace ebsd::io {
namespace {

constexpr unsigned char kPhaseMarker[8] = {0xB9, 0x0B, 0xEF, 0xFF, 0x01, 0x00, 0x00, 0x00};
constexpr unsigned char kDataMarker[8] = {0xB9, 0x0B, 0xEF, 0xFF, 0x02, 0x00, 0x00, 0x00};
constexpr std::size_t kNameBytes = 256;
constexpr std::size_t kPhaseFixedBytes = kNameBytes + 4 + 24 + 4;  // name, symmetry, lattice, hkl count
constexpr int kMaxColumns = 64;
constexpr std::int32_t kMaxPhases = 1000;

std::string at_byte(std::size_t offset) { return "byte " + std::to_string(offset); }

// Little-endian fields of the loaded file, each read only after a bounds check.
class ByteView {
public:
  ByteView(std::string_view bytes, const std::string& file) : bytes_(bytes), file_(file) {}
  std::size_t size() const { return bytes_.size(); }

  void require(std::size_t offset, std::size_t count, const char* what) const {
    if (offset > bytes_.size() || count > bytes_.size() - offset)
      throw Error(std::string("file ends before ") + what + " (" + std::to_string(count) + " bytes needed, the file has " +
                      std::to_string(bytes_.size()) + ")",
                  file_, at_byte(offset));
  }
  std::uint32_t u32(std::size_t offset, const char* what) const {
    require(offset, 4, what);
    const auto* p = reinterpret_cast<const unsigned char*>(bytes_.data() + offset);
    return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 | static_cast<std::uint32_t>(p[2]) << 16 |
           static_cast<std::uint32_t>(p[3]) << 24;
  }
  std::int32_t i32(std::size_t offset, const char* what) const { return static_cast<std::int32_t>(u32(offset, what)); }
  float f32(std::size_t offset, const char* what) const {
    const std::uint32_t bits = u32(offset, what);
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  // First occurrence of an 8-byte marker at or after `from`; npos when absent.
  std::size_t find(const unsigned char (&marker)[8], std::size_t from) const {
    if (from > bytes_.size()) return std::string_view::npos;
    return bytes_.find(std::string_view(reinterpret_cast<const char*>(marker), 8), from);
  }
  unsigned char byte(std::size_t offset) const {
    require(offset, 1, "a byte");
    return static_cast<unsigned char>(bytes_[offset]);
  }

private:
  std::string_view bytes_;
  const std::string& file_;
};

// MTEX (loadEBSD_osc.m) maps two codes seen in .osc phase records that .ang files do not use.
// Checked against a list first: the record search tries every offset of the phase block.
bool laue_from_osc_symmetry(std::int32_t code, LaueGroup& out) {
  if (code == 126) code = 62;  // 6/mmm
  if (code == 131) code = 43;  // m-3m
  constexpr std::int32_t known[] = {1, 2, 20, 21, 22, 3, 32, 4, 42, 6, 62, 23, 43};
  if (std::find(std::begin(known), std::end(known), code) == std::end(known)) return false;
  try {
    out = laue_from_tsl_symmetry(code);
    return true;
  } catch (const Error&) {
    return false;
  }
}

bool plausible_lattice(const float (&l)[6]) {
  for (int k = 0; k < 3; ++k)
    if (!(l[k] > 0.0f && l[k] < 1000.0f)) return false;
  for (int k = 3; k < 6; ++k)
    if (!(l[k] > 0.0f && l[k] < 180.0f)) return false;
  return true;
}

// A phase record starts at `at` when a printable name ends in a NUL inside the name field and
// a known symmetry code and a plausible lattice follow at their fixed places.
bool read_phase_record(const ByteView& b, std::size_t at, std::size_t end, Phase& phase) {
  if (at + kPhaseFixedBytes > end) return false;
  LaueGroup laue;
  if (!laue_from_osc_symmetry(b.i32(at + kNameBytes, "the phase symmetry"), laue)) return false;
  float lattice[6];
  for (int i = 0; i < 6; ++i) lattice[i] = b.f32(at + kNameBytes + 4 + 4 * static_cast<std::size_t>(i), "the lattice constants");
  if (!plausible_lattice(lattice)) return false;
  std::string name;
  std::size_t k = 0;
  for (; k < kNameBytes; ++k) {
    const unsigned char c = b.byte(at + k);
    if (c == 0) break;
    if (c < 0x20 || c > 0x7E) return false;
    name += static_cast<char>(c);
  }
  if (name.empty() || k == kNameBytes) return false;
  phase.name = std::string(text::trim(name));
  phase.laue = laue;
  for (int i = 0; i < 6; ++i) phase.lattice[static_cast<std::size_t>(i)] = lattice[i];
  return true;
}

std::vector<Phase> read_phases(const ByteView& b, std::size_t block, std::size_t block_end, const std::string& file) {
  const std::size_t count_at = block + 16;
  const std::int32_t count = b.i32(count_at, "the phase count");
  if (count < 0 || count > kMaxPhases)
    throw Error("phase count " + std::to_string(count) + " is not in 0.." + std::to_string(kMaxPhases), file, at_byte(count_at));
  std::vector<Phase> phases;
  std::size_t at = count_at + 4;
  while (static_cast<std::int32_t>(phases.size()) < count) {
    Phase p;
    const std::size_t from = at;
    while (at + kPhaseFixedBytes <= block_end && !read_phase_record(b, at, block_end, p)) ++at;
    if (at + kPhaseFixedBytes > block_end)
      throw Error("the phase block lists " + std::to_string(count) + " phases, found " + std::to_string(phases.size()) +
                      " (expected a record: name, symmetry code, lattice constants)",
                  file, at_byte(from));
    phases.push_back(std::move(p));
    at += kPhaseFixedBytes;
  }
  return phases;
}

// TSL marks unindexed points with Euler angles of 4 pi (12.56637).
bool is_unindexed_marker(double angle) { return std::fabs(angle - 4.0 * std::numbers::pi) < 1e-3; }

const char* column_name(int c) {
  static const char* names[] = {"phi1", "Phi", "phi2", "x", "y", "IQ", "CI", "phase", "SEM signal", "fit"};
  return c < 10 ? names[c] : "extra";
}

struct DataBlock {
  std::size_t rows_at = 0;  // offset of the first float of the first row
  int columns = 0;
  float xstep = 0, ystep = 0;
  bool counted = false;     // the newer layout with a byte count after the marker
};

DataBlock locate_data(const ByteView& b, std::size_t marker, std::uint64_t n, const std::string& file) {
  DataBlock d;
  std::size_t p = marker + 8;
  const std::uint32_t count = b.u32(p, "the point-data header");
  const std::uint64_t words = count / 4;
  if (count % 4 == 0 && words > 2 && (words - 2) % n == 0) {
    const std::uint64_t cols = (words - 2) / n;
    if (cols >= 5 && cols <= kMaxColumns) {
      d.columns = static_cast<int>(cols);
      d.counted = true;
      p += 4;
    }
  }
  d.xstep = b.f32(p, "the x step");
  if (d.xstep == 0.0f) {  // some versions put a zero word before the steps
    p += 4;
    d.xstep = b.f32(p, "the x step");
  }
  d.ystep = b.f32(p + 4, "the y step");
  d.rows_at = p + 8;
  if (!(std::isfinite(d.xstep) && d.xstep > 0) || !(std::isfinite(d.ystep) && d.ystep > 0))
    throw Error("steps must be positive numbers, got x " + std::to_string(d.xstep) + " and y " + std::to_string(d.ystep), file,
                at_byte(p));
  const std::uint64_t available = b.size() - std::min(b.size(), d.rows_at);
  if (d.counted) {
    if (n * static_cast<std::uint64_t>(d.columns) * 4 > available)
      throw Error("the point-data block claims " + std::to_string(n) + " points of " + std::to_string(d.columns) + " columns (" +
                      std::to_string(n * static_cast<std::uint64_t>(d.columns) * 4) + " bytes) but only " + std::to_string(available) +
                      " bytes follow",
                  file, at_byte(d.rows_at));
    return d;
  }
  // No byte count: the column count is the one that puts the second point at (x step, 0)
  // (MTEX's test), i.e. a row scan starting at the origin.
  if (n >= 2) {
    for (int c = 5; c <= 30; ++c) {
      if (n * static_cast<std::uint64_t>(c) * 4 > available) break;
      const float x = b.f32(d.rows_at + 4 * static_cast<std::size_t>(c + 3), "the second row");
      const float y = b.f32(d.rows_at + 4 * static_cast<std::size_t>(c + 4), "the second row");
      if (std::fabs(x - d.xstep) <= 1e-4f * std::max(1.0f, d.xstep) && std::fabs(y) <= 1e-4f) {
        d.columns = c;
        return d;
      }
    }
  }
  throw Error("cannot tell the number of columns: no byte count after the point-data marker and no column count from 5 to 30 "
              "puts the second point at (x step, 0) within the " + std::to_string(available) + " bytes that follow",
              file, at_byte(marker + 8));
}

}  // namespace

bool looks_like_osc(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::string head(std::size_t{1} << 20, '\0');
  f.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(f.gcount()));
  const std::string_view h(head);
  const auto phase = h.find(std::string_view(reinterpret_cast<const char*>(kPhaseMarker), 8));
  if (phase == std::string_view::npos) return false;
  return h.find(std::string_view(reinterpret_cast<const char*>(kDataMarker), 8), phase + 8) != std::string_view::npos;
}

OscReadResult read_osc(const std::filesystem::path& path) {
  const std::string file = path.string();
  const std::string bytes = text::load_file(path);
  const ByteView b(bytes, file);

  const std::uint32_t ncols_m1 = b.u32(16, "the grid size (columns - 1)");
  const std::uint32_t nrows_m1 = b.u32(20, "the grid size (rows - 1)");
  const std::uint64_t n = b.u32(24, "the number of points");
  if (n == 0) throw Error("the header lists 0 points", file, at_byte(24));
  // Each point takes at least 5 float32 values: a count beyond that is a corrupt header, caught
  // before anything is sized by it.
  if (n * 20 > b.size())
    throw Error("the header lists " + std::to_string(n) + " points, more than a file of " + std::to_string(b.size()) +
                    " bytes can hold (at least 20 bytes a point)",
                file, at_byte(24));
  const std::uint64_t header_nx = std::uint64_t{ncols_m1} + 1, header_ny = std::uint64_t{nrows_m1} + 1;
  if (header_nx * header_ny > 4 * n + 4)
    throw Error("header grid " + std::to_string(header_nx) + " x " + std::to_string(header_ny) + " does not fit " +
                    std::to_string(n) + " points",
                file, at_byte(16));

  const std::size_t phase_marker = b.find(kPhaseMarker, 0);
  if (phase_marker == std::string_view::npos)
    throw Error("no phase block: expected the marker B9 0B EF FF 01 00 00 00 (not an .osc file?)", file, "header");
  const std::size_t data_marker = b.find(kDataMarker, phase_marker + 8);
  if (data_marker == std::string_view::npos)
    throw Error("no point data: expected the marker B9 0B EF FF 02 00 00 00 after the phase block", file, at_byte(phase_marker));

  OscReadResult result;
  ImportReport& rep = result.report;
  rep.format = "osc";
  rep.angle_unit_in_file = "rad";
  rep.recommended_sample_rotation = kTslSampleRotation;
  rep.recommended_crystal_rotation = kTslCrystalRotation;

  std::vector<Phase> phases = read_phases(b, phase_marker, data_marker, file);
  if (phases.empty()) {
    rep.warnings.push_back("no phase in the phase block: assuming one cubic (m-3m) phase");
    phases.push_back(Phase{});
  }
  const bool single_phase = phases.size() == 1;

  const DataBlock d = locate_data(b, data_marker, n, file);
  const auto ncol = static_cast<std::size_t>(d.columns);
  const std::size_t row_bytes = 4 * ncol;
  auto value = [&](std::size_t r, int c) { return b.f32(d.rows_at + r * row_bytes + 4 * static_cast<std::size_t>(c), "a data row"); };

  // Every value finite (NaN angles are corrupt, not unindexed).
  for (std::size_t r = 0; r < n; ++r)
    for (int c = 0; c < d.columns; ++c)
      if (!std::isfinite(value(r, c)))
        throw Error(std::string(column_name(c)) + " (column " + std::to_string(c + 1) + ") of point " + std::to_string(r + 1) +
                        " is not a finite number",
                    file, at_byte(d.rows_at + r * row_bytes + 4 * static_cast<std::size_t>(c)));

  // A hexagonal scan steps rows by x step * sqrt(3)/2.
  const bool hex = std::fabs(d.ystep - d.xstep * std::sqrt(3.0) / 2.0) < 1e-3 * d.xstep && d.xstep != d.ystep;
  rep.grid = hex ? "hexagonal" : "square";
  rep.converted_to_square = hex;

  std::vector<double> xs(n), ys(n);
  for (std::size_t r = 0; r < n; ++r) {
    xs[r] = value(r, 3);
    ys[r] = value(r, 4);
  }
  GridPlacement grid = place_on_grid(xs, ys, d.xstep, d.ystep, hex, file);
  for (auto& w : grid.warnings) rep.warnings.push_back(w);
  if (!hex && (static_cast<std::int64_t>(header_nx) != grid.nx || static_cast<std::int64_t>(header_ny) != grid.ny))
    rep.warnings.push_back("header grid " + std::to_string(header_nx) + " x " + std::to_string(header_ny) + " but the coordinates span " +
                           std::to_string(grid.nx) + " x " + std::to_string(grid.ny) + "; using the coordinates");

  rep.header = {{"columns_minus_1", ncols_m1}, {"rows_minus_1", nrows_m1}, {"points", n},     {"xstep", d.xstep},
                {"ystep", d.ystep},            {"columns", d.columns},   {"byte_count", d.counted}, {"phases", phases.size()}};

  Volume v({grid.nx, grid.ny, 1}, {grid.xstep, grid.ystep, std::min(grid.xstep, grid.ystep)}, {grid.x0, grid.y0, 0.0});
  v.phases() = phases;

  struct ChannelColumn {
    int column;
    std::string name;
    Channel channel;
  };
  std::vector<ChannelColumn> channels;
  if (d.columns > 8) channels.push_back({8, "sem_signal", {{}, "", "SEM signal (detector intensity) from the .osc file"}});
  if (d.columns > 9) channels.push_back({9, "fit", {{}, "deg", "pattern fit from the .osc file"}});
  for (int c = 10; c < d.columns; ++c)
    channels.push_back({c, "column_" + std::to_string(c + 1), {{}, "", "column " + std::to_string(c + 1) + " of the .osc file"}});
  for (auto& cc : channels) cc.channel.values.assign(static_cast<std::size_t>(v.voxel_count()), 0.0f);

  const auto phase_ids = v.phase_ids();
  const auto ci_out = v.confidence();
  const auto iq_out = v.image_quality();
  const auto valid_out = v.valid();
  const bool has_ci = d.columns > 6, has_iq = d.columns > 5, has_phase = d.columns > 7;
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    const std::int64_t r64 = grid.source_row[static_cast<std::size_t>(i)];
    if (r64 < 0) continue;  // no point landed here: stays invalid
    const auto r = static_cast<std::size_t>(r64);
    const double e1 = value(r, 0), e2 = value(r, 1), e3 = value(r, 2);
    const double ci = has_ci ? value(r, 6) : 1.0;
    const bool unindexed = ci < 0.0 || is_unindexed_marker(e1) || is_unindexed_marker(e2) || is_unindexed_marker(e3);
    const double raw_phase = has_phase ? value(r, 7) : 1.0;
    if (raw_phase != std::floor(raw_phase) || raw_phase < 0 || raw_phase > static_cast<double>(phases.size()))
      throw Error("phase " + std::to_string(raw_phase) + " is not a phase of the header (which lists " + std::to_string(phases.size()) + ")",
                  file, at_byte(d.rows_at + r * row_bytes + 28));
    long long ph = std::llround(raw_phase);
    if (single_phase && ph == 0) ph = 1;  // legacy: phase 0 in a one-phase file means phase 1
    const double two_pi = 2 * std::numbers::pi + 1e-3;
    if (!unindexed && (e1 > two_pi || e2 > two_pi || e3 > two_pi || e1 < -1e-3 || e2 < -1e-3 || e3 < -1e-3))
      throw Error("Euler angle outside [0, 2 pi]: .osc angles are radians", file, at_byte(d.rows_at + r * row_bytes));
    const auto k = static_cast<std::size_t>(i);
    phase_ids[k] = unindexed ? 0 : static_cast<std::int32_t>(ph);
    if (!unindexed) v.set_orientation(i, quat_from_euler({e1, e2, e3}));
    ci_out[k] = static_cast<float>(ci);
    iq_out[k] = has_iq ? value(r, 5) : 0.0f;
    valid_out[k] = (!unindexed && ph > 0) ? 1 : 0;
    for (auto& cc : channels) cc.channel.values[k] = value(r, cc.column);
  }
  for (auto& cc : channels) v.set_channel(cc.name, std::move(cc.channel));

  nlohmann::json params = rep.to_json();
  params["file"] = text::utf8_or_replaced(path.filename().string());
  v.add_provenance({"read-osc", params, "", utc_timestamp(), text::utf8_or_replaced(file)});
  result.volume = std::move(v);
  return result;
}

}  // namespace ebsd::io

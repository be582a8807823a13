// The fast path of read_ang (ang_read.hpp): one streaming pass over the file for the common
// case, a square grid whose rows come in raster order and fill exactly the NCOLS_ODD x NROWS
// grid the header announces. The volume is allocated from the header before the first row and
// each row is written straight into its voxel; nothing else of the file is kept, apart from
// the first run's x values, each run's y and the few rows the round-trip check must look at
// again. At the end every assumption is confirmed (place_raster must place row i on voxel i)
// and every value is checked to print back as read, as read_ang_general checks it:
//   - Euler angles of valid rows: fast::certify_euler (euler_certificate.cpp: an error bound,
//     then the derived angles themselves), else the writer's own derivation (AngRows);
//   - x and y: once per distinct value (a raster file repeats them bit for bit);
//   - phase: each valid row's text must equal what the writer prints, compared bit for bit,
//     and each such value must print back;
//   - invalid rows print a fixed triple and phase: they must all carry one and the same, which
//     is checked once;
//   - IQ, CI and further columns must fit float32 (at most six digits), as the general check
//     assumes without looking.
// Anything else (an error, a kept source column, a shuffled or hexagonal file, a header that
// disagrees with the coordinates) declines, and read_ang reads the file with the general path.
#include <algorithm>
#include <bit>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <numbers>
#include <optional>
#include <string_view>

#include "ang_read.hpp"
#include "ebsd/core/error.hpp"
#include "euler_batch.hpp"
#include "grid_placement.hpp"
#include "source_columns.hpp"
#include "text_chunks.hpp"
#include "text_fast_common.hpp"
#include "text_row_stream.hpp"

namespace ebsd::io::ang_detail {
namespace {

using fast::require;

constexpr std::size_t kChunkBytes = std::size_t{1} << 19;
constexpr std::size_t kBlockRows = 256;
constexpr std::size_t kMaxRows = kBlockRows + text::RowNumbers::kSlackRows;  // rows a block may hold
constexpr int kMaxColumns = 64;

struct Uncertain {
  std::int64_t voxel;
  double e[3];
};

class FastAng {
public:
  FastAng(const std::filesystem::path& path, const AngReadOptions& options) : path_(path), file_(path.string()), options_(options) {}

  void read(AngReadResult& result) {
    text::ChunkedFile f(path_, kChunkBytes, std::uint64_t{1} << 34);
    require(f.ok() && f.refill());
    ImportReport& rep = result.report;
    // The header: everything before the first data line, which must lie in the first chunk.
    const std::string_view first(f.begin(), static_cast<std::size_t>(f.end() - f.begin()));
    const std::size_t start = find_data_start(first, !f.file_done());
    require(start != std::string_view::npos);
    const std::size_t nl = first.find('\n', start);
    std::size_t data_offset = 0, data_line = 0;
    h_ = parse_header(first.substr(0, nl == std::string_view::npos ? first.size() : nl + 1), file_, data_offset, data_line);
    require(data_offset == start);
    require(!start_report(rep, h_, options_, file_));  // hexagonal grids: the general path
    nx_ = h_.ncols_odd;
    ny_ = h_.nrows;
    require(nx_ > 0 && ny_ > 0);
    data_bytes_ = f.file_size() - start;
    f.consume(f.begin() + start);

    // The data rows, a block at a time; the first line settles the columns.
    const char *p = nullptr, *eol = nullptr;
    require(text::RowStream::first_line(f, p, eol));
    setup(p, eol);
    text::RowStream stream(f, '.', false, ncol_, kBlockRows);
    require(stream.read_all(block_, voxels_, rows_, [this](std::size_t n) {
#if EBSD_FAST_WIDE
      if (wide_) return process_wide(n);
#endif
      process(n);
    }));
    finish_read(result);
  }

private:
  // The first data line settles the column count, the roles and the volume.
  void setup(const char* p, const char* eol) {
    text::TokenBlock probe;
    probe.resize(1, kMaxColumns);
    ncol_ = text::parse_line<false>(p, eol, '.', kMaxColumns, probe, 0);
    require(ncol_ >= 8);
    col_ = columns_for(h_, ncol_, file_);
    for (int c : {col_.phi1, col_.Phi, col_.phi2, col_.x, col_.y, col_.iq, col_.ci, col_.phase}) require(c >= 0);
    // A header may claim any size: allocate only what the file can hold (a row of n numbers
    // takes at least 2n bytes).
    const double fits = static_cast<double>(data_bytes_) / (2.0 * ncol_) + 1.0;
    require(static_cast<double>(nx_) * static_cast<double>(ny_) <= fits);
    voxels_ = nx_ * ny_;
    // Not zero-filled: every block writes all of its rows' CI, IQ, quaternions (the identity
    // where a row is unindexed), phase ids and validity, and a read that stops short declines.
    volume_ = Volume::for_overwrite({nx_, ny_, 1});
    single_phase_ = h_.phases.size() <= 1;
    phase_count_ = std::max<std::size_t>(h_.phases.size(), 1);
    seen_phase_.assign(phase_count_ + 1, 0);
    channels_ = channel_columns(col_, ncol_, h_);
    // The channels grow block by block (rows come in raster order): never zero-filled either.
    for (auto& cc : channels_) cc.channel.values.reserve(static_cast<std::size_t>(voxels_));
    shapes_.resize(static_cast<std::size_t>(ncol_));
    raster_.emplace(nx_);
  }

#if EBSD_FAST_WIDE
  EBSD_FAST_WIDE_TARGET void process_wide(std::size_t n) {
    for (std::size_t c = 0; c < shapes_.size(); ++c) fast::add_shapes_wide(shapes_[c], block_.column_info(c), block_.column(c), n);
    process_block(n);
  }
#endif
  void process(std::size_t n) {
    for (std::size_t c = 0; c < shapes_.size(); ++c) fast::add_shapes(shapes_[c], block_.column_info(c), block_.column(c), n);
    process_block(n);
  }

  // One block of n rows (see EBSD_FAST_WIDE in text_fast_common.hpp for the two copies).
  [[gnu::always_inline]] inline void process_block(std::size_t n) {
    const text::ColumnBlock& b = block_;
    const std::int64_t row0 = rows_ - static_cast<std::int64_t>(n);
    const auto k0 = static_cast<std::size_t>(row0);  // voxel of the block's first row, if the file is what it seems
    const double* const X = b.column(static_cast<std::size_t>(col_.x));
    const double* const Y = b.column(static_cast<std::size_t>(col_.y));
    const double* const E1 = b.column(static_cast<std::size_t>(col_.phi1));
    const double* const E2 = b.column(static_cast<std::size_t>(col_.Phi));
    const double* const E3 = b.column(static_cast<std::size_t>(col_.phi2));
    const double* const CI = b.column(static_cast<std::size_t>(col_.ci));
    const double* const IQ = b.column(static_cast<std::size_t>(col_.iq));
    const double* const PH = b.column(static_cast<std::size_t>(col_.phase));
    raster_->add(row0, X, Y, n);

    // Values held as float32, as read_ang_general stores them.
    float* const ci_out = volume_.confidence().data() + k0;
    float* const iq_out = volume_.image_quality().data() + k0;
    for (std::size_t r = 0; r < n; ++r) ci_out[r] = static_cast<float>(CI[r]);
    for (std::size_t r = 0; r < n; ++r) iq_out[r] = static_cast<float>(IQ[r]);
    for (auto& cc : channels_) {
      const double* src = b.column(static_cast<std::size_t>(cc.column));
      std::vector<float>& dst = cc.channel.values;  // holds exactly the k0 rows before this block
      dst.insert(dst.end(), src, src + n);  // each double rounded to float, as static_cast does
    }
    // Unindexed rows (CI < 0 or TSL's 4 pi marker), and whether an indexed row's angles leave
    // [0, 2 pi] (the general path's error).
    constexpr double kFourPi = 4.0 * std::numbers::pi, kLimit = 2 * std::numbers::pi + 1e-3;
    unsigned out_of_range = 0;
    for (std::size_t r = 0; r < n; ++r) {
      const bool u = (CI[r] < 0.0) | (std::fabs(E1[r] - kFourPi) < 1e-3) | (std::fabs(E2[r] - kFourPi) < 1e-3) | (std::fabs(E3[r] - kFourPi) < 1e-3);
      unindexed_[r] = u;
      out_of_range |= static_cast<unsigned>(!u) &
                      (static_cast<unsigned>(E1[r] > kLimit) | static_cast<unsigned>(E2[r] > kLimit) | static_cast<unsigned>(E3[r] > kLimit) |
                       static_cast<unsigned>(E1[r] < -1e-3) | static_cast<unsigned>(E2[r] < -1e-3) | static_cast<unsigned>(E3[r] < -1e-3));
    }
    require(out_of_range == 0);
    // Orientations straight into the volume; unindexed voxels keep the identity.
    float* const quats = volume_.quaternion_data().data() + 4 * k0;
    quats_from_euler(E1, E2, E3, n, quats, unindexed_);
    // Phases, validity and the phase column's round trip.
    std::int32_t* const phase_ids = volume_.phase_ids().data() + k0;
    std::uint8_t* const valid_out = volume_.valid().data() + k0;
    // The first unindexed and the first indexed row of the file settle the layout's rules.
    if (!seen_unindexed_ || !seen_indexed_) {
      for (std::size_t r = 0; r < n; ++r) {
        const bool unindexed = unindexed_[r] != 0;
        if (unindexed && !seen_unindexed_) {
          layout_.unindexed_euler = {E1[r], E2[r], E3[r]};
          layout_.unindexed_phase = PH[r];
          seen_unindexed_ = true;
        }
        if (!unindexed && !seen_indexed_) {
          layout_.phase_one_as_zero = single_phase_ && fast::round_half_away(PH[r]) == 0;
          seen_indexed_ = true;
        }
      }
    }
    // Phases: round_half_away(raw), as the general path reads them, computed for values in
    // [-1, phase_count + 1]; any other value (or NaN) declines either way, and here becomes -1,
    // which declines. The rules of every row go into `bad` (one decline for the block), in
    // loops without branches that vectorise.
    const double max_phase = static_cast<double>(phase_count_);
    const std::int32_t zero_as = single_phase_ ? 1 : 0;  // single-phase files: phase 0 is phase 1
    const bool one_as_zero = layout_.phase_one_as_zero;
    unsigned bad = 0;
    for (std::size_t r = 0; r < n; ++r) {
      const double raw = PH[r];
      const double x = ((raw >= -1.0) & (raw <= max_phase + 1.0)) ? raw : -1.0;
      const auto t = static_cast<std::int32_t>(x);  // truncates
      const double f = x - static_cast<double>(t);  // exact
      std::int32_t ph = t + static_cast<std::int32_t>(f >= 0.5) - static_cast<std::int32_t>(f <= -0.5);
      ph += static_cast<std::int32_t>(ph == 0) * zero_as;  // phase 0 as zero_as (no select: GCC vectorises this)
      bad |= static_cast<unsigned>(ph < 0) | static_cast<unsigned>(ph > static_cast<std::int32_t>(phase_count_));
      const bool unindexed = unindexed_[r] != 0;
      const bool valid = !unindexed & (ph > 0);
      phase_ids[r] = unindexed ? 0 : ph;
      valid_out[r] = valid ? 1 : 0;
      valid_[r] = valid;
      // The writer prints phase 1 as 0 in legacy files, else the id: the text must be that.
      const double printed = (one_as_zero & (ph == 1)) ? 0.0 : static_cast<double>(ph);
      bad |= static_cast<unsigned>(valid) & static_cast<unsigned>(std::bit_cast<std::uint64_t>(printed) != std::bit_cast<std::uint64_t>(raw));
      phase_of_valid_[r] = valid ? ph : -1;
    }
    require(bad == 0);
    // The phases valid rows print (a valid row prints 0 exactly where phase 1 is printed as 0):
    // with a few phases, one loop per phase that vectorises, else row by row.
    if (phase_count_ <= 8) {
      for (std::size_t p = 1; p <= phase_count_; ++p) {
        unsigned any = 0;
        for (std::size_t r = 0; r < n; ++r) any |= static_cast<unsigned>(phase_of_valid_[r] == static_cast<std::int32_t>(p));
        if (any) seen_phase_[p] |= static_cast<char>(one_as_zero && p == 1 ? 2 : 1);
      }
    } else {
      for (std::size_t r = 0; r < n; ++r) {
        if (phase_of_valid_[r] < 0) continue;
        seen_phase_[static_cast<std::size_t>(phase_of_valid_[r])] |= static_cast<char>(one_as_zero && phase_of_valid_[r] == 1 ? 2 : 1);
      }
    }
    // Invalid rows print one fixed triple and phase: they must all carry the first one's.
    if (!invalid_seen_) {
      for (std::size_t r = 0; r < n; ++r)
        if (!valid_[r]) {
          invalid_seen_ = true;
          invalid_voxel_ = row0 + static_cast<std::int64_t>(r);
          invalid_values_ = {E1[r], E2[r], E3[r], PH[r]};
          break;
        }
    }
    if (invalid_seen_) {
      const std::uint64_t u0 = std::bit_cast<std::uint64_t>(invalid_values_[0]), u1 = std::bit_cast<std::uint64_t>(invalid_values_[1]),
                          u2 = std::bit_cast<std::uint64_t>(invalid_values_[2]), u3 = std::bit_cast<std::uint64_t>(invalid_values_[3]);
      for (std::size_t r = 0; r < n; ++r)
        bad |= static_cast<unsigned>(valid_[r] == 0) &
               (static_cast<unsigned>(std::bit_cast<std::uint64_t>(E1[r]) != u0) | static_cast<unsigned>(std::bit_cast<std::uint64_t>(E2[r]) != u1) |
                static_cast<unsigned>(std::bit_cast<std::uint64_t>(E3[r]) != u2) | static_cast<unsigned>(std::bit_cast<std::uint64_t>(PH[r]) != u3));
    }
    require(bad == 0);
    // Valid rows: the error bound settles most Euler angles; the rest are derived as the
    // writer would, at the end.
    fast::certify_euler(E1, E2, E3, b.column_info(static_cast<std::size_t>(col_.phi1)), b.column_info(static_cast<std::size_t>(col_.Phi)),
                        b.column_info(static_cast<std::size_t>(col_.phi2)), quats, valid_, n, 1.0, certain_);
    unsigned open = 0;  // mostly none: one loop that vectorises says so
    for (std::size_t r = 0; r < n; ++r) open |= static_cast<unsigned>(valid_[r] & (certain_[r] ^ 1));
    if (open)
      for (std::size_t r = 0; r < n; ++r)
        if (valid_[r] && !certain_[r]) uncertain_.push_back({row0 + static_cast<std::int64_t>(r), {E1[r], E2[r], E3[r]}});
  }

  void finish_read(AngReadResult& result) {
    ImportReport& rep = result.report;
    if (h_.phases.empty()) {
      rep.warnings.push_back("no phase in the header: assuming one cubic (m-3m) phase");
      h_.phases.push_back(Phase{});
    }
    RasterPlacement rp = place_raster(raster_->run_x(), raster_->run_y(), h_.xstep, h_.ystep, file_);
    require(rp.identity);
    const GridPlacement& g = rp.grid;
    for (const auto& w : g.warnings) rep.warnings.push_back(w);
    header_size_warnings(rep, h_, false, g.nx, g.ny);
    Volume& v = volume_;
    v.set_spacing({g.xstep, g.ystep, std::min(g.xstep, g.ystep)});
    v.set_origin({g.x0, g.y0, 0.0});
    v.phases() = h_.phases;
    for (auto& cc : channels_) v.set_channel(cc.name, std::move(cc.channel));

    // The layout, and the round-trip check of the values not settled while reading.
    AngLayout& layout = layout_;
    describe_columns(layout, col_, ncol_, h_, shapes_, channels_);
    const auto nc = static_cast<std::size_t>(ncol_);
    std::vector<bool> fits_float(nc);
    for (std::size_t c = 0; c < nc; ++c) {
      fits_float[c] = shapes_[c].fits_float();
      const bool checked_here = static_cast<int>(c) == col_.phi1 || static_cast<int>(c) == col_.Phi || static_cast<int>(c) == col_.phi2 ||
                                static_cast<int>(c) == col_.x || static_cast<int>(c) == col_.y || static_cast<int>(c) == col_.phase;
      const auto& role = layout.columns[c].role;
      const bool float_exact = (role == "iq" || role == "ci" || role.rfind("channel:", 0) == 0) && fits_float[c];
      require(checked_here || float_exact);
    }
    auto format = [&](int c) -> const ColumnFormat& { return layout.columns[static_cast<std::size_t>(c)].format; };
    auto prints_back = [&](int c, double printed, double parsed) { return format(c).reproduces(printed, parsed, fits_float[static_cast<std::size_t>(c)]); };
    for (int c : {col_.phi1, col_.Phi, col_.phi2}) require(format(c).kind != ColumnFormat::Kind::Shortest);
    const auto& run_x = raster_->run_x();
    const auto& run_y = raster_->run_y();
    for (std::size_t c = 0; c < run_x.size(); ++c) require(prints_back(col_.x, v.origin()[0] + static_cast<double>(c) * v.spacing()[0], run_x[c]));
    for (std::size_t j = 0; j < run_y.size(); ++j) require(prints_back(col_.y, v.origin()[1] + static_cast<double>(j) * v.spacing()[1], run_y[j]));
    for (std::size_t p = 0; p < seen_phase_.size(); ++p) {
      if (seen_phase_[p] & 1) require(prints_back(col_.phase, static_cast<double>(p), static_cast<double>(p)));
      if (seen_phase_[p] & 2) require(prints_back(col_.phase, 0.0, 0.0));
    }
    // The writer's Euler angles (AngRows) where they must be derived: a layout of the three
    // Euler columns alone, so that nothing else is computed for these rows.
    AngLayout euler_layout = layout;
    euler_layout.columns.clear();
    const int euler_cols[3] = {col_.phi1, col_.Phi, col_.phi2};
    for (int c : euler_cols) euler_layout.columns.push_back(layout.columns[static_cast<std::size_t>(c)]);
    const AngRows rows(v, euler_layout);
    double out[3];
    if (invalid_seen_) {
      rows.row(invalid_voxel_, out, true);
      for (int k = 0; k < 3; ++k) require(prints_back(euler_cols[k], out[k], invalid_values_[static_cast<std::size_t>(k)]));
      // Invalid rows print the unindexed phase.
      require(prints_back(col_.phase, layout.unindexed_phase, invalid_values_[3]));
    }
    for (const Uncertain& u : uncertain_) {
      rows.row(u.voxel, out, true);
      for (int k = 0; k < 3; ++k) require(prints_back(euler_cols[k], out[k], u.e[k]));
    }
    finish(result, std::move(v), layout, ncol_, static_cast<std::size_t>(rows_), path_);
  }

  const std::filesystem::path& path_;
  const std::string file_;
  const AngReadOptions& options_;
  AngHeader h_;
  std::int64_t nx_ = 0, ny_ = 0, voxels_ = 0, rows_ = 0;
  std::uint64_t data_bytes_ = 0;
  int ncol_ = 0;
  Columns col_;
  Volume volume_;
  std::vector<ChannelColumn> channels_;
  std::vector<ColumnShapes> shapes_;
  text::ColumnBlock block_;
  std::optional<fast::RasterCheck> raster_;
  AngLayout layout_ = [] {
    AngLayout l;
    l.unindexed_euler = {4.0 * std::numbers::pi, 4.0 * std::numbers::pi, 4.0 * std::numbers::pi};
    return l;
  }();
  bool single_phase_ = true, seen_unindexed_ = false, seen_indexed_ = false;
  std::size_t phase_count_ = 1;
  std::vector<char> seen_phase_;  // per phase id: 1 printed as the id, 2 printed as 0
  bool invalid_seen_ = false;
  std::int64_t invalid_voxel_ = -1;
  std::array<double, 4> invalid_values_{};
  std::vector<Uncertain> uncertain_;
  const bool wide_ = fast::wide_block_work();
  // Per block row.
  std::uint8_t unindexed_[kMaxRows], valid_[kMaxRows], certain_[kMaxRows];
  std::int32_t phase_of_valid_[kMaxRows];
};

}  // namespace

bool read_ang_fast(const std::filesystem::path& path, const AngReadOptions& options, AngReadResult& result) {
  return fast::try_fast_reader<FastAng>(path, options, result);
}

}  // namespace ebsd::io::ang_detail

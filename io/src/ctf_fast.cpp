// The fast path of read_ctf (ctf_read.hpp), the counterpart of ang_fast.cpp: one streaming
// pass for a 2D file (no Z column) whose rows come in raster order and fill exactly the
// XCells x YCells grid of its header, read without the optional hexagonal alignment. Rows are
// written straight into the volume; at the end every assumption is confirmed and every value
// checked to print back as read_ctf_general checks it:
//   - Euler angles of rows with a phase: fast::certify_euler (euler_certificate.cpp: an error
//     bound, then the derived angles themselves), else the writer's own derivation (CtfRows);
//   - rows of phase 0 (identity orientation) must all carry one and the same angles, checked
//     once; X and Y once per distinct value;
//   - Phase and Error: each row's text must equal what the writer prints, bit for bit, and each
//     such value must print back;
//   - BC and the other columns must fit float32 (at most six digits).
// Anything else declines, and read_ctf reads the file with the general path.
#include <algorithm>
#include <bit>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <numbers>
#include <optional>
#include <string_view>

#include "ctf_read.hpp"
#include "ebsd/core/error.hpp"
#include "euler_batch.hpp"
#include "grid_placement.hpp"
#include "source_columns.hpp"
#include "text_chunks.hpp"
#include "text_fast_common.hpp"
#include "text_row_stream.hpp"

namespace ebsd::io::ctf_detail {
namespace {

using fast::require;

constexpr std::size_t kChunkBytes = std::size_t{1} << 19;
constexpr std::size_t kBlockRows = 256;
constexpr std::size_t kMaxRows = kBlockRows + text::RowNumbers::kSlackRows;  // rows a block may hold
constexpr double kToRad = std::numbers::pi / 180.0;
constexpr double kPerRadian = 180.0 / std::numbers::pi;

struct Uncertain {
  std::int64_t voxel;
  double e[3];
};

// The few values a column may print (Phase, Error): each must print back; too many declines.
class FewValues {
public:
  void add(double v) {
    if (!seen_.empty() && fast::same_bits(seen_[last_], v)) return;  // mostly the same as before
    for (std::size_t k = 0; k < seen_.size(); ++k)
      if (fast::same_bits(seen_[k], v)) {
        last_ = k;
        return;
      }
    require(seen_.size() < 64);
    last_ = seen_.size();
    seen_.push_back(v);
  }
  // Every value of v[0 .. n - 1]: a block of the values seen last costs one loop that vectorises.
  void add_all(const double* v, std::size_t n) {
    if (seen_.empty()) {
      if (n == 0) return;
      add(v[0]);
    }
    const std::uint64_t a = std::bit_cast<std::uint64_t>(seen_[0]), b = std::bit_cast<std::uint64_t>(seen_.size() > 1 ? seen_[1] : seen_[0]);
    unsigned other = 0;
    for (std::size_t r = 0; r < n; ++r) {
      const std::uint64_t x = std::bit_cast<std::uint64_t>(v[r]);
      other |= static_cast<unsigned>(x != a) & static_cast<unsigned>(x != b);
    }
    if (other)
      for (std::size_t r = 0; r < n; ++r) add(v[r]);
  }
  const std::vector<double>& values() const { return seen_; }

private:
  std::vector<double> seen_;
  std::size_t last_ = 0;
};

class FastCtf {
public:
  FastCtf(const std::filesystem::path& path, const CtfReadOptions& options) : path_(path), file_(path.string()), options_(options) {}

  void read(CtfReadResult& result) {
    require(!options_.hexagonal_to_tsl_alignment);
    text::ChunkedFile f(path_, kChunkBytes, std::uint64_t{1} << 34);
    require(f.ok() && f.refill());
    const std::string_view first(f.begin(), static_cast<std::size_t>(f.end() - f.begin()));
    require(first.rfind("Channel Text File", 0) == 0);
    start_report(result.report);
    // The header must end, with its column-name line, inside the first chunk.
    h_ = parse_header(first, file_);
    require(h_.names_end_line || f.file_done());
    result.report.header = h_.keys;
    names_ = h_.names;
    ncol_ = static_cast<int>(names_.size());
    require(ncol_ <= 256);
    std::map<std::string, int> index;
    for (int c = 0; c < ncol_; ++c) require(index.emplace(names_[static_cast<std::size_t>(c)], c).second);  // no repeated names
    for (const char* required : {"Phase", "X", "Y", "Euler1", "Euler2", "Euler3"}) require(index.count(required) == 1);
    require(index.count("Z") == 0);  // 3D files: the general path
    c_phase_ = index.at("Phase");
    c_x_ = index.at("X");
    c_y_ = index.at("Y");
    c_e_[0] = index.at("Euler1");
    c_e_[1] = index.at("Euler2");
    c_e_[2] = index.at("Euler3");
    c_bc_ = index.count("BC") ? index.at("BC") : -1;
    has_error_ = index.count("Error") != 0;
    c_error_ = -1;  // the column the writer treats as Error (its lower-case name is "error")
    for (int c = 0; c < ncol_; ++c)
      if (role_of(names_[static_cast<std::size_t>(c)]) == "channel:error") {
        require(c_error_ < 0);
        c_error_ = c;
      }
    channels_ = channel_columns(names_);
    for (std::size_t a = 0; a < channels_.size(); ++a)
      for (std::size_t b = a + 1; b < channels_.size(); ++b) require(channels_[a].name != channels_[b].name);
    nx_ = h_.xcells;
    ny_ = h_.ycells;
    require(nx_ > 0 && ny_ > 0);
    require(h_.data_offset <= first.size());
    // A header may claim any size: allocate only what the file can hold (a row of n numbers
    // takes at least 2n bytes).
    const double fits = static_cast<double>(f.file_size() - h_.data_offset) / (2.0 * ncol_) + 1.0;
    require(static_cast<double>(nx_) * static_cast<double>(ny_) <= fits);
    voxels_ = nx_ * ny_;
    f.consume(f.begin() + h_.data_offset);

    // European exports write decimal commas; tabs separate the fields, so a comma in the
    // first data line decides (a blank one too, as the general path does).
    const char *p = nullptr, *eol = nullptr;
    require(text::RowStream::first_line(f, p, eol));
    decimal_comma_ = std::find(p, eol, ',') != eol;
    setup();
    text::RowStream stream(f, decimal_comma_ ? ',' : '.', true, ncol_, kBlockRows);
    require(stream.read_all(block_, voxels_, rows_, [this](std::size_t n) {
#if EBSD_FAST_WIDE
      if (wide_) return process_wide(n);
#endif
      process(n);
    }));
    finish_read(result);
  }

private:
  void setup() {
    // Not zero-filled: every block writes all of its rows' quaternions (the identity where a
    // row has no phase), phase ids, validity and CI, and the image quality where a BC column
    // exists, and a read that ends before the last voxel declines. The fill was a fifth of
    // libc's share of a read.
    volume_ = Volume::for_overwrite({nx_, ny_, 1});
    if (c_bc_ < 0) std::fill(volume_.image_quality().begin(), volume_.image_quality().end(), 0.0f);
    if (h_.phases.empty()) no_phase_ = true;
    phase_count_ = std::max<std::size_t>(h_.phases.size(), 1);
    phase_seen_.assign(phase_count_ + 1, 0);
    // The channels grow block by block (rows come in raster order), so they are never zero-filled either.
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
    auto column = [&](int c) { return b.column(static_cast<std::size_t>(c)); };
    const double* const PH = column(c_phase_);
    const double* const E[3] = {column(c_e_[0]), column(c_e_[1]), column(c_e_[2])};
    raster_->add(row0, column(c_x_), column(c_y_), n);

    // Degrees: the general path rejects angles above 360 (NaN is not above).
    unsigned above = 0;
    for (int k = 0; k < 3; ++k)
      for (std::size_t r = 0; r < n; ++r) above |= static_cast<unsigned>(std::fabs(E[k][r]) > 360.0 + 1e-3);
    require(above == 0);

    for (auto& cc : channels_) {
      const double* src = column(cc.column);
      std::vector<float>& dst = cc.channel.values;  // holds exactly the k0 rows before this block
      dst.insert(dst.end(), src, src + n);  // each double rounded to float, as static_cast does
    }
    if (c_bc_ >= 0) {
      const double* src = column(c_bc_);
      float* dst = volume_.image_quality().data() + k0;
      for (std::size_t r = 0; r < n; ++r) dst[r] = static_cast<float>(src[r]);
    }
    float* const quats = volume_.quaternion_data().data() + 4 * k0;

    std::int32_t* const phase_ids = volume_.phase_ids().data() + k0;
    std::uint8_t* const valid_out = volume_.valid().data() + k0;
    float* const ci_out = volume_.confidence().data() + k0;
    const double* const ERR = c_error_ >= 0 ? column(c_error_) : nullptr;
    const double* const ERR_RULE = has_error_ ? column(index_of("Error")) : nullptr;
    // The writer prints the phase id: each row's text must be an id 0 .. phase_count, exactly
    // (checked for the block at once, in a loop that vectorises).
    const double max_phase = static_cast<double>(phase_count_);
    unsigned not_id = 0;
    for (std::size_t r = 0; r < n; ++r) {
      const double raw = PH[r];
      const bool in_range = (raw >= 0.0) & (raw <= max_phase);
      const std::int32_t id = static_cast<std::int32_t>(in_range ? raw : 0.0);  // converts a value in range only
      not_id |= static_cast<unsigned>(!in_range) | static_cast<unsigned>(std::bit_cast<std::uint64_t>(static_cast<double>(id)) != std::bit_cast<std::uint64_t>(raw));
      phase_id_[r] = id;
    }
    require(not_id == 0);
    // The rows' rules, in loops without branches that vectorise; any break of a rule is
    // collected in `bad` and declines once for the block.
    const double* const err_rule = ERR_RULE ? ERR_RULE : zeros_;  // no Error column: every row's error is 0
    unsigned bad = 0;
    for (std::size_t r = 0; r < n; ++r) {
      const std::int32_t ph = phase_id_[r];
      // round_half_away(e) == 0 exactly where |e| < 0.5 (false for NaN and infinities).
      const bool indexed = (ph > 0) & (std::fabs(err_rule[r]) < 0.5);
      phase_ids[r] = ph;
      valid_out[r] = indexed ? 1 : 0;
      ci_out[r] = indexed ? 1.0f : 0.0f;
      has_phase_[r] = ph > 0;
      no_phase_row_[r] = ph == 0;
      indexed_[r] = indexed;
    }
    if (phase_count_ <= 8) {
      // A few phases: one loop per phase id that vectorises.
      for (std::size_t p = 0; p <= phase_count_; ++p) {
        unsigned any = 0;
        for (std::size_t r = 0; r < n; ++r) any |= static_cast<unsigned>(phase_id_[r] == static_cast<std::int32_t>(p));
        phase_seen_[p] |= static_cast<char>(any);
      }
    } else if (phase_count_ < 64) {
      std::uint64_t seen = 0;
      for (std::size_t r = 0; r < n; ++r) seen |= std::uint64_t{1} << phase_id_[r];
      for (std::size_t p = 0; seen != 0; ++p, seen >>= 1) phase_seen_[p] |= static_cast<char>(seen & 1);
    } else {
      for (std::size_t r = 0; r < n; ++r) phase_seen_[static_cast<std::size_t>(phase_id_[r])] = 1;
    }
    if (ERR) {
      // CtfRows' Error column: the kept value while it agrees with the voxel's validity. The
      // text must be what the writer prints, bit for bit, so the printed values are the
      // column's values.
      for (std::size_t r = 0; r < n; ++r) {
        const float err = static_cast<float>(ERR[r]);
        const bool indexed = indexed_[r] != 0;
        const bool kept = indexed == ((phase_id_[r] > 0) & (err == 0.0f));
        const double written = indexed ? 0.0 : 3.0;
        const double printed = kept ? static_cast<double>(err) : written;
        bad |= static_cast<unsigned>(std::bit_cast<std::uint64_t>(printed) != std::bit_cast<std::uint64_t>(ERR[r]));
      }
      errors_printed_.add_all(ERR, n);
    }
    // Rows without a phase print the identity's angles: they must all read the same.
    if (!unphased_seen_) {
      for (std::size_t r = 0; r < n; ++r)
        if (no_phase_row_[r]) {
          unphased_seen_ = true;
          unphased_voxel_ = row0 + static_cast<std::int64_t>(r);
          unphased_e_ = {E[0][r], E[1][r], E[2][r]};
          break;
        }
    }
    if (unphased_seen_) {
      const std::uint64_t u0 = std::bit_cast<std::uint64_t>(unphased_e_[0]), u1 = std::bit_cast<std::uint64_t>(unphased_e_[1]),
                          u2 = std::bit_cast<std::uint64_t>(unphased_e_[2]);
      for (std::size_t r = 0; r < n; ++r)
        bad |= static_cast<unsigned>(no_phase_row_[r] != 0) &
               (static_cast<unsigned>(std::bit_cast<std::uint64_t>(E[0][r]) != u0) | static_cast<unsigned>(std::bit_cast<std::uint64_t>(E[1][r]) != u1) |
                static_cast<unsigned>(std::bit_cast<std::uint64_t>(E[2][r]) != u2));
    }
    require(bad == 0);
    // Orientations of rows with a phase straight into the volume (the others keep the
    // identity), from the angles in radians exactly as the general path converts them.
    for (int k = 0; k < 3; ++k)
      for (std::size_t r = 0; r < n; ++r) rad_[k][r] = E[k][r] * kToRad;
    quats_from_euler(rad_[0], rad_[1], rad_[2], n, quats, no_phase_row_);
    fast::certify_euler(E[0], E[1], E[2], b.column_info(static_cast<std::size_t>(c_e_[0])), b.column_info(static_cast<std::size_t>(c_e_[1])),
                        b.column_info(static_cast<std::size_t>(c_e_[2])), quats, has_phase_, n, kPerRadian, certain_);
    unsigned open = 0;  // mostly none: one loop that vectorises says so
    for (std::size_t r = 0; r < n; ++r) open |= static_cast<unsigned>(has_phase_[r] & (certain_[r] ^ 1));
    if (open)
      for (std::size_t r = 0; r < n; ++r)
        if (has_phase_[r] && !certain_[r]) uncertain_.push_back({row0 + static_cast<std::int64_t>(r), {E[0][r], E[1][r], E[2][r]}});
  }

  int index_of(const char* name) const {
    for (int c = 0; c < ncol_; ++c)
      if (names_[static_cast<std::size_t>(c)] == name) return c;
    return -1;
  }

  void finish_read(CtfReadResult& result) {
    ImportReport& rep = result.report;
    rep.angle_unit_in_file = "deg";
    RasterPlacement rp = place_raster(raster_->run_x(), raster_->run_y(), h_.xstep, h_.ystep, file_);
    require(rp.identity);
    const GridPlacement& g = rp.grid;
    for (const auto& w : g.warnings) rep.warnings.push_back(w);
    Volume& v = volume_;
    v.set_spacing({g.xstep, g.ystep, std::min(g.xstep, g.ystep)});
    v.set_origin({g.x0, g.y0, 0.0});
    if (no_phase_) {
      rep.warnings.push_back("no phase in the header: assuming one cubic (m-3m) phase");
      h_.phases.push_back(Phase{});
    }
    v.phases() = h_.phases;
    for (auto& cc : channels_) v.set_channel(cc.name, std::move(cc.channel));
    hexagonal_warning(rep, h_.phases, options_, 0);

    CtfLayout layout = std::move(h_.layout);
    layout.degrees = true;
    layout.decimal_comma = decimal_comma_;
    layout.hexagonal_aligned = false;
    const auto nc = static_cast<std::size_t>(ncol_);
    std::vector<bool> fits_float(nc);
    for (std::size_t c = 0; c < nc; ++c) {
      const std::string& n = names_[c];
      layout.columns.push_back({role_of(n), text::utf8_or_replaced(n), shapes_[c].format()});
      fits_float[c] = shapes_[c].fits_float();
      const auto& role = layout.columns[c].role;
      const bool float_exact = (role == "bc" || role.rfind("channel:", 0) == 0) && role != "channel:error" && fits_float[c];
      const int ci = static_cast<int>(c);
      const bool checked_here = ci == c_phase_ || ci == c_x_ || ci == c_y_ || ci == c_e_[0] || ci == c_e_[1] || ci == c_e_[2] || ci == c_error_;
      require(checked_here || float_exact);
    }
    auto prints_back = [&](int c, double printed, double parsed) {
      return layout.columns[static_cast<std::size_t>(c)].format.reproduces(printed, parsed, fits_float[static_cast<std::size_t>(c)]);
    };
    for (int c : c_e_) require(layout.columns[static_cast<std::size_t>(c)].format.kind != ColumnFormat::Kind::Shortest);
    const auto& run_x = raster_->run_x();
    const auto& run_y = raster_->run_y();
    for (std::size_t c = 0; c < run_x.size(); ++c) require(prints_back(c_x_, v.origin()[0] + static_cast<double>(c) * v.spacing()[0], run_x[c]));
    for (std::size_t j = 0; j < run_y.size(); ++j) require(prints_back(c_y_, v.origin()[1] + static_cast<double>(j) * v.spacing()[1], run_y[j]));
    for (std::size_t p = 0; p < phase_seen_.size(); ++p)
      if (phase_seen_[p]) require(prints_back(c_phase_, static_cast<double>(p), static_cast<double>(p)));
    if (c_error_ >= 0)
      for (double e : errors_printed_.values()) require(prints_back(c_error_, e, e));
    // The writer's Euler angles (CtfRows) where they must be derived: a layout of the three
    // Euler columns alone, so that nothing else is computed for these rows.
    CtfLayout euler_layout = layout;
    euler_layout.columns.clear();
    for (int c : c_e_) euler_layout.columns.push_back(layout.columns[static_cast<std::size_t>(c)]);
    const CtfRows rows(v, euler_layout);
    double out[3];
    if (unphased_seen_) {
      rows.row(unphased_voxel_, out, true);
      for (int k = 0; k < 3; ++k) require(prints_back(c_e_[k], out[k], unphased_e_[static_cast<std::size_t>(k)]));
    }
    for (const Uncertain& u : uncertain_) {
      rows.row(u.voxel, out, true);
      for (int k = 0; k < 3; ++k) require(prints_back(c_e_[k], out[k], u.e[k]));
    }
    finish(result, std::move(v), layout, static_cast<std::size_t>(rows_), path_, options_);
  }

  const std::filesystem::path& path_;
  const std::string file_;
  const CtfReadOptions& options_;
  CtfHeader h_;
  std::vector<std::string> names_;
  int ncol_ = 0, c_phase_ = -1, c_x_ = -1, c_y_ = -1, c_e_[3] = {-1, -1, -1}, c_bc_ = -1, c_error_ = -1;
  bool has_error_ = false, decimal_comma_ = false, no_phase_ = false;
  std::int64_t nx_ = 0, ny_ = 0, voxels_ = 0, rows_ = 0;
  std::size_t phase_count_ = 1;
  Volume volume_;
  std::vector<ChannelColumn> channels_;
  std::vector<ColumnShapes> shapes_;
  text::ColumnBlock block_;
  std::optional<fast::RasterCheck> raster_;
  FewValues errors_printed_;
  std::vector<char> phase_seen_;  // per phase id: printed in some row
  bool unphased_seen_ = false;
  std::int64_t unphased_voxel_ = -1;
  std::array<double, 3> unphased_e_{};
  std::vector<Uncertain> uncertain_;
  const bool wide_ = fast::wide_block_work();
  // Per block row.
  double rad_[3][kMaxRows];
  std::int32_t phase_id_[kMaxRows];
  std::uint8_t has_phase_[kMaxRows], no_phase_row_[kMaxRows], indexed_[kMaxRows], certain_[kMaxRows];
  double zeros_[kMaxRows] = {};
};

}  // namespace

bool read_ctf_fast(const std::filesystem::path& path, const CtfReadOptions& options, CtfReadResult& result) {
  return fast::try_fast_reader<FastCtf>(path, options, result);
}

}  // namespace ebsd::io::ctf_detail

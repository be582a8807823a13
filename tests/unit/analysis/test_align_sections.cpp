// Slice alignment by misorientation: a synthetic stack whose slices are displaced by known
// offsets is brought back by exactly the opposite shifts; aligned data stay put.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "ebsd/analysis/align_sections.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/synth/microstructure.hpp"

namespace {

using ebsd::Volume;
using ebsd::analysis::AlignSectionsOptions;
using ebsd::analysis::ShiftSearch;

struct Offset {
  std::int64_t x = 0, y = 0;
};

ebsd::synth::SynthResult make_stack(std::vector<std::int64_t> missing = {}) {
  ebsd::synth::SynthOptions o;
  o.dims = {40, 36, 8};
  o.grains = 24;
  o.seed = 11;
  o.missing_slices = std::move(missing);
  return ebsd::synth::generate_microstructure(o);
}

// The stack as a drifting stage would record it: the content of slice z moved by offsets[z],
// i.e. displaced(x + ox, y + oy, z) = original(x, y, z); what comes from outside is unindexed.
// Written independently of apply_section_shifts.
Volume displace(const Volume& v, const std::vector<Offset>& offsets) {
  Volume d(v.dims(), v.spacing(), v.origin());
  d.phases() = v.phases();
  for (auto z : v.missing_slices()) d.mark_missing(z);
  for (std::int64_t z = 0; z < v.nz(); ++z)
    for (std::int64_t y = 0; y < v.ny(); ++y)
      for (std::int64_t x = 0; x < v.nx(); ++x) {
        const std::int64_t tx = x + offsets[static_cast<std::size_t>(z)].x, ty = y + offsets[static_cast<std::size_t>(z)].y;
        if (!d.contains(tx, ty, z)) continue;
        const auto from = v.index(x, y, z), to = d.index(tx, ty, z);
        d.set_orientation(to, v.orientation(from));
        d.phase_ids()[static_cast<std::size_t>(to)] = v.phase_ids()[static_cast<std::size_t>(from)];
        d.valid()[static_cast<std::size_t>(to)] = v.valid()[static_cast<std::size_t>(from)];
        d.confidence()[static_cast<std::size_t>(to)] = v.confidence()[static_cast<std::size_t>(from)];
      }
  return d;
}

// Offsets of the content, per slice; the first slice is displaced too, so the expected shifts
// are relative to it: -(offset[z] - offset[0]).
const std::vector<Offset> kOffsets{{1, 0}, {3, -1}, {4, 1}, {2, 3}, {-1, 2}, {0, 0}, {2, -2}, {5, -1}};
const std::vector<Offset> kExpected{{0, 0}, {-2, 1}, {-3, -1}, {-1, -3}, {2, -2}, {1, 0}, {-1, 2}, {-4, 1}};

void expect_shifts(const ebsd::analysis::AlignSectionsResult& r, const std::vector<Offset>& expected) {
  ASSERT_EQ(r.slices.size(), expected.size());
  for (std::size_t z = 0; z < expected.size(); ++z) {
    EXPECT_EQ(r.slices[z].z, static_cast<std::int64_t>(z));
    EXPECT_EQ(r.slices[z].dx, expected[z].x) << "slice " << z;
    EXPECT_EQ(r.slices[z].dy, expected[z].y) << "slice " << z;
  }
}

TEST(AlignSections, AlignedStackGetsZeroShifts) {
  const auto s = make_stack();
  Volume v = s.volume;
  const auto r = ebsd::analysis::align_sections(v);
  expect_shifts(r, std::vector<Offset>(8));
  EXPECT_EQ(r.slices[0].status, "reference");
  for (std::size_t z = 1; z < 8; ++z) {
    EXPECT_EQ(r.slices[z].status, "aligned");
    EXPECT_GT(r.slices[z].compared, 1000);
    // Consecutive slices of the synthetic grains differ only where boundaries move.
    EXPECT_LT(r.slices[z].misfit, 0.2);
  }
  // Nothing moved: the data are unchanged apart from the provenance record.
  EXPECT_TRUE(std::equal(v.quaternion_data().begin(), v.quaternion_data().end(), s.volume.quaternion_data().begin()));
  EXPECT_TRUE(std::equal(v.valid().begin(), v.valid().end(), s.volume.valid().begin()));
  ASSERT_FALSE(v.provenance().empty());
  EXPECT_EQ(v.provenance().back().step, "align-sections");
}

TEST(AlignSections, DisplacedSlicesAreShiftedBackByTheKnownOffsets) {
  const auto s = make_stack();
  Volume d = displace(s.volume, kOffsets);
  const auto r = ebsd::analysis::align_sections(d);
  expect_shifts(r, kExpected);
  EXPECT_EQ(r.slices[2].relative_dx, -1);  // offset 4 after 3 along x: one back
  EXPECT_EQ(r.slices[2].relative_dy, -2);  // 1 after -1 along y
  // Every voxel still valid after realignment holds the orientation of the original voxel at
  // the place of the first slice's content, i.e. original(x - 1, y, z).
  std::int64_t checked = 0;
  for (std::int64_t z = 0; z < d.nz(); ++z)
    for (std::int64_t y = 0; y < d.ny(); ++y)
      for (std::int64_t x = 0; x < d.nx(); ++x) {
        const auto i = d.index(x, y, z);
        if (!d.is_valid(i)) continue;
        ASSERT_TRUE(s.volume.contains(x - 1, y, z));
        const auto o = s.volume.index(x - 1, y, z);
        const ebsd::Quat a = d.orientation(i), b = s.volume.orientation(o);
        EXPECT_TRUE(a.w == b.w && a.x == b.x && a.y == b.y && a.z == b.z) << x << " " << y << " " << z;
        ++checked;
      }
  // Slice z keeps the columns and rows its content covers after the shift: at least the
  // overlap with every other slice, (40 - 6) x (36 - 5) voxels.
  EXPECT_GE(checked, 8 * 34 * 31);
  const auto& rec = d.provenance().back();
  EXPECT_EQ(rec.step, "align-sections");
  EXPECT_EQ(rec.parameters["shifts"][3]["dx"], -1);
  EXPECT_EQ(rec.parameters["shifts"][3]["dy"], -3);
  EXPECT_DOUBLE_EQ(rec.parameters["tolerance_deg"].get<double>(), 5.0);
}

TEST(AlignSections, ExhaustiveSearchFindsTheSameShifts) {
  const auto s = make_stack();
  AlignSectionsOptions o;
  o.search = ShiftSearch::Exhaustive;
  o.max_shift = 6;
  expect_shifts(ebsd::analysis::find_section_shifts(displace(s.volume, kOffsets), o), kExpected);
}

TEST(AlignSections, MissingSlicesAreSkippedAndBridged) {
  const auto s = make_stack({4});
  ASSERT_EQ(s.volume.missing_slices().count(4), 1u);
  const auto r = ebsd::analysis::find_section_shifts(displace(s.volume, kOffsets));
  EXPECT_EQ(r.slices[4].status, "skipped-missing");
  EXPECT_EQ(r.slices[4].compared, 0);
  // The missing slice keeps the shift of the slice before it; slice 5 is compared with slice 3.
  auto expected = kExpected;
  expected[4] = expected[3];
  expect_shifts(r, expected);
  EXPECT_EQ(r.slices[5].relative_dx, 2);   // from slice 3's (2, 3) to slice 5's (0, 0): -(0 - 2)
  EXPECT_EQ(r.slices[5].relative_dy, 3);
}

TEST(AlignSections, AnEmptySliceIsSkippedLikeAMissingOne) {
  const auto s = make_stack();
  Volume d = displace(s.volume, kOffsets);
  for (std::int64_t y = 0; y < d.ny(); ++y)
    for (std::int64_t x = 0; x < d.nx(); ++x) d.valid()[static_cast<std::size_t>(d.index(x, y, 0))] = 0;  // not marked missing
  const auto r = ebsd::analysis::find_section_shifts(d);
  EXPECT_EQ(r.slices[0].status, "skipped-empty");
  EXPECT_EQ(r.slices[1].status, "reference");
  // Shifts are now relative to slice 1: -(offset[z] - offset[1]).
  EXPECT_EQ(r.slices[2].dx, -1);
  EXPECT_EQ(r.slices[2].dy, -2);
  EXPECT_EQ(r.slices[7].dx, -2);
  EXPECT_EQ(r.slices[7].dy, 0);
}

TEST(AlignSections, MaxShiftBoundsTheSearch) {
  const auto s = make_stack();
  std::vector<Offset> offsets(8);
  offsets[1] = {3, 0};  // slice 1 drifted by 3, beyond a maximum of 2
  AlignSectionsOptions o;
  o.max_shift = 2;
  o.search = ShiftSearch::Exhaustive;
  const auto r = ebsd::analysis::find_section_shifts(displace(s.volume, offsets), o);
  EXPECT_LE(std::abs(r.slices[1].relative_dx), 2);
  EXPECT_LE(std::abs(r.slices[1].relative_dy), 2);
  o.max_shift = 3;
  const auto r3 = ebsd::analysis::find_section_shifts(displace(s.volume, offsets), o);
  EXPECT_EQ(r3.slices[1].dx, -3);
  EXPECT_EQ(r3.slices[1].dy, 0);
}

TEST(AlignSections, ApplyMovesContentAndInvalidatesWhatIsUncovered) {
  Volume v({3, 2, 2});
  v.phases().push_back({});
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    v.valid()[static_cast<std::size_t>(i)] = 1;
    v.phase_ids()[static_cast<std::size_t>(i)] = 1;
    v.confidence()[static_cast<std::size_t>(i)] = static_cast<float>(i);
  }
  v.set_channel("bse", {std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, "", ""});
  v.set_grain_ids(std::vector<std::int32_t>(12, 1));
  std::vector<ebsd::analysis::SliceShift> shifts(2);
  shifts[0].z = 0;
  shifts[1].z = 1;
  shifts[1].dx = 1;
  shifts[1].dy = -1;
  ebsd::analysis::apply_section_shifts(v, shifts);
  // Slice 0 untouched.
  for (int i = 0; i < 6; ++i) EXPECT_EQ(v.confidence()[static_cast<std::size_t>(i)], static_cast<float>(i));
  // Slice 1 (voxels 6..11, rows y=0: 6 7 8, y=1: 9 10 11) moved by (+1, -1): the new row 0
  // holds (-, 9, 10) and row 1 is uncovered.
  EXPECT_FALSE(v.is_valid(6));
  EXPECT_EQ(v.phase_ids()[6], 0);
  EXPECT_TRUE(std::isnan(v.channel("bse").values[6]));
  EXPECT_TRUE(v.is_valid(7));
  EXPECT_EQ(v.confidence()[7], 9.0f);
  EXPECT_EQ(v.channel("bse").values[8], 10.0f);
  for (int i = 9; i < 12; ++i) {
    EXPECT_FALSE(v.is_valid(i));
    EXPECT_EQ(v.confidence()[static_cast<std::size_t>(i)], 0.0f);
  }
  EXPECT_FALSE(v.has_grain_ids());
  shifts.pop_back();
  EXPECT_THROW(ebsd::analysis::apply_section_shifts(v, shifts), ebsd::Error);
}

TEST(AlignSections, BadOptionsAreRejectedAndCancellationStops) {
  Volume v = make_stack().volume;
  AlignSectionsOptions o;
  o.tolerance_rad = 0.0;
  EXPECT_THROW(ebsd::analysis::find_section_shifts(v, o), ebsd::Error);
  o = {};
  o.max_shift = -1;
  EXPECT_THROW(ebsd::analysis::find_section_shifts(v, o), ebsd::Error);
  o = {};
  o.min_overlap_fraction = 1.5;
  EXPECT_THROW(ebsd::analysis::find_section_shifts(v, o), ebsd::Error);
  ebsd::CancelToken token;
  token.cancel();
  ebsd::Progress p({}, &token);
  EXPECT_THROW(ebsd::analysis::align_sections(v, {}, p), ebsd::Cancelled);
}

TEST(AlignSections, SingleSliceHasNothingToAlign) {
  ebsd::synth::SynthOptions o;
  o.dims = {20, 20, 1};
  o.grains = 5;
  Volume v = ebsd::synth::generate_microstructure(o).volume;
  const auto r = ebsd::analysis::align_sections(v);
  ASSERT_EQ(r.slices.size(), 1u);
  EXPECT_EQ(r.slices[0].status, "reference");
  EXPECT_EQ(r.slices[0].dx, 0);
}

}  // namespace

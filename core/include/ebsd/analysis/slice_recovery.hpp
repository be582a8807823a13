#pragma once
// Recovery of missing or damaged z slices (METHODS.md section 6): the baselines (nearest slice,
// symmetry-aware interpolation, DREAM.3D-style neighbour fill), the projections that turn a
// network's per-voxel prediction into a valid microstructure (the paper's grain-id projection
// and our symmetry-aware orientation projection), the detection of slices to recover, and a
// per-voxel confidence channel. docs/recovery.md describes the method and its evaluation.
//
// Runs of consecutive slices are filled from the outside in (first and last slice of a run, then
// inwards), each slice from the nearest available slice below and above; a run touching the
// volume's border has one side only and every method then copies that side.
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>
#include "ebsd/core/progress.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::analysis {

// The channel every recovery writes: 1 where the neighbours agree, lower where the choice was
// uncertain, 0 where nothing could be recovered; untouched slices keep 1.
inline constexpr const char* kRecoveryConfidenceChannel = "recovery_confidence";

enum class RecoveryMethod { Nearest, Interp, Fill, Projection };

// Sorted, unique slice runs [first, last] (inclusive) of consecutive indices.
struct SliceRun {
  std::int64_t first = 0, last = 0;
};
std::vector<SliceRun> consecutive_runs(std::vector<std::int64_t> slices);

// The order in which the slices of the runs are filled: for each run first, last, first+1, ...
std::vector<std::int64_t> outside_in_order(std::span<const SliceRun> runs);

struct DetectOptions {
  double drop_ratio = 0.6;          // mean CI or IQ below this fraction of the neighbours' median
  double min_valid_fraction = 0.5;  // fewer valid voxels than this fraction of the slice (absolute)
  double valid_drop_ratio = 0.6;    // or than this fraction of the neighbours' median valid fraction
};
// Missing and damaged marks, slices whose mean CI or IQ (over valid voxels) drops well below the
// median of the two slices on each side, and slices with few valid voxels. Sorted.
std::vector<std::int64_t> detect_bad_slices(const Volume& v, const DetectOptions& options = {});

// Invalidates the slices (orientation identity, phase 0, CI 0, IQ 0, grain id 0) so that nothing
// of their data leaks into a recovery. Throws ebsd::Error for slices outside the volume.
void clear_slices(Volume& v, std::span<const std::int64_t> slices);

// A predictor supplies, for slice z with context slices known (already filled or given), one
// orientation per voxel of the slice (nx*ny, x fastest); used by the projection.
using SlicePredictor = std::function<std::vector<Quat>(const Volume& v, std::int64_t z)>;

// How Projection turns the prediction into orientations (docs/recovery.md, "projection").
//  - Nearest: the paper's rule (METHODS.md 6(a)): where the voxels below and above agree, that
//    grain; elsewhere, once at least min_neighbors candidates (below, above, assigned in-plane
//    4-neighbours) exist, the candidate nearest to the prediction (raster sweeps).
//  - Evidence: where below and above agree, that grain; elsewhere the candidates (below, above,
//    assigned in-plane 4-neighbours) are grouped into grains (agree_deg), each grain gets one vote
//    per candidate, and the grain nearest to the prediction by disorientation gets
//    prediction_weight * (d2 - d1) / (d2 + d1) votes more (d1, d2: disorientation of the
//    prediction to the nearest and the runner-up grain) and wins ties; the grain with most votes
//    wins. A voxel is decided once its best grain has at least `need` plain votes (2, then 1 when
//    a sweep decides nothing), all decisions of a sweep seeing the state at its start. The
//    prediction thus decides wherever the neighbours' votes are tied or closer than its margin
//    allows; with prediction_weight 0 this is exactly the Fill baseline.
enum class ProjectionRule { Nearest, Evidence };

struct RecoveryOptions {
  RecoveryMethod method = RecoveryMethod::Nearest;
  SlicePredictor predictor;           // required for Projection
  ProjectionRule projection = ProjectionRule::Evidence;
  double prediction_weight = 3.0;     // Evidence: votes of the prediction at full margin (validation seeds chose 3)
  bool project_grain_ids = false;     // Nearest projection: the paper's grain-id variant (needs grain ids)
  int min_neighbors = 6;              // Nearest projection: the paper's starting minimum candidate count
  double agree_deg = 5.0;             // neighbours closer than this count as the same grain
};

struct RecoveryReport {
  std::vector<std::int64_t> slices;  // recovered, in fill order
  std::int64_t voxels = 0;           // voxels given an orientation
  double mean_confidence = 0.0;
};

// Recovers the slices in place (they are cleared first) and writes the confidence channel;
// unmarks them as missing/damaged. Throws ebsd::Error when every slice would be recovered,
// ebsd::Cancelled on cancellation.
RecoveryReport recover_slices(Volume& v, std::span<const std::int64_t> slices, const RecoveryOptions& options,
                              Progress& progress = Progress::none());

// The symmetric equivalent of `q` (s * q over the operators of g) nearest to `reference`, with
// the sign that makes their dot product non-negative.
Quat nearest_equivalent(const Quat& q, const Quat& reference, LaueGroup g);

// Symmetry-aware slerp from a (t = 0) to b (t = 1).
Quat symmetric_slerp(const Quat& a, const Quat& b, double t, LaueGroup g);

// One candidate of the orientation projection.
struct Candidate {
  Quat orientation;
  std::int32_t phase_id = 0;
  std::int32_t grain_id = 0;
  float ci = 0.0f, iq = 0.0f;
};

// The candidate nearest to `predicted` by symmetry-aware disorientation (each candidate's own
// Laue group; phase 0 compares without symmetry). Returns its index and the disorientation
// (radians) via `angle`; `second` gets the runner-up's angle (pi when there is none).
std::size_t nearest_candidate(const Quat& predicted, std::span<const Candidate> candidates, const Volume& v,
                              double* angle = nullptr, double* second = nullptr);

}  // namespace ebsd::analysis

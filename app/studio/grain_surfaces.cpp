#include "grain_surfaces.hpp"

#include <algorithm>
#include <unordered_map>
#include <vector>

#include <vtkCellArray.h>
#include <vtkCellData.h>
#include <vtkFloatArray.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkUnsignedCharArray.h>

#include "ebsd/core/error.hpp"
#include "ebsd/orientation/disorientation.hpp"
#include "ebsd/orientation/ipf.hpp"

namespace ebsd::studio {
namespace {

constexpr std::size_t kOrientationsPerGrain = 64;

// The reduced grid: sample (bx, by, bz) stands for the voxel at its block's centre.
struct SampleGrid {
  const Volume& v;
  int f;
  Index3 d;
  std::int64_t voxel(std::int64_t bx, std::int64_t by, std::int64_t bz) const {
    const auto c = [&](std::int64_t b, std::int64_t n) { return std::min(b * f + f / 2, n - 1); };
    return v.index(c(bx, v.nx()), c(by, v.ny()), c(bz, v.nz()));
  }
  // Grain id of a sample; 0 for unindexed voxels and grain 0.
  std::int32_t label(std::int64_t bx, std::int64_t by, std::int64_t bz) const {
    const std::int64_t i = voxel(bx, by, bz);
    return v.is_valid(i) ? std::max<std::int32_t>(0, v.grain_ids()[static_cast<std::size_t>(i)]) : 0;
  }
};

struct GrainAccum {
  std::vector<Quat> orientations;
  std::int32_t phase = 0;
};

// Colours of every grain with samples, from up to kOrientationsPerGrain samples each.
std::unordered_map<std::int32_t, std::array<std::uint8_t, 3>> grainColours(const SampleGrid& g, const Eigen::Vector3d& dir,
                                                                            Progress& progress, std::int32_t only = 0) {
  std::unordered_map<std::int32_t, GrainAccum> grains;
  for (std::int64_t bz = 0; bz < g.d[2]; ++bz) {
    progress.check();
    for (std::int64_t by = 0; by < g.d[1]; ++by)
      for (std::int64_t bx = 0; bx < g.d[0]; ++bx) {
        const std::int32_t id = g.label(bx, by, bz);
        if (id <= 0 || (only > 0 && id != only)) continue;
        GrainAccum& a = grains[id];
        if (a.orientations.size() >= kOrientationsPerGrain) continue;
        const std::int64_t i = g.voxel(bx, by, bz);
        if (a.orientations.empty()) a.phase = g.v.phase_ids()[static_cast<std::size_t>(i)];
        if (g.v.phase_ids()[static_cast<std::size_t>(i)] == a.phase) a.orientations.push_back(g.v.orientation(i));
      }
  }
  std::unordered_map<std::int32_t, std::array<std::uint8_t, 3>> colours;
  for (const auto& [id, a] : grains) {
    std::array<std::uint8_t, 3> rgb{0, 0, 0};
    const auto p = static_cast<std::size_t>(a.phase);
    if (p >= 1 && p <= g.v.phases().size()) {
      const LaueGroup laue = g.v.phases()[p - 1].laue;
      rgb = ipf_color(mean_orientation(a.orientations, laue), dir, laue);
    }
    colours[id] = rgb;
  }
  return colours;
}

}  // namespace

std::array<std::uint8_t, 3> grainSurfaceColour(const Volume& volume, const VolumeRenderingPlan& plan, std::int32_t id,
                                               const Eigen::Vector3d& ipfDirection) {
  const SampleGrid g{volume, plan.factor, plan.dims};
  const auto colours = grainColours(g, ipfDirection, Progress::none(), id);
  const auto it = colours.find(id);
  return it == colours.end() ? std::array<std::uint8_t, 3>{0, 0, 0} : it->second;
}

GrainSurfaces buildGrainSurfaces(const Volume& v, const VolumeRenderingPlan& plan, const Eigen::Vector3d& ipfDirection,
                                 Progress& progress) {
  if (!v.has_grain_ids()) throw Error("the volume has no grain ids: run the \"segment\" step first", "", "grain surfaces");
  const SampleGrid g{v, plan.factor, plan.dims};
  const Index3& d = plan.dims;
  Progress colourPart = progress.part(0.0, 0.3, "grain colours");
  const auto colours = grainColours(g, ipfDirection, colourPart);

  // Where the blocks' faces lie along each axis: block k spans voxels k f .. min((k+1) f, n) - 1,
  // whose outer faces are half a voxel beyond their centres.
  std::array<std::vector<double>, 3> edges;
  for (std::size_t a = 0; a < 3; ++a) {
    const std::int64_t n = v.dims()[a];
    for (std::int64_t k = 0; k <= d[a]; ++k)
      edges[a].push_back(v.origin()[a] + (static_cast<double>(std::min(k * plan.factor, n)) - 0.5) * v.spacing()[a]);
  }
  // Each side of a boundary is set back into its own grain by 2 % of the smallest sample size.
  const double inset = 0.02 * plan.factor * std::min({v.spacing()[0], v.spacing()[1], v.spacing()[2]});

  std::vector<float> points, normals;
  std::vector<std::uint8_t> rgb;
  auto addQuad = [&](int axis, double at, std::int64_t u0, std::int64_t w0, float sign, const std::array<std::uint8_t, 3>& c) {
    const int ua = axis == 0 ? 1 : 0, wa = axis == 2 ? 1 : 2;
    const double us[4] = {edges[ua][u0], edges[ua][u0 + 1], edges[ua][u0 + 1], edges[ua][u0]};
    const double ws[4] = {edges[wa][w0], edges[wa][w0], edges[wa][w0 + 1], edges[wa][w0 + 1]};
    for (int k = 0; k < 4; ++k) {
      float x[3];
      x[axis] = static_cast<float>(at);
      x[ua] = static_cast<float>(us[k]);
      x[wa] = static_cast<float>(ws[k]);
      points.insert(points.end(), x, x + 3);
    }
    float n[3] = {0, 0, 0};
    n[axis] = sign;
    normals.insert(normals.end(), n, n + 3);
    rgb.insert(rgb.end(), c.begin(), c.end());
  };
  auto colourOf = [&](std::int32_t id) {
    const auto it = colours.find(id);
    return it == colours.end() ? std::array<std::uint8_t, 3>{0, 0, 0} : it->second;
  };

  // One pass: the face between sample p and its next neighbour along each axis (samples outside
  // the grid are label 0, so grains close at the volume's faces).
  for (std::int64_t bz = -1; bz < d[2]; ++bz) {
    progress.report(0.3 + 0.6 * double(bz + 1) / double(d[2] + 1), "grain boundaries");
    progress.check();
    for (std::int64_t by = -1; by < d[1]; ++by)
      for (std::int64_t bx = -1; bx < d[0]; ++bx) {
        const bool inside = bx >= 0 && by >= 0 && bz >= 0;
        const std::int32_t here = inside ? g.label(bx, by, bz) : 0;
        const std::array<std::int64_t, 3> p{bx, by, bz};
        for (int a = 0; a < 3; ++a) {
          std::array<std::int64_t, 3> q = p;
          ++q[static_cast<std::size_t>(a)];
          // Both samples must be in the padded grid, and the face must lie over the grid.
          bool overGrid = true;
          for (int k = 0; k < 3; ++k)
            if (k != a && (p[static_cast<std::size_t>(k)] < 0)) overGrid = false;
          if (!overGrid) continue;
          const bool qInside = q[0] < d[0] && q[1] < d[1] && q[2] < d[2];  // q >= 0: p >= -1 plus one along a, others >= 0
          const std::int32_t there = qInside ? g.label(q[0], q[1], q[2]) : 0;
          if (here == there) continue;
          const double at = edges[static_cast<std::size_t>(a)][static_cast<std::size_t>(p[static_cast<std::size_t>(a)] + 1)];
          const int ua = a == 0 ? 1 : 0, wa = a == 2 ? 1 : 2;
          const std::int64_t u0 = p[static_cast<std::size_t>(ua)], w0 = p[static_cast<std::size_t>(wa)];
          if (here > 0) addQuad(a, at - inset, u0, w0, +1.0f, colourOf(here));
          if (there > 0) addQuad(a, at + inset, u0, w0, -1.0f, colourOf(there));
        }
      }
  }

  GrainSurfaces out;
  out.grainCount = static_cast<std::int64_t>(colours.size());
  out.faceCount = static_cast<std::int64_t>(rgb.size() / 3);
  auto pts = vtkSmartPointer<vtkPoints>::New();
  pts->SetDataTypeToFloat();
  pts->SetNumberOfPoints(out.faceCount * 4);
  std::copy(points.begin(), points.end(), static_cast<float*>(pts->GetVoidPointer(0)));
  auto cells = vtkSmartPointer<vtkCellArray>::New();
  cells->AllocateExact(out.faceCount, out.faceCount * 4);
  for (vtkIdType c = 0; c < out.faceCount; ++c) {
    const vtkIdType ids[4] = {4 * c, 4 * c + 1, 4 * c + 2, 4 * c + 3};
    cells->InsertNextCell(4, ids);
  }
  auto colourArray = vtkSmartPointer<vtkUnsignedCharArray>::New();
  colourArray->SetName("colour");
  colourArray->SetNumberOfComponents(3);
  colourArray->SetNumberOfTuples(out.faceCount);
  std::copy(rgb.begin(), rgb.end(), colourArray->GetPointer(0));
  auto normalArray = vtkSmartPointer<vtkFloatArray>::New();
  normalArray->SetName("normals");
  normalArray->SetNumberOfComponents(3);
  normalArray->SetNumberOfTuples(out.faceCount);
  std::copy(normals.begin(), normals.end(), normalArray->GetPointer(0));
  out.surfaces = vtkSmartPointer<vtkPolyData>::New();
  out.surfaces->SetPoints(pts);
  out.surfaces->SetPolys(cells);
  out.surfaces->GetCellData()->SetScalars(colourArray);
  out.surfaces->GetCellData()->SetNormals(normalArray);
  progress.report(1.0, "grain surfaces ready");
  return out;
}

}  // namespace ebsd::studio

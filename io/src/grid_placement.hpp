#pragma once
// Placing scan points on a regular grid by their coordinates (private to io). Shared by the
// text readers: rows may be out of order, header steps may be wrong, points may be missing.
#include <cstdint>
#include <string>
#include <vector>

namespace ebsd::io {

struct GridPlacement {
  std::int64_t nx = 0, ny = 0;
  double xstep = 1, ystep = 1, x0 = 0, y0 = 0;
  std::vector<std::int64_t> source_row;  // nx*ny, x fastest; -1 where no point landed
  std::vector<std::string> warnings;
};

// xs/ys: point coordinates in file order. Steps are taken from the coordinates (median spacing
// of distinct values); the hints (header steps, 0 when absent) are used when the coordinates
// cannot tell (a single row or column) and a disagreement is reported as a warning. With
// hex = true, even rows (0-based) start at x0 and odd rows at x0 + xstep/2; the result is the
// square grid with the same x step where each cell takes the hexagonal point of its row at the
// same or the next lower x. Throws ebsd::Error when the coordinates span a grid far larger than
// the number of points (a corrupt file, not a sparse scan).
GridPlacement place_on_grid(const std::vector<double>& xs, const std::vector<double>& ys, double xstep_hint,
                            double ystep_hint, bool hex, const std::string& file);

// The same placement for square-grid rows in raster order (what place_on_grid detects itself):
// run_y.size() runs of run_x.size() points, run j with y = run_y[j] and the x values run_x. Steps,
// origin, nx, ny, the step and off-grid warnings and the errors are place_on_grid's for those
// points; source_row is left empty, and ix / iy hold the grid index of each run_x / run_y.
struct RasterPlacement {
  GridPlacement grid;
  std::vector<std::int64_t> ix, iy;
  // Point i of run j lands on node (i, j) for every point: source_row would be the identity.
  bool identity = false;
};
RasterPlacement place_raster(const std::vector<double>& run_x, const std::vector<double>& run_y, double xstep_hint,
                             double ystep_hint, const std::string& file);

}  // namespace ebsd::io

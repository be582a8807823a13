#include "grid_placement.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <unordered_set>

#include "ebsd/core/error.hpp"

namespace ebsd::io {
namespace {

// Distinct values (within a tolerance tied to their magnitude) and the median gap between them.
// The tolerance follows the span (float coordinates of a large map carry ~1e-7 relative noise)
// but never exceeds 1 % of the header step, so one stray far-off coordinate cannot hide the
// real spacing.
double median_step(const std::vector<double>& all, double hint, double& min_value) {
  // Only the distinct values matter (repeats add no gap): collect them with a hash set first,
  // which is linear in the point count, and sort the few thousand that remain. A map whose
  // coordinates are all distinct (noise) falls back to sorting them all; same result.
  std::vector<double> v;
  {
    std::unordered_set<double> seen;
    seen.reserve(4096);
    double last = std::numeric_limits<double>::quiet_NaN();
    for (double x : all) {
      if (x == last) continue;  // rows repeat y for a whole row
      last = x;
      if (seen.insert(x).second && seen.size() > all.size() / 4 + 4096) {
        v = all;
        seen.clear();
        break;
      }
    }
    if (v.empty()) v.assign(seen.begin(), seen.end());
  }
  std::sort(v.begin(), v.end());
  min_value = v.front();
  const double span = v.back() - v.front();
  double tol = 1e-6 * std::max(1.0, span);
  if (hint > 0) tol = std::min(tol, 0.01 * hint);
  std::vector<double> gaps;
  double last = v.front();
  for (double x : v) {
    if (x - last > tol) {
      gaps.push_back(x - last);
      last = x;
    }
  }
  if (gaps.empty()) return 0.0;
  std::nth_element(gaps.begin(), gaps.begin() + static_cast<std::ptrdiff_t>(gaps.size() / 2), gaps.end());
  return gaps[gaps.size() / 2];
}

std::string fmt(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}

// Rows in raster order, the usual layout: the file is ny runs of nx points, each run with one
// y value and the x values of the first run. Then the first run's x values and each run's y
// value are all the distinct coordinates, and each point's grid index follows from its run and
// position: computing per distinct value gives exactly what the per-point computation gives.
// Returns nx, or 0 when the rows are not in that order.
std::size_t raster_width(const std::vector<double>& xs, const std::vector<double>& ys) {
  const std::size_t n = xs.size();
  std::size_t nx = 1;
  while (nx < n && ys[nx] == ys[0]) ++nx;
  if (n % nx != 0) return 0;
  for (std::size_t r = nx; r < n; r += nx) {
    const double y = ys[r];
    for (std::size_t c = 0; c < nx; ++c)
      if (xs[r + c] != xs[c] || ys[r + c] != y) return 0;
  }
  return nx;
}

}  // namespace

namespace {

// Steps (median spacing, or the hints) and origin from the distinct coordinates.
void steps_and_origin(GridPlacement& g, const std::vector<double>& xs, const std::vector<double>& ys, double xstep_hint,
                      double ystep_hint, bool hex) {
  double xmin = 0, ymin = 0;
  double xs_step = median_step(xs, hex ? xstep_hint / 2 : xstep_hint, xmin);
  double ys_step = median_step(ys, ystep_hint, ymin);
  if (hex && xs_step > 0) xs_step *= 2.0;  // shifted rows interleave at half the step
  auto choose = [&](double from_data, double hint, const char* name) {
    if (from_data > 0) {
      // Agreeing within 0.1 %: the header's exact value, not the float-noisy median gap.
      if (hint > 0 && std::fabs(from_data - hint) <= 1e-3 * hint) return hint;
      if (hint > 0)
        g.warnings.push_back(std::string("header ") + name + " " + fmt(hint) + " but the coordinates are " + fmt(from_data) +
                             " apart; using the coordinates");
      return from_data;
    }
    return hint > 0 ? hint : 1.0;
  };
  g.xstep = choose(xs_step, xstep_hint, "XSTEP");
  g.ystep = choose(ys_step, ystep_hint, "YSTEP");
  g.x0 = xmin;
  g.y0 = ymin;
}

void check_cells(const GridPlacement& g, std::size_t n, const std::string& file) {
  const double cells = static_cast<double>(g.nx) * static_cast<double>(g.ny);
  if (cells > 16.0 * static_cast<double>(n) + 1024.0)
    throw Error("the coordinates span " + std::to_string(g.nx) + " x " + std::to_string(g.ny) + " cells for only " +
                    std::to_string(n) + " points",
                file, "data");
}

void off_grid_warning(GridPlacement& g, std::int64_t off_grid) {
  if (off_grid > 0) g.warnings.push_back(std::to_string(off_grid) + " points lie between grid nodes; placed at the nearest node");
}

}  // namespace

RasterPlacement place_raster(const std::vector<double>& run_x, const std::vector<double>& run_y, double xstep_hint,
                             double ystep_hint, const std::string& file) {
  RasterPlacement rp;
  GridPlacement& g = rp.grid;
  const std::size_t run = run_x.size(), n = run * run_y.size();
  if (n == 0) throw Error("no points", file, "data");
  // median_step looks only at the distinct values, so the runs' values give the same steps.
  steps_and_origin(g, run_x, run_y, xstep_hint, ystep_hint, false);
  // The index of each distinct x (per position in a run) and y (per run), with the arithmetic
  // of the per-point loop of place_on_grid; the first bad point in file order is reported.
  std::vector<char> off_x, off_y, bad_x, bad_y;
  auto index = [](double v, double v0, double step, std::vector<std::int64_t>& idx, std::vector<char>& off, std::vector<char>& bad) {
    const double f = (v - v0) / step;
    const std::int64_t i = std::llround(f);
    idx.push_back(i);
    off.push_back(std::fabs(f - static_cast<double>(i)) > 0.25);
    bad.push_back(i < 0 || f > 1e9);
  };
  for (double x : run_x) index(x, g.x0, g.xstep, rp.ix, off_x, bad_x);
  for (double y : run_y) index(y, g.y0, g.ystep, rp.iy, off_y, bad_y);
  std::size_t first_bad_x = run;
  for (std::size_t c = 0; c < run && first_bad_x == run; ++c)
    if (bad_x[c]) first_bad_x = c;
  for (std::size_t j = 0; j < run_y.size(); ++j) {
    if (bad_y[j]) throw Error("coordinates do not form a grid", file, "data row " + std::to_string(j * run + 1));
    if (first_bad_x < run) throw Error("coordinates do not form a grid", file, "data row " + std::to_string(j * run + first_bad_x + 1));
  }
  std::int64_t maxx = 0, maxy = 0, off_grid = 0, off_in_run = 0;
  for (auto i : rp.ix) maxx = std::max(maxx, i);
  for (auto i : rp.iy) maxy = std::max(maxy, i);
  for (char o : off_x) off_in_run += o;
  for (char o : off_y) off_grid += o ? static_cast<std::int64_t>(run) : off_in_run;
  g.nx = maxx + 1;
  g.ny = maxy + 1;
  check_cells(g, n, file);
  off_grid_warning(g, off_grid);
  rp.identity = g.nx == static_cast<std::int64_t>(run) && g.ny == static_cast<std::int64_t>(run_y.size());
  for (std::size_t c = 0; c < run && rp.identity; ++c) rp.identity = rp.ix[c] == static_cast<std::int64_t>(c);
  for (std::size_t j = 0; j < run_y.size() && rp.identity; ++j) rp.identity = rp.iy[j] == static_cast<std::int64_t>(j);
  return rp;
}

GridPlacement place_on_grid(const std::vector<double>& xs, const std::vector<double>& ys, double xstep_hint,
                            double ystep_hint, bool hex, const std::string& file) {
  const std::size_t n = xs.size();
  if (n == 0) throw Error("no points", file, "data");
  // Hexagonal rows alternate their x values: only square grids take the raster shortcut.
  const std::size_t run = hex ? 0 : raster_width(xs, ys);
  GridPlacement g;
  std::vector<std::int64_t> ix(n), iy(n);
  if (run > 0) {
    std::vector<double> run_x(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(run)), run_y;
    run_y.reserve(n / run);
    for (std::size_t r = 0; r < n; r += run) run_y.push_back(ys[r]);
    RasterPlacement rp = place_raster(run_x, run_y, xstep_hint, ystep_hint, file);
    g = std::move(rp.grid);
    for (std::size_t r = 0, j = 0; r < n; r += run, ++j)
      for (std::size_t c = 0; c < run; ++c) {
        ix[r + c] = rp.ix[c];
        iy[r + c] = rp.iy[j];
      }
  } else {
    steps_and_origin(g, xs, ys, xstep_hint, ystep_hint, hex);
    std::int64_t maxx = 0, maxy = 0, off_grid = 0;
    for (std::size_t r = 0; r < n; ++r) {
      const double fy = (ys[r] - g.y0) / g.ystep;
      iy[r] = std::llround(fy);
      const bool shifted = hex && (iy[r] % 2 == 1);
      const double fx = (xs[r] - g.x0 - (shifted ? 0.5 * g.xstep : 0.0)) / g.xstep;
      ix[r] = std::llround(fx);
      if (std::fabs(fx - static_cast<double>(ix[r])) > 0.25 || std::fabs(fy - static_cast<double>(iy[r])) > 0.25) ++off_grid;
      if (ix[r] < 0 || iy[r] < 0 || fx > 1e9 || fy > 1e9) throw Error("coordinates do not form a grid", file, "data row " + std::to_string(r + 1));
      maxx = std::max(maxx, ix[r]);
      maxy = std::max(maxy, iy[r]);
    }
    g.nx = maxx + 1;
    g.ny = maxy + 1;
    check_cells(g, n, file);
    off_grid_warning(g, off_grid);
  }

  g.source_row.assign(static_cast<std::size_t>(g.nx * g.ny), -1);
  std::int64_t duplicates = 0;
  for (std::size_t r = 0; r < n; ++r) {
    auto& slot = g.source_row[static_cast<std::size_t>(iy[r] * g.nx + ix[r])];
    if (slot >= 0) ++duplicates;
    slot = static_cast<std::int64_t>(r);
  }
  if (duplicates > 0) g.warnings.push_back(std::to_string(duplicates) + " points share a grid node with another; the later row wins");
  if (hex) {
    // Odd rows have one point fewer at the right edge: take the point to the left.
    for (std::int64_t y = 1; y < g.ny; y += 2) {
      auto* row = &g.source_row[static_cast<std::size_t>(y * g.nx)];
      for (std::int64_t x = g.nx - 1; x > 0; --x)
        if (row[x] < 0 && row[x - 1] >= 0) row[x] = row[x - 1];
    }
  }
  std::int64_t empty = 0;
  for (auto s : g.source_row) empty += s < 0;
  if (empty > 0) g.warnings.push_back(std::to_string(empty) + " grid nodes have no point and are marked invalid");
  return g;
}

}  // namespace ebsd::io

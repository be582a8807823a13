// Benchmark of the studio window (label bench): time to open a 256^3 volume and show its first
// frame in all four views, and frames per second while stepping through slices, under whatever
// OpenGL the display offers (Mesa llvmpipe under Xvfb in CI). Goals (issue 5): under 2 s, at
// least 30 fps. Prints a table; docs/benchmarks.md says how to reproduce.
//
//   xvfb-run -a -s '-screen 0 1600x1200x24 -noreset' build/app/studio/bench_studio [--large]
//
// Two volumes of the same grains: "grains" (one orientation per grain, as synthetic or
// cleaned-up data) and "scatter" (every voxel its own orientation, as raw measurements: no two
// voxels share an IPF colour computation). --large adds a 512^3 volume, opened from memory.
#include <QApplication>
#include <QMouseEvent>
#include <QWindow>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QSettings>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <cstdio>
#include <random>
#include <string>

#include "ebsd/io/volume_file.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "main_window.hpp"
#include "ortho_slice_images.hpp"
#include "slice_cursor.hpp"
#include "slice_view.hpp"
#include "volume_document.hpp"
#include "volume_view_3d.hpp"
#include "vtk_bridge_widget.hpp"

#include <vtkGenericOpenGLRenderWindow.h>

namespace {

using namespace ebsd;
using namespace ebsd::studio;

// Grains as the cells of a jittered grid (nearest seed among the 27 neighbouring cells), each
// with a random orientation; with `scatter`, every voxel is turned by up to ~1 degree more.
Volume proceduralVolume(std::int64_t n, bool scatter) {
  constexpr std::int64_t cell = 16;
  const std::int64_t cells = (n + cell - 1) / cell;
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<std::array<double, 3>> seeds(static_cast<std::size_t>(cells * cells * cells));
  std::vector<Quat> orientation(seeds.size());
  for (std::size_t k = 0; k < seeds.size(); ++k) {
    const std::int64_t c = static_cast<std::int64_t>(k);
    seeds[k] = {(double(c % cells) + u(rng)) * cell, (double((c / cells) % cells) + u(rng)) * cell,
                (double(c / (cells * cells)) + u(rng)) * cell};
    orientation[k] = quat_from_euler({2 * std::numbers::pi * u(rng), std::acos(2 * u(rng) - 1), 2 * std::numbers::pi * u(rng)});
  }
  Volume v({n, n, n});
  v.phases() = {Phase{"Nickel", LaueGroup::CubicHigh, {3.52, 3.52, 3.52, 90, 90, 90}}};
  std::vector<std::int32_t> grains(static_cast<std::size_t>(v.voxel_count()));
  std::normal_distribution<double> noise(0.0, 0.01);
  for (std::int64_t z = 0; z < n; ++z)
    for (std::int64_t y = 0; y < n; ++y)
      for (std::int64_t x = 0; x < n; ++x) {
        const std::int64_t cx = x / cell, cy = y / cell, cz = z / cell;
        double best = 1e300;
        std::int64_t bestSeed = 0;
        for (std::int64_t dz = -1; dz <= 1; ++dz)
          for (std::int64_t dy = -1; dy <= 1; ++dy)
            for (std::int64_t dx = -1; dx <= 1; ++dx) {
              const std::int64_t sx = cx + dx, sy = cy + dy, sz = cz + dz;
              if (sx < 0 || sy < 0 || sz < 0 || sx >= cells || sy >= cells || sz >= cells) continue;
              const std::int64_t s = sx + cells * (sy + cells * sz);
              const auto& p = seeds[static_cast<std::size_t>(s)];
              const double d = (p[0] - x) * (p[0] - x) + (p[1] - y) * (p[1] - y) + (p[2] - z) * (p[2] - z);
              if (d < best) best = d, bestSeed = s;
            }
        const std::int64_t i = v.index(x, y, z);
        const auto k = static_cast<std::size_t>(i);
        Quat q = orientation[static_cast<std::size_t>(bestSeed)];
        if (scatter) q = (Quat{1.0, noise(rng), noise(rng), noise(rng)}.normalized() * q).positive();
        v.set_orientation(i, q);
        v.phase_ids()[k] = 1;
        v.valid()[k] = 1;
        v.confidence()[k] = static_cast<float>(0.5 + 0.5 * u(rng));
        v.image_quality()[k] = static_cast<float>(150 + 50 * u(rng));
        grains[k] = static_cast<std::int32_t>(bestSeed + 1);
      }
  v.set_grain_ids(std::move(grains));
  return v;
}

std::vector<VtkBridgeWidget*> visibleCanvases(MainWindow& w) {
  std::vector<VtkBridgeWidget*> out;
  for (VtkBridgeWidget* c : {w.sliceView(SliceAxis::X)->canvas(), w.sliceView(SliceAxis::Y)->canvas(),
                             w.sliceView(SliceAxis::Z)->canvas(), w.view3D()->canvas()})
    if (c->isVisible()) out.push_back(c);
  return out;
}

// Paint and scene-render counters of the visible views.
struct Counts {
  std::vector<quint64> paints, scenes;
};

Counts counts(MainWindow& w) {
  Counts c;
  for (VtkBridgeWidget* v : visibleCanvases(w)) {
    c.paints.push_back(v->frameCount());
    c.scenes.push_back(v->sceneRenderCount());
  }
  return c;
}

// Lets paints asked for before a measurement happen first.
void settle() {
  QEventLoop loop;
  QTimer::singleShot(200, &loop, &QEventLoop::quit);
  loop.exec();
}

std::vector<std::size_t> allViews(MainWindow& w) {
  std::vector<std::size_t> all(visibleCanvases(w).size());
  for (std::size_t k = 0; k < all.size(); ++k) all[k] = k;
  return all;
}

// Runs the event loop until every visible view has painted a frame after `before` and every
// view in `mustRender` (indices into visibleCanvases) has rendered its VTK scene in it: the
// way a user sees it (changes request paints, Qt paints on its next update), at most 5 s.
// Returns false when the 5 s passed first. With `only`, only those views must paint.
bool waitForPaints(MainWindow& w, const Counts& before, const std::vector<std::size_t>& mustRender = {},
                   const std::vector<std::size_t>* only = nullptr) {
  const auto canvases = visibleCanvases(w);
  QElapsedTimer clock;
  clock.start();
  // Wakes the blocking wait below if a view had nothing to paint (then the cap ends it).
  QTimer tick;
  tick.start(10);
  for (;;) {
    bool all = true;
    for (std::size_t k = 0; k < canvases.size(); ++k)
      if (!only || std::find(only->begin(), only->end(), k) != only->end()) all = all && canvases[k]->frameCount() > before.paints[k];
    for (std::size_t k : mustRender) all = all && canvases[k]->sceneRenderCount() > before.scenes[k];
    if (all) return true;
    if (clock.elapsed() > 5000) return false;
    QApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents);
  }
}

// Process CPU time (all threads: the GL rasteriser's and the colouring's too), in ms.
double cpuMs() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

struct SteppingResult {
  double fps = 0.0;
  double cpuMsPerFrame = 0.0;
  double colourMs = 0.0;  // recolouring the stepped slice alone
  int incomplete = 0;     // steps that did not end with every changed view shown (5 s cap)
  std::string perStep;    // what each view did per step, on average
};

// Steps the XY slice through `frames` slices. A step counts as a frame once every visible view
// has painted (shown) a new frame after it, and the XY view and the 3D view, whose pictures the
// step changes, have rendered their VTK scenes in it. (XZ and YZ only move their crosshair,
// which the bridge draws over their last picture: they paint without rendering their scenes.)
SteppingResult stepSlices(MainWindow& w, int frames) {
  SliceCursor& cursor = w.cursor();
  const std::int64_t nz = cursor.dims()[2];
  const auto canvases = visibleCanvases(w);
  std::vector<std::size_t> mustRender;
  for (std::size_t k = 0; k < canvases.size(); ++k)
    if (canvases[k] == w.sliceView(SliceAxis::Z)->canvas() || canvases[k] == w.view3D()->canvas()) mustRender.push_back(k);
  SteppingResult r;
  settle();
  const Counts start = counts(w);
  const std::uint64_t kept0 = w.view3D()->keptLayerRenders();
  const std::uint64_t coloured0 = w.sliceImages().slicesColoured();
  QElapsedTimer clock;
  clock.start();
  const double cpu0 = cpuMs();
  for (int f = 0; f < frames; ++f) {
    const Counts before = counts(w);
    cursor.setSlice(SliceAxis::Z, (cursor.slice(SliceAxis::Z) + 1) % nz);
    if (!waitForPaints(w, before, mustRender)) ++r.incomplete;
  }
  r.fps = frames / (clock.nsecsElapsed() / 1e9);
  r.cpuMsPerFrame = (cpuMs() - cpu0) / frames;
  const Counts end = counts(w);
  char text[160];
  for (std::size_t k = 0; k < canvases.size(); ++k) {
    const char* name = canvases[k] == w.view3D()->canvas() ? "3D"
                       : canvases[k] == w.sliceView(SliceAxis::Z)->canvas() ? "XY"
                       : canvases[k] == w.sliceView(SliceAxis::Y)->canvas() ? "XZ"
                                                                              : "YZ";
    std::snprintf(text, sizeof text, "%s%s %.2f paints, %.2f scene renders", r.perStep.empty() ? "" : "; ", name,
                  double(end.paints[k] - start.paints[k]) / frames, double(end.scenes[k] - start.scenes[k]) / frames);
    r.perStep += text;
  }
  std::snprintf(text, sizeof text, "; %.2f slices coloured", double(w.sliceImages().slicesColoured() - coloured0) / frames);
  r.perStep += text;
  if (w.view3D()->canvas()->isVisible()) {
    std::snprintf(text, sizeof text, " (its kept layer drawn %.2f times)", double(w.view3D()->keptLayerRenders() - kept0) / frames);
    r.perStep += text;
  }
  // The colouring share alone (no paint waited for).
  clock.restart();
  for (int f = 0; f < frames; ++f) w.sliceImages().setCursor({0, 0, f % nz}, 0b100);
  r.colourMs = clock.nsecsElapsed() / 1e6 / frames;
  QApplication::processEvents();
  return r;
}

// Rotates the 3D view as a user does, dragging with the left button (VTK's trackball), a few
// pixels per frame; a frame counts once the 3D view has rendered and shown the new viewpoint.
// While the button is down the view draws its plain outline instead of the labelled axes (level
// of detail); the full-quality frame after the release is timed on its own.
struct RotationResult {
  double fps = 0.0, cpuMsPerFrame = 0.0, stillFrameMs = 0.0;
  int incomplete = 0;
};

RotationResult rotate3D(MainWindow& w, int frames) {
  QWindow* target = w.view3D()->canvas()->glWindow();
  const auto canvases = visibleCanvases(w);
  const auto at = std::find(canvases.begin(), canvases.end(), w.view3D()->canvas());
  const std::vector<std::size_t> view3d{std::size_t(at - canvases.begin())};
  const QPointF centre(target->width() / 2.0, target->height() / 2.0);
  auto send = [&](QEvent::Type type, QPointF p, Qt::MouseButtons buttons) {
    QMouseEvent e(type, p, target->mapToGlobal(p), Qt::LeftButton, buttons, Qt::NoModifier);
    QApplication::sendEvent(target, &e);
  };
  RotationResult r;
  settle();
  send(QEvent::MouseButtonPress, centre, Qt::LeftButton);
  QElapsedTimer clock;
  clock.start();
  const double cpu0 = cpuMs();
  for (int f = 1; f <= frames; ++f) {
    const Counts before = counts(w);
    send(QEvent::MouseMove, centre + QPointF(3.0 * f, 0.5 * f), Qt::LeftButton);
    if (!waitForPaints(w, before, view3d, &view3d)) ++r.incomplete;
  }
  r.fps = frames / (clock.nsecsElapsed() / 1e9);
  r.cpuMsPerFrame = (cpuMs() - cpu0) / frames;
  const Counts before = counts(w);
  clock.restart();
  send(QEvent::MouseButtonRelease, centre + QPointF(3.0 * frames, 0.5 * frames), Qt::NoButton);
  if (!waitForPaints(w, before, view3d, &view3d)) ++r.incomplete;
  r.stillFrameMs = clock.nsecsElapsed() / 1e6;
  return r;
}

// The OpenGL renderer's name, as VTK's render window reports it.
std::string glRenderer(MainWindow& w) {
  const std::string caps = w.view3D()->canvas()->renderWindow()->ReportCapabilities();
  const auto at = caps.find("OpenGL renderer string:");
  if (at == std::string::npos) return "unknown";
  const auto begin = at + std::string("OpenGL renderer string:").size();
  auto text = caps.substr(begin, caps.find('\n', begin) - begin);
  return text.erase(0, text.find_first_not_of(' '));
}

std::string cpuModel() {
  QFile f("/proc/cpuinfo");
  if (!f.open(QIODevice::ReadOnly)) return "unknown";
  for (const QByteArray& line : f.readAll().split('\n'))
    if (line.startsWith("model name")) return line.mid(line.indexOf(':') + 2).toStdString();
  return "unknown";
}

}  // namespace

int main(int argc, char** argv) {
  VtkBridgeWidget::installDefaultSurfaceFormat();
  QApplication app(argc, argv);
  const QStringList args = QApplication::arguments();
  const bool large = args.contains("--large");
  // --size N: another edge length than 256 (quick checks; the goals are for 256).
  const int sizeAt = int(args.indexOf("--size"));
  const std::int64_t n = sizeAt > 0 && sizeAt + 1 < args.size() ? args[sizeAt + 1].toLongLong() : 256;
  // --frames N: slices stepped per measurement (default 120); --only grains|scatter: one volume
  // (profiling runs).
  const int framesAt = int(args.indexOf("--frames"));
  const int frames = framesAt > 0 && framesAt + 1 < args.size() ? args[framesAt + 1].toInt() : 120;
  const int onlyAt = int(args.indexOf("--only"));
  const QString only = onlyAt > 0 && onlyAt + 1 < args.size() ? args[onlyAt + 1] : QString();
  QTemporaryDir dir;
  QSettings settings(dir.filePath("bench.ini"), QSettings::IniFormat);

  std::printf("EBSD Studio viewer benchmark\n");
  std::printf("CPU: %s, %d hardware threads\n", cpuModel().c_str(), QThread::idealThreadCount());

  struct Row {
    std::string volume;
    double readSeconds = 0, jobSeconds = 0, openSeconds = 0, firstFrameSeconds = 0;
    SteppingResult allViews, xyOnly;
    RotationResult rotation;
    double volumeRenderingSeconds = 0;  // --large: the 3D view switched to a volume rendering of CI
    std::string note;                   // and the note it shows then
  };
  std::vector<Row> rows;
  std::string renderer;
  for (const bool scatter : {false, true}) {
    if (!only.isEmpty() && only != (scatter ? "scatter" : "grains")) continue;
    const QString path = dir.filePath(scatter ? "scatter.ebsd.h5" : "grains.ebsd.h5");
    io::write_volume(path.toStdString(), proceduralVolume(n, scatter));
    // The reader alone (io's share of opening), with the file in the page cache as below.
    QElapsedTimer readClock;
    readClock.start();
    (void)io::read_volume(path.toStdString());
    const double readSeconds = readClock.nsecsElapsed() / 1e9;

    MainWindow w(settings);
    w.resize(1600, 1100);
    w.show();
    QApplication::processEvents();
    renderer = glRenderer(w);
    Row row;
    row.volume = std::to_string(n) + "^3 " + (scatter ? "scatter" : "grains");
    row.readSeconds = readSeconds;
    QObject::connect(&w.jobs(), &JobRunner::finished, &w,
                     [&row](const QString&, JobRunner::Outcome, const QString&, double seconds) { row.jobSeconds = seconds; });
    QElapsedTimer clock;
    clock.start();
    if (!w.openFileAndWait(path)) {
      std::fprintf(stderr, "cannot open %s: %s\n", path.toLocal8Bit().constData(), w.lastError().toLocal8Bit().constData());
      return 1;
    }
    row.openSeconds = clock.nsecsElapsed() / 1e9;
    // The first frame: every view shows a picture rendered from the new volume.
    waitForPaints(w, counts(w), allViews(w));
    row.firstFrameSeconds = clock.nsecsElapsed() / 1e9;
    row.allViews = stepSlices(w, frames);
    row.rotation = rotate3D(w, frames / 2);
    w.showSingleView(ViewId::XY);
    QApplication::processEvents();
    row.xyOnly = stepSlices(w, frames);
    rows.push_back(row);
  }
  if (large) {
    MainWindow w(settings);
    w.resize(1600, 1100);
    w.show();
    QApplication::processEvents();
    Row row;
    row.volume = "512^3 grains (from memory)";
    auto volume = std::make_shared<const Volume>(proceduralVolume(512, false));
    QElapsedTimer clock;
    clock.start();
    w.document().setOpened(volume, QString(), nullptr);
    row.openSeconds = clock.nsecsElapsed() / 1e9;
    waitForPaints(w, counts(w), allViews(w));
    row.firstFrameSeconds = clock.nsecsElapsed() / 1e9;
    row.allViews = stepSlices(w, 60);
    row.rotation = rotate3D(w, 30);
    w.showSingleView(ViewId::XY);
    QApplication::processEvents();
    row.xyOnly = stepSlices(w, 60);
    // Above the GL 3D texture limit and the interactive budget, the volume rendering is reduced
    // and the view says so.
    w.showSingleView(ViewId::ThreeD);
    QApplication::processEvents();
    settle();
    const Counts before = counts(w);
    clock.restart();
    w.setVolumeRendering(QStringLiteral("ci"));
    waitForPaints(w, before, allViews(w));
    row.volumeRenderingSeconds = clock.nsecsElapsed() / 1e9;
    row.note = w.view3D()->note().toStdString();
    rows.push_back(row);
  }

  std::printf("OpenGL renderer: %s\n\n", renderer.c_str());
  std::printf("| volume | io read alone (s) | read in the window's job (s) | open + first frame, 4 views (s) | stepping z, 4 views: fps (CPU ms/frame) | stepping z, XY alone: fps (CPU ms/frame) | colouring one XY slice (ms) |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (const Row& r : rows)
    std::printf("| %s | %.2f | %.2f | %.2f | %.1f (%.0f) | %.1f (%.0f) | %.1f |\n", r.volume.c_str(), r.readSeconds, r.jobSeconds, r.firstFrameSeconds,
                r.allViews.fps, r.allViews.cpuMsPerFrame, r.xyOnly.fps, r.xyOnly.cpuMsPerFrame, r.allViews.colourMs);
  std::printf("\nPer step (a frame counts once every visible view has shown a new frame and XY and 3D rendered their scenes in it):\n");
  int incomplete = 0;
  for (const Row& r : rows) {
    std::printf("- %s, 4 views: %s\n- %s, XY alone: %s\n", r.volume.c_str(), r.allViews.perStep.c_str(), r.volume.c_str(),
                r.xyOnly.perStep.c_str());
    incomplete += r.allViews.incomplete + r.xyOnly.incomplete + r.rotation.incomplete;
  }
  std::printf("\nRotating the 3D view (left drag, 4 views shown; outline instead of labelled axes while the button is down):\n");
  for (const Row& r : rows)
    std::printf("- %s: %.1f fps (%.0f CPU ms/frame); full-quality frame after the release %.0f ms\n", r.volume.c_str(), r.rotation.fps,
                r.rotation.cpuMsPerFrame, r.rotation.stillFrameMs);
  for (const Row& r : rows)
    if (!r.note.empty())
      std::printf("\n%s, volume rendering of CI in the 3D view: shown after %.2f s, with the note \"%s\"\n", r.volume.c_str(),
                  r.volumeRenderingSeconds, r.note.c_str());
  if (incomplete) std::printf("\n%d steps did not end with every changed view shown within 5 s\n", incomplete);
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) == 3) std::printf("\nLoad average at the end: %.2f %.2f %.2f (other processes share the CPUs)\n", load[0], load[1], load[2]);
  std::printf("\nGoals: open + first frame under 2 s, stepping at least 30 fps.\n");
  return incomplete ? 1 : 0;
}

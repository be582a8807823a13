// IPF colouring throughput on one CPU core: ns per orientation for ebsd::ipf_colors (the batch
// the studio uses), ebsd::ipf_color (closed-form sector reduction) and the operator-loop
// reference ipf_color was before (tests/support/ipf_color_reference.hpp), for every Laue group,
// random orientations, sample direction Z. Prints a table; exits 1 when a colour differs from the
// reference by more than one step of 255.
//
// Run: ninja -C build bench_ipf_color && build/tests/bench_ipf_color [orientations] [repetitions]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "ebsd/orientation/ipf.hpp"
#include "ipf_color_reference.hpp"

namespace {

using Clock = std::chrono::steady_clock;

template <class F>
double median_ns_per_call(int repetitions, std::size_t calls, F&& run) {
  std::vector<double> t;
  for (int r = 0; r < repetitions; ++r) {
    const auto start = Clock::now();
    run();
    t.push_back(std::chrono::duration<double, std::nano>(Clock::now() - start).count() / double(calls));
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 200000;
  const int repetitions = argc > 2 ? std::atoi(argv[2]) : 5;
  std::mt19937_64 rng(3);
  std::normal_distribution<double> g;
  std::vector<ebsd::Quat> q(n);
  for (auto& x : q) x = ebsd::Quat{g(rng), g(rng), g(rng), g(rng)}.normalized().positive();
  const Eigen::Vector3d z(0, 0, 1);

  std::vector<float> flat;
  for (const auto& x : q)
    for (double c : {x.w, x.x, x.y, x.z}) flat.push_back(static_cast<float>(c));
  std::printf("| Laue group | ipf_colors, batch (ns) | ipf_color (ns) | operator-loop reference (ns) | largest channel difference |\n");
  std::printf("|---|---|---|---|---|\n");
  int failures = 0;
  for (ebsd::LaueGroup lg : ebsd::all_laue_groups()) {
    std::vector<std::array<std::uint8_t, 3>> fast(n), ref(n), batch(n);
    const double tb = median_ns_per_call(repetitions, n, [&] { ebsd::ipf_colors(flat.data(), n, z, lg, batch[0].data()); });
    const double tf = median_ns_per_call(repetitions, n, [&] {
      for (std::size_t i = 0; i < n; ++i) fast[i] = ebsd::ipf_color(q[i], z, lg);
    });
    const double tr = median_ns_per_call(repetitions, n, [&] {
      for (std::size_t i = 0; i < n; ++i) ref[i] = ebsd::test::ipf_color_reference(q[i], z, lg);
    });
    int largest = 0;
    for (std::size_t i = 0; i < n; ++i)
      for (int c = 0; c < 3; ++c)
        largest = std::max({largest, std::abs(int(fast[i][c]) - int(ref[i][c])), std::abs(int(batch[i][c]) - int(ref[i][c]))});
    failures += largest > 1;
    std::printf("| %s | %.0f | %.0f | %.0f | %d |\n", std::string(ebsd::laue_symbol(lg)).c_str(), tb, tf, tr, largest);
  }
  return failures ? 1 : 0;
}

#include "ebsd/orientation/orientation_embedding.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <limits>
#include <memory>
#include <mutex>
#include <numbers>
#include <thread>

#include <Eigen/Dense>

#include "ebsd/core/error.hpp"
#include "ebsd/orientation/disorientation.hpp"
#include "ebsd/orientation/rotations.hpp"

namespace ebsd {
namespace {

// Directions on the upper hemisphere (the polynomials are even), a Fibonacci lattice: enough of
// them, in general position, that a polynomial of the degree used is fixed by its values there
// (28 coefficients for degree 6 on the sphere; 15 for degree 4).
std::vector<Eigen::Vector3d> hemisphere_directions(int n) {
  std::vector<Eigen::Vector3d> d;
  const double golden = std::numbers::pi * (3.0 - std::sqrt(5.0));
  for (int k = 0; k < n; ++k) {
    const double z = 1.0 - (k + 0.5) / n, rho = std::sqrt(1.0 - z * z), a = golden * k;
    d.emplace_back(rho * std::cos(a), rho * std::sin(a), z);
  }
  return d;
}

// A uniform grid of SO(3): cell centres of an n^3 grid of the cubochoric cube (equal volume).
std::vector<Quat> cubochoric_grid(int n) {
  const double a = std::pow(std::numbers::pi, 2.0 / 3.0) / 2.0, step = 2.0 * a / n;
  std::vector<Quat> q;
  q.reserve(static_cast<std::size_t>(n) * n * n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      for (int k = 0; k < n; ++k)
        q.push_back(quat_from_cubochoric({-a + (i + 0.5) * step, -a + (j + 0.5) * step, -a + (k + 0.5) * step}).positive());
  return q;
}

// A fixed sequence of well-spread orientations (Shoemake's uniform map of a Kronecker sequence):
// the vectors the basis is built from. No random number library, so the same on every platform.
Quat sequence_orientation(int k) {
  auto frac = [](double x) { return x - std::floor(x); };
  const double u1 = frac(0.5 + k * 0.7548776662466927), u2 = frac(0.5 + k * 0.5698402909980532),
               u3 = frac(0.5 + k * 0.3819660112501051);
  const double a = std::sqrt(1.0 - u1), b = std::sqrt(u1), t1 = 2.0 * std::numbers::pi * u2, t2 = 2.0 * std::numbers::pi * u3;
  return Quat(b * std::cos(t2), a * std::sin(t1), a * std::cos(t1), b * std::sin(t2)).positive();
}

int expected_dims(LaueGroup g) { return g == LaueGroup::CubicHigh ? 9 : 18; }

}  // namespace

bool OrientationEmbedding::supports(LaueGroup g) { return g == LaueGroup::CubicHigh || g == LaueGroup::HexagonalHigh; }

OrientationEmbedding::OrientationEmbedding(LaueGroup g) : laue_(g) {
  if (!supports(g))
    throw Error("the orientation embedding exists for m-3m and 6/mmm phases only", "", std::string(laue_symbol(g)));
  const bool cubic = g == LaueGroup::CubicHigh;
  directions_ = hemisphere_directions(cubic ? 32 : 36);
  const int nd = static_cast<int>(directions_.size()), blocks = cubic ? 1 : 2;
  block_scale_ = Eigen::VectorXd::Ones(blocks);

  // Centre and block scales over a uniform grid of SO(3).
  const auto grid = cubochoric_grid(16);
  mean_ = Eigen::VectorXd::Zero(nd * blocks);
  for (const Quat& q : grid) mean_ += raw(q);
  mean_ /= static_cast<double>(grid.size());
  Eigen::VectorXd ms = Eigen::VectorXd::Zero(blocks);
  for (const Quat& q : grid) {
    const Eigen::VectorXd d = raw(q) - mean_;
    for (int b = 0; b < blocks; ++b) ms[b] += d.segment(b * nd, nd).squaredNorm();
  }
  for (int b = 0; b < blocks; ++b) block_scale_[b] = 1.0 / std::sqrt(ms[b] / static_cast<double>(grid.size()));
  mean_ = Eigen::VectorXd::Zero(nd * blocks);
  for (const Quat& q : grid) mean_ += raw(q);
  mean_ /= static_cast<double>(grid.size());

  // Orthonormal basis of the span by modified Gram-Schmidt (twice) over a fixed sequence.
  std::vector<Eigen::VectorXd> cols;
  for (int k = 0; k < 400 && static_cast<int>(cols.size()) < nd * blocks; ++k) {
    Eigen::VectorXd v = raw(sequence_orientation(k)) - mean_;
    for (int pass = 0; pass < 2; ++pass)
      for (const auto& c : cols) v -= c.dot(v) * c;
    if (v.norm() > 1e-6) cols.push_back(v.normalized());
  }
  dims_ = static_cast<int>(cols.size());
  if (dims_ != expected_dims(g))
    throw Error("orientation embedding: the polynomial span has " + std::to_string(dims_) + " dimensions, expected " +
                    std::to_string(expected_dims(g)),
                "", std::string(laue_symbol(g)));
  basis_.resize(nd * blocks, dims_);
  for (int c = 0; c < dims_; ++c) basis_.col(c) = cols[static_cast<std::size_t>(c)];
  double s2 = 0.0;
  for (const Quat& q : grid) s2 += (basis_.transpose() * (raw(q) - mean_)).squaredNorm();
  s2 /= static_cast<double>(grid.size());
  basis_ *= 0.5 * std::sqrt(dims_ / s2);

  // The search grid: points of a finer cubochoric grid that lie in the fundamental zone (about
  // 7 deg apart), with their embeddings.
  for (const Quat& q : cubochoric_grid(cubic ? 40 : 32))
    if (rotation_angle(reduce_to_fundamental_zone(q, g)) >= rotation_angle(q) - 1e-9) grid_.push_back(q);
  grid_embedded_.resize(dims_, static_cast<Eigen::Index>(grid_.size()));
  for (std::size_t i = 0; i < grid_.size(); ++i) grid_embedded_.col(static_cast<Eigen::Index>(i)) = embed(grid_[i]).cast<float>();
  grid_norm2_ = grid_embedded_.colwise().squaredNorm().transpose();
}

OrientationEmbedding::RawVector OrientationEmbedding::raw(const Quat& q) const {
  const Eigen::Matrix3d m = matrix_from_quat(q);
  const Eigen::Vector3d r1 = m.row(0).transpose(), r2 = m.row(1).transpose(), r3 = m.row(2).transpose();
  const int nd = static_cast<int>(directions_.size());
  RawVector out(nd * block_scale_.size());
  if (laue_ == LaueGroup::CubicHigh) {
    for (int j = 0; j < nd; ++j) {
      const auto& x = directions_[static_cast<std::size_t>(j)];
      const double a = r1.dot(x), b = r2.dot(x), c = r3.dot(x);
      out[j] = block_scale_[0] * (a * a * a * a + b * b * b * b + c * c * c * c);
    }
  } else {
    for (int j = 0; j < nd; ++j) {
      const auto& x = directions_[static_cast<std::size_t>(j)];
      const std::complex<double> u(r1.dot(x), r2.dot(x));
      const std::complex<double> u2 = u * u, u6 = u2 * u2 * u2;
      const double c = r3.dot(x);
      out[j] = block_scale_[0] * u6.real();
      out[nd + j] = block_scale_[1] * c * c;
    }
  }
  return out;
}

OrientationEmbedding::EmbeddedVector OrientationEmbedding::embed(const Quat& q) const {
  const RawVector d = raw(q) - mean_;
  return basis_.transpose() * d;
}

void OrientationEmbedding::encode(const Quat& q, std::span<float> out) const {
  if (static_cast<int>(out.size()) != dims_) throw Error("orientation embedding: output size differs from dims()", "", "encode");
  const EmbeddedVector e = embed(q);
  for (int i = 0; i < dims_; ++i) out[static_cast<std::size_t>(i)] = static_cast<float>(e[i]);
}

std::vector<float> OrientationEmbedding::encode(const Quat& q) const {
  std::vector<float> v(static_cast<std::size_t>(dims_));
  encode(q, v);
  return v;
}

Quat OrientationEmbedding::refine(const Quat& start, const EmbeddedVector& target) const {
  // Gauss-Newton (Levenberg-damped) on a rotation vector d applied in the crystal frame:
  // g(d) = exp(d) * g, the side on which symmetry acts, so the step space is the same for all
  // equivalent starting points.
  Quat g = start;
  EmbeddedVector r = embed(g) - target;
  double cost = r.squaredNorm();
  constexpr double h = 1e-5;
  for (int it = 0; it < 5; ++it) {  // from a grid point (< 4 deg away) Gauss-Newton needs 3 or 4
    Eigen::Matrix<double, Eigen::Dynamic, 3, 0, kMaxDims, 3> jac(dims_, 3);
    for (int k = 0; k < 3; ++k) {
      Eigen::Vector3d d = Eigen::Vector3d::Zero();
      d[k] = h;
      const Quat step(std::cos(h / 2), d.x() / h * std::sin(h / 2), d.y() / h * std::sin(h / 2), d.z() / h * std::sin(h / 2));
      jac.col(k) = (embed(step * g) - target - r) / h;
    }
    const Eigen::Matrix3d jtj = jac.transpose() * jac + 1e-9 * Eigen::Matrix3d::Identity();
    const Eigen::Vector3d delta = -jtj.ldlt().solve(jac.transpose() * r);
    const double angle = delta.norm();
    if (!(angle > 1e-10)) break;
    const Eigen::Vector3d axis = delta / angle;
    const double a = std::min(angle, 0.3);  // a step never jumps further than the grid spacing allows
    const Quat step(std::cos(a / 2), axis.x() * std::sin(a / 2), axis.y() * std::sin(a / 2), axis.z() * std::sin(a / 2));
    const Quat next = (step * g).normalized();
    const EmbeddedVector rn = embed(next) - target;
    const double cn = rn.squaredNorm();
    if (cn > cost) break;  // no progress: at the minimum to rounding
    g = next, r = rn, cost = cn;
    if (a < 1e-6) break;
  }
  return reduce_to_fundamental_zone(g, laue_);
}

Quat OrientationEmbedding::decode(std::span<const float> v) const {
  Quat q;
  decode_many(v, std::span<Quat>(&q, 1));
  return q;
}

void OrientationEmbedding::decode_many(std::span<const float> values, std::span<Quat> out, std::span<float> residual) const {
  const auto count = static_cast<Eigen::Index>(out.size());
  if (static_cast<Eigen::Index>(values.size()) != count * dims_)
    throw Error("orientation embedding: values.size() != count * dims()", "", "decode_many");
  if (!residual.empty() && static_cast<Eigen::Index>(residual.size()) != count)
    throw Error("orientation embedding: residual.size() != count", "", "decode_many");
  // Independent vectors: split over the hardware threads (a 256 x 256 slice is 65536 projections).
  const auto threads = static_cast<Eigen::Index>(
      std::clamp<unsigned>(std::thread::hardware_concurrency(), 1u, static_cast<unsigned>(std::max<Eigen::Index>(1, count / 2048))));
  if (threads <= 1) {
    decode_range(values, out, residual);
    return;
  }
  std::vector<std::thread> pool;
  std::exception_ptr failure;
  std::mutex failure_mutex;
  for (Eigen::Index t = 0; t < threads; ++t) {
    const Eigen::Index a = count * t / threads, b = count * (t + 1) / threads;
    pool.emplace_back([&, a, b] {
      try {
        decode_range(values.subspan(static_cast<std::size_t>(a * dims_), static_cast<std::size_t>((b - a) * dims_)),
                     out.subspan(static_cast<std::size_t>(a), static_cast<std::size_t>(b - a)),
                     residual.empty() ? residual : residual.subspan(static_cast<std::size_t>(a), static_cast<std::size_t>(b - a)));
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        failure = std::current_exception();
      }
    });
  }
  for (auto& th : pool) th.join();
  if (failure) std::rethrow_exception(failure);
}

void OrientationEmbedding::decode_range(std::span<const float> values, std::span<Quat> out, std::span<float> residual) const {
  const auto count = static_cast<Eigen::Index>(out.size());
  constexpr Eigen::Index kBlock = 2048;
  for (Eigen::Index b0 = 0; b0 < count; b0 += kBlock) {
    const Eigen::Index nb = std::min(kBlock, count - b0);
    const Eigen::Map<const Eigen::MatrixXf> v(values.data() + b0 * dims_, dims_, nb);
    // |g|^2 - 2 g.v is the squared distance up to |v|^2, which does not change the argmin.
    const Eigen::MatrixXf d = (-2.0f * (grid_embedded_.transpose() * v)).colwise() + grid_norm2_;
    for (Eigen::Index j = 0; j < nb; ++j) {
      const EmbeddedVector target = v.col(j).cast<double>();
      // The nearest grid point, refined. Far from the embedded manifold the distance has several
      // local minima; then the next nearest grid points are refined as well and the best is kept
      // (vectors near the manifold, the usual case, need one refinement).
      std::array<Eigen::Index, 4> cand{};
      std::array<float, 4> cd;
      cd.fill(std::numeric_limits<float>::infinity());
      for (Eigen::Index k = 0; k < d.rows(); ++k) {
        const float x = d(k, j);
        if (x >= cd[3]) continue;
        int at = 3;
        while (at > 0 && cd[static_cast<std::size_t>(at - 1)] > x) {
          cd[static_cast<std::size_t>(at)] = cd[static_cast<std::size_t>(at - 1)];
          cand[static_cast<std::size_t>(at)] = cand[static_cast<std::size_t>(at - 1)];
          --at;
        }
        cd[static_cast<std::size_t>(at)] = x, cand[static_cast<std::size_t>(at)] = k;
      }
      Quat q = refine(grid_[static_cast<std::size_t>(cand[0])], target);
      double res = (embed(q) - target).norm();
      if (res > 0.2)
        for (std::size_t c = 1; c < cand.size(); ++c) {
          const Quat r = refine(grid_[static_cast<std::size_t>(cand[c])], target);
          const double rr = (embed(r) - target).norm();
          if (rr < res) q = r, res = rr;
        }
      out[static_cast<std::size_t>(b0 + j)] = q;
      if (!residual.empty()) residual[static_cast<std::size_t>(b0 + j)] = static_cast<float>(res);
    }
  }
}

std::vector<float> OrientationEmbedding::fingerprint() const { return encode(quat_from_euler({0.3, 0.7, 1.1})); }

const OrientationEmbedding& orientation_embedding(LaueGroup g) {
  static std::array<std::unique_ptr<OrientationEmbedding>, kLaueGroupCount> cache;
  static std::array<std::once_flag, kLaueGroupCount> once;
  const auto i = static_cast<std::size_t>(g);
  std::call_once(once[i], [&] { cache[i] = std::make_unique<OrientationEmbedding>(g); });
  return *cache[i];
}

}  // namespace ebsd

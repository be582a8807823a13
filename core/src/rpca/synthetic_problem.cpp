#include "ebsd/rpca/synthetic_problem.hpp"

#include <Eigen/QR>
#include <cmath>
#include <string>
#include <vector>

#include "ebsd/core/error.hpp"
#include "random_stream.hpp"

namespace ebsd::rpca {

SyntheticProblem make_synthetic_problem(const SyntheticProblemSpec& spec) {
  const std::string where = "synthetic RPCA problem";
  const std::int64_t n = spec.size, r = spec.rank;
  if (n < 1) throw Error("size must be >= 1, got " + std::to_string(n), "", where);
  if (r < 1 || r > n) throw Error("rank must lie in [1, size], got " + std::to_string(r), "", where);
  if (!(spec.condition_number >= 1.0) || !std::isfinite(spec.condition_number))
    throw Error("condition number must be >= 1", "", where);
  if (!(spec.corruption >= 0.0 && spec.corruption < 1.0)) throw Error("corruption must lie in [0, 1)", "", where);

  detail::RandomStream rng(spec.seed);
  SyntheticProblem p;
  // Random orthonormal factors: the Q of a Gaussian matrix's QR decomposition.
  for (int k = 0; k < 3; ++k) {
    tensor::Matrix<double> gauss(n, r);
    for (std::int64_t c = 0; c < r; ++c)
      for (std::int64_t i = 0; i < n; ++i) gauss(i, c) = rng.normal();
    const Eigen::HouseholderQR<tensor::Matrix<double>> qr(gauss);
    p.truth.factors.push_back(qr.householderQ() * tensor::Matrix<double>::Identity(n, r));
  }
  // Superdiagonal core: sigma_i = kappa^(-i/(r-1)), so sigma_0 / sigma_{r-1} = kappa.
  p.truth.core = tensor::Tensor<double>({r, r, r});
  for (std::int64_t i = 0; i < r; ++i)
    p.truth.core(i, i, i) = r == 1 ? 1.0 : std::pow(spec.condition_number, -static_cast<double>(i) / (r - 1));
  p.low_rank = tensor::reconstruct(p.truth);

  double mean_abs = 0.0;
  for (const double v : p.low_rank.values()) mean_abs += std::fabs(v);
  mean_abs /= static_cast<double>(p.low_rank.size());

  // floor(alpha N) distinct positions: the first entries of a partial Fisher-Yates shuffle.
  const std::int64_t total = p.low_rank.size();
  p.corrupted = static_cast<std::int64_t>(std::floor(spec.corruption * static_cast<double>(total)));
  std::vector<std::int64_t> order(static_cast<std::size_t>(total));
  for (std::int64_t i = 0; i < total; ++i) order[static_cast<std::size_t>(i)] = i;
  p.sparse = tensor::Tensor<double>(p.low_rank.shape());
  for (std::int64_t i = 0; i < p.corrupted; ++i) {
    const auto pick = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(total - i))) + i;
    std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(pick)]);
    p.sparse.data()[order[static_cast<std::size_t>(i)]] = mean_abs * (2.0 * rng.uniform() - 1.0);
  }
  p.observed = p.low_rank;
  for (std::int64_t i = 0; i < total; ++i) p.observed.data()[i] += p.sparse.data()[i];
  return p;
}

}  // namespace ebsd::rpca

#include "ebsd/tensor/hosvd.hpp"

#include <Eigen/Eigenvalues>
#include <string>

#include "ebsd/core/error.hpp"
#include "ebsd/tensor/mode_product.hpp"

namespace ebsd::tensor {
namespace {

// M_k M_k^T without forming the unfolding: with t viewed as (L x I x R) blocks B_r, it is the
// sum over r of B_r^T B_r (and B B^T for the single (I x R) block when L = 1).
template <class T>
Eigen::MatrixXd unfolding_gram(const Tensor<T>& t, int mode) {
  const std::int64_t extent = t.dim(mode);
  const std::int64_t before = t.extent_before(mode), after = t.extent_after(mode);
  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(extent, extent);
  if (before == 1) {
    const Eigen::MatrixXd b = Eigen::Map<const Matrix<T>>(t.data(), extent, after).template cast<double>();
    gram.noalias() = b * b.transpose();
    return gram;
  }
  Eigen::MatrixXd b(before, extent);
  for (std::int64_t r = 0; r < after; ++r) {
    b = Eigen::Map<const Matrix<T>>(t.data() + before * extent * r, before, extent).template cast<double>();
    gram.noalias() += b.transpose() * b;
  }
  return gram;
}

// The r leading eigenvectors of a symmetric matrix, largest eigenvalue first, each with its
// largest-magnitude entry positive.
Eigen::MatrixXd leading_eigenvectors(const Eigen::MatrixXd& gram, std::int64_t r) {
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(gram);
  const std::int64_t n = gram.rows();
  Eigen::MatrixXd v(n, r);
  for (std::int64_t c = 0; c < r; ++c) {
    v.col(c) = eig.eigenvectors().col(n - 1 - c);  // eigenvalues come in increasing order
    Eigen::Index big = 0;
    v.col(c).cwiseAbs().maxCoeff(&big);
    if (v(big, c) < 0) v.col(c) = -v.col(c);
  }
  return v;
}

}  // namespace

template <class T>
Tucker<T> hosvd(const Tensor<T>& t, std::span<const std::int64_t> ranks, Progress& progress) {
  if (t.empty()) throw Error("cannot decompose an empty tensor", "", "hosvd");
  if (static_cast<int>(ranks.size()) != t.order())
    throw Error("need one rank per mode: " + std::to_string(t.order()) + " expected, got " +
                    std::to_string(ranks.size()),
                "", "hosvd ranks");
  for (int k = 0; k < t.order(); ++k) {
    const std::int64_t r = ranks[static_cast<std::size_t>(k)];
    if (r < 1 || r > t.dim(k))
      throw Error("rank " + std::to_string(r) + " of mode " + std::to_string(k) + " must lie in [1, " +
                      std::to_string(t.dim(k)) + "]",
                  "", "hosvd ranks");
  }
  if (!all_finite(t)) throw Error("the tensor holds NaN or infinite values", "", "hosvd");

  Tucker<T> out;
  out.factors.resize(ranks.size());
  for (int k = 0; k < t.order(); ++k) {
    progress.check();
    progress.report(static_cast<double>(k) / (t.order() + 1), "HOSVD: factor of mode " + std::to_string(k));
    out.factors[static_cast<std::size_t>(k)] =
        leading_eigenvectors(unfolding_gram(t, k), ranks[static_cast<std::size_t>(k)]).template cast<T>();
  }
  progress.check();
  progress.report(static_cast<double>(t.order()) / (t.order() + 1), "HOSVD: core");
  Tensor<T> core = t;
  for (int k = 0; k < t.order(); ++k) core = mode_product_transposed(core, out.factors[static_cast<std::size_t>(k)], k);
  out.core = std::move(core);
  progress.report(1.0, "HOSVD done");
  return out;
}

template <class T>
Tensor<T> reconstruct(const Tucker<T>& tucker) {
  return multi_mode_product(tucker.core, std::span<const Matrix<T>>(tucker.factors));
}

template Tucker<float> hosvd(const Tensor<float>&, std::span<const std::int64_t>, Progress&);
template Tucker<double> hosvd(const Tensor<double>&, std::span<const std::int64_t>, Progress&);
template Tensor<float> reconstruct(const Tucker<float>&);
template Tensor<double> reconstruct(const Tucker<double>&);

}  // namespace ebsd::tensor

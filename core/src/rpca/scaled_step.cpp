#include "scaled_step.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <Eigen/Eigenvalues>
#include <limits>

#include "ebsd/tensor/mode_product.hpp"
#include "ebsd/tensor/unfold.hpp"

namespace ebsd::rpca::detail {

MatrixD spd_inverse(const MatrixD& m) {
  const Eigen::LLT<MatrixD> llt(m);
  if (llt.info() == Eigen::Success) return llt.solve(MatrixD::Identity(m.rows(), m.cols()));
  const Eigen::SelfAdjointEigenSolver<MatrixD> eig(m);
  const auto& l = eig.eigenvalues();
  const double cut = std::max(l.cwiseAbs().maxCoeff(), 0.0) * static_cast<double>(m.rows()) *
                     std::numeric_limits<double>::epsilon();
  Eigen::VectorXd inv(l.size());
  for (Eigen::Index i = 0; i < l.size(); ++i) inv[i] = l[i] > cut ? 1.0 / l[i] : 0.0;
  return eig.eigenvectors() * inv.asDiagonal() * eig.eigenvectors().transpose();
}

void apply_scaled_step(tensor::Tucker<double>& x, const ScaledGradients& g, double eta) {
  const int order = x.core.order();
  std::vector<MatrixD> gram(static_cast<std::size_t>(order));
  for (int k = 0; k < order; ++k) {
    const MatrixD& a = x.factors[static_cast<std::size_t>(k)];
    gram[static_cast<std::size_t>(k)] = a.transpose() * a;
  }
  std::vector<MatrixD> next(static_cast<std::size_t>(order));
  for (int k = 0; k < order; ++k) {
    tensor::Tensor<double> weighted = x.core;
    for (int j = 0; j < order; ++j)
      if (j != k) weighted = tensor::mode_product(weighted, gram[static_cast<std::size_t>(j)], j);
    const MatrixD breve_gram = tensor::unfold(weighted, k) * tensor::unfold(x.core, k).transpose();
    next[static_cast<std::size_t>(k)] =
        x.factors[static_cast<std::size_t>(k)] - eta * g.factor[static_cast<std::size_t>(k)] * spd_inverse(breve_gram);
  }
  tensor::Tensor<double> step = g.core;
  for (int k = 0; k < order; ++k) step = tensor::mode_product(step, spd_inverse(gram[static_cast<std::size_t>(k)]), k);
  double* c = x.core.data();
  const double* s = step.data();
  for (std::int64_t i = 0; i < x.core.size(); ++i) c[i] -= eta * s[i];
  x.factors = std::move(next);
}

}  // namespace ebsd::rpca::detail

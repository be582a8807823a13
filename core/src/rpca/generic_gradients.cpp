#include "generic_gradients.hpp"

#include <algorithm>

#include "ebsd/tensor/mode_product.hpp"
#include "ebsd/tensor/unfold.hpp"

namespace ebsd::rpca::detail {

double generic_gradients(const tensor::Tensor<double>& observed, const tensor::Tucker<double>& x, double zeta,
                         const tensor::Tensor<double>* truth, ScaledGradients& g) {
  tensor::Tensor<double> residual = tensor::reconstruct(x);
  double squared_error = 0.0;
  double* r = residual.data();
  const double* y = observed.data();
  for (std::int64_t i = 0; i < residual.size(); ++i) {
    if (truth) {
      const double d = r[i] - truth->data()[i];
      squared_error += d * d;
    }
    r[i] = std::clamp(r[i] - y[i], -zeta, zeta);
  }
  const int order = observed.order();
  g.factor.resize(static_cast<std::size_t>(order));
  for (int k = 0; k < order; ++k) {
    tensor::Tensor<double> projected = residual;
    for (int j = 0; j < order; ++j)
      if (j != k) projected = tensor::mode_product_transposed(projected, x.factors[static_cast<std::size_t>(j)], j);
    g.factor[static_cast<std::size_t>(k)] = tensor::unfold(projected, k) * tensor::unfold(x.core, k).transpose();
  }
  tensor::Tensor<double> core = residual;
  for (int k = 0; k < order; ++k) core = tensor::mode_product_transposed(core, x.factors[static_cast<std::size_t>(k)], k);
  g.core = std::move(core);
  return squared_error;
}

}  // namespace ebsd::rpca::detail

#pragma once
// The plain reference for the work over the full tensor, for any order: form X_t, the
// residual R = X_t + S - Y = clamp(X_t - Y, -zeta, zeta) (because S = T_zeta(Y - X_t)), then
// the gradients by mode products. Four passes of n^N r over the tensor for N = 3 and a few
// full-size temporaries: clear, not fast (the fused 3-way pass does the same in one).
#include "ebsd/tensor/tensor.hpp"
#include "scaled_step.hpp"

namespace ebsd::rpca::detail {

// Fills g for the iterate x; returns ||X_t - truth||_F^2, or 0 without a truth.
double generic_gradients(const tensor::Tensor<double>& observed, const tensor::Tucker<double>& x, double zeta,
                         const tensor::Tensor<double>* truth, ScaledGradients& g);

}  // namespace ebsd::rpca::detail

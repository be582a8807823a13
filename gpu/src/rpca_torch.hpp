#pragma once
// Private to ebsd_gpu: the ScaledGD recursion on LibTorch tensors, shared by the plain solver
// (rpca_scaled_gd.cpp) and the unfolded network (rpca_unfolded.cpp). A 3-way tensor with x
// fastest is held as a torch tensor of shape [n3, n2, n1] (row-major, so the bytes are the
// same); the core (r1, r2, r3) as [r3, r2, r1]; factors as [n_k, r_k].
#include <torch/torch.h>

#include <array>
#include <vector>

#include "ebsd/gpu/device.hpp"
#include "ebsd/tensor/hosvd.hpp"

namespace ebsd::gpu::detail {

struct TorchTucker {
  torch::Tensor core;                   // [r3, r2, r1]
  std::array<torch::Tensor, 3> factors; // U [n1, r1], V [n2, r2], W [n3, r3]
};

torch::Device torch_device(Device d);
torch::Tensor to_torch(const tensor::Tensor<double>& t, const torch::Device& device);
tensor::Tensor<double> from_torch(const torch::Tensor& t);  // [n3, n2, n1] -> (n1, n2, n3)
tensor::Tucker<double> tucker_from_torch(const TorchTucker& x);

// Spectral initialisation: the truncated HOSVD of Y - T_zeta0(Y). With `differentiable`, the
// factors carry the derivative with respect to zeta0 through one step of orthogonal
// iteration, Q R = M_k M_k^T U_k with U_k the eigenvectors (equal to U_k up to signs, and
// the exact subspace derivative when the discarded singular values are zero); otherwise they
// are the eigenvectors themselves.
TorchTucker spectral_init(const torch::Tensor& y, const std::vector<std::int64_t>& ranks, const torch::Tensor& zeta0,
                          bool differentiable);

torch::Tensor reconstruct(const TorchTucker& x);

// The residual R = X_t + T_zeta(Y - X_t) - Y of iteration t. For a fixed threshold it is
// clamp(X_t - Y, -zeta, zeta): two passes over the tensor. With a threshold that carries a
// gradient (the unfolded network) it is formed from the soft thresholding itself.
torch::Tensor residual(const torch::Tensor& x_t, const torch::Tensor& y, double zeta);
torch::Tensor residual(const torch::Tensor& x_t, const torch::Tensor& y, const torch::Tensor& zeta);

// One ScaledGD iteration from the residual R of the iterate x: the preconditioned updates of
// the factors and the core (eta a double or a 0-dim tensor).
TorchTucker scaled_step(const TorchTucker& x, const torch::Tensor& r, const torch::Tensor& eta);

// Soft thresholding, differentiable in the threshold.
torch::Tensor soft_threshold(const torch::Tensor& v, const torch::Tensor& zeta);

// Checks shared by the solvers; throws ebsd::Error.
void validate_problem(const tensor::Tensor<double>& observed, const std::vector<std::int64_t>& ranks);

}  // namespace ebsd::gpu::detail

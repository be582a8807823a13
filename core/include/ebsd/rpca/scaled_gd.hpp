#pragma once
// Tensor robust PCA by scaled gradient descent on Tucker factors: H. Dong, T. Tong, C. Ma,
// Y. Chi, "Fast and Provable Tensor Robust Principal Component Analysis via Scaled Gradient
// Descent", IEEE Trans. Signal Processing (2023), arXiv 2206.09109, Algorithm 1 (METHODS.md
// section 8). Y = X* + S* with X* of multilinear rank r and S* sparse:
//   spectral initialisation  (G, A_k) = HOSVD_r(Y - T_zeta0(Y)),
//   for t = 0 .. T-1:        S = T_{zeta1 rho^t}(Y - X_t),   X_t = G x_k A_k,
//                            A_k <- A_k - eta M_k(X_t + S - Y) Ab_k (Ab_k^T Ab_k)^-1,
//                            G   <- G   - eta (X_t + S - Y) x_k (A_k^T A_k)^-1 A_k^T,
// with Ab_k^T = M_k(G x_{j != k} A_j), all updates from the old iterate, T_z soft thresholding.
// The inverses are exact: no ridge is added (the authors' code adds 1e-7, which stalls the
// error near 5e-7). Every long function takes a Progress (report + cancellation).
#include <cstdint>
#include <vector>

#include "ebsd/core/progress.hpp"
#include "ebsd/tensor/hosvd.hpp"
#include "ebsd/tensor/tensor.hpp"

namespace ebsd::rpca {

// The four scalars of the algorithm, which deep unfolding learns (METHODS.md section 7).
// Thresholds are in the units of the data.
struct Hyperparameters {
  double zeta0 = 0.03;   // initial threshold: S0 = T_zeta0(Y)
  double zeta1 = 0.02;   // threshold of iteration 0; iteration t uses zeta1 * decay^t
  double eta = 0.45;     // step size
  double decay = 0.85;   // rho, the geometric decay of the threshold
  bool operator==(const Hyperparameters&) const = default;
};

// Tuned for the paper's synthetic problems (entries of order 1e-3, 100^3, rank 10, 20 %
// corruption): the values of METHODS.md's acceptance target, inside the ranges Bayesian
// optimisation found in the authors' stored outputs (eta 0.27-0.57, rho 0.85-0.87, zeta0
// 0.023-0.034, zeta1 0.010-0.050). These are the defaults of Hyperparameters.
Hyperparameters tuned_synthetic_hyperparameters();
// The starting point of the authors' unfolded network (raw parameters 0, 0, 0.1, 0.8):
// zeta0 = zeta1 = 0.01 softplus(0), eta = softplus(0.1), rho = sigmoid(0.8). "ScaledGD with
// default hyperparameters" in the unfolding comparison means these.
Hyperparameters unfolding_initial_hyperparameters();

// Which implementation runs the iterations. All give the same iterates up to rounding.
enum class ScaledGdKernel {
  Auto,          // Fused for 3-way tensors (the fastest kernel this CPU and these ranks take), else Generic
  Generic,       // any order: forms X_t and the residual, then mode products (the plain reference)
  FusedPortable, // 3-way, one fused pass per iteration, plain C++
  FusedAvx2,     // 3-way, fused, AVX2 + FMA (throws ebsd::Error where the CPU lacks them)
  FusedAvx512,   // 3-way, fused, AVX-512F (throws ebsd::Error where the CPU lacks it)
  FusedAvx512Blocked,  // 3-way, fused, AVX-512F with register-blocked products; mode-3 rank <= 12
};

struct ScaledGdSettings {
  std::vector<std::int64_t> ranks;  // multilinear rank, one per mode
  Hyperparameters hyper;
  int iterations = 100;             // T
  // Stop as soon as the relative error to the truth falls below this (0 = run all T
  // iterations). Only used when a truth is passed.
  double stop_below_error = 0.0;
  int threads = 0;                  // worker threads of the fused kernel; 0 = all cores
  ScaledGdKernel kernel = ScaledGdKernel::Auto;
};

struct ScaledGdResult {
  tensor::Tucker<double> factors;   // the final iterate X_T = core x_k factors[k]
  tensor::Tensor<double> low_rank;  // X_T
  tensor::Tensor<double> sparse;    // T_{zeta1 rho^T}(Y - X_T): the outliers X_T leaves
  int iterations = 0;               // iterations run (T, or fewer when stopped early)
  // With a truth: ||X_t - X*||_F / ||X*||_F for t = 0 .. iterations (X_0 = the initialisation).
  std::vector<double> relative_errors;
  double init_seconds = 0.0;        // spectral initialisation
  double iteration_seconds = 0.0;   // all iterations together
  ScaledGdKernel kernel = ScaledGdKernel::Auto;  // the implementation that ran
};

// Runs Algorithm 1 on `observed`. `truth` (optional, same shape) enables per-iteration error
// reporting and stop_below_error. Throws ebsd::Error for an empty tensor, NaN or infinite
// values, a rank count that differs from the order, a rank outside [1, dim] or larger than
// the product of the other ranks (the core could not have full rank), a negative threshold,
// eta <= 0, decay outside (0, 1], a negative iteration count, or a truth of another shape;
// ebsd::Cancelled when cancelled (checked once per iteration).
ScaledGdResult scaled_gd(const tensor::Tensor<double>& observed, const ScaledGdSettings& settings, Progress& progress,
                         const tensor::Tensor<double>* truth = nullptr);

// The checks scaled_gd makes before it starts (listed there); other solvers of the same
// problem (ebsd_gpu) make them too. Throws ebsd::Error.
void check_scaled_gd_input(const tensor::Tensor<double>& observed, const ScaledGdSettings& settings,
                           const tensor::Tensor<double>* truth = nullptr);

// First iteration t (0 .. size-1) whose relative error is below `level`, or -1 if none is.
int iterations_to_reach(const std::vector<double>& relative_errors, double level);

// Soft thresholding T_z(v) = sign(v) max(|v| - z, 0).
inline double soft_threshold(double v, double z) { return v > z ? v - z : (v < -z ? v + z : 0.0); }

}  // namespace ebsd::rpca

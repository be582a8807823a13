// ScaledGD tensor RPCA on LibTorch tensors, and the recursion the unfolded network reuses.
// The algebra is that of core/src/rpca (scaled_step.hpp): with R = X_t + S - Y,
//   A_k <- A_k - eta M_k(R x_{j != k} A_j^T) M_k(G)^T (Ab_k^T Ab_k)^-1,
//   G   <- G - eta (R x_k A_k^T) x_k (A_k^T A_k)^-1,
// written as einsum contractions over a [z, y, x] layout: letters i, j, k index x, y, z and
// a, b, c the ranks r1, r2, r3 (capitals: the second copy of a rank index).
#include "rpca_torch.hpp"
#include "rpca_cuda_fused.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "ebsd/core/error.hpp"
#include "ebsd/gpu/rpca.hpp"

namespace ebsd::gpu {
namespace detail {

torch::Device torch_device(Device d) { return d == Device::Cuda ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU); }

torch::Tensor to_torch(const tensor::Tensor<double>& t, const torch::Device& device) {
  const auto& s = t.shape();
  const auto view = torch::from_blob(const_cast<double*>(t.data()), {s[2], s[1], s[0]}, torch::kFloat64);
  return view.to(device, torch::kFloat64, /*non_blocking=*/false, /*copy=*/true);
}

tensor::Tensor<double> from_torch(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
  const double* p = c.data_ptr<double>();
  return tensor::Tensor<double>({c.size(2), c.size(1), c.size(0)}, std::vector<double>(p, p + c.numel()));
}

tensor::Tucker<double> tucker_from_torch(const TorchTucker& x) {
  tensor::Tucker<double> out;
  out.core = from_torch(x.core);
  for (const auto& f : x.factors) {
    const torch::Tensor c = f.detach().to(torch::kCPU).contiguous();
    using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    out.factors.push_back(Eigen::Map<const RowMajor>(c.data_ptr<double>(), c.size(0), c.size(1)));
  }
  return out;
}

torch::Tensor soft_threshold(const torch::Tensor& v, const torch::Tensor& zeta) {
  return torch::sign(v) * torch::relu(torch::abs(v) - zeta);
}

TorchTucker spectral_init(const torch::Tensor& y, const std::vector<std::int64_t>& ranks, const torch::Tensor& zeta0,
                          bool differentiable) {
  const torch::Tensor m = y - soft_threshold(y, zeta0);
  TorchTucker x;
  for (int k = 0; k < 3; ++k) {
    const std::int64_t n = m.size(2 - k), r = ranks[static_cast<std::size_t>(k)];
    const torch::Tensor unfolding = m.movedim(2 - k, 0).reshape({n, -1});  // rows: mode k
    torch::Tensor leading;
    {
      torch::NoGradGuard no_grad;
      const torch::Tensor plain = unfolding.detach();
      const auto eig = torch::linalg_eigh(plain.mm(plain.t()), "L");  // eigenvalues ascending
      leading = std::get<1>(eig).narrow(1, n - r, r).flip({1});
    }
    x.factors[static_cast<std::size_t>(k)] =
        differentiable ? std::get<0>(torch::linalg_qr(unfolding.mm(unfolding.t().mm(leading)), "reduced")) : leading;
  }
  x.core = torch::einsum("kji,ia,jb,kc->cba", {m, x.factors[0], x.factors[1], x.factors[2]});
  return x;
}

torch::Tensor reconstruct(const TorchTucker& x) {
  return torch::einsum("cba,ia,jb,kc->kji", {x.core, x.factors[0], x.factors[1], x.factors[2]});
}

torch::Tensor residual(const torch::Tensor& x_t, const torch::Tensor& y, double zeta) {
  return (x_t - y).clamp_(-zeta, zeta);
}

torch::Tensor residual(const torch::Tensor& x_t, const torch::Tensor& y, const torch::Tensor& zeta) {
  const torch::Tensor e = y - x_t;
  return soft_threshold(e, zeta) - e;
}

// The inverse of a symmetric positive definite matrix by Cholesky, without the error check
// that would make the host wait for the device every iteration.
torch::Tensor spd_inverse(const torch::Tensor& m) {
  return torch::cholesky_inverse(std::get<0>(torch::linalg_cholesky_ex(m, /*upper=*/false, /*check_errors=*/false)));
}

TorchTucker scaled_step(const TorchTucker& x, const torch::Tensor& r, const torch::Tensor& eta) {
  const torch::Tensor& u = x.factors[0];
  const torch::Tensor& v = x.factors[1];
  const torch::Tensor& w = x.factors[2];
  const torch::Tensor& g = x.core;
  // The three contractions over the full tensor; everything after is n^2 r^2 or smaller.
  const torch::Tensor ru = torch::einsum("kji,ia->kja", {r, u});   // R x_1 U^T
  const torch::Tensor rw = torch::einsum("kji,kc->cji", {r, w});   // R x_3 W^T
  const torch::Tensor ruv = torch::einsum("kja,jb->kba", {ru, v}); // R x_1 U^T x_2 V^T
  const torch::Tensor fu = torch::einsum("cji,jb,cba->ia", {rw, v, g});
  const torch::Tensor fv = torch::einsum("kja,kc,cba->jb", {ru, w, g});
  const torch::Tensor fw = torch::einsum("kba,cba->kc", {ruv, g});
  const torch::Tensor gc = torch::einsum("kba,kc->cba", {ruv, w});
  const torch::Tensor pu = u.t().mm(u), pv = v.t().mm(v), pw = w.t().mm(w);
  // Ab_k^T Ab_k = M_k(G x_{j != k} A_j^T A_j) M_k(G)^T, r_k x r_k.
  const torch::Tensor bu = torch::einsum("cba,Bb,Cc,CBA->aA", {g, pv, pw, g});
  const torch::Tensor bv = torch::einsum("cba,Aa,Cc,CBA->bB", {g, pu, pw, g});
  const torch::Tensor bw = torch::einsum("cba,Aa,Bb,CBA->cC", {g, pu, pv, g});
  TorchTucker next;
  next.factors[0] = u - eta * fu.mm(spd_inverse(bu));
  next.factors[1] = v - eta * fv.mm(spd_inverse(bv));
  next.factors[2] = w - eta * fw.mm(spd_inverse(bw));
  next.core = g - eta * torch::einsum("cba,Aa,Bb,Cc->CBA", {gc, spd_inverse(pu), spd_inverse(pv), spd_inverse(pw)});
  return next;
}

void validate_problem(const tensor::Tensor<double>& observed, const std::vector<std::int64_t>& ranks) {
  if (observed.order() != 3)
    throw Error("the LibTorch solvers take 3-way tensors, got order " + std::to_string(observed.order()), "",
                "gpu tensor RPCA");
  rpca::ScaledGdSettings s;
  s.ranks = ranks;
  rpca::check_scaled_gd_input(observed, s);
}

}  // namespace detail

namespace {

using Clock = std::chrono::steady_clock;

void synchronize(Device d) {
  if (d == Device::Cuda) torch::cuda::synchronize();
}

}  // namespace

std::string fused_cuda_rpca_unavailable_reason(const tensor::Shape& shape, const std::vector<std::int64_t>& ranks) {
  return detail::fused_cuda_unavailable_reason(shape, ranks);
}

CudaRpcaPath cuda_rpca_path(const tensor::Shape& shape, const std::vector<std::int64_t>& ranks, CudaRpcaPath requested) {
  if (requested != CudaRpcaPath::Auto) return requested;
  const char* e = std::getenv("EBSD_RPCA_CUDA_FUSED");
  if (e && std::string(e) == "0") return CudaRpcaPath::LibTorch;
  return detail::fused_cuda_unavailable_reason(shape, ranks).empty() ? CudaRpcaPath::FusedKernels : CudaRpcaPath::LibTorch;
}

double fused_cuda_iteration_bytes(const tensor::Shape& shape, const std::vector<std::int64_t>& ranks, bool with_truth,
                                  bool include_partials) {
  return detail::fused_cuda_bytes(shape, ranks, with_truth, include_partials);
}

rpca::ScaledGdResult scaled_gd(const tensor::Tensor<double>& observed, const rpca::ScaledGdSettings& settings,
                               Device device, Progress& progress, const tensor::Tensor<double>* truth, CudaRpcaPath path) {
  detail::validate_problem(observed, settings.ranks);
  rpca::check_scaled_gd_input(observed, settings, truth);
  torch::NoGradGuard no_grad;
  const torch::Device dev = detail::torch_device(device);
  const auto scalar = [&](double v) { return torch::scalar_tensor(v, torch::TensorOptions().dtype(torch::kFloat64).device(dev)); };
  const rpca::Hyperparameters& h = settings.hyper;
  rpca::ScaledGdResult result;
  const double truth_norm = truth ? tensor::frobenius_norm(*truth) : 0.0;
  bool fused = false;
  const CudaRpcaPath requested = path;
  if (device == Device::Cuda) {
    path = cuda_rpca_path(observed.shape(), settings.ranks, path);
    if (path == CudaRpcaPath::FusedKernels) {
      const std::string why = detail::fused_cuda_unavailable_reason(observed.shape(), settings.ranks);
      if (!why.empty()) throw Error(why, "", "fused CUDA ScaledGD");
      fused = true;
    }
  }

  progress.check();
  progress.report(0.0, "ScaledGD (LibTorch): spectral initialisation");
  const auto t_init = Clock::now();
  const torch::Tensor y = detail::to_torch(observed, dev);
  const torch::Tensor x_star = truth ? detail::to_torch(*truth, dev) : torch::Tensor();
  detail::TorchTucker x = detail::spectral_init(y, settings.ranks, scalar(h.zeta0), false);
  // The fused path's workspace, stream and CUDA graph are set up here, outside the timed iterations.
  std::unique_ptr<detail::FusedCudaSolve> solve;
  if (fused) solve = std::make_unique<detail::FusedCudaSolve>(y, x_star, x, settings, truth_norm);
  synchronize(device);
  result.init_seconds = std::chrono::duration<double>(Clock::now() - t_init).count();

  auto t_iter = Clock::now();
  double zeta = h.zeta1;
  int t = 0;
  bool done = false;
  if (solve) {
    detail::FusedIterations f = solve->run(progress);
    if (!f.singular) {
      x = std::move(f.x);
      t = f.iterations;
      zeta = f.zeta;
      result.relative_errors = std::move(f.relative_errors);
      done = true;
    } else if (requested == CudaRpcaPath::FusedKernels) {
      throw Error("a Gram matrix of the iterate is numerically singular (a rank above the data's?)", "",
                  "fused CUDA ScaledGD");
    }
    // Singular on the fused path (Auto): the LibTorch iterations from the same initialisation.
    if (!done) t_iter = Clock::now();
  }
  if (!done) {
    const torch::Tensor eta = scalar(h.eta);
    for (; t < settings.iterations; ++t) {
      progress.check();
      const torch::Tensor x_t = detail::reconstruct(x);
      if (truth) {
        result.relative_errors.push_back((x_t - x_star).norm().item<double>() / truth_norm);
        if (result.relative_errors.back() < settings.stop_below_error) break;
      }
      x = detail::scaled_step(x, detail::residual(x_t, y, zeta), eta);
      zeta *= h.decay;
      progress.report(0.05 + 0.95 * (t + 1) / std::max(1, settings.iterations),
                      "ScaledGD: iteration " + std::to_string(t + 1) + " of " + std::to_string(settings.iterations));
    }
  }
  synchronize(device);
  result.iteration_seconds = std::chrono::duration<double>(Clock::now() - t_iter).count();
  result.iterations = t;
  solve.reset();  // frees the fused path's workspace (outside the timed iterations)

  const torch::Tensor x_final = detail::reconstruct(x);
  result.low_rank = detail::from_torch(x_final);
  if (truth && static_cast<int>(result.relative_errors.size()) == t)
    result.relative_errors.push_back(tensor::relative_distance(result.low_rank, *truth));
  result.sparse = detail::from_torch(detail::soft_threshold(y - x_final, scalar(zeta)));
  result.factors = detail::tucker_from_torch(x);
  result.kernel = rpca::ScaledGdKernel::Generic;
  return result;
}

double torch_iteration_bytes(const tensor::Shape& shape) {
  return 8.0 * 8.0 * static_cast<double>(shape.at(0) * shape.at(1) * shape.at(2));
}

double device_copy_bandwidth(Device device, std::size_t bytes) {
  torch::NoGradGuard no_grad;
  const auto options = torch::TensorOptions().dtype(torch::kFloat64).device(detail::torch_device(device));
  const torch::Tensor src = torch::ones({static_cast<std::int64_t>(bytes / sizeof(double))}, options);
  torch::Tensor dst = torch::empty_like(src);
  double best = 1e300;
  for (int pass = 0; pass < 10; ++pass) {
    synchronize(device);
    const auto t0 = Clock::now();
    dst.copy_(src);
    synchronize(device);
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return 2.0 * static_cast<double>(bytes) / best;
}

rpca::RpcaSolver scaled_gd_solver(Device device) {
  return [device](const tensor::Tensor<double>& y, const rpca::ScaledGdSettings& s, Progress& p) {
    return scaled_gd(y, s, device, p);
  };
}

}  // namespace ebsd::gpu

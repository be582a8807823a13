#include "fused_residual_pass.hpp"

#include <algorithm>

namespace ebsd::rpca::detail {

FusedResidualPass::FusedResidualPass(const tensor::Shape& shape, const std::vector<std::int64_t>& ranks, int threads,
                                     RowKernel kernel)
    : n1_(shape[0]), n2_(shape[1]), n3_(shape[2]), r1_(ranks[0]), r2_(ranks[1]), r3_(ranks[2]), n1p_(padded(n1_)),
      n3p_(padded(n3_)), kernel_(kernel), u_padded_(MatrixD::Zero(n1p_, r1_)), gu_(n1p_, r2_ * r3_), wt_(r3_, n3_),
      w_padded_(MatrixD::Zero(n3p_, r3_)), q13_(static_cast<std::size_t>(r1_ * n2_ * r3_)) {
  // More threads than rows would idle; each thread takes a contiguous band of rows.
  const int team = static_cast<int>(std::clamp<std::int64_t>(threads, 1, n2_));
  workers_.resize(static_cast<std::size_t>(team));
  for (int m = 0; m < team; ++m) {
    Worker& w = workers_[static_cast<std::size_t>(m)];
    w.q23.assign(static_cast<std::size_t>(n1p_ * r2_ * r3_), 0.0);
    w.q12.assign(static_cast<std::size_t>(n3p_ * r1_ * r2_), 0.0);
    w.cj.assign(static_cast<std::size_t>(kRowBlock * n1p_ * r3_), 0.0);
    w.p3j.assign(static_cast<std::size_t>(kRowBlock * n1p_ * r3_), 0.0);
    w.p1j.assign(static_cast<std::size_t>(kRowBlock * n3p_ * r1_), 0.0);
    w.rcols.assign(static_cast<std::size_t>(n1p_ * 4), 0.0);
    w.vj.assign(static_cast<std::size_t>(kRowBlock * r2_), 0.0);
    w.out = {w.q23.data(), w.q12.data(), q13_.data(), 0.0, w.cj.data(), w.p3j.data(), w.p1j.data(), w.rcols.data(),
             w.vj.data()};
    w.j_begin = n2_ * m / team;
    w.j_end = n2_ * (m + 1) / team;
  }
  team_ = std::make_unique<WorkerTeam>(team);
}

double FusedResidualPass::gradients(const tensor::Tensor<double>& observed, const tensor::Tucker<double>& x,
                                    double zeta, const tensor::Tensor<double>* truth, ScaledGradients& g) {
  const MatrixD& u = x.factors[0];
  const MatrixD& v = x.factors[1];
  const MatrixD& w = x.factors[2];
  const Eigen::Map<const MatrixD> core_mode1(x.core.data(), r1_, r2_ * r3_);   // M_1(G)
  const Eigen::Map<const MatrixD> core_mode3t(x.core.data(), r1_ * r2_, r3_);  // M_3(G)^T

  u_padded_.topRows(n1_) = u;
  gu_.noalias() = u_padded_ * core_mode1;
  wt_ = w.transpose();
  w_padded_.topRows(n3_) = w;

  RowPassInput in;
  in.n1 = n1_, in.n2 = n2_, in.n3 = n3_, in.r1 = r1_, in.r2 = r2_, in.r3 = r3_, in.n1p = n1p_, in.n3p = n3p_;
  in.observed = observed.data();
  in.truth = truth ? truth->data() : nullptr;
  in.gu = gu_.data();
  in.u = u_padded_.data();
  in.v = v.data();
  in.wt = wt_.data();
  in.wp = w_padded_.data();
  in.zeta = zeta;

  for (Worker& wk : workers_) {
    std::fill(wk.q23.begin(), wk.q23.end(), 0.0);
    std::fill(wk.q12.begin(), wk.q12.end(), 0.0);
    wk.out.squared_error = 0.0;
  }
  team_->run([&](int m) {
    Worker& wk = workers_[static_cast<std::size_t>(m)];
    residual_rows(kernel_, in, wk.out, wk.j_begin, wk.j_end);
  });
  Worker& sum = workers_[0];
  double squared_error = sum.out.squared_error;
  for (std::size_t m = 1; m < workers_.size(); ++m) {
    const Worker& wk = workers_[m];
    for (std::size_t i = 0; i < sum.q23.size(); ++i) sum.q23[i] += wk.q23[i];
    for (std::size_t i = 0; i < sum.q12.size(); ++i) sum.q12[i] += wk.q12[i];
    squared_error += wk.out.squared_error;
  }

  // R x_2 V^T x_3 W^T -> mode 1, R x_1 U^T x_3 W^T -> mode 2, R x_1 U^T x_2 V^T -> mode 3 and core.
  const Eigen::Map<const MatrixD> q23(sum.q23.data(), n1p_, r2_ * r3_);
  const Eigen::Map<const MatrixD> q12(sum.q12.data(), n3p_, r1_ * r2_);
  g.factor.resize(3);
  g.factor[0].noalias() = q23.topRows(n1_) * core_mode1.transpose();
  g.factor[1] = MatrixD::Zero(n2_, r2_);
  for (std::int64_t c3 = 0; c3 < r3_; ++c3) {
    // Slice c3 of Q13 (r1 x n2) and of G (r1 x r2): M_2(Q13) M_2(G)^T = sum_c3 Q13_c3^T G_c3.
    const Eigen::Map<const MatrixD> q13_slice(q13_.data() + r1_ * n2_ * c3, r1_, n2_);
    const Eigen::Map<const MatrixD> core_slice(x.core.data() + r1_ * r2_ * c3, r1_, r2_);
    g.factor[1].noalias() += q13_slice.transpose() * core_slice;
  }
  g.factor[2].noalias() = q12.topRows(n3_) * core_mode3t;
  if (g.core.shape() != x.core.shape()) g.core = tensor::Tensor<double>(x.core.shape());
  Eigen::Map<MatrixD>(g.core.data(), r1_ * r2_, r3_).noalias() = q12.topRows(n3_).transpose() * w;
  return squared_error;
}

}  // namespace ebsd::rpca::detail

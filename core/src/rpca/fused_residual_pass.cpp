#include "fused_residual_pass.hpp"

#include <algorithm>
#include <string>

#include "ebsd/core/error.hpp"

namespace ebsd::rpca::detail {

namespace {

// a (n x n2 x n3, rows of n) as rows of np >= n values, zeros after n.
AlignedVector<double> padded_rows(const tensor::Tensor<double>& a, std::int64_t np) {
  const std::int64_t n = a.dim(0), rows = a.size() / n;
  AlignedVector<double> out(static_cast<std::size_t>(np * rows), 0.0);
  for (std::int64_t i = 0; i < rows; ++i) std::copy_n(a.data() + n * i, n, out.data() + np * i);
  return out;
}

}  // namespace

FusedResidualPass::FusedResidualPass(const tensor::Tensor<double>& observed, const tensor::Tensor<double>* truth,
                                     const std::vector<std::int64_t>& ranks, int threads, RowKernel kernel)
    : n1_(observed.dim(0)), n2_(observed.dim(1)), n3_(observed.dim(2)), r1_(ranks[0]), r2_(ranks[1]), r3_(ranks[2]),
      n1p_(padded(n1_)), n3p_(padded(n3_)), kernel_(kernel), observed_(observed.data()),
      truth_(truth ? truth->data() : nullptr), u_padded_(static_cast<std::size_t>(n1p_ * r1_), 0.0),
      gu_(static_cast<std::size_t>(n1p_ * r2_ * r3_), 0.0), w_padded_(static_cast<std::size_t>(n3p_ * r3_), 0.0),
      wt_(r3_, n3_), q13_(static_cast<std::size_t>(r1_ * n2_ * r3_)) {
  if (kernel_ == RowKernel::Avx512Blocked) {
    if (r3_ > kSlabMaxRank3)
      throw Error("the blocked AVX-512 kernel takes ranks up to " + std::to_string(kSlabMaxRank3) + " in mode 3, not " +
                      std::to_string(r3_),
                  "", "scaled_gd kernel");
    // Whole, aligned cache lines for every vector load of Y (n1 = 100 puts half the rows of the
    // caller's tensor off a 64-byte boundary, and a load across two lines costs two).
    y_padded_ = padded_rows(observed, n1p_);
    observed_ = y_padded_.data();
    if (truth) {
      truth_padded_ = padded_rows(*truth, n1p_);
      truth_ = truth_padded_.data();
    }
  }
  // More threads than rows would idle. The row kernels give each thread a contiguous band of
  // rows; the slab kernel hands out blocks of rows as the threads come for them.
  const int team = static_cast<int>(std::clamp<std::int64_t>(threads, 1, n2_));
  workers_.resize(static_cast<std::size_t>(team));
  for (int m = 0; m < team; ++m) {
    Worker& w = workers_[static_cast<std::size_t>(m)];
    if (kernel_ == RowKernel::Avx512Blocked) {
      // One buffer, its parts on 64-byte boundaries (every extent is a multiple of 8 doubles).
      const std::int64_t rows = kSlabBlockRows;
      const std::int64_t sizes[] = {n1p_ * r2_ * r3_, rows * n1p_ * r3_, rows * n3p_ * r1_, rows * n1p_ * r3_,
                                    kSlabChunk * n1p_, 2 * rows * r1_ * r3_};
      std::int64_t total = 0;
      for (const std::int64_t n : sizes) total += padded(n);
      w.slab_buffer.assign(static_cast<std::size_t>(total), 0.0);
      double* parts[6];
      double* at = w.slab_buffer.data();
      for (int i = 0; i < 6; ++i) {
        parts[i] = at;
        at += padded(sizes[i]);
      }
      w.slab = {parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]};
      continue;
    }
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
  if (kernel_ == RowKernel::Avx512Blocked) {
    SlabWork& sw = slab_work_;
    sw.blocks = (n2_ + kSlabBlockRows - 1) / kSlabBlockRows;
    sw.term_stride = SlabWork::stride_for(n1p_, n3p_, r1_, r2_, r3_);
    sw.n1p = n1p_, sw.n3p = n3p_, sw.r1 = r1_, sw.r2 = r2_, sw.r3 = r3_;
    slab_terms_.assign(static_cast<std::size_t>(sw.blocks * sw.term_stride), 0.0);
    sw.terms = slab_terms_.data();
    slab_sum_.assign(static_cast<std::size_t>(sw.term_stride), 0.0);
    sw.q13 = q13_.data();
  }
  team_ = std::make_unique<WorkerTeam>(team);
}

RowPassInput FusedResidualPass::pass_input(const tensor::Tucker<double>& x, double zeta) const {
  RowPassInput in;
  in.n1 = n1_, in.n2 = n2_, in.n3 = n3_, in.r1 = r1_, in.r2 = r2_, in.r3 = r3_, in.n1p = n1p_, in.n3p = n3p_;
  in.observed = observed_;
  in.truth = truth_;
  in.u = u_padded_.data();
  in.v = x.factors[1].data();
  in.wt = wt_.data();
  in.wp = w_padded_.data();
  in.zeta = zeta;
  return in;
}

double FusedResidualPass::gradients(const tensor::Tucker<double>& x, double zeta, ScaledGradients& g) {
  const MatrixD& u = x.factors[0];
  const MatrixD& w = x.factors[2];
  Eigen::Map<MatrixD>(u_padded_.data(), n1p_, r1_).topRows(n1_) = u;
  wt_ = w.transpose();
  Eigen::Map<MatrixD>(w_padded_.data(), n3p_, r3_).topRows(n3_) = w;
  g.factor.resize(3);
  if (g.core.shape() != x.core.shape()) g.core = tensor::Tensor<double>(x.core.shape());
  return kernel_ == RowKernel::Avx512Blocked ? slab_gradients(x, zeta, g) : row_kernel_gradients(x, zeta, g);
}

double FusedResidualPass::slab_gradients(const tensor::Tucker<double>& x, double zeta, ScaledGradients& g) {
  // G with c2 fastest, padded to whole vectors, for the factor-1 term.
  const std::int64_t r2p = padded(r2_);
  core_t2_.assign(static_cast<std::size_t>(r2p * r1_ * r3_), 0.0);
  for (std::int64_t c3 = 0; c3 < r3_; ++c3)
    for (std::int64_t c2 = 0; c2 < r2_; ++c2)
      for (std::int64_t c1 = 0; c1 < r1_; ++c1)
        core_t2_[static_cast<std::size_t>(c2 + r2p * (c1 + r1_ * c3))] = x.core.data()[c1 + r1_ * (c2 + r2_ * c3)];
  const RowPassInput in = pass_input(x, zeta);
  const SlabFactors f{x.core.data(), core_t2_.data()};
  g.factor[1].resize(n2_, r2_);
  SlabWork& sw = slab_work_;
  sw.next_block.store(0, std::memory_order_relaxed);
  sw.factor1 = g.factor[1].data();
  team_->run([&](int m) { residual_slab_worker(in, f, workers_[static_cast<std::size_t>(m)].slab, sw); });
  // The blocks' terms in block order: the same sums whichever worker took which block.
  sum_block_terms(sw, slab_sum_.data());
  const SlabBlockTerms t = sw.terms_at(slab_sum_.data());
  g.factor[0] = Eigen::Map<const MatrixD>(t.factor0, n1p_, r1_).topRows(n1_);
  g.factor[2] = Eigen::Map<const MatrixD>(t.factor2, n3p_, r3_).topRows(n3_);
  std::copy_n(t.core, r1_ * r2_ * r3_, g.core.data());
  return *t.squared_error;
}

double FusedResidualPass::row_kernel_gradients(const tensor::Tucker<double>& x, double zeta, ScaledGradients& g) {
  const MatrixD& w = x.factors[2];
  const Eigen::Map<const MatrixD> core_mode1(x.core.data(), r1_, r2_ * r3_);   // M_1(G)
  const Eigen::Map<const MatrixD> core_mode3t(x.core.data(), r1_ * r2_, r3_);  // M_3(G)^T

  Eigen::Map<MatrixD>(gu_.data(), n1p_, r2_ * r3_).noalias() =
      Eigen::Map<const MatrixD>(u_padded_.data(), n1p_, r1_) * core_mode1;
  RowPassInput in = pass_input(x, zeta);
  in.gu = gu_.data();

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
  g.factor[0].noalias() = q23.topRows(n1_) * core_mode1.transpose();
  g.factor[1] = MatrixD::Zero(n2_, r2_);
  for (std::int64_t c3 = 0; c3 < r3_; ++c3) {
    // Slice c3 of Q13 (r1 x n2) and of G (r1 x r2): M_2(Q13) M_2(G)^T = sum_c3 Q13_c3^T G_c3.
    const Eigen::Map<const MatrixD> q13_slice(q13_.data() + r1_ * n2_ * c3, r1_, n2_);
    const Eigen::Map<const MatrixD> core_slice(x.core.data() + r1_ * r2_ * c3, r1_, r2_);
    g.factor[1].noalias() += q13_slice.transpose() * core_slice;
  }
  g.factor[2].noalias() = q12.topRows(n3_) * core_mode3t;
  Eigen::Map<MatrixD>(g.core.data(), r1_ * r2_, r3_).noalias() = q12.topRows(n3_).transpose() * w;
  return squared_error;
}

}  // namespace ebsd::rpca::detail

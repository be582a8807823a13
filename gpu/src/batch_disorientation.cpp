#include "ebsd/gpu/batch_disorientation.hpp"

#include <torch/torch.h>

#include <cmath>
#include <type_traits>
#include <string>

#include "ebsd/core/error.hpp"

namespace ebsd::gpu {
namespace {

// Quat is four contiguous doubles (w, x, y, z), so a span of them is an (n, 4) float64 array
// that the tensor can view without a copy; the copy happens once, in .to(device).
static_assert(sizeof(Quat) == 4 * sizeof(double) && std::is_standard_layout_v<Quat>);
torch::Tensor view_as_tensor(std::span<const Quat> q) {
  return torch::from_blob(const_cast<Quat*>(q.data()), {static_cast<std::int64_t>(q.size()), 4}, torch::kFloat64);
}

}  // namespace

std::vector<double> disorientation_angles(std::span<const Quat> a, std::span<const Quat> b, LaueGroup g, Device device) {
  if (a.size() != b.size())
    throw Error("orientation lists differ in length (" + std::to_string(a.size()) + " vs " + std::to_string(b.size()) + ")",
                "", "disorientation_angles");
  if (a.empty()) return {};
  torch::NoGradGuard no_grad;
  const auto dev = device == Device::Cuda ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  // The inputs are only read, so on the CPU the views need no copy at all.
  auto qa = dev.is_cpu() ? view_as_tensor(a) : view_as_tensor(a).to(dev);
  auto qb = dev.is_cpu() ? view_as_tensor(b) : view_as_tensor(b).to(dev);

  // Misorientation d = b * conj(a) (quaternion.hpp), component by component.
  auto aw = qa.select(1, 0), ax = -qa.select(1, 1), ay = -qa.select(1, 2), az = -qa.select(1, 3);
  auto bw = qb.select(1, 0), bx = qb.select(1, 1), by = qb.select(1, 2), bz = qb.select(1, 3);
  auto d = torch::stack({bw * aw - bx * ax - by * ay - bz * az, bw * ax + bx * aw + by * az - bz * ay,
                         bw * ay - bx * az + by * aw + bz * ax, bw * az + bx * ay - by * ax + bz * aw},
                        1);

  // The scalar part of s * d is s.w d.w - s.v . d.v, so one matrix product gives all |G|
  // candidates; the angle of conj-related pairs s_i d s_j^-1 equals that of (s_j^-1 s_i) d, so the
  // minimum over one side's operators is the disorientation angle.
  const auto ops = symmetry_operators(g);
  auto s = torch::empty({static_cast<std::int64_t>(ops.size()), 4}, torch::kFloat64);
  auto sacc = s.accessor<double, 2>();
  for (std::size_t k = 0; k < ops.size(); ++k) {
    const auto i = static_cast<std::int64_t>(k);
    sacc[i][0] = ops[k].w;
    sacc[i][1] = -ops[k].x;
    sacc[i][2] = -ops[k].y;
    sacc[i][3] = -ops[k].z;
  }
  auto w = torch::matmul(d, s.to(dev).t()).abs().amax(1).clamp_max(1.0);
  auto angle = (2.0 * torch::acos(w)).to(torch::kCPU).contiguous();
  const double* p = angle.data_ptr<double>();
  return std::vector<double>(p, p + angle.numel());
}

}  // namespace ebsd::gpu

// RePaint and DPS samplers for linear inpainting with the diffusion U-Net (diffusion/inpainter.hpp).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "diffusion/inpainter.hpp"
#include "diffusion/unet.hpp"
#include "ebsd/core/error.hpp"

namespace ebsd::gpu::diffusion {

struct Inpainter::Impl {
  UNet model{nullptr};
  ModelMeta meta;
  ModelInfo info;
  torch::Device device{torch::kCPU};
  torch::Tensor alpha_bar;  // double, CPU
};

Inpainter::Inpainter(const std::filesystem::path& model, Device device) : impl_(std::make_unique<Impl>()) {
  impl_->model = load_unet(model, impl_->meta);
  impl_->device = device == Device::Cuda ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  impl_->model->to(impl_->device);
  impl_->model->eval();
  impl_->alpha_bar = cosine_alpha_bar(impl_->meta.timesteps);
  auto& i = impl_->info;
  i.laue = impl_->meta.laue;
  i.side = impl_->meta.side;
  i.orientation_dims = impl_->meta.orientation_dims;
  i.channels = impl_->meta.config.channels;
  i.timesteps = impl_->meta.timesteps;
  i.embedding_fingerprint = impl_->meta.embedding_fingerprint;
  i.path = model.string();
}

Inpainter::~Inpainter() = default;

const ModelInfo& Inpainter::info() const { return impl_->info; }

std::vector<float> Inpainter::sample(const std::vector<float>& y_in, const std::vector<float>& mask_in, std::int64_t nx,
                                     std::int64_t ny, const SamplerOptions& o, Progress& progress) const {
  const auto& im = *impl_;
  const std::int64_t C = im.info.channels, plane = nx * ny;
  if (static_cast<std::int64_t>(y_in.size()) != C * plane || mask_in.size() != y_in.size())
    throw Error("observation and mask must hold " + std::to_string(C) + " planes of the slice", "", "inpaint");
  if (o.sampler != "repaint" && o.sampler != "dps") throw Error("unknown sampler, expected repaint or dps", "", o.sampler);
  if (o.steps < 2 || o.steps > im.info.timesteps || o.samples < 1 || o.samples > 64 || o.resample < 1 || o.resample > 20)
    throw Error("sampler options out of range (2 <= steps <= T, 1 <= samples <= 64, 1 <= resample <= 20)", "", "inpaint");
  torch::NoGradGuard no_grad;
  const auto dev = im.device;
  UNet net = im.model;  // a holder sharing the module (forward is not const)
  // Pad to a multiple of the U-Net's stride by reflection; the padding is unobserved.
  const std::int64_t m = im.meta.config.multiple();
  const std::int64_t px = (m - nx % m) % m, py = (m - ny % m) % m;
  auto pad = [&](torch::Tensor t, bool zero) {
    if (!px && !py) return t;
    if (zero) return torch::constant_pad_nd(t, {0, px, 0, py}, 0.0);
    return torch::reflection_pad2d(t, {0, px, 0, py});
  };
  auto y = pad(torch::from_blob(const_cast<float*>(y_in.data()), {1, C, ny, nx}).clone(), false).to(dev);
  auto mask = pad(torch::from_blob(const_cast<float*>(mask_in.data()), {1, C, ny, nx}).clone(), true).to(dev);
  const std::int64_t N = o.samples, H = ny + py, W = nx + px;
  y = y.expand({N, C, H, W});
  mask = mask.expand({N, C, H, W});

  torch::manual_seed(o.seed);
  auto gen = [&] { return torch::randn({N, C, H, W}, torch::TensorOptions().device(dev)); };
  // Respaced timesteps, from the start down to 0.
  const std::int64_t T = im.info.timesteps;
  const double start = std::clamp(o.init ? o.start_fraction : 1.0, 0.02, 1.0);
  const std::int64_t tmax = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::llround(start * static_cast<double>(T - 1))));
  const std::int64_t n = std::max<std::int64_t>(2, static_cast<std::int64_t>(std::llround(static_cast<double>(o.steps) * start)));
  std::vector<std::int64_t> ts;
  for (std::int64_t k = 0; k < n; ++k) {
    const auto t = static_cast<std::int64_t>(std::llround(static_cast<double>(tmax) * (1.0 - static_cast<double>(k) / static_cast<double>(n - 1))));
    if (ts.empty() || t < ts.back()) ts.push_back(t);
  }
  auto ab = [&](std::int64_t t) { return t < 0 ? 1.0 : im.alpha_bar[t].item<double>(); };

  torch::Tensor x;
  if (o.init) {
    if (static_cast<std::int64_t>(o.init->size()) != C * plane) throw Error("init image size mismatch", "", "inpaint");
    auto x0 = pad(torch::from_blob(const_cast<float*>(o.init->data()), {1, C, ny, nx}).clone(), false).to(dev).expand({N, C, H, W});
    const double a = ab(ts.front());
    x = std::sqrt(a) * x0 + std::sqrt(1 - a) * gen();
  } else {
    x = gen();
  }
  auto tensor_t = [&](std::int64_t t) { return torch::full({N}, static_cast<float>(t), torch::TensorOptions().device(dev)); };
  auto predict_x0 = [&](const torch::Tensor& xt, std::int64_t t) {
    const double a = ab(t);
    auto eps = net->forward(xt, tensor_t(t));
    // Clipped to a little beyond the data range (embedding channels within +-1.52 for m-3m and
    // +-2.24 for 6/mmm over 200000 random orientations; side channels +-1).
    return std::make_pair(((xt - std::sqrt(1 - a) * eps) / std::sqrt(a)).clamp(-2.5, 2.5), eps);
  };
  torch::Tensor x0;
  const std::size_t total = ts.size() * static_cast<std::size_t>(o.sampler == "repaint" ? o.resample : 1);
  std::size_t done = 0;
  for (std::size_t k = 0; k < ts.size(); ++k) {
    const std::int64_t t = ts[k], tp = k + 1 < ts.size() ? ts[k + 1] : -1;
    const double a = ab(t), ap = ab(tp), beta = 1.0 - a / ap;
    // DDPM posterior q(x_prev | x_t, x0) of the respaced chain.
    const double c0 = std::sqrt(ap) * beta / (1 - a), ct = std::sqrt(1 - beta) * (1 - ap) / (1 - a);
    const double sigma = tp < 0 ? 0.0 : std::sqrt(beta * (1 - ap) / (1 - a));
    if (o.sampler == "repaint") {
      for (std::int64_t r = 0; r < o.resample; ++r) {
        progress.check();
        x0 = predict_x0(x, t).first;
        auto unknown = c0 * x0 + ct * x + sigma * gen();
        auto known = tp < 0 ? y : std::sqrt(ap) * y + std::sqrt(1 - ap) * gen();
        auto prev = mask * known + (1 - mask) * unknown;
        if (r + 1 < o.resample && tp >= 0) x = std::sqrt(1 - beta) * prev + std::sqrt(beta) * gen();  // back to t
        else x = prev;
        progress.report(static_cast<double>(++done) / static_cast<double>(total));
      }
    } else {
      progress.check();
      torch::Tensor grad;
      {
        torch::AutoGradMode enable(true);
        auto xt = x.detach().requires_grad_(true);
        auto est = predict_x0(xt, t).first;
        auto residual = (mask * (y - est)).flatten(1).norm(2, 1);  // per sample
        grad = torch::autograd::grad({residual.sum()}, {xt})[0];
        x0 = est.detach();
      }
      x = c0 * x0 + ct * x + sigma * gen() - o.dps_scale * grad;
      progress.report(static_cast<double>(++done) / static_cast<double>(total));
    }
  }
  // The clean estimate at the end, observations put back, padding removed.
  auto out = (mask * y + (1 - mask) * x).narrow(2, 0, ny).narrow(3, 0, nx).contiguous().to(torch::kCPU);
  std::vector<float> result(static_cast<std::size_t>(out.numel()));
  std::memcpy(result.data(), out.data_ptr<float>(), result.size() * sizeof(float));
  return result;
}

}  // namespace ebsd::gpu::diffusion

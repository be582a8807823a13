// The noise-prediction U-Net, its schedule and its weight files (diffusion/unet.hpp).
#include "diffusion/unet.hpp"

#include <cmath>
#include <cstring>
#include <numbers>

#include "ebsd/core/error.hpp"
#include "model_files/safetensors.hpp"
#include "nn/module_weights.hpp"

namespace ebsd::gpu::diffusion {
namespace {

std::int64_t groups_for(std::int64_t ch) { return ch % 8 == 0 ? 8 : (ch % 4 == 0 ? 4 : 1); }

torch::nn::Conv2d conv3(std::int64_t in, std::int64_t out, std::int64_t stride = 1) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(1));
}

// Sinusoidal embedding of the timestep (Vaswani et al.; as in DDPM): [B, dim].
torch::Tensor timestep_embedding(const torch::Tensor& t, std::int64_t dim) {
  const std::int64_t half = dim / 2;
  auto freqs = torch::exp(-std::log(10000.0) * torch::arange(half, t.options().dtype(torch::kFloat32)) / half);
  auto a = t.to(torch::kFloat32).unsqueeze(1) * freqs.unsqueeze(0);
  return torch::cat({torch::sin(a), torch::cos(a)}, 1);
}

}  // namespace

nlohmann::json UNetConfig::to_json() const {
  return {{"channels", channels}, {"base", base}, {"mults", mults}, {"res_blocks", res_blocks}};
}

UNetConfig UNetConfig::from_json(const nlohmann::json& j) {
  UNetConfig c;
  try {
    c.channels = j.at("channels"), c.base = j.at("base"), c.res_blocks = j.at("res_blocks");
    c.mults = j.at("mults").get<std::vector<std::int64_t>>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("diffusion model config: ") + e.what(), "", "config");
  }
  bool ok = c.channels >= 1 && c.channels <= 256 && c.base >= 4 && c.base <= 1024 && c.res_blocks >= 1 &&
            c.res_blocks <= 8 && !c.mults.empty() && c.mults.size() <= 6;
  for (auto m : c.mults) ok = ok && m >= 1 && m <= 16;
  if (!ok) throw Error("diffusion model config out of range: " + j.dump(), "", "config");
  return c;
}

ResBlockImpl::ResBlockImpl(std::int64_t in, std::int64_t out, std::int64_t time_dim) {
  norm1_ = register_module("norm1", torch::nn::GroupNorm(torch::nn::GroupNormOptions(groups_for(in), in)));
  conv1_ = register_module("conv1", conv3(in, out));
  time_ = register_module("time", torch::nn::Linear(time_dim, out));
  norm2_ = register_module("norm2", torch::nn::GroupNorm(torch::nn::GroupNormOptions(groups_for(out), out)));
  conv2_ = register_module("conv2", conv3(out, out));
  if (in != out) skip_ = register_module("skip", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1)));
  // The residual branch starts at zero: each block is the identity at initialisation.
  torch::NoGradGuard g;
  conv2_->weight.zero_();
  conv2_->bias.zero_();
}

torch::Tensor ResBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& temb) {
  auto h = conv1_->forward(torch::silu(norm1_->forward(x)));
  h = h + time_->forward(temb).unsqueeze(-1).unsqueeze(-1);
  h = conv2_->forward(torch::silu(norm2_->forward(h)));
  return (skip_ ? skip_->forward(x) : x) + h;
}

UNetImpl::UNetImpl(const UNetConfig& c) : c_(c) {
  const std::int64_t tdim = 4 * c.base;
  t1_ = register_module("t1", torch::nn::Linear(c.base, tdim));
  t2_ = register_module("t2", torch::nn::Linear(tdim, tdim));
  in_ = register_module("in", conv3(c.channels, c.base));
  std::vector<std::int64_t> skips{c.base};
  std::int64_t ch = c.base;
  const auto levels = static_cast<std::int64_t>(c.mults.size());
  for (std::int64_t l = 0; l < levels; ++l) {
    const std::int64_t w = c.base * c.mults[static_cast<std::size_t>(l)];
    for (std::int64_t r = 0; r < c.res_blocks; ++r) {
      down_.push_back(register_module("down" + std::to_string(down_.size()), ResBlock(ch, w, tdim)));
      down_level_.push_back(l);
      ch = w;
      skips.push_back(ch);
    }
    if (l + 1 < levels) {
      downsample_.push_back(register_module("downsample" + std::to_string(l), conv3(ch, ch, 2)));
      skips.push_back(ch);
    }
  }
  mid_.push_back(register_module("mid0", ResBlock(ch, ch, tdim)));
  mid_.push_back(register_module("mid1", ResBlock(ch, ch, tdim)));
  for (std::int64_t l = levels - 1; l >= 0; --l) {
    const std::int64_t w = c.base * c.mults[static_cast<std::size_t>(l)];
    for (std::int64_t r = 0; r <= c.res_blocks; ++r) {
      const std::int64_t s = skips.back();
      skips.pop_back();
      up_.push_back(register_module("up" + std::to_string(up_.size()), ResBlock(ch + s, w, tdim)));
      ch = w;
    }
    if (l > 0) upsample_.push_back(register_module("upsample" + std::to_string(l), conv3(ch, ch)));
  }
  out_norm_ = register_module("out_norm", torch::nn::GroupNorm(torch::nn::GroupNormOptions(groups_for(ch), ch)));
  out_ = register_module("out", conv3(ch, c.channels));
  torch::NoGradGuard g;
  out_->weight.zero_();
  out_->bias.zero_();
}

torch::Tensor UNetImpl::forward(const torch::Tensor& x, const torch::Tensor& t) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == c_.channels && x.size(2) % c_.multiple() == 0 && x.size(3) % c_.multiple() == 0,
              "diffusion U-Net: expected [B, ", c_.channels, ", H, W] with H, W multiples of ", c_.multiple(), ", got ",
              x.sizes());
  auto temb = t2_->forward(torch::silu(t1_->forward(timestep_embedding(t.to(x.device()), c_.base))));
  std::vector<torch::Tensor> skips;
  auto h = in_->forward(x);
  skips.push_back(h);
  const auto levels = static_cast<std::int64_t>(c_.mults.size());
  std::size_t b = 0;
  for (std::int64_t l = 0; l < levels; ++l) {
    for (std::int64_t r = 0; r < c_.res_blocks; ++r) {
      h = down_[b++]->forward(h, temb);
      skips.push_back(h);
    }
    if (l + 1 < levels) {
      h = downsample_[static_cast<std::size_t>(l)]->forward(h);
      skips.push_back(h);
    }
  }
  for (auto& m : mid_) h = m->forward(h, temb);
  std::size_t u = 0, us = 0;
  for (std::int64_t l = levels - 1; l >= 0; --l) {
    for (std::int64_t r = 0; r <= c_.res_blocks; ++r) {
      h = up_[u++]->forward(torch::cat({h, skips.back()}, 1), temb);
      skips.pop_back();
    }
    if (l > 0) {
      h = torch::nn::functional::interpolate(
          h, torch::nn::functional::InterpolateFuncOptions().scale_factor(std::vector<double>{2.0, 2.0}).mode(torch::kNearest));
      h = upsample_[us++]->forward(h);
    }
  }
  return out_->forward(torch::silu(out_norm_->forward(h)));
}

torch::Tensor cosine_alpha_bar(std::int64_t steps) {
  // alpha-bar(t) = f(t) / f(0), f(t) = cos^2(((t/T) + s) / (1 + s) * pi/2), s = 0.008; betas
  // derived from consecutive ratios are clipped at 0.999 and the product rebuilt from them.
  constexpr double s = 0.008;
  auto f = [&](double t) {
    const double c = std::cos((t / static_cast<double>(steps) + s) / (1 + s) * std::numbers::pi / 2);
    return c * c;
  };
  auto ab = torch::empty({steps}, torch::kFloat64);
  double prod = 1.0;
  for (std::int64_t t = 0; t < steps; ++t) {
    const double beta = std::min(1.0 - f(static_cast<double>(t + 1)) / f(static_cast<double>(t)), 0.999);
    prod *= 1.0 - beta;
    ab[t] = prod;
  }
  return ab;
}

void save_unet(UNet& m, const ModelMeta& meta, const std::filesystem::path& path, bool half) {
  model_files::SafetensorsFile f;
  f.metadata = meta.extra;
  f.metadata["format"] = "ebsd-diffusion-unet-1";
  f.metadata["config"] = m->config().to_json().dump();
  f.metadata["laue"] = meta.laue;
  f.metadata["side_channels"] = nlohmann::json(meta.side).dump();
  f.metadata["orientation_dims"] = std::to_string(meta.orientation_dims);
  f.metadata["timesteps"] = std::to_string(meta.timesteps);
  f.metadata["schedule"] = "cosine";
  f.metadata["embedding_fingerprint"] = nlohmann::json(meta.embedding_fingerprint).dump();
  nn::append_parameters(*m, f, half);
  write_safetensors(path, f);
}

UNet load_unet(const std::filesystem::path& path, ModelMeta& meta) {
  const auto f = model_files::read_safetensors(path);
  auto get = [&](const std::string& key) -> const std::string& {
    const auto it = f.metadata.find(key);
    if (it == f.metadata.end()) throw Error("no '" + key + "' in the metadata: not a diffusion model", path.string(), "__metadata__");
    return it->second;
  };
  if (get("format") != "ebsd-diffusion-unet-1") throw Error("unknown format '" + get("format") + "'", path.string(), "format");
  try {
    meta.config = UNetConfig::from_json(nlohmann::json::parse(get("config")));
    meta.laue = get("laue");
    meta.side = nlohmann::json::parse(get("side_channels")).get<std::vector<std::string>>();
    meta.orientation_dims = std::stoll(get("orientation_dims"));
    meta.timesteps = std::stoll(get("timesteps"));
    meta.embedding_fingerprint = nlohmann::json::parse(get("embedding_fingerprint")).get<std::vector<float>>();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(std::string("malformed metadata: ") + e.what(), path.string(), "__metadata__");
  }
  if (meta.orientation_dims + static_cast<std::int64_t>(meta.side.size()) != meta.config.channels || meta.timesteps < 2 ||
      meta.timesteps > 100000)
    throw Error("metadata disagree with the config (channels, timesteps)", path.string(), "__metadata__");
  for (const auto& [k, v] : f.metadata) meta.extra[k] = v;
  UNet m(meta.config);
  nn::load_parameters(*m, f, path);
  m->eval();
  return m;
}

}  // namespace ebsd::gpu::diffusion

// The axial transformer (recovery/axial_transformer.hpp), its weight files, and the tiled
// whole-volume predictor (recovery/recovery_engine.hpp).
#include "recovery/axial_transformer.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <unistd.h>
#include <ATen/Parallel.h>
#include "ebsd/core/error.hpp"
#include "ebsd/orientation/rotations.hpp"
#include "model_files/safetensors.hpp"
#include "nn/module_weights.hpp"
#include "recovery/recovery_engine.hpp"

namespace ebsd::gpu::recovery {

nlohmann::json AxialConfig::to_json() const {
  return {{"dim", dim}, {"depth", depth}, {"heads", heads}, {"lx", lx}, {"lw", lw}, {"ly", ly}, {"dropout", dropout}, {"ff", ff}};
}

AxialConfig AxialConfig::from_json(const nlohmann::json& j) {
  AxialConfig c;
  try {
    c.dim = j.at("dim"), c.depth = j.at("depth"), c.heads = j.at("heads");
    c.lx = j.at("lx"), c.lw = j.at("lw"), c.ly = j.at("ly");
    c.dropout = j.value("dropout", 0.1);
    c.ff = j.value("ff", std::string("conv"));
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("model config: ") + e.what(), "", "config");
  }
  if (c.dim < 1 || c.dim > 4096 || c.depth < 1 || c.depth > 64 || c.heads < 1 || c.dim % c.heads || c.lx < 1 ||
      c.lx > 1024 || c.ly < 1 || c.ly > 1024 || c.lw < 3 || c.lw > 64 || (c.ff != "conv" && c.ff != "depthwise"))
    throw Error("model config out of range: " + j.dump(), "", "config");
  return c;
}

AxialBlockImpl::AxialBlockImpl(const AxialConfig& c) {
  attn_ = register_module("attn", nn::MultiHeadAttention(nn::AttentionOptions{c.dim, c.heads, false, false, false}));
  proj_ = register_module("proj", nn::Linear(c.dim, c.dim));
  norm1_ = register_module("norm1", nn::ChannelNorm(c.dim));
  norm2_ = register_module("norm2", nn::ChannelNorm(c.dim));
  if (c.ff == "depthwise")
    depthwise_ff_ = register_module("ff", nn::DepthwiseFeedForward3d(c.dim, 4 * c.dim, 3));
  else
    conv_ff_ = register_module("ff", nn::ConvFeedForward3d(c.dim, 4 * c.dim, 3));
  drop_ = register_module("drop", torch::nn::Dropout(c.dropout));
}

torch::Tensor AxialBlockImpl::forward(torch::Tensor x) {
  // Post-norm; attention along x, then the window, then y, each feeding the next (METHODS.md 6(a)).
  auto a = attn_->forward_axis(x, 1);
  a = attn_->forward_axis(a, 2);
  a = attn_->forward_axis(a, 3);
  x = norm1_->forward(x + drop_->forward(proj_->forward(a)));
  auto f = depthwise_ff_ ? depthwise_ff_->forward(x) : conv_ff_->forward(x);
  return norm2_->forward(x + drop_->forward(f));
}

AxialTransformerImpl::AxialTransformerImpl(const AxialConfig& c) : c_(c) {
  embed_ = register_module("embed", nn::Linear(3, c.dim));
  pos_x_ = register_parameter("pos_x", torch::randn({c.lx, c.dim}) * 0.02);
  pos_w_ = register_parameter("pos_w", torch::randn({c.lw, c.dim}) * 0.02);
  pos_y_ = register_parameter("pos_y", torch::randn({c.ly, c.dim}) * 0.02);
  drop_ = register_module("drop", torch::nn::Dropout(c.dropout));
  for (std::int64_t i = 0; i < c.depth; ++i) blocks_.push_back(register_module("block" + std::to_string(i), AxialBlock(c)));
  head_ = register_module("head", nn::Linear(c.dim, 3));
}

torch::Tensor AxialTransformerImpl::forward(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 5 && x.size(1) == c_.lx && x.size(2) == c_.lw && x.size(3) == c_.ly && x.size(4) == 3,
              "axial transformer: expected input [B, ", c_.lx, ", ", c_.lw, ", ", c_.ly, ", 3], got ", x.sizes());
  auto h = embed_->forward(x) + pos_x_.view({1, c_.lx, 1, 1, c_.dim}) + pos_w_.view({1, 1, c_.lw, 1, c_.dim}) +
           pos_y_.view({1, 1, 1, c_.ly, c_.dim});
  h = drop_->forward(h);
  for (auto& b : blocks_) h = b->forward(h);
  return head_->forward(h);
}

void save_model(AxialTransformer& m, const std::filesystem::path& path, const std::map<std::string, std::string>& extra,
                bool half) {
  model_files::SafetensorsFile f;
  f.metadata = extra;
  f.metadata["config"] = m->config().to_json().dump();
  f.metadata["format"] = "ebsd-axial-transformer-1";
  nn::append_parameters(*m, f, half);
  write_safetensors(path, f);
}

AxialTransformer load_model(const std::filesystem::path& path) {
  const auto f = model_files::read_safetensors(path);
  const auto it = f.metadata.find("config");
  if (it == f.metadata.end()) throw Error("no 'config' in the metadata: not a recovery model", path.string(), "__metadata__");
  nlohmann::json cj;
  try {
    cj = nlohmann::json::parse(it->second);
  } catch (const nlohmann::json::exception&) {
    throw Error("metadata 'config' is not JSON", path.string(), "__metadata__.config");
  }
  AxialTransformer m(AxialConfig::from_json(cj));
  nn::load_parameters(*m, f, path);
  m->eval();
  return m;
}

// ---------------------------------------------------------------------------------------------
// Default model and whole-volume prediction.

std::filesystem::path default_model_path() {
  namespace fs = std::filesystem;
  const fs::path rel = fs::path("resources") / "models" / "recovery" / "axial-transformer.safetensors";
  std::vector<fs::path> tried;
  if (const char* e = std::getenv("EBSD_RECOVERY_MODEL")) {
    if (fs::exists(e)) return e;
    tried.emplace_back(e);
  }
  if (const char* s = std::getenv("EBSD_SOURCE_DIR")) tried.push_back(fs::path(s) / rel);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (fs::path d = exe.parent_path(); !d.empty() && d != d.root_path(); d = d.parent_path()) {
      tried.push_back(d / rel);
      tried.push_back(d / "share" / "ebsd-studio" / "models" / "recovery" / "axial-transformer.safetensors");
    }
  }
  std::string list;
  for (const auto& p : tried) {
    if (fs::exists(p)) return p;
    list += (list.empty() ? "" : ", ") + p.string();
  }
  throw Error("no recovery model found (set EBSD_RECOVERY_MODEL or pass model=PATH); tried " + list, "", "model");
}

namespace {

torch::Device to_device(Device d) { return d == Device::Cuda ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU); }

std::vector<std::int64_t> crop_starts(std::int64_t n, std::int64_t crop, std::int64_t stride) {
  if (n <= crop) return {0};
  std::vector<std::int64_t> s;
  for (std::int64_t a = 0; a + crop < n; a += stride) s.push_back(a);
  s.push_back(n - crop);
  return s;
}

}  // namespace

analysis::SlicePredictor make_transformer_predictor(const PredictorOptions& o, Progress& progress) {
  auto model = std::make_shared<AxialTransformer>(load_model(o.model));
  const torch::Device dev = to_device(o.device);
  (*model)->to(dev);
  (*model)->eval();
  const AxialConfig c = (*model)->config();
  const Progress* prog = &progress;
  const std::size_t batch =
      static_cast<std::size_t>(o.batch > 0 ? o.batch : (o.device == Device::Cuda ? 8 : 2));
  return [model, dev, c, o, prog, batch](const Volume& v, std::int64_t z) {
    torch::NoGradGuard guard;
    const std::int64_t nx = v.nx(), ny = v.ny(), plane = nx * ny;
    // The window: lw slices with z at the centre, shifted inside the volume when it can be.
    std::int64_t start = z - c.lw / 2;
    if (v.nz() >= c.lw) start = std::clamp<std::int64_t>(start, 0, v.nz() - c.lw);
    const std::int64_t pos = z - start;
    using clock = std::chrono::steady_clock;
    auto seconds_since = [](clock::time_point t) { return std::chrono::duration<double>(clock::now() - t).count(); };
    auto t0 = clock::now();
    // Normalised cubochoric of the window as [X, W, Y, 3]; zero where unknown or invalid. One
    // conversion a voxel over lw - 1 planes: spread over the intra-op threads.
    const std::int64_t px = std::max(nx, c.lx), py = std::max(ny, c.ly);
    auto win = torch::zeros({px, c.lw, py, 3});
    auto acc = win.accessor<float, 4>();
    at::parallel_for(0, c.lw * ny, 16, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t row = begin; row < end; ++row) {
        const std::int64_t w = row / ny, y = row % ny, s = start + w;
        if (s < 0 || s >= v.nz() || w == pos) continue;
        for (std::int64_t x = 0; x < nx; ++x) {
          const std::int64_t i = v.index(x, y, s);
          if (!v.is_valid(i)) continue;
          const auto cu = cubochoric_from_quat(v.orientation(i));
          for (int k = 0; k < 3; ++k) acc[x][w][y][k] = (static_cast<float>(cu[k]) - kCuMean[k]) / kCuStd[k];
        }
      }
    });
    if (o.timings) o.timings->window_s += seconds_since(t0);
    // A tent window for blending overlapping crops.
    auto tent = [](std::int64_t n) {
      auto t = torch::arange(n, torch::kFloat32);
      return torch::minimum(t + 1, n - t).clamp_max(16.0f);
    };
    const auto weight = tent(c.lx).view({c.lx, 1}) * tent(c.ly).view({1, c.ly});
    auto sum = torch::zeros({px, py, 3}), wsum = torch::zeros({px, py, 1});
    std::vector<std::pair<std::int64_t, std::int64_t>> crops;
    for (auto x0 : crop_starts(px, c.lx, o.stride))
      for (auto y0 : crop_starts(py, c.ly, o.stride)) crops.emplace_back(x0, y0);
    for (std::size_t b = 0; b < crops.size(); b += batch) {
      prog->check();
      std::vector<torch::Tensor> inputs;
      const std::size_t e = std::min(crops.size(), b + batch);
      for (std::size_t k = b; k < e; ++k)
        inputs.push_back(win.narrow(0, crops[k].first, c.lx).narrow(2, crops[k].second, c.ly));
      t0 = clock::now();
      auto out = (*model)->forward(torch::stack(inputs).to(dev)).to(torch::kCPU);
      if (o.timings) o.timings->forward_s += seconds_since(t0);
      t0 = clock::now();
      for (std::size_t k = b; k < e; ++k) {
        auto pred = out[static_cast<std::int64_t>(k - b)].select(1, pos);  // [lx, ly, 3]
        sum.narrow(0, crops[k].first, c.lx).narrow(1, crops[k].second, c.ly).add_(pred * weight.unsqueeze(2));
        wsum.narrow(0, crops[k].first, c.lx).narrow(1, crops[k].second, c.ly).add_(weight.unsqueeze(2));
      }
      if (o.timings) o.timings->blend_s += seconds_since(t0);
    }
    t0 = clock::now();
    auto pred = (sum / wsum).contiguous();
    auto pa = pred.accessor<float, 3>();
    const double half = std::pow(std::numbers::pi, 2.0 / 3.0) / 2.0;
    std::vector<Quat> result(static_cast<std::size_t>(plane));
    at::parallel_for(0, ny, 8, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t y = begin; y < end; ++y)
        for (std::int64_t x = 0; x < nx; ++x) {
          Cubochoric cu;
          for (int k = 0; k < 3; ++k)
            cu[k] = std::clamp(static_cast<double>(pa[x][y][k] * kCuStd[k] + kCuMean[k]), -half, half);
          result[static_cast<std::size_t>(x + nx * y)] = quat_from_cubochoric(cu);
        }
    });
    if (o.timings) o.timings->output_s += seconds_since(t0);
    return result;
  };
}

}  // namespace ebsd::gpu::recovery

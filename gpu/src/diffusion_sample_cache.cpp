// Stored diffusion samples (diffusion/sample_cache.hpp).
#include "diffusion/sample_cache.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "ebsd/core/error.hpp"
#include "ebsd/quant/half.hpp"

namespace ebsd::gpu::diffusion {
namespace {

constexpr char kMagic[8] = {'E', 'B', 'S', 'D', 'S', 'M', 'P', '1'};

// FNV-1a over bytes: a file name, not a security boundary.
struct Hash {
  std::uint64_t h = 1469598103934665603ull;
  void bytes(const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  }
  template <class T> void value(const T& v) { bytes(&v, sizeof v); }
  void text(const std::string& s) { value(s.size()), bytes(s.data(), s.size()); }
  void floats(const std::vector<float>& v) { value(v.size()), bytes(v.data(), v.size() * sizeof(float)); }
};

}  // namespace

std::optional<SampleCache> SampleCache::from_environment() {
  const char* e = std::getenv("EBSD_INPAINT_SAMPLE_CACHE");
  if (!e || !*e) return std::nullopt;
  return SampleCache(e);
}

SampleCache::SampleCache(std::filesystem::path folder) : folder_(std::move(folder)) {
  std::error_code ec;
  std::filesystem::create_directories(folder_, ec);
  if (ec) throw Error("cannot create the sample cache folder: " + ec.message(), folder_.string(), "EBSD_INPAINT_SAMPLE_CACHE");
}

std::uint64_t SampleCache::key(const ModelInfo& model, const std::vector<float>& y, const std::vector<float>& mask, std::int64_t nx,
                               std::int64_t ny, const SamplerOptions& o) const {
  Hash h;
  const std::filesystem::path m(model.path);
  std::error_code ec;
  const auto size = std::filesystem::file_size(m, ec);
  h.text(m.filename().string());
  h.value(ec ? std::uintmax_t{0} : size);
  h.floats(y), h.floats(mask), h.value(nx), h.value(ny);
  h.text(o.sampler), h.value(o.steps), h.value(o.resample), h.value(o.dps_scale), h.value(o.samples), h.value(o.seed);
  h.value(o.start_fraction);
  if (o.init) h.floats(*o.init);
  return h.h;
}

std::filesystem::path SampleCache::file(std::uint64_t key, const char* suffix) const {
  char name[48];
  std::snprintf(name, sizeof name, "samples-%016llx%s", static_cast<unsigned long long>(key), suffix);
  return folder_ / name;
}

bool SampleCache::load_decoded(std::uint64_t key, std::int64_t samples, std::int64_t plane, std::vector<std::vector<Quat>>& out) const {
  const auto path = file(key, ".quat");
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::int64_t dims[2];
  in.read(reinterpret_cast<char*>(dims), sizeof dims);
  if (!in || dims[0] != samples || dims[1] != plane) throw Error("decoded samples of another shape", path.string(), "header");
  out.assign(static_cast<std::size_t>(samples), std::vector<Quat>(static_cast<std::size_t>(plane)));
  std::vector<double> buf(static_cast<std::size_t>(4 * plane));
  for (auto& s : out) {
    in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(buf.size() * sizeof(double)));
    if (!in) throw Error("truncated decoded samples", path.string(), "data");
    for (std::int64_t p = 0; p < plane; ++p) {
      const double* b = buf.data() + 4 * p;
      s[static_cast<std::size_t>(p)] = Quat(b[0], b[1], b[2], b[3]);
    }
  }
  return true;
}

void SampleCache::store_decoded(std::uint64_t key, const std::vector<std::vector<Quat>>& decoded) const {
  const auto path = file(key, ".quat");
  auto tmp = path;
  tmp += ".part";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    const std::int64_t dims[2] = {static_cast<std::int64_t>(decoded.size()), decoded.empty() ? 0 : static_cast<std::int64_t>(decoded[0].size())};
    out.write(reinterpret_cast<const char*>(dims), sizeof dims);
    for (const auto& s : decoded)
      for (const auto& q : s) {
        const double b[4] = {q.w, q.x, q.y, q.z};
        out.write(reinterpret_cast<const char*>(b), sizeof b);
      }
    if (!out) throw Error("cannot write decoded samples", tmp.string(), "write");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw Error("cannot rename decoded samples: " + ec.message(), path.string(), "write");
}

bool SampleCache::load(std::uint64_t key, std::int64_t samples, std::int64_t channels, std::int64_t od, std::int64_t plane,
                       std::vector<float>& out) const {
  const auto path = file(key);
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  char magic[8];
  std::int64_t dims[3];
  in.read(magic, sizeof magic);
  in.read(reinterpret_cast<char*>(dims), sizeof dims);
  if (!in || std::memcmp(magic, kMagic, sizeof magic) != 0) throw Error("not a sample cache entry", path.string(), "header");
  if (dims[0] != samples || dims[1] != od || dims[2] != plane)
    throw Error("sample cache entry of another shape (key collision?)", path.string(), "header");
  std::vector<std::uint16_t> h(static_cast<std::size_t>(samples * od * plane));
  in.read(reinterpret_cast<char*>(h.data()), static_cast<std::streamsize>(h.size() * 2));
  if (!in) throw Error("truncated sample cache entry", path.string(), "data");
  out.assign(static_cast<std::size_t>(samples * channels * plane), 0.0f);
  std::size_t k = 0;
  for (std::int64_t n = 0; n < samples; ++n)
    for (std::int64_t c = 0; c < od; ++c)
      for (std::int64_t p = 0; p < plane; ++p) out[static_cast<std::size_t>((n * channels + c) * plane + p)] = quant::half_to_float(h[k++]);
  return true;
}

void SampleCache::store(std::uint64_t key, std::int64_t samples, std::int64_t channels, std::int64_t od, std::int64_t plane,
                        std::vector<float>& data) const {
  std::vector<std::uint16_t> h;
  h.reserve(static_cast<std::size_t>(samples * od * plane));
  for (std::int64_t n = 0; n < samples; ++n)
    for (std::int64_t c = 0; c < od; ++c)
      for (std::int64_t p = 0; p < plane; ++p) {
        float& v = data[static_cast<std::size_t>((n * channels + c) * plane + p)];
        h.push_back(quant::float_to_half(v));
        v = quant::half_to_float(h.back());
      }
  const auto path = file(key);
  auto tmp = path;
  tmp += ".part";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    const std::int64_t dims[3] = {samples, od, plane};
    out.write(kMagic, sizeof kMagic);
    out.write(reinterpret_cast<const char*>(dims), sizeof dims);
    out.write(reinterpret_cast<const char*>(h.data()), static_cast<std::streamsize>(h.size() * 2));
    if (!out) throw Error("cannot write the sample cache entry", tmp.string(), "write");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw Error("cannot rename the sample cache entry: " + ec.message(), path.string(), "write");
}

}  // namespace ebsd::gpu::diffusion

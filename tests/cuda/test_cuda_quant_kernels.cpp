// Our CUDA Q8_0 / Q4_0 kernels (gpu/src/cuda/quant_kernels.hpp) against float64 references on
// random blocks: the blocks dequantized by core's reference decoder, times the activations as
// the kernel sees them (already in its float type), summed in double. Skips itself where there
// is no CUDA device; label gpu.
#include <gtest/gtest.h>

#include <cuda_runtime.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "cuda/quant_kernels.hpp"
#include "cuda_test_buffers.hpp"
#include "ebsd/quant/block_formats.hpp"
#include "ebsd/quant/half.hpp"

namespace {

namespace k = ebsd::gpu::cuda;
namespace q = ebsd::quant;

bool have_device() { return ebsd::test::have_cuda_device(); }
using ebsd::test::DeviceBuffer;
using ebsd::test::upload;

// Host images of the three float types: values stored as raw bits, read back as double.
std::uint16_t to_bf16(float f) {  // round to nearest even, as the kernels' conversions do
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  u += 0x7fff + ((u >> 16) & 1);
  return static_cast<std::uint16_t>(u >> 16);
}
double from_bf16(std::uint16_t h) {
  const std::uint32_t u = static_cast<std::uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

struct TypedVector {  // values of one float type as bytes, and what they are as doubles
  k::FloatType type;
  std::vector<std::uint8_t> bytes;
  std::vector<double> values;
};

TypedVector make_values(k::FloatType type, const std::vector<float>& f) {
  TypedVector v{type, {}, {}};
  const std::size_t es = type == k::FloatType::F32 ? 4 : 2;
  v.bytes.resize(f.size() * es);
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (type == k::FloatType::F32) {
      std::memcpy(&v.bytes[4 * i], &f[i], 4);
      v.values.push_back(f[i]);
    } else {
      const std::uint16_t h = type == k::FloatType::F16 ? q::float_to_half(f[i]) : to_bf16(f[i]);
      std::memcpy(&v.bytes[2 * i], &h, 2);
      v.values.push_back(type == k::FloatType::F16 ? q::half_to_float(h) : from_bf16(h));
    }
  }
  return v;
}

double read_value(k::FloatType type, const std::vector<std::uint8_t>& bytes, std::size_t i) {
  if (type == k::FloatType::F32) {
    float f;
    std::memcpy(&f, &bytes[4 * i], 4);
    return f;
  }
  std::uint16_t h;
  std::memcpy(&h, &bytes[2 * i], 2);
  return type == k::FloatType::F16 ? q::half_to_float(h) : from_bf16(h);
}

// Unit roundoff of the output type (0 for f32: its own rounding is inside the f32 bound).
double output_rounding(k::FloatType type) {
  return type == k::FloatType::F32 ? 0.0 : type == k::FloatType::F16 ? std::ldexp(1.0, -11) : std::ldexp(1.0, -8);
}

const char* type_name(k::FloatType t) { return t == k::FloatType::F32 ? "f32" : t == k::FloatType::F16 ? "f16" : "bf16"; }

// Random blocks: every quant byte random (all levels and nibbles occur), scales random finite
// f16 of both signs and a spread of magnitudes.
std::vector<std::uint8_t> random_blocks(q::BlockFormat f, std::int64_t rows, std::int64_t cols, std::mt19937_64& rng) {
  const auto& tr = q::block_traits(f);
  const std::int64_t blocks = rows * cols / 32;
  std::vector<std::uint8_t> b(static_cast<std::size_t>(blocks * tr.block_bytes));
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> mag(-6.f, 0.f);
  for (auto& x : b) x = static_cast<std::uint8_t>(byte(rng));
  for (std::int64_t i = 0; i < blocks; ++i) {
    const float d = std::exp2(mag(rng)) * (byte(rng) & 1 ? 1.f : -1.f) * 0.1f;
    const std::uint16_t h = q::float_to_half(d);
    std::memcpy(&b[static_cast<std::size_t>(i * tr.block_bytes)], &h, 2);
  }
  return b;
}

std::vector<double> dequantized(q::BlockFormat f, const std::vector<std::uint8_t>& blocks, std::int64_t rows, std::int64_t cols) {
  std::vector<float> w(static_cast<std::size_t>(rows * cols));
  q::dequantize_row(f, blocks.data(), w.data(), rows * cols);
  return {w.begin(), w.end()};
}

struct Case {
  q::BlockFormat format;
  std::vector<std::int64_t> rows;  // one entry per fused weight
  std::int64_t cols, tokens;
};

// Runs quant_gemv on the case for one float type and checks every output against the float64
// reference within the f32 accumulation bound (cols + 64) 2^-24 sum |w x| plus the output's
// rounding. Returns the largest error / bound seen.
double check_gemv(const Case& c, k::FloatType type, std::mt19937_64& rng) {
  const auto kf = c.format == q::BlockFormat::Q8_0 ? k::QuantFormat::Q8_0 : k::QuantFormat::Q4_0;
  std::normal_distribution<float> n;
  std::vector<float> xf(static_cast<std::size_t>(c.tokens * c.cols));
  for (auto& v : xf) v = n(rng);
  const auto x = make_values(type, xf);
  const DeviceBuffer dx = upload(x.bytes);
  const std::size_t es = type == k::FloatType::F32 ? 4 : 2;
  std::vector<std::vector<std::uint8_t>> blocks;
  std::vector<TypedVector> biases;
  std::vector<std::unique_ptr<DeviceBuffer>> dblocks, dy, dbias;
  std::vector<k::QuantGemvTarget> targets;
  for (std::size_t m = 0; m < c.rows.size(); ++m) {
    blocks.push_back(random_blocks(c.format, c.rows[m], c.cols, rng));
    dblocks.push_back(std::make_unique<DeviceBuffer>(blocks.back().size()));
    EXPECT_EQ(cudaMemcpy(dblocks.back()->p, blocks.back().data(), blocks.back().size(), cudaMemcpyHostToDevice), cudaSuccess);
    dy.push_back(std::make_unique<DeviceBuffer>(static_cast<std::size_t>(c.tokens * c.rows[m]) * es));
    k::QuantGemvTarget t;
    t.blocks = static_cast<const std::uint8_t*>(dblocks.back()->p);
    t.rows = c.rows[m];
    t.row_stride = static_cast<std::int64_t>(q::row_bytes(c.format, c.cols));
    t.y = dy.back()->p;
    std::vector<float> bf(static_cast<std::size_t>(c.rows[m]));
    for (auto& v : bf) v = n(rng);
    biases.push_back(make_values(type, bf));
    if (m == 0) {  // the first weight gets a bias, the others none
      dbias.push_back(std::make_unique<DeviceBuffer>(biases.back().bytes.size()));
      EXPECT_EQ(cudaMemcpy(dbias.back()->p, biases.back().bytes.data(), biases.back().bytes.size(), cudaMemcpyHostToDevice),
                cudaSuccess);
      t.bias = dbias.back()->p;
    }
    targets.push_back(t);
  }
  k::quant_gemv(kf, type, targets.data(), static_cast<int>(targets.size()), dx.p, c.cols, c.tokens, nullptr);
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  double worst = 0;
  for (std::size_t m = 0; m < c.rows.size(); ++m) {
    const auto w = dequantized(c.format, blocks[m], c.rows[m], c.cols);
    std::vector<std::uint8_t> y(static_cast<std::size_t>(c.tokens * c.rows[m]) * es);
    EXPECT_EQ(cudaMemcpy(y.data(), dy[m]->p, y.size(), cudaMemcpyDeviceToHost), cudaSuccess);
    for (std::int64_t t = 0; t < c.tokens; ++t)
      for (std::int64_t r = 0; r < c.rows[m]; ++r) {
        double ref = m == 0 ? biases[m].values[static_cast<std::size_t>(r)] : 0.0, mass = std::abs(ref);
        for (std::int64_t j = 0; j < c.cols; ++j) {
          const double term = w[static_cast<std::size_t>(r * c.cols + j)] * x.values[static_cast<std::size_t>(t * c.cols + j)];
          ref += term;
          mass += std::abs(term);
        }
        const double got = read_value(type, y, static_cast<std::size_t>(t * c.rows[m] + r));
        const double accumulation = (static_cast<double>(c.cols) + 64) * std::ldexp(1.0, -24) * mass;
        const double bound = accumulation + output_rounding(type) * (std::abs(ref) + accumulation) + 1e-30;
        const double err = std::abs(got - ref);
        worst = std::max(worst, err / bound);
        if (!(err <= bound)) {
          ADD_FAILURE() << q::block_traits(c.format).name << " " << type_name(type) << " weight " << m << " token " << t
                        << " row " << r << ": got " << got << ", reference " << ref << ", bound " << bound;
          return worst;
        }
      }
  }
  return worst;
}

TEST(CudaQuantKernels, GemvMatchesFloat64Reference) {
  if (!have_device()) GTEST_SKIP() << "no CUDA device";
  std::mt19937_64 rng(2026);
  const std::vector<Case> cases{
      {q::BlockFormat::Q8_0, {37}, 32, 1},                 // one block per row
      {q::BlockFormat::Q8_0, {64, 5, 3}, 928, 1},         // fused q/k/v-like, 29 blocks (odd)
      {q::BlockFormat::Q8_0, {896, 128, 128}, 896, 3},    // Qwen2.5-0.5B q/k/v, several tokens
      {q::BlockFormat::Q8_0, {896}, 4864, 1},             // ffn_down: 152 blocks a row
      {q::BlockFormat::Q4_0, {37}, 32, 1},
      {q::BlockFormat::Q4_0, {64, 5, 3}, 928, 2},
      {q::BlockFormat::Q4_0, {4864, 4864}, 896, 1},       // gate/up
      {q::BlockFormat::Q4_0, {896}, 4864, 8},
  };
  for (const auto& c : cases)
    for (auto type : {k::FloatType::F32, k::FloatType::F16, k::FloatType::BF16}) {
      const double worst = check_gemv(c, type, rng);
      std::printf("%s %s rows %lld.. cols %lld tokens %lld: largest error / bound %.3g\n", q::block_traits(c.format).name,
                  type_name(type), static_cast<long long>(c.rows[0]), static_cast<long long>(c.cols),
                  static_cast<long long>(c.tokens), worst);
    }
}

TEST(CudaQuantKernels, DequantizeGivesTheBlockValuesAndGathersRows) {
  if (!have_device()) GTEST_SKIP() << "no CUDA device";
  std::mt19937_64 rng(7);
  for (auto f : {q::BlockFormat::Q8_0, q::BlockFormat::Q4_0})
    for (auto type : {k::FloatType::F32, k::FloatType::F16, k::FloatType::BF16}) {
      const std::int64_t rows = 45, cols = 96;
      const auto kf = f == q::BlockFormat::Q8_0 ? k::QuantFormat::Q8_0 : k::QuantFormat::Q4_0;
      const auto blocks = random_blocks(f, rows, cols, rng);
      const auto w = dequantized(f, blocks, rows, cols);
      const DeviceBuffer db = upload(blocks);
      const std::vector<std::int64_t> ids{44, 0, 7, 7, 30};
      const DeviceBuffer dids = upload(ids);
      const std::size_t es = type == k::FloatType::F32 ? 4 : 2;
      for (bool gather : {false, true}) {
        const std::int64_t n = gather ? static_cast<std::int64_t>(ids.size()) : rows;
        DeviceBuffer out(static_cast<std::size_t>(n * cols) * es);
        k::dequantize_matrix(kf, type, static_cast<const std::uint8_t*>(db.p), static_cast<std::int64_t>(q::row_bytes(f, cols)), n,
                             cols, gather ? static_cast<const std::int64_t*>(dids.p) : nullptr, out.p, nullptr);
        std::vector<std::uint8_t> host(static_cast<std::size_t>(n * cols) * es);
        ASSERT_EQ(cudaMemcpy(host.data(), out.p, host.size(), cudaMemcpyDeviceToHost), cudaSuccess);
        for (std::int64_t r = 0; r < n; ++r)
          for (std::int64_t j = 0; j < cols; ++j) {
            const auto src = gather ? ids[static_cast<std::size_t>(r)] : r;
            const float ref = static_cast<float>(w[static_cast<std::size_t>(src * cols + j)]);
            // The exact value, rounded once to the output type.
            const double want = make_values(type, {ref}).values[0];
            ASSERT_EQ(read_value(type, host, static_cast<std::size_t>(r * cols + j)), want)
                << q::block_traits(f).name << " " << type_name(type) << " row " << r << " col " << j;
          }
      }
    }
}

TEST(CudaQuantKernels, BadShapesAreErrors) {
  if (!have_device()) GTEST_SKIP() << "no CUDA device";
  DeviceBuffer b(1024), x(1024), y(1024);
  k::QuantGemvTarget t;
  t.blocks = static_cast<const std::uint8_t*>(b.p);
  t.rows = 1;
  t.row_stride = 34;
  t.y = y.p;
  EXPECT_THROW(k::quant_gemv(k::QuantFormat::Q8_0, k::FloatType::F32, &t, 1, x.p, 48, 1, nullptr), std::runtime_error);
  EXPECT_THROW(k::quant_gemv(k::QuantFormat::Q8_0, k::FloatType::F32, &t, 0, x.p, 32, 1, nullptr), std::runtime_error);
  EXPECT_THROW(k::quant_gemv(k::QuantFormat::Q8_0, k::FloatType::F32, &t, 1, static_cast<char*>(x.p) + 4, 32, 1, nullptr),
               std::runtime_error);
  EXPECT_THROW(k::dequantize_matrix(k::QuantFormat::Q4_0, k::FloatType::F32, t.blocks, 18, 1, 40, nullptr, y.p, nullptr),
               std::runtime_error);
}

}  // namespace

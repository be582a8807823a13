// Instruction-set detection and dispatch of the quantized products (quant/quant_matmul.hpp).
#include <cpuid.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "ebsd/core/error.hpp"
#include "kernels.hpp"

namespace ebsd::quant {
namespace {

struct CpuFeatures {
  bool avx2 = false, avx512vnni = false, amx = false, amx_bf16 = false;
};

std::uint64_t xgetbv0() {
  std::uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<std::uint64_t>(hi) << 32) | lo;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = c & (1u << 27), fma = c & (1u << 12), f16c = c & (1u << 29);
  if (!osxsave) return f;
  const auto xcr0 = xgetbv0();
  const bool ymm_state = (xcr0 & 0x6) == 0x6, zmm_state = (xcr0 & 0xe6) == 0xe6;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
  const bool avx2 = b & (1u << 5), avx512f = b & (1u << 16), avx512dq = b & (1u << 17), avx512bw = b & (1u << 30),
             avx512vl = b & (1u << 31), vnni = c & (1u << 11);
  f.avx2 = ymm_state && avx2 && fma && f16c;
  f.avx512vnni = f.avx2 && zmm_state && avx512f && avx512dq && avx512bw && avx512vl && vnni;
  // AMX: the CPU (tile + int8), the operating system (XCR0 tile config and data), and Linux's
  // per-process permission for the large tile state.
  const bool amx_tile = d & (1u << 24), amx_int8 = d & (1u << 25), tile_state = (xcr0 & 0x60000) == 0x60000;
  f.amx = f.avx512vnni && amx_tile && amx_int8 && tile_state && detail::amx_usable();
  // The bf16 prompt kernel: AMX-BF16, VBMI (vpermb) and AVX512-BF16 (leaf 7, sub-leaf 1).
  const bool amx_bf16 = d & (1u << 22), vbmi = c & (1u << 1);
  unsigned a1 = 0, b1, c1, d1;
  const bool avx512bf16 = __get_cpuid_count(7, 1, &a1, &b1, &c1, &d1) && (a1 & (1u << 5));
  f.amx_bf16 = f.amx && amx_bf16 && vbmi && avx512bf16;
  return f;
}

const CpuFeatures& features() {
  static const CpuFeatures f = detect();
  return f;
}

}  // namespace

namespace detail {
bool cpu_has_amx_bf16() { return features().amx_bf16; }
}  // namespace detail

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Portable: return "portable";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512Vnni: return "avx512-vnni";
    case Isa::Avx512Amx: return "avx512-vnni+amx";
  }
  return "?";
}

bool reads_interleaved(Isa isa) { return isa >= Isa::Avx512Vnni && isa_supported(isa); }

bool isa_supported(Isa isa) {
  switch (isa) {
    case Isa::Portable: return true;
    case Isa::Avx2: return features().avx2;
    case Isa::Avx512Vnni: return features().avx512vnni;
    case Isa::Avx512Amx: return features().amx;
  }
  return false;
}

Isa best_isa() {
  static const Isa best = [] {
    Isa cap = Isa::Avx512Amx;
    if (const char* e = std::getenv("EBSD_QUANT_ISA")) {
      const std::string s = e;
      if (s == "portable") cap = Isa::Portable;
      else if (s == "avx2") cap = Isa::Avx2;
      else if (s == "avx512") cap = Isa::Avx512Vnni;
    }
    for (Isa i : {Isa::Avx512Amx, Isa::Avx512Vnni, Isa::Avx2})
      if (i <= cap && isa_supported(i)) return i;
    return Isa::Portable;
  }();
  return best;
}

void quant_matmul(const QuantMatrix& w, const ActivationBlocks& x, float* y, std::int64_t ldy, std::int64_t row_begin,
                  std::int64_t row_end, Isa isa) {
  if (w.format != BlockFormat::Q8_0 && w.format != BlockFormat::Q4_0)
    throw Error(std::string("no quantized product for ") + block_traits(w.format).name + " weights");
  if (x.weight_format() != w.format || x.cols() != w.cols)
    throw Error("activations quantized for " + std::string(block_traits(x.weight_format()).name) + " x " +
                std::to_string(x.cols()) + ", weights are " + block_traits(w.format).name + " x " + std::to_string(w.cols));
  if (row_begin < 0 || row_end > w.rows || row_begin > row_end || ldy < w.rows)
    throw Error("row range [" + std::to_string(row_begin) + ", " + std::to_string(row_end) + ") outside the " +
                std::to_string(w.rows) + " rows of the weights");
  if (!isa_supported(isa)) throw Error(std::string("this CPU lacks ") + isa_name(isa));
  if (w.interleaved && reads_interleaved(isa) && x.has_plain()) {
    // Whole groups of 16 rows from the interleaved copy; rows before the first and after the
    // last whole group (a range cut elsewhere, or a matrix's last partial group) as below.
    const std::int64_t g0 = std::min(row_end, (row_begin + 15) / 16 * 16), g1 = std::max(g0, row_end / 16 * 16);
    if (g0 < g1) {
      if (row_begin < g0) quant_matmul(QuantMatrix{w.format, w.data, w.rows, w.cols, w.row_stride}, x, y, ldy, row_begin, g0, isa);
      if (isa == Isa::Avx512Amx && x.tokens() >= ActivationBlocks::kTileMinTokens)
        detail::matmul_amx_interleaved(w, x, y, ldy, g0, g1);
      else
        detail::matmul_avx512_interleaved(w, x, y, ldy, g0, g1);
      if (g1 < row_end) quant_matmul(QuantMatrix{w.format, w.data, w.rows, w.cols, w.row_stride}, x, y, ldy, g1, row_end, isa);
      return;
    }
  }
  if (isa == Isa::Avx512Amx && x.has_tiles()) {
    // Whole groups of 16 rows through the tiles, the rest (fewer than 16) through AVX-512.
    const std::int64_t split = row_begin + (row_end - row_begin) / 16 * 16;
    if (split > row_begin) detail::matmul_amx(w, x, y, ldy, row_begin, split);
    if (split < row_end) detail::matmul_avx512(w, x, y, ldy, split, row_end);
    return;
  }
  switch (isa) {
    case Isa::Avx512Amx:
    case Isa::Avx512Vnni: detail::matmul_avx512(w, x, y, ldy, row_begin, row_end); break;
    case Isa::Avx2: detail::matmul_avx2(w, x, y, ldy, row_begin, row_end); break;
    case Isa::Portable: detail::matmul_portable(w, x, y, ldy, row_begin, row_end); break;
  }
}

}  // namespace ebsd::quant

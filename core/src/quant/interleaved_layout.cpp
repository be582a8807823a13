// The interleaved copy of a Q8_0 / Q4_0 matrix (quant/quant_matmul.hpp, QuantMatrix::interleaved):
// groups of 16 rows whose blocks are transposed so that a 64-byte vector holds 4 bytes of each
// row. Portable code: it runs once per matrix, at load.
#include <cstring>
#include <string>

#include "ebsd/core/error.hpp"
#include "kernels.hpp"

namespace ebsd::quant {

std::size_t interleaved_bytes(BlockFormat format, std::int64_t rows, std::int64_t cols) {
  if (format != BlockFormat::Q8_0 && format != BlockFormat::Q4_0)
    throw Error(std::string("no interleaved layout for ") + block_traits(format).name + " weights");
  if (cols <= 0 || cols % 32 != 0 || rows < 0) throw Error("a matrix of " + std::to_string(cols) + " columns has no blocks of 32");
  return static_cast<std::size_t>(rows / 16 * detail::interleaved_group_bytes(format, cols / 32));
}

void interleave_rows(const QuantMatrix& w, std::uint8_t* out, std::int64_t group_begin, std::int64_t group_end) {
  const std::int64_t nb = w.cols / 32, group_bytes = detail::interleaved_group_bytes(w.format, nb);
  const std::int64_t scale_bytes = detail::interleaved_scale_bytes(nb);
  const bool q4 = w.format == BlockFormat::Q4_0;
  const std::int64_t bb = q4 ? 18 : 34, vectors = q4 ? 4 : 8;
  if (group_begin < 0 || group_end > w.rows / 16 || group_begin > group_end) throw Error("row groups outside the matrix");
  for (std::int64_t g = group_begin; g < group_end; ++g) {
    std::uint8_t* dst = out + g * group_bytes;
    std::memset(dst + nb * 32, 0, static_cast<std::size_t>(scale_bytes - nb * 32));
    for (std::int64_t j = 0; j < 16; ++j) {
      const std::uint8_t* row = w.data + (g * 16 + j) * static_cast<std::int64_t>(w.row_stride);
      for (std::int64_t b = 0; b < nb; ++b) {
        const std::uint8_t* blk = row + b * bb;
        std::memcpy(dst + b * 32 + j * 2, blk, 2);  // f16 scale
        std::uint8_t* qdst = dst + scale_bytes + b * vectors * 64;
        for (std::int64_t v = 0; v < vectors; ++v)
          for (int i = 0; i < 4; ++i) {
            const std::uint8_t byte = blk[2 + 4 * v + i];
            qdst[v * 64 + j * 4 + i] = q4 ? byte : static_cast<std::uint8_t>(byte ^ 0x80u);  // Q8_0: w + 128
          }
      }
    }
  }
}

}  // namespace ebsd::quant

#pragma once
// Random tensors and matrices for the tensor tests (uniform in [-1, 1], seeded).
#include <random>

#include "ebsd/tensor/tensor.hpp"

namespace ebsd::tensor::test {

template <class T>
Tensor<T> random_tensor(const Shape& shape, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  Tensor<T> t(shape);
  for (T& v : t.values()) v = static_cast<T>(u(rng));
  return t;
}

template <class T>
Matrix<T> random_matrix(std::int64_t rows, std::int64_t cols, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  Matrix<T> m(rows, cols);
  for (std::int64_t c = 0; c < cols; ++c)
    for (std::int64_t r = 0; r < rows; ++r) m(r, c) = static_cast<T>(u(rng));
  return m;
}

}  // namespace ebsd::tensor::test

#include "ebsd/tensor/unfold.hpp"

#include <string>

#include "ebsd/core/error.hpp"

namespace ebsd::tensor {

// With the tensor viewed as (L x I x R) blocks (L = extent_before, R = extent_after), element
// (l, i, r) sits at l + L (i + I r), and Kolda's column index of it is l + L r.
template <class T>
Matrix<T> unfold(const Tensor<T>& t, int mode) {
  const std::int64_t extent = t.dim(mode);
  const std::int64_t before = t.extent_before(mode), after = t.extent_after(mode);
  Matrix<T> m(extent, before * after);
  const T* src = t.data();
  for (std::int64_t r = 0; r < after; ++r)
    for (std::int64_t i = 0; i < extent; ++i) {
      const T* run = src + before * (i + extent * r);
      for (std::int64_t l = 0; l < before; ++l) m(i, l + before * r) = run[l];
    }
  return m;
}

template <class T>
Tensor<T> fold(const Matrix<T>& m, int mode, const Shape& shape) {
  Tensor<T> t(shape);
  const std::int64_t extent = t.dim(mode);
  const std::int64_t before = t.extent_before(mode), after = t.extent_after(mode);
  if (m.rows() != extent || m.cols() != before * after)
    throw Error("a " + std::to_string(m.rows()) + " x " + std::to_string(m.cols()) +
                    " matrix is not a mode-" + std::to_string(mode) + " unfolding of this shape",
                "", "fold");
  T* dst = t.data();
  for (std::int64_t r = 0; r < after; ++r)
    for (std::int64_t i = 0; i < extent; ++i) {
      T* run = dst + before * (i + extent * r);
      for (std::int64_t l = 0; l < before; ++l) run[l] = m(i, l + before * r);
    }
  return t;
}

template Matrix<float> unfold(const Tensor<float>&, int);
template Matrix<double> unfold(const Tensor<double>&, int);
template Tensor<float> fold(const Matrix<float>&, int, const Shape&);
template Tensor<double> fold(const Matrix<double>&, int, const Shape&);

}  // namespace ebsd::tensor

#include "ebsd/tensor/tensor.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "ebsd/core/error.hpp"

namespace ebsd::tensor {
namespace {

std::string shape_text(const Shape& shape) {
  std::string s = "(";
  for (std::size_t k = 0; k < shape.size(); ++k) s += (k ? ", " : "") + std::to_string(shape[k]);
  return s + ")";
}

}  // namespace

std::int64_t element_count(const Shape& shape) {
  if (shape.empty()) throw Error("a tensor needs at least one mode", "", "tensor shape");
  std::int64_t n = 1;
  for (const std::int64_t d : shape) {
    if (d < 1) throw Error("every extent must be at least 1, got " + shape_text(shape), "", "tensor shape");
    if (n > std::numeric_limits<std::int64_t>::max() / d)
      throw Error("element count overflows for shape " + shape_text(shape), "", "tensor shape");
    n *= d;
  }
  return n;
}

template <class T>
Tensor<T>::Tensor(Shape shape) : shape_(std::move(shape)), values_(static_cast<std::size_t>(element_count(shape_)), T(0)) {}

template <class T>
Tensor<T>::Tensor(Shape shape, std::vector<T> values) : shape_(std::move(shape)), values_(std::move(values)) {
  const std::int64_t n = element_count(shape_);
  if (static_cast<std::int64_t>(values_.size()) != n)
    throw Error("shape " + shape_text(shape_) + " needs " + std::to_string(n) + " values, got " +
                    std::to_string(values_.size()),
                "", "tensor values");
}

template <class T>
std::int64_t Tensor<T>::dim(int mode) const {
  if (mode < 0 || mode >= order())
    throw Error("mode " + std::to_string(mode) + " outside a tensor of order " + std::to_string(order()), "",
                "tensor mode");
  return shape_[static_cast<std::size_t>(mode)];
}

template <class T>
std::int64_t Tensor<T>::extent_before(int mode) const {
  dim(mode);
  std::int64_t n = 1;
  for (int k = 0; k < mode; ++k) n *= shape_[static_cast<std::size_t>(k)];
  return n;
}

template <class T>
std::int64_t Tensor<T>::extent_after(int mode) const {
  dim(mode);
  std::int64_t n = 1;
  for (int k = mode + 1; k < order(); ++k) n *= shape_[static_cast<std::size_t>(k)];
  return n;
}

template <class T>
double frobenius_norm(const Tensor<T>& t) {
  double s = 0.0;
  for (const T v : t.values()) s += static_cast<double>(v) * static_cast<double>(v);
  return std::sqrt(s);
}

template <class T>
double relative_distance(const Tensor<T>& a, const Tensor<T>& b) {
  if (a.shape() != b.shape()) throw Error("tensors of different shapes cannot be compared", "", "relative_distance");
  double num = 0.0, den = 0.0;
  const auto av = a.values();
  const auto bv = b.values();
  for (std::size_t i = 0; i < av.size(); ++i) {
    const double d = static_cast<double>(av[i]) - static_cast<double>(bv[i]);
    num += d * d;
    den += static_cast<double>(bv[i]) * static_cast<double>(bv[i]);
  }
  if (den == 0.0) throw Error("the reference tensor is zero", "", "relative_distance");
  return std::sqrt(num / den);
}

template <class T>
bool all_finite(const Tensor<T>& t) {
  for (const T v : t.values())
    if (!std::isfinite(v)) return false;
  return true;
}

template class Tensor<float>;
template class Tensor<double>;
template double frobenius_norm(const Tensor<float>&);
template double frobenius_norm(const Tensor<double>&);
template double relative_distance(const Tensor<float>&, const Tensor<float>&);
template double relative_distance(const Tensor<double>&, const Tensor<double>&);
template bool all_finite(const Tensor<float>&);
template bool all_finite(const Tensor<double>&);

}  // namespace ebsd::tensor

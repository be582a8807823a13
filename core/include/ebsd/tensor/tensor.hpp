#pragma once
// N-way dense tensors for tensor robust PCA (METHODS.md section 8): a shape and the values,
// stored with mode 0 fastest (column-major, like Eigen and like Volume's x-fastest layout), so
// that a volume channel (nx, ny, nz) is a 3-way tensor without a copy of its layout, and the
// mode-0 unfolding is the values viewed as an (I0 x I1*I2*...) column-major matrix.
#include <Eigen/Core>
#include <cstdint>
#include <span>
#include <vector>

namespace ebsd::tensor {

template <class T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

// Extents, mode 0 first.
using Shape = std::vector<std::int64_t>;

template <class T>
class Tensor {
public:
  using Scalar = T;

  // An empty tensor (order 0, no values).
  Tensor() = default;
  // Zero-filled. Throws ebsd::Error when the shape has no modes, an extent is < 1, or the
  // element count overflows.
  explicit Tensor(Shape shape);
  // Takes the values (mode 0 fastest). Throws ebsd::Error as above, and when values.size()
  // differs from the product of the extents.
  Tensor(Shape shape, std::vector<T> values);

  int order() const { return static_cast<int>(shape_.size()); }
  const Shape& shape() const { return shape_; }
  // Extent of one mode; throws ebsd::Error for a mode outside [0, order).
  std::int64_t dim(int mode) const;
  std::int64_t size() const { return static_cast<std::int64_t>(values_.size()); }
  bool empty() const { return values_.empty(); }

  std::span<T> values() { return values_; }
  std::span<const T> values() const { return values_; }
  T* data() { return values_.data(); }
  const T* data() const { return values_.data(); }

  // Element (i0, i1, ...), mode 0 fastest. No bounds check beyond the number of indices.
  template <class... I>
  T& operator()(I... idx) {
    return values_[static_cast<std::size_t>(offset_of(idx...))];
  }
  template <class... I>
  const T& operator()(I... idx) const {
    return values_[static_cast<std::size_t>(offset_of(idx...))];
  }

  // Product of the extents of the modes before `mode` (the stride of `mode`) and after it:
  // the tensor is then an (before x dim(mode) x after) block, the view every mode operation uses.
  std::int64_t extent_before(int mode) const;
  std::int64_t extent_after(int mode) const;

  bool operator==(const Tensor&) const = default;

private:
  template <class... I>
  std::int64_t offset_of(I... idx) const {
    static_assert(sizeof...(I) >= 1);
    const std::int64_t ix[] = {static_cast<std::int64_t>(idx)...};
    std::int64_t off = 0;
    for (int k = static_cast<int>(sizeof...(I)) - 1; k >= 0; --k) off = off * shape_[static_cast<std::size_t>(k)] + ix[k];
    return off;
  }

  Shape shape_;
  std::vector<T> values_;
};

extern template class Tensor<float>;
extern template class Tensor<double>;

// Element count of a shape; throws ebsd::Error for an empty shape, an extent < 1 or overflow.
std::int64_t element_count(const Shape& shape);

// Frobenius norm, accumulated in double.
template <class T>
double frobenius_norm(const Tensor<T>& t);
// ||a - b||_F / ||b||_F (b is the reference). Throws ebsd::Error when the shapes differ or b is 0.
template <class T>
double relative_distance(const Tensor<T>& a, const Tensor<T>& b);
// True when every value is finite (no NaN, no infinity).
template <class T>
bool all_finite(const Tensor<T>& t);

}  // namespace ebsd::tensor

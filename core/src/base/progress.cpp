#include "ebsd/core/progress.hpp"

namespace ebsd {
Progress& Progress::none() {
  static Progress p;
  return p;
}
}  // namespace ebsd

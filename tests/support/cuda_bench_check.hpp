#pragma once
// CHECK(call) for the CUDA benchmarks (tests/cuda/bench, no gtest): a failed CUDA call prints the
// call and CUDA's message and ends the program with exit code 1.
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>

#define CHECK(x)                                                    \
  do {                                                              \
    const cudaError_t e_ = (x);                                     \
    if (e_ != cudaSuccess) {                                        \
      std::fprintf(stderr, "%s: %s\n", #x, cudaGetErrorString(e_)); \
      std::exit(1);                                                 \
    }                                                               \
  } while (0)

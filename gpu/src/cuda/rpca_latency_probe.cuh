// The latency probe of rpca_kernels.hpp (rpca_latency_probe): one block of kThreads threads runs
// one step `reps` times as a dependent chain, and thread 0 reads clock64 and the global timer
// around the loop. Included by rpca_kernels.cu at its end, inside namespace ebsd::gpu::cuda: the
// side parts' own spd_inverse_small and mode_product are timed, not copies of them.
//
// Why: the timeline (FusedScaledGd::timeline, session 10) put every step of the persistent
// kernel at ten to a hundred times its arithmetic or its bytes (a 10 x 10 inversion at 6-7 us,
// 1.4 us per 8 x 8 tile of the row pass). Whether that is the steps themselves (division,
// barriers, L2 round trips) or what runs beside them is what these numbers separate.

namespace {

enum ProbeStep : int {
  kProbeFma,
  kProbeDivision,
  kProbeSharedLoad,
  kProbeShuffle,
  kProbeBarrier,
  kProbeMma,
  kProbeMmaFour,
  kProbeL2,
  kProbeTimerTick,
  kProbeInverse,
  kProbeModeProduct,
};

struct ProbeResult {
  long long cycles, ns;
  double sink;  // written only if a chain's value is impossible: keeps the chains alive
};

constexpr int kProbeChase = 1 << 20;  // long longs in the L2 chase buffer (8 MB, the size of Y at 100^3)

__global__ void __launch_bounds__(kThreads) latency_probe_kernel(int step, int reps, const long long* chase,
                                                                  double* scratch, ProbeResult* out, Control* ctl) {
  __shared__ double m[100], gram[100], t1[1000], t2[1000], ring[2][kThreads];
  __shared__ int next[1024];
  const int tid = threadIdx.x, lane = tid & 31;
  // A diagonally dominant SPD 10 x 10 matrix, a symmetric one for the mode product, a core, and
  // a permutation of 1 024 indices for the shared-memory chase.
  for (int i = tid; i < 100; i += kThreads) {
    const int r = i / 10, c = i % 10;
    m[i] = (r == c ? 20.0 : 0.0) + 1.0 / (1.0 + r + c);
    gram[i] = (r == c ? 1.0 : 0.0) + 0.01 / (1.0 + r + c);
  }
  for (int i = tid; i < 1000; i += kThreads) t1[i] = 1.0 + 1e-3 * i;
  for (int i = tid; i < 1024; i += kThreads) next[i] = (i * 389 + 17) & 1023;
  __syncthreads();
  double x = 1.0 + 1e-3 * tid;
  long long p = (static_cast<long long>(tid) * 4111) % kProbeChase;
  int ip = tid;
  double d0 = 0.0, d1 = 0.0, d2 = 0.0, d3 = 0.0, d4 = 0.0, d5 = 0.0, d6 = 0.0, d7 = 0.0;
  const double a = 1e-3 * (tid + 1), b = 1e-3;
  const int r[3] = {10, 10, 10};
  __syncthreads();
  const long long c0 = clock64(), n0 = global_ns();
  switch (step) {
    case kProbeFma:
      for (int q = 0; q < reps; ++q) x = fma(x, 0.999, 1e-3);
      break;
    case kProbeDivision:
      for (int q = 0; q < reps; ++q) x = 3.0 / x;
      break;
    case kProbeSharedLoad:
      for (int q = 0; q < reps; ++q) ip = next[ip];
      break;
    case kProbeShuffle:
      for (int q = 0; q < reps; ++q) x = __shfl_sync(0xffffffffu, x, (lane + 1) & 31);
      break;
    case kProbeBarrier:  // two alternating rows: one barrier a step is enough (as in the shared-memory Gauss-Jordan of session 10)
      for (int q = 0; q < reps; ++q) {
        ring[q & 1][tid] = x;
        __syncthreads();
        x = ring[q & 1][(tid + 1) % kThreads] + 1e-9;
      }
      break;
    case kProbeMma:
      for (int q = 0; q < reps; ++q) mma_f64(d0, d1, a, b);
      break;
    case kProbeMmaFour:
      for (int q = 0; q < reps; ++q) {
        mma_f64(d0, d1, a, b);
        mma_f64(d2, d3, a, b);
        mma_f64(d4, d5, a, b);
        mma_f64(d6, d7, a, b);
      }
      break;
    case kProbeL2:
      for (int q = 0; q < reps; ++q) p = __ldcg(chase + p);
      break;
    case kProbeTimerTick:  // thread 0 waits for `reps` changes of the timer
      if (tid == 0) {
        long long last = global_ns();
        for (int q = 0; q < reps; ++q) {
          long long now = global_ns();
          while (now == last) now = global_ns();
          last = now;
        }
      }
      break;
    case kProbeInverse:
      for (int q = 0; q < reps; ++q) spd_inverse_small(m, 10, scratch, ctl);
      break;
    case kProbeModeProduct:  // each product reads the previous one's output, as in core_gram_inverse
      for (int q = 0; q < reps; ++q) {
        mode_product(q & 1 ? t2 : t1, q & 1 ? t1 : t2, gram, q % 3, r);
        __syncthreads();
      }
      break;
    default:
      break;
  }
  __syncthreads();
  const long long c1 = clock64(), n1 = global_ns();
  if (tid == 0) {
    out->cycles = c1 - c0;
    out->ns = n1 - n0;
  }
  const double v = x + static_cast<double>(p + ip) + d0 + d1 + d2 + d3 + d4 + d5 + d6 + d7 + t1[tid] + t2[tid];
  if (v == -12345.678) out->sink = v;
}

}  // namespace

std::vector<RpcaLatency> rpca_latency_probe() {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices < 1)
    throw std::runtime_error("CUDA tensor RPCA latency probe: no CUDA device");
  struct Device {
    void* p = nullptr;
    ~Device() {
      if (p) cudaFree(p);
    }
  } chase, scratch, result, control;
  // Each step of the chase moves 4 111 entries (past a 32-KB stride and a line): the cycle is
  // 2^20 / gcd(2^20, 4 111) = 2^20 long, far longer than any chain below.
  std::vector<long long> h(kProbeChase);
  for (int i = 0; i < kProbeChase; ++i) h[static_cast<std::size_t>(i)] = (i + 4111LL) % kProbeChase;
  check(cudaMalloc(&chase.p, h.size() * sizeof(long long)), "probe allocation");
  check(cudaMemcpy(chase.p, h.data(), h.size() * sizeof(long long), cudaMemcpyHostToDevice), "probe upload");
  check(cudaMalloc(&scratch.p, 1024 * sizeof(double)), "probe allocation");
  check(cudaMalloc(&result.p, sizeof(ProbeResult)), "probe allocation");
  check(cudaMalloc(&control.p, sizeof(Control)), "probe allocation");
  check(cudaMemset(control.p, 0, sizeof(Control)), "probe reset");
  struct Step {
    ProbeStep step;
    int reps, ops_per_rep;
    const char* name;
  };
  const Step steps[] = {
      {kProbeFma, 4096, 1, "FP64 fma, dependent"},
      {kProbeDivision, 1024, 1, "FP64 division, dependent"},
      {kProbeSharedLoad, 4096, 1, "shared-memory load, dependent"},
      {kProbeShuffle, 4096, 1, "warp shuffle, dependent"},
      {kProbeBarrier, 2048, 1, "block barrier (store, barrier, load)"},
      {kProbeMma, 2048, 1, "mma.m8n8k4.f64, dependent, 8 warps"},
      {kProbeMmaFour, 1024, 4, "mma.m8n8k4.f64, 4 chains a warp (per mma)"},
      {kProbeL2, 512, 1, "L2 load (__ldcg), dependent, 8 MB buffer"},
      {kProbeTimerTick, 64, 1, "global timer tick"},
      {kProbeInverse, 64, 1, "10 x 10 SPD inverse (spd_inverse_small)"},
      {kProbeModeProduct, 256, 1, "10^3 mode product + barrier (mode_product)"},
  };
  std::vector<RpcaLatency> out;
  for (const Step& s : steps) {
    ProbeResult res{};
    for (int run = 0; run < 2; ++run) {  // the first run warms the caches (and L2 for the chase)
      latency_probe_kernel<<<1, kThreads>>>(s.step, s.reps, static_cast<const long long*>(chase.p),
                                            static_cast<double*>(scratch.p), static_cast<ProbeResult*>(result.p),
                                            static_cast<Control*>(control.p));
      check(cudaGetLastError(), "probe launch");
      check(cudaMemcpy(&res, result.p, sizeof res, cudaMemcpyDeviceToHost), "probe download");
    }
    const double ops = static_cast<double>(s.reps) * s.ops_per_rep;
    RpcaLatency l;
    l.step = s.name;
    l.cycles = static_cast<double>(res.cycles) / ops;
    l.ns = static_cast<double>(res.ns) / ops;
    l.clock_ghz = res.ns > 0 ? static_cast<double>(res.cycles) / static_cast<double>(res.ns) : 0.0;
    out.push_back(l);
  }
  return out;
}

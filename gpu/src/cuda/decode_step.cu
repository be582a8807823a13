// The one-token decode step (cuda/decode_step.hpp): scratch buffers, the launch sequence, and
// its CUDA graph. Plain CUDA C++: no LibTorch.
#include "cuda/decode_step.hpp"

#include <cuda_runtime.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

namespace ebsd::gpu::cuda {
namespace {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string("decode step: ") + what + ": " + cudaGetErrorString(e));
}

[[noreturn]] void misfit(const std::string& what) { throw std::invalid_argument("decode step: " + what); }

std::int64_t element_bytes(FloatType t) { return t == FloatType::F32 ? 4 : 2; }

void check_matrix(const DecodeMatrix& m, std::int64_t rows, std::int64_t cols, FloatType type, const std::string& name) {
  if (!m.data) misfit(name + " has no data");
  if (m.rows != rows || m.cols != cols)
    misfit(name + " is [" + std::to_string(m.rows) + ", " + std::to_string(m.cols) + "], expected [" + std::to_string(rows) +
           ", " + std::to_string(cols) + "]");
  if (m.format == WeightFormat::Dense) {
    if (m.row_stride < cols * element_bytes(type)) misfit(name + ": dense rows overlap");
  } else if (cols % 32 != 0 || m.row_stride % 2 != 0) {
    misfit(name + ": quantized weights need a multiple of 32 columns and an even row stride");
  }
}

// Kernel classes of the profile, in step order.
enum Kind : int {
  kInput, kEmbed, kQkv, kRope, kQkvRope, kAttention, kOProj, kNorm, kOProjNorm, kGateUp, kDown, kDownNorm,
  kHead, kPick, kGraph, kKinds
};
constexpr const char* kKindNames[kKinds] = {"step input",
                                            "embedding + norm",
                                            "q/k/v (+bias)",
                                            "RoPE + KV store",
                                            "q/k/v + RoPE + KV",
                                            "attention",
                                            "o projection",
                                            "residual + norm",
                                            "o proj + res + norm",
                                            "gate/up + act",
                                            "down",
                                            "down + res + norm",
                                            "output head",
                                            "greedy pick",
                                            "graph (whole step)"};
// The spin ahead of a profiled eager run: longer than the host needs to queue a step's ~220
// launches and their events.
constexpr std::int64_t kProfileSpinNs = 8'000'000;

}  // namespace

struct DecodeStep::Impl {
  DecodeModel m;
  AttentionShape shape;
  void* memory = nullptr;
  std::uint64_t bytes = 0;
  DecodeStepInput* input = nullptr;
  void *h = nullptr, *a = nullptr, *q = nullptr, *k = nullptr, *v = nullptr, *att = nullptr, *o = nullptr;
  void *act = nullptr, *gate = nullptr, *up = nullptr;
  float* partial = nullptr;
  unsigned* counters = nullptr;  // the fused launches' block counters: [heads] for attention, then one
  float* logits = nullptr;
  cudaStream_t stream = nullptr;
  cudaEvent_t ready = nullptr, done = nullptr;
  cudaGraphExec_t exec = nullptr;
  bool failed = false;
  bool capturing = false;

  // The greedy pick: its token on the device, the penalized ids there, and both in pinned host
  // memory (reused every run: run_greedy waits for the copies).
  std::int64_t* token_out = nullptr;
  std::int64_t* ids = nullptr;
  std::int64_t* host = nullptr;  // [0]: the token, then the ids
  std::int64_t ids_capacity = 0;

  // Profiling: the chain of events of the current run (each closes the interval of its kind).
  bool profiling = false;
  std::vector<cudaEvent_t> events;
  std::vector<int> event_kind;
  std::size_t chain = 0;  // events recorded in this run
  double totals[kKinds] = {};
  std::int64_t launches[kKinds] = {};
  std::int64_t runs = 0, graph_runs = 0;

  ~Impl() {
    // No throwing here; at process exit the driver may already be gone, so errors are ignored.
    if (stream) cudaStreamSynchronize(stream);
    for (auto e : events) cudaEventDestroy(e);
    if (ids) cudaFree(ids);
    if (host) cudaFreeHost(host);
    if (exec) cudaGraphExecDestroy(exec);
    if (ready) cudaEventDestroy(ready);
    if (done) cudaEventDestroy(done);
    if (stream) cudaStreamDestroy(stream);
    if (memory) cudaFree(memory);
  }

  // Profiling: opens this run's chain of events (after the spin, on eager runs).
  void begin_chain(bool eager) {
    if (!profiling) return;
    chain = 0;
    if (eager) spin_device(kProfileSpinNs, stream);
    mark(kInput);  // the interval before it is empty: the chain's start
  }
  // Closes the interval since the previous mark as `kind` (nothing unless profiling, and never
  // while capturing: a graph has no place for the events).
  void mark(int kind) {
    if (!profiling || capturing) return;
    if (chain == events.size()) {
      cudaEvent_t e = nullptr;
      check(cudaEventCreate(&e), "creating a profiling event");
      events.push_back(e);
      event_kind.push_back(0);
    }
    check(cudaEventRecord(events[chain], stream), "recording a profiling event");
    event_kind[chain] = kind;
    ++chain;
  }
  // Waits for the chain and adds its intervals to the totals.
  void end_chain(bool graph) {
    if (!profiling || chain < 2) return;
    check(cudaEventSynchronize(events[chain - 1]), "waiting for the profiled step");
    for (std::size_t i = 1; i < chain; ++i) {
      float ms = 0;
      check(cudaEventElapsedTime(&ms, events[i - 1], events[i]), "reading a profiling event");
      totals[event_kind[i]] += ms;
      ++launches[event_kind[i]];
    }
    chain = 0;
    ++(graph ? graph_runs : runs);
  }

  void enqueue() {
    void* s = stream;
    const auto& L = m.layers;
    const auto t = m.type;
    embed_norm(t, m.embedding, input, m.embedding_scale, L.empty() ? m.output_norm : L[0].attn_norm, m.eps, h, a, s);
    mark(kEmbed);
    for (std::size_t l = 0; l < L.size(); ++l) {
      const auto& y = L[l];
      // q, k, v: one launch per run of weights of one format (normally all three together).
      const DecodeMatrix qkv[3] = {y.q, y.k, y.v};
      void* outs[3] = {q, k, v};
      unsigned* launch_counter = counters + m.heads;  // the fused launches after attention's, one at a time
      if (m.fused_tails && y.q.format == y.k.format && y.q.format == y.v.format) {
        decode_qkv_rope(t, qkv, q, k, v, a, input, m.inv_freq, m.rotate_half, static_cast<int>(m.heads), static_cast<int>(m.kv_heads),
                        static_cast<int>(m.head_dim), m.capacity, y.k_cache, y.v_cache, launch_counter, s);
        mark(kQkvRope);
      } else {
        for (int i = 0; i < 3;) {
          int n = 1;
          while (i + n < 3 && qkv[i + n].format == qkv[i].format) ++n;
          decode_gemv(t, qkv + i, outs + i, n, a, s);
          mark(kQkv);
          i += n;
        }
        rope_store(t, input, m.inv_freq, m.rotate_half, static_cast<int>(m.heads), static_cast<int>(m.kv_heads),
                   static_cast<int>(m.head_dim), m.capacity, q, k, v, y.k_cache, y.v_cache, s);
        mark(kRope);
      }
      AttentionShape sh = shape;
      sh.window = y.window;
      void* o_out[1] = {o};
      unsigned* norm_counter = launch_counter;
      // One launch with either setting: one block per head for a context of up to
      // kAttentionBlockKeys keys (partial results + the last block's combination beyond).
      attention_one_pass(t, sh, input, q, y.k_cache, y.v_cache, partial, counters, att, s);
      mark(kAttention);
      if (m.fused_tails) {
        decode_gemv_residual_norm(t, y.o, att, o, y.post_attn_norm, h, y.ffn_norm, m.eps, a, norm_counter, s);
        mark(kOProjNorm);
      } else {
        decode_gemv(t, &y.o, o_out, 1, att, s);
        mark(kOProj);
        residual_norm(t, o, y.post_attn_norm, h, y.ffn_norm, m.hidden, m.eps, a, s);
        mark(kNorm);
      }
      if (y.gate.format == y.up.format) {
        decode_gated_gemv(t, y.gate, y.up, m.activation, a, act, s);
      } else {
        void* g_out[1] = {gate};
        void* u_out[1] = {up};
        decode_gemv(t, &y.gate, g_out, 1, a, s);
        decode_gemv(t, &y.up, u_out, 1, a, s);
        decode_gated_activation(t, gate, up, m.intermediate, m.activation, act, s);
      }
      mark(kGateUp);
      const float* next = l + 1 < L.size() ? L[l + 1].attn_norm : m.output_norm;
      if (m.fused_tails) {
        decode_gemv_residual_norm(t, y.down, act, o, y.post_ffn_norm, h, next, m.eps, a, norm_counter, s);
        mark(kDownNorm);
      } else {
        decode_gemv(t, &y.down, o_out, 1, act, s);
        mark(kDown);
        residual_norm(t, o, y.post_ffn_norm, h, next, m.hidden, m.eps, a, s);
        mark(kNorm);
      }
    }
    decode_logits(t, m.head, a, m.final_softcap, logits, s);
    mark(kHead);
  }

  // Queues the step (input, graph or launches, the caller's ordering); profiling marks included.
  void launch(std::int64_t token, std::int64_t position, bool use_graph, cudaStream_t caller, bool& graph) {
    check(cudaEventRecord(ready, caller), "ordering after the caller's stream");
    check(cudaStreamWaitEvent(stream, ready, 0), "ordering after the caller's stream");
    if (use_graph && !failed && !exec) capture();
    graph = use_graph && exec;
    begin_chain(!graph);
    set_step_input(input, token, position, stream);
    mark(kInput);
    if (graph) {
      check(cudaGraphLaunch(exec, stream), "launching the graph");
      mark(kGraph);
    } else {
      enqueue();
    }
    check(cudaEventRecord(done, stream), "signalling the caller's stream");
    check(cudaStreamWaitEvent(caller, done, 0), "signalling the caller's stream");
  }

  // Records enqueue() into a graph on the step's stream. Any failure leaves `failed` set (runs
  // are then eager) and the stream out of capture mode.
  void capture() {
    if (cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal) != cudaSuccess) {
      cudaGetLastError();
      failed = true;
      return;
    }
    bool ok = true;
    capturing = true;
    try {
      enqueue();
    } catch (const std::exception&) {
      ok = false;
    }
    capturing = false;
    cudaGraph_t graph = nullptr;
    const cudaError_t end = cudaStreamEndCapture(stream, &graph);
    if (ok && end == cudaSuccess && graph) {
#if CUDART_VERSION >= 12000
      ok = cudaGraphInstantiate(&exec, graph, 0) == cudaSuccess;
#else
      ok = cudaGraphInstantiate(&exec, graph, nullptr, nullptr, 0) == cudaSuccess;
#endif
    } else {
      ok = false;
    }
    if (graph) cudaGraphDestroy(graph);
    if (!ok) {
      if (exec) cudaGraphExecDestroy(exec);
      exec = nullptr;
      cudaGetLastError();  // clear the capture's error; eager launches follow
      failed = true;
    }
  }
};

DecodeStep::DecodeStep(DecodeModel model) : impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  d.m = std::move(model);
  const auto& m = d.m;
  if (m.hidden < 1 || m.heads < 1 || m.kv_heads < 1 || m.intermediate < 1 || m.vocab < 1 || m.capacity < 1)
    misfit("empty model shape");
  if (m.heads % m.kv_heads != 0) misfit("query heads are not a multiple of the KV heads");
  if (m.head_dim < 2 || m.head_dim % 2 != 0 || m.head_dim > kMaxHeadDim)
    misfit("head size " + std::to_string(m.head_dim) + " is not even and at most " + std::to_string(kMaxHeadDim));
  if (m.capacity > (std::int64_t{1} << 24)) misfit("positions beyond 2^24 are not exact in f32 angles");
  if (!m.inv_freq || !m.output_norm) misfit("missing RoPE frequencies or output norm");
  const auto qd = m.heads * m.head_dim, kvd = m.kv_heads * m.head_dim;
  check_matrix(m.embedding, m.vocab, m.hidden, m.type, "token embedding");
  check_matrix(m.head, m.vocab, m.hidden, m.type, "output head");
  for (std::size_t l = 0; l < m.layers.size(); ++l) {
    const auto& y = m.layers[l];
    const auto n = "layer " + std::to_string(l) + " ";
    check_matrix(y.q, qd, m.hidden, m.type, n + "q");
    check_matrix(y.k, kvd, m.hidden, m.type, n + "k");
    check_matrix(y.v, kvd, m.hidden, m.type, n + "v");
    check_matrix(y.o, m.hidden, qd, m.type, n + "output projection");
    check_matrix(y.gate, m.intermediate, m.hidden, m.type, n + "gate");
    check_matrix(y.up, m.intermediate, m.hidden, m.type, n + "up");
    check_matrix(y.down, m.hidden, m.intermediate, m.type, n + "down");
    if (!y.attn_norm || !y.ffn_norm || !y.k_cache || !y.v_cache) misfit(n + "misses a norm or its KV cache");
    if ((y.post_attn_norm == nullptr) != (y.post_ffn_norm == nullptr)) misfit(n + "has one post-norm of two");
  }
  d.shape.heads = static_cast<int>(m.heads);
  d.shape.kv_heads = static_cast<int>(m.kv_heads);
  d.shape.head_dim = static_cast<int>(m.head_dim);
  d.shape.capacity = m.capacity;
  d.shape.splits = attention_one_pass_splits(m.capacity);
  d.shape.scale = m.query_scale;
  d.shape.softcap = m.attn_softcap;

  // One allocation, carved into 256-byte aligned pieces.
  const auto e = element_bytes(m.type);
  std::uint64_t offset = 0;
  std::vector<std::pair<void**, std::uint64_t>> pieces;
  const auto piece = [&](void** p, std::uint64_t n) {
    pieces.emplace_back(p, offset);
    offset += (n + 255) / 256 * 256;
  };
  piece(reinterpret_cast<void**>(&d.input), sizeof(DecodeStepInput));
  piece(&d.h, m.hidden * e);
  piece(&d.a, m.hidden * e);
  piece(&d.o, m.hidden * e);
  piece(&d.q, qd * e);
  piece(&d.att, qd * e);
  piece(&d.k, kvd * e);
  piece(&d.v, kvd * e);
  piece(&d.act, m.intermediate * e);
  piece(&d.gate, m.intermediate * e);
  piece(&d.up, m.intermediate * e);
  piece(reinterpret_cast<void**>(&d.partial), attention_scratch_floats(d.shape) * 4);
  piece(reinterpret_cast<void**>(&d.counters), (m.heads + 1) * sizeof(unsigned));  // zeroed below, left 0 by each launch
  piece(reinterpret_cast<void**>(&d.logits), m.vocab * 4);
  piece(reinterpret_cast<void**>(&d.token_out), sizeof(std::int64_t));
  d.bytes = offset;
  check(cudaMalloc(&d.memory, d.bytes), "allocating scratch");
  for (auto& [p, off] : pieces) *p = static_cast<char*>(d.memory) + off;
  check(cudaMemset(d.memory, 0, d.bytes), "clearing scratch");
  check(cudaStreamCreateWithFlags(&d.stream, cudaStreamNonBlocking), "creating its stream");
  check(cudaEventCreateWithFlags(&d.ready, cudaEventDisableTiming), "creating an event");
  check(cudaEventCreateWithFlags(&d.done, cudaEventDisableTiming), "creating an event");
}

DecodeStep::~DecodeStep() = default;

void DecodeStep::run(std::int64_t token, std::int64_t position, bool use_graph, void* caller_stream) {
  auto& d = *impl_;
  if (token < 0 || token >= d.m.vocab || position < 0 || position >= d.m.capacity)
    throw std::out_of_range("decode step: token or position out of range");
  bool graph = false;
  d.launch(token, position, use_graph, static_cast<cudaStream_t>(caller_stream), graph);
  d.end_chain(graph);
}

std::int64_t DecodeStep::run_greedy(std::int64_t token, std::int64_t position, bool use_graph, void* caller_stream,
                                    const std::vector<std::int64_t>& penalized, double penalty) {
  auto& d = *impl_;
  if (token < 0 || token >= d.m.vocab || position < 0 || position >= d.m.capacity)
    throw std::out_of_range("decode step: token or position out of range");
  if (!(penalty > 0)) throw std::invalid_argument("decode step: the repetition penalty must be > 0");
  const auto count = penalty == 1.0 ? std::int64_t{0} : static_cast<std::int64_t>(penalized.size());
  if (count + 1 > d.ids_capacity || !d.host) {  // grow the id buffers (before queueing: frees wait for the stream)
    const auto want = std::max<std::int64_t>(count + 1, 256);
    check(cudaStreamSynchronize(d.stream), "waiting before growing the pick buffers");
    if (d.ids) cudaFree(d.ids);
    if (d.host) cudaFreeHost(d.host);
    d.ids = nullptr;
    d.host = nullptr;
    d.ids_capacity = 0;
    check(cudaMalloc(reinterpret_cast<void**>(&d.ids), static_cast<std::size_t>(want) * sizeof(std::int64_t)),
          "allocating the penalized ids");
    check(cudaHostAlloc(reinterpret_cast<void**>(&d.host), static_cast<std::size_t>(want + 1) * sizeof(std::int64_t),
                        cudaHostAllocDefault),
          "allocating pinned memory for the pick");
    d.ids_capacity = want;
  }
  bool graph = false;
  d.launch(token, position, use_graph, static_cast<cudaStream_t>(caller_stream), graph);
  if (count > 0) {
    std::copy(penalized.begin(), penalized.end(), d.host + 1);
    check(cudaMemcpyAsync(d.ids, d.host + 1, static_cast<std::size_t>(count) * sizeof(std::int64_t), cudaMemcpyHostToDevice,
                          d.stream),
          "copying the penalized ids");
  }
  pick_greedy(d.logits, d.m.vocab, d.ids, static_cast<int>(count), penalty, d.token_out, d.stream);
  d.mark(kPick);
  check(cudaMemcpyAsync(d.host, d.token_out, sizeof(std::int64_t), cudaMemcpyDeviceToHost, d.stream), "copying the token");
  check(cudaStreamSynchronize(d.stream), "waiting for the picked token");
  d.end_chain(graph);
  return d.host[0];
}

void DecodeStep::set_profiling(bool on) { impl_->profiling = on; }

std::vector<DecodeStep::ProfileEntry> DecodeStep::profile() const {
  std::vector<ProfileEntry> r;
  for (int k = 0; k < kKinds; ++k)
    if (impl_->launches[k] > 0) r.push_back({kKindNames[k], impl_->totals[k], impl_->launches[k]});
  return r;
}
std::int64_t DecodeStep::profiled_runs() const { return impl_->runs; }
std::int64_t DecodeStep::profiled_graph_runs() const { return impl_->graph_runs; }

const float* DecodeStep::logits() const { return impl_->logits; }
bool DecodeStep::graph_ready() const { return impl_->exec != nullptr; }
bool DecodeStep::graph_failed() const { return impl_->failed; }
std::uint64_t DecodeStep::device_bytes() const { return impl_->bytes; }

}  // namespace ebsd::gpu::cuda
